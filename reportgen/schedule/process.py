"""Running one reportgen command as a child process, and telling whether a recorded process lives.

Jobs run as `python -m reportgen -q -C <workspace> <command…>` in a child process rather than
in-process: a crash, a hang or a leaked global in one document command cannot corrupt the next
run or the ledger, a timeout can kill it, and its whole output goes to the run's log file.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.engine.manifest import RUN_LOG_NAME
from reportgen.processes import end_children_with_me, pid_alive, process_started

LOG_NAME = RUN_LOG_NAME
HEARTBEAT_SECONDS = 30.0
# Exit codes of reportgen (README, errors.py), for the error text of a failed run.
EXIT_MEANINGS = {
    1: "运行出错",
    2: "命令用法错误",
    3: "配置错误",
    4: "数据问题",
    5: "地点/学校无法确定",
    6: "模板错误",
    7: "部分记录生成失败",
    8: "缺少外部程序",
    9: "计划任务配置错误",
}


@dataclass
class ExecSpec:
    """One command to run: reportgen arguments, where, with which environment and limits."""

    argv: list[str]
    global_args: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    timeout: dt.timedelta
    heartbeat: Callable[[], None] = field(default=lambda: None)
    # called with the command's pid and start (epoch seconds) as soon as it runs: the ledger
    # records them, so a command that outlives run-due is known to be running
    started: Callable[[int, float], None] = field(default=lambda pid, at: None)


@dataclass
class Execution:
    exit_code: int
    output: str  # what the command printed (stdout and stderr, interleaved)
    timed_out: bool = False
    timeout: dt.timedelta | None = None  # the limit it ran under (said when it timed out)

    def error_text(self) -> str | None:
        if self.exit_code == 0:
            return None
        if self.timed_out:
            seconds = int(self.timeout.total_seconds()) if self.timeout else 0
            limit = (
                f"（时限 {seconds // 60} 分钟）"
                if seconds >= 60
                else f"（时限 {seconds} 秒）"
                if seconds
                else ""
            )
            head = f"超时{limit}，已终止"
        else:
            meaning = EXIT_MEANINGS.get(self.exit_code, "异常退出")
            head = f"退出码 {self.exit_code}（{meaning}）"
        lines = [x for x in self.output.splitlines() if x.strip()]
        first = next((i for i, x in enumerate(lines) if x.startswith("错误：")), None)
        detail = lines[first : first + 15] if first is not None else lines[-10:]
        return "\n".join([head, *detail])


Executor = Callable[[ExecSpec], Execution]


def subprocess_executor(spec: ExecSpec) -> Execution:
    """Run the command as `python -m reportgen …`, appending its output to spec.log_path."""
    cmd = [sys.executable, "-m", "reportgen", *spec.global_args, *spec.argv]
    # Windows: run-due in a kill-on-close job, so that its command and everything the command
    # started end with it (POSIX: the command's own session, ended as a group by kill_tree)
    job_problem = end_children_with_me()
    spec.log_path.parent.mkdir(parents=True, exist_ok=True)
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    with spec.log_path.open("ab") as log:
        log.write(
            f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')}  reportgen {' '.join(spec.argv)}\n".encode()
        )
        if job_problem:
            log.write(f"提示：{job_problem}；run-due 被强行结束时，命令可能继续运行\n".encode())
        log.flush()
        offset = log.tell()
        proc = subprocess.Popen(
            cmd,
            cwd=spec.cwd,
            env=spec.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            creationflags=flags,
            start_new_session=sys.platform != "win32",  # its own process group: ended as a whole
        )
        deadline = time.monotonic() + spec.timeout.total_seconds()
        timed_out = False
        try:
            spec.started(proc.pid, process_started(proc.pid) or time.time())
        except BaseException:
            kill_tree(proc)
            proc.wait()
            raise
        while True:
            remaining = deadline - time.monotonic()
            try:
                code = proc.wait(timeout=max(0.0, min(HEARTBEAT_SECONDS, remaining)))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    kill_tree(proc)
                    code = proc.wait()
                    timed_out = True
                    break
                spec.heartbeat()
            except BaseException:  # Ctrl-C, SIGTERM (Terminated): stop the child too
                kill_tree(proc)
                proc.wait()
                raise
    with spec.log_path.open("rb") as log:
        log.seek(offset)
        output = log.read().decode("utf-8", errors="replace")
    return Execution(code, output, timed_out, spec.timeout)


class Terminated(BaseException):
    """run-due was asked to stop (SIGTERM: `kill`, systemd stopping the service, a shutdown).
    A BaseException like KeyboardInterrupt: it ends the running command and marks the run."""


def kill_tree(proc: subprocess.Popen) -> None:
    """End a command and every process it started (its pool workers, their LibreOffice): the
    process group on POSIX (the command was started in a session of its own), `taskkill /T` on
    Windows."""
    if not end_group(proc.pid):
        proc.kill()


def end_group(pid: int) -> bool:
    """Kill the process group led by `pid` (a command run-due started in a session of its own),
    or on Windows the process tree; False if it was already gone."""
    if sys.platform == "win32":
        done = subprocess.run(["taskkill", "/T", "/F", "/PID", str(pid)], capture_output=True)
        return done.returncode == 0
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:  # already gone
        return False
    return True


def child_alive(pid: int | None, started: float | None) -> bool:
    """Whether the command recorded as (`pid`, `started`) still runs: the pid is alive and, where
    the system tells start times, the process with it started then (not a later one given the
    same pid). btime is whole seconds, so starts within 2 s are the same."""
    if not pid_alive(pid):
        return False
    now_started = process_started(pid) if pid else None
    return started is None or now_started is None or abs(now_started - started) < 2.0


def this_host() -> str:
    return socket.gethostname()
