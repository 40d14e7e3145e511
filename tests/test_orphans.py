"""When the command is killed, its pool workers and their LibreOffice conversions end with it
(issue 22, part 1): `kill -9` of `card --county --workers 2 --pdf`, and a scheduled run's timeout,
leave no process converting on into the output folder."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen.schedule.process import ExecSpec, subprocess_executor

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not shutil.which("soffice"),
    reason="reads /proc; converts with LibreOffice",
)


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("orphans")
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_DB"}
    done = subprocess.run([sys.executable, "-m", "reportgen", "-q", "demo", "--out", "demo"], cwd=folder,
                          capture_output=True, text=True, env=env, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder / "demo" / "_示例工作区"


def _processes_about(path: Path) -> list[tuple[int, str]]:
    """Live processes whose command line names `path` (the command, its forked workers, and the
    LibreOffice converting a file of that folder)."""
    mark = str(path).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if mark in cmdline and state != "Z":
            found.append(
                (int(entry.name), cmdline.replace(b"\0", b" ").decode(errors="replace")[:120])
            )
    return found


def _wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _command(ws: Path, out: Path) -> list[str]:
    return ["-C", str(ws), "card", "--county", "--workers", "2", "--pdf", "--out", str(out)]


def test_kill_9_of_the_command_ends_its_workers_and_their_conversions(demo_workspace, tmp_path):
    out = tmp_path / "卡片"
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_DB"}
    proc = subprocess.Popen([sys.executable, "-m", "reportgen", *_command(demo_workspace, out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)  # fmt: skip
    try:
        # the command, two workers and a conversion under way
        assert _wait_for(lambda: len(_processes_about(out)) >= 3, 60), _processes_about(out)
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = _wait_for(lambda: not _processes_about(out), 10)
        assert left, f"still running after the command was killed: {_processes_about(out)}"
        files = sorted(p.name for p in out.rglob("*"))
        time.sleep(2)
        assert sorted(p.name for p in out.rglob("*")) == files  # nothing writes on
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass


def test_a_scheduled_runs_timeout_ends_the_whole_process_tree(demo_workspace, tmp_path):
    out = tmp_path / "卡片"
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_DB"}
    spec = ExecSpec(argv=_command(demo_workspace, out)[2:], global_args=["-C", str(demo_workspace)],
                    cwd=tmp_path, env=env, log_path=tmp_path / "run.log", timeout=dt.timedelta(seconds=4))  # fmt: skip
    result = subprocess_executor(spec)
    assert result.timed_out and result.exit_code != 0
    assert _wait_for(lambda: not _processes_about(out), 5), _processes_about(out)
