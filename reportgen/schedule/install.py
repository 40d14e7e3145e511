"""The operating system's half of scheduling: something that calls `reportgen schedule run-due`
regularly and again after the computer was off — a Windows Task Scheduler task (StartWhenAvailable,
IgnoreNew), a systemd user timer (Persistent=true) or a crontab line. run-due itself decides what
is due and catches up; these only have to call it often enough.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from reportgen.errors import ScheduleError
from reportgen.redact import without_password

EVERY_CHOICES = (5, 10, 15, 20, 30, 60)
Run = Callable[..., subprocess.CompletedProcess]


class InstallError(ScheduleError):
    """Raised when --write is asked for on a system it does not apply to, or the system tool fails."""


def unit_name(workspace: Path) -> str:
    """A stable ASCII name per workspace: reportgen-schedule-<8 hex>."""
    digest = hashlib.sha1(str(workspace).encode("utf-8")).hexdigest()[:8]
    return f"reportgen-schedule-{digest}"


def python_for(platform: str) -> str:
    """The Python to call: this one on this platform (pythonw.exe on Windows: no console window)."""
    if platform == "windows":
        if sys.platform != "win32":
            return "pythonw.exe"
        windowless = Path(sys.executable).with_name("pythonw.exe")
        return str(windowless if windowless.exists() else Path(sys.executable))
    return sys.executable


def run_due_args(workspace: Path, db_option: str | None = None) -> list[str]:
    args = ["-m", "reportgen", "-q", "-C", str(workspace)]
    if db_option:
        # Timer definitions are readable by others (crontab -l, unit files, Task Scheduler):
        # never a password in them.
        args += ["--db", without_password(db_option)[0]]
    return args + ["schedule", "run-due"]


def _check_every(every: int) -> None:
    if every not in EVERY_CHOICES:
        raise ScheduleError(f"--every 应为 {'、'.join(map(str, EVERY_CHOICES))} 分钟之一")


def windows_task_xml(
    workspace: Path,
    python: str,
    *,
    every: int = 60,
    start: dt.date = dt.date(2024, 1, 1),
    db_option: str | None = None,
    user: str | None = None,
) -> str:
    """Task Scheduler XML: every `every` minutes all day; a start missed while the PC was off runs
    as soon as it is on (StartWhenAvailable); never two at once (IgnoreNew)."""
    _check_every(every)
    arguments = subprocess.list2cmdline(run_due_args(workspace, db_option))
    user_id = f"\n      <UserId>{escape(user)}</UserId>" if user else ""
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{escape(f"reportgen 计划任务：按工作目录 {workspace} 中的 schedule.toml 生成到期的文书")}</Description>
    <URI>\\reportgen\\{unit_name(workspace)}</URI>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      <Repetition>
        <Interval>PT{every}M</Interval>
        <Duration>P1D</Duration>
        <StopAtDurationEnd>false</StopAtDurationEnd>
      </Repetition>
      <StartBoundary>{start.isoformat()}T00:00:00</StartBoundary>
      <Enabled>true</Enabled>
      <ScheduleByDay>
        <DaysInterval>1</DaysInterval>
      </ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">{user_id}
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT12H</ExecutionTimeLimit>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(python)}</Command>
      <Arguments>{escape(arguments)}</Arguments>
      <WorkingDirectory>{escape(str(workspace))}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def _systemd_quote(arg: str) -> str:
    arg = arg.replace("%", "%%")  # % starts a unit-file specifier
    if any(c in arg for c in " \t\"\\'") or not arg:
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return arg


def systemd_units(
    workspace: Path, python: str, *, every: int = 60, db_option: str | None = None
) -> dict[str, str]:
    """A user service running run-due once and a timer calling it; Persistent=true makes a
    start missed while the computer was off happen at the next boot/login."""
    _check_every(every)
    name = unit_name(workspace)
    exec_start = " ".join(_systemd_quote(a) for a in [python, *run_due_args(workspace, db_option)])
    calendar = "hourly" if every == 60 else f"*:0/{every}"
    description = f"reportgen 计划任务（{workspace}）".replace("%", "%%")
    service = f"""[Unit]
