"""Whether a process runs: one answer for the scheduler (is a recorded run alive), the pool
workers (is the parent gone) and the output folders (is the run that left a temp file alive).
Only the standard library: every layer may import it."""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process that has ended but not been reaped (an orphan waits for init to reap it): it
    answers signal 0 but runs no more. Linux /proc tells; elsewhere assume it is not one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[:1] == ["Z"]


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
