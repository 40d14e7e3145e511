"""Whether a process runs: one answer for the scheduler (is a recorded run alive), the pool
workers (is the parent gone) and the output folders (is the run that left a temp file alive).
Only the standard library: every layer may import it."""

from __future__ import annotations

import ctypes
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


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command's name (field 3, the state, first), or
    None where there is no /proc or no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _zombie(pid: int) -> bool:
    """A process that has ended but not been reaped (an orphan waits for init to reap it): it
    answers signal 0 but runs no more. Linux /proc tells; elsewhere assume it is not one."""
    return (_stat(pid) or [""])[0] == "Z"


def process_started(pid: int) -> float | None:
    """When process `pid` started (epoch seconds, to about 0.01 s), where the system tells
    (Linux /proc); None elsewhere or if it is gone."""
    fields = _stat(pid)
    try:
        ticks = int(fields[19]) if fields else None  # field 22, starttime
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return None if ticks is None else boot + ticks / os.sysconf("SC_CLK_TCK")


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


# -- Windows: a job object that ends this process's children with it --

JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9  # JobObjectExtendedLimitInformation


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_ulonglong) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]  # fmt: skip


class _BasicLimits(ctypes.Structure):  # JOBOBJECT_BASIC_LIMIT_INFORMATION
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _ExtendedLimits(ctypes.Structure):  # JOBOBJECT_EXTENDED_LIMIT_INFORMATION
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


_JOB: list[int] = []  # the job's handle, kept open for the life of the process


def end_children_with_me() -> str | None:
    """On Windows, put this process in a job object that kills every process in it when its last
    handle closes (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE): this process holds the only handle, so
    when it ends — normally, killed in the Task Manager, or by a scheduler's timeout — its pool
    workers and their LibreOffice end with it (processes started later inherit the job). Once per
    process; elsewhere a no-op (Linux: PR_SET_PDEATHSIG and the workers' parent watch). Returns
    why it could not be done (said to the user), or None."""
    if sys.platform != "win32" or _JOB:
        return None
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    kernel32.SetInformationJobObject.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
    ]
    kernel32.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        return f"无法创建 Windows 作业对象（错误 {ctypes.get_last_error()}）"
    info = _ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    if not kernel32.SetInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS,
                                            ctypes.byref(info), ctypes.sizeof(info)):  # fmt: skip
        return f"无法设置 Windows 作业对象（错误 {ctypes.get_last_error()}）"
    if not kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()):
        # in a job that allows no nesting (before Windows 8): the workers' parent watch remains
        return f"无法加入 Windows 作业对象（错误 {ctypes.get_last_error()}）"
    _JOB.append(job)
    return None
