"""Windows: a reportgen process that starts workers or a scheduled command is put in a job object
that kills everything in it when the process ends (issue 22, part 1; reportgen/processes.py).

The real test runs on Windows only; on every platform the structure handed to the kernel is
checked against its documented layout (a wrong size makes SetInformationJobObject fail)."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import time

import pytest

from reportgen.processes import _BasicLimits, _ExtendedLimits, end_children_with_me, pid_alive


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="the 64-bit layout")
def test_the_limit_structures_have_the_kernels_64_bit_layout():
    # JOBOBJECT_BASIC_LIMIT_INFORMATION: 64 bytes; JOBOBJECT_EXTENDED_LIMIT_INFORMATION: 144
    assert ctypes.sizeof(_BasicLimits) == 64
    assert ctypes.sizeof(_ExtendedLimits) == 144
    assert _BasicLimits.LimitFlags.offset == 16 and _ExtendedLimits.IoInfo.offset == 64


@pytest.mark.skipif(sys.platform == "win32", reason="elsewhere")
def test_elsewhere_it_is_a_no_op():
    assert end_children_with_me() is None


PARENT = """
import subprocess, sys, time
from reportgen.processes import end_children_with_me
assert end_children_with_me() is None
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform != "win32", reason="a Windows job object")
def test_killing_the_process_ends_what_it_started():  # pragma: no cover - Windows only
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert pid_alive(child)
    parent.kill()  # TerminateProcess, as the Task Manager or a scheduler's timeout
    parent.wait()
    deadline = time.monotonic() + 10
    while pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(child)
