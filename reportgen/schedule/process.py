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

LOG_NAME = "运行日志.txt"
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


@dataclass
class Execution:
    exit_code: int
    output: str  # what the command printed (stdout and stderr, interleaved)
    timed_out: bool = False

    def error_text(self) -> str | None:
        if self.exit_code == 0:
            return None
        if self.timed_out:
            head = "超时，已终止"
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
    spec.log_path.parent.mkdir(parents=True, exist_ok=True)
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    with spec.log_path.open("ab") as log:
        log.write(
            f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')}  reportgen {' '.join(spec.argv)}\n".encode()
        )
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
            except BaseException:  # Ctrl-C: stop the child too
                kill_tree(proc)
                proc.wait()
                raise
    with spec.log_path.open("rb") as log:
        log.seek(offset)
        output = log.read().decode("utf-8", errors="replace")
    return Execution(code, output, timed_out)


def kill_tree(proc: subprocess.Popen) -> None:
    """End a command and every process it started (its pool workers, their LibreOffice): the
    process group on POSIX (the command was started in a session of its own), `taskkill /T` on
    Windows."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True)
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:  # already gone
        proc.kill()


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id runs on this computer (a reused id counts as alive)."""
    if not pid or pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    # os.kill on Windows terminates the process whatever the signal; ask the kernel instead.
    if sys.platform != "win32":  # tells the type checker which ctypes this is
        raise OSError("Windows only")
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    process_query_limited_information = 0x1000
    still_active = 259
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