Description={description}

[Service]
Type=oneshot
WorkingDirectory={str(workspace).replace("%", "%%")}
Environment=PYTHONUTF8=1
ExecStart={exec_start}
"""
    timer = f"""[Unit]
Description={description}

[Timer]
OnCalendar={calendar}
Persistent=true
AccuracySec=1min
Unit={name}.service

[Install]
WantedBy=timers.target
"""
    return {f"{name}.service": service, f"{name}.timer": timer}


def crontab_line(
    workspace: Path, python: str, *, every: int = 60, db_option: str | None = None
) -> str:
    """One crontab line. cron does not catch up by itself; run-due does, whenever it next runs."""
    _check_every(every)
    when = "0 * * * *" if every == 60 else f"*/{every} * * * *"
    command = " ".join(shlex.quote(a) for a in [python, *run_due_args(workspace, db_option)])
    command = f"cd {shlex.quote(str(workspace))} && PYTHONUTF8=1 {command} >/dev/null 2>&1"
    return f"{when} {command.replace('%', chr(92) + '%')}  # {unit_name(workspace)}"


# -- installing (--write) --


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InstallError(message)


def _call(run: Run, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        result = run(args, capture_output=True, text=True, **kwargs)
    except OSError as exc:
        raise InstallError(f"无法运行 {args[0]}：{exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip()
        raise InstallError(f"{' '.join(args[:3])} 失败（退出码 {result.returncode}）：{detail}")
    return result


def install_windows(workspace: Path, xml: str, run: Run = subprocess.run) -> str:
    """Register the task with schtasks (for the current user); returns the task name."""
    _require(
        sys.platform == "win32",
        "--write 只能在 Windows 电脑上安装“任务计划程序”任务。请在那台电脑上运行本命令，"
        "或用 --save 任务.xml 保存后在“任务计划程序”中“导入任务”。",
    )
    name = f"reportgen\\{unit_name(workspace)}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "task.xml"
        path.write_text(xml, encoding="utf-16")
        _call(run, ["schtasks", "/Create", "/TN", name, "/XML", str(path), "/F"])
    return name


def install_systemd(
    units: dict[str, str], home: Path | None = None, run: Run = subprocess.run
) -> list[Path]:
    """Write the units to ~/.config/systemd/user and enable the timer."""
    _require(
        sys.platform.startswith("linux") and shutil.which("systemctl") is not None,
        "--write --systemd 只能在使用 systemd 的 Linux 上安装（本机没有 systemctl）。"
        "可改用 --cron，或把打印出的内容手工保存。",
    )
    folder = (home or Path.home()) / ".config" / "systemd" / "user"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in units.items():
        path = folder / filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    timer = next(name for name in units if name.endswith(".timer"))
    _call(run, ["systemctl", "--user", "daemon-reload"])
    _call(run, ["systemctl", "--user", "enable", "--now", timer])
    return written


def install_cron(line: str, marker: str, run: Run = subprocess.run) -> str:
    """Replace this workspace's line (found by its marker comment) in the user's crontab."""
    _require(
        sys.platform != "win32" and shutil.which("crontab") is not None,
        "--write --cron 只能在装有 cron 的 Linux/Unix 上安装（本机没有 crontab 命令）。",
    )
    try:
        current = run(["crontab", "-l"], capture_output=True, text=True)
    except OSError as exc:
        raise InstallError(f"无法运行 crontab：{exc}") from None
    lines = current.stdout.splitlines() if current.returncode == 0 else []
    kept = [x for x in lines if not x.rstrip().endswith(f"# {marker}")]
    text = "\n".join([*kept, line]) + "\n"
    _call(run, ["crontab", "-"], input=text)
    return text
