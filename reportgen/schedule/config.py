"""schedule.toml: the workspace's scheduled jobs, validated all at once.

The key tables below are the single declaration of what a schedule file may say; they drive
validation and a test that every key is documented in docs/计划任务.md. An invalid file raises
ScheduleError naming the line and the reason, before anything runs or is recorded.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportgen.errors import ScheduleError
from reportgen.schedule.periods import PLACEHOLDERS, UNIT_NAMES, UNITS, Period, parse_period
from reportgen.schedule.triggers import Trigger, parse_trigger
from reportgen.tomlfile import TomlSyntaxError, parse_toml

SCHEDULE_NAME = "schedule.toml"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_OUTPUT = "计划任务/{job}/{period}"


@dataclass(frozen=True)
class Key:
    name: str
    default: Any
    help: str


TOP_KEYS = (
    Key("timezone", DEFAULT_TIMEZONE, "时区（IANA 名称）；Windows 需安装 tzdata 包"),
    Key(
        "max_missed",
        24,
        "一个任务一次最多补（或跳过）几期；更多时多半是时钟错了，须 run-due --yes 确认（1—1000）",
    ),
)
JOB_KEYS = (
    Key("name", None, "任务名称（必填，不可重复；改名等于新任务）"),
    Key("trigger", None, "触发时间（必填）：monthly/quarterly/yearly/daily 预设或 cron 表达式"),
    Key("period", None, "报告期（必填）：previous 上一期，current 本期"),
    Key("period_unit", None, "报告期单位：month/quarter/year/day；预设可省略，cron 必填"),
    Key("command", None, "reportgen 命令及选项（必填，列表），可含 {period} 等占位符"),
    Key(
        "output",
        None,
        "输出文件夹，可含占位符；给出时自动加 --out（命令已有 --out 或 {output} 除外）",
    ),
    Key("retries", 2, "失败后重试几次（0—10）"),
    Key("retry_delay", 10, "第一次重试前等待的分钟数，之后每次加倍"),
    Key(
        "catch_up",
        "all",
        "关机错过多期时：all 逐期补齐（月、季、年任务的默认），latest 只补最近一期（日任务的默认）",
    ),
    Key("timeout", 120, "一次运行最长分钟数，超时按失败处理"),
    Key("start", None, "从这天起的期次才运行（日期）；默认从第一次运行 run-due 起"),
    Key("enabled", True, "false 暂停此任务"),
    Key(
        "require_import_after",
        None,
        '"period_end"：最近一次导入须晚于报告期末才运行（否则等导入新数据）；不写时照常运行，结果中提醒数据较旧',
    ),
    Key("notify", None, "运行结束后的通知（表 [job.notify]）"),
)
NOTIFY_KEYS = (
    Key("summary", True, "在输出文件夹写“运行结果.txt”"),
    Key("email", [], "收件人列表；需要 [smtp]"),
    Key("email_on", "always", "何时发邮件：always 每次结束，failure 仅最终失败"),
)
SMTP_KEYS = (
    Key("host", None, "SMTP 服务器（必填）"),
    Key("port", 25, "端口：25，STARTTLS 一般 587，SSL 一般 465"),
    Key("ssl", False, "是否用 SSL 连接（端口 465）"),
    Key("starttls", False, "是否用 STARTTLS（端口 587）"),
    Key("user", "", "登录用户名；空则不登录"),
    Key("password_env", "", "存放密码的环境变量名（密码不写进文件）"),
    Key("from", None, "发件人地址（必填）"),
    Key("timeout", 30, "连接超时秒数"),
)
_NAME_FORBIDDEN = re.compile(r'[\s/\\:*?"<>|{}]')


@dataclass(frozen=True)
class Notify:
    summary: bool = True
    email: tuple[str, ...] = ()
    email_on: str = "always"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str = ""
    password_env: str = ""
    ssl: bool = False
    starttls: bool = False
    timeout: int = 30


@dataclass(frozen=True)
class Job:
    """One scheduled job: when it fires, which period a run reports on, and what it runs."""

    name: str
    trigger: Trigger
    trigger_text: str
    period: str  # previous / current
    unit: str
    command: tuple[str, ...]
    output: str | None = None
    retries: int = 2
    retry_delay: dt.timedelta = dt.timedelta(minutes=10)
    catch_up: str = "latest"
    timeout: dt.timedelta = dt.timedelta(minutes=120)
    start: dt.datetime | None = None
    enabled: bool = True
    notify: Notify = field(default_factory=Notify)
    require_import_after: str | None = None  # "period_end": wait for data imported after it

    def period_for(self, fire: dt.datetime) -> Period:
        """The period the run fired at `fire` reports on."""
        day = fire.astimezone(self.trigger.tz).date()  # type: ignore[attr-defined]
        current = Period.containing(day, self.unit)
        return current if self.period == "current" else current.previous()

    def backoff(self, failures: int) -> dt.timedelta:
        """The wait before the next attempt after `failures` failed ones: delay, 2×, 4× …"""
        return self.retry_delay * (2 ** max(failures - 1, 0))

    def render(self, period: Period, fire: dt.datetime, workspace: Path) -> tuple[list[str], Path]:
        """The reportgen arguments and the output folder of the run for `period`."""
        values = period.values()
        values["run_date"] = fire.astimezone(self.trigger.tz).date().isoformat()  # type: ignore[attr-defined]
        values["job"] = self.name
        out = Path(_fill(self.output or DEFAULT_OUTPUT, values))
        out = out if out.is_absolute() else workspace / out
        values["output"] = str(out)
        argv = [_fill(arg, values) for arg in self.command]
        has_out = any(a == "--out" or a.startswith("--out=") for a in self.command)
        if self.output and not has_out and not any("{output}" in a for a in self.command):
            argv += ["--out", str(out)]
        return argv, out


@dataclass(frozen=True)
class Schedule:
    path: Path
    tz: ZoneInfo
    jobs: tuple[Job, ...]
    smtp: SmtpSettings | None = None
    max_missed: int = 24  # more periods at once than this: the clock is probably wrong

    def job(self, name: str) -> Job:
        for job in self.jobs:
            if job.name == name:
                return job
        raise ScheduleError(
            f"{self.path.name} 中没有名为“{name}”的任务；现有：{'、'.join(j.name for j in self.jobs) or '无'}"
        )


def _fill(pattern: str, values: dict[str, str]) -> str:
    return pattern.format_map(values)


# a period of each unit, to fill a job's placeholders when its command line is checked
SAMPLE_PERIODS = {u: parse_period(k) for u, k in (("day", "2023-08-15"), ("month", "2023-08"),
                                                  ("quarter", "2023Q3"), ("year", "2023"))}  # fmt: skip
SAMPLE_FIRE = dt.datetime(2023, 9, 1, tzinfo=dt.timezone.utc)

# Checks a job's reportgen arguments (placeholders filled for a sample period) with the command's
# own parser, without running it: the reason in Chinese, or None if they parse. The CLI layer
# provides it (only reportgen/cli knows click).
ArgsCheck = Callable[[list[str]], "str | None"]


def load_schedule(workspace: Path, commands: set[str] | None = None,
                  check_args: ArgsCheck | None = None) -> Schedule:  # fmt: skip
    """Read and validate <workspace>/schedule.toml. `commands`: reportgen command names allowed;
    `check_args`: each job's command line checked against the command's options."""
    path = workspace / SCHEDULE_NAME
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScheduleError(
            f"找不到 {path}。请先写好计划任务文件（格式见 docs/计划任务.md，"
            "或运行 reportgen schedule init 生成示例）。"
        ) from None
    except UnicodeDecodeError:
        raise ScheduleError(f"{path} 不是 UTF-8 编码；请用记事本“另存为 UTF-8”。") from None
    return parse_schedule(text, path, commands, check_args)


def parse_schedule(text: str, path: Path, commands: set[str] | None = None,
                   check_args: ArgsCheck | None = None) -> Schedule:  # fmt: skip
    try:
        raw = parse_toml(text)
    except TomlSyntaxError as exc:
        raise ScheduleError(
            f"{path.name} {exc.place}：TOML 格式错误，{exc.hint}（{exc.detail}）"
        ) from None
    return _Parser(text, path, commands, check_args).schedule(raw)


class _Parser:
    """Validates the parsed TOML, turning each problem into 文件 第N行：任务“名”的 键：原因."""

    def __init__(self, text: str, path: Path, commands: set[str] | None,
                 check_args: ArgsCheck | None = None):  # fmt: skip
        self.lines = text.splitlines()
        self.path = path
        self.commands = commands
        self.check_args = check_args

    def fail(
        self, reason: str, job: int | None = None, key: str | None = None, table: str = "job"
    ) -> NoReturn:
        line = self._find_line(job, key, table)
        where = f" 第{line}行" if line else ""
        raise ScheduleError(f"{self.path.name}{where}：{reason}")

    # -- locating a key in the file text (tomllib reports lines only for syntax errors) --

    def _headers(self) -> list[tuple[int, str]]:
        out = []
        for i, line in enumerate(self.lines):
            m = re.match(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?", line)
            if m:
                out.append((i, ("[[" if m.group(1) == "[[" else "[") + m.group(2)))
        return out

    def _region(self, job: int | None, table: str) -> tuple[int, int] | None:
        headers = self._headers()
        ends = [i for i, _ in headers] + [len(self.lines)]
        if job is None:
            if table == "top":
                return 0, ends[0]
            for n, (i, h) in enumerate(headers):
                if h == f"[{table}":
                    return i, ends[n + 1]
            return None
        jobs = [n for n, (_, h) in enumerate(headers) if h == "[[job"]
        if job >= len(jobs):
            return None
        n = jobs[job]
        start, end = headers[n][0], ends[n + 1]
        if table != "job":
            for m in range(n + 1, len(headers)):
                if not headers[m][1].startswith("[job."):
                    break
                if headers[m][1] == f"[job.{table}":
                    return headers[m][0], ends[m + 1]
        return start, end

    def _find_line(self, job: int | None, key: str | None, table: str) -> int | None:
        region = self._region(job, table)
        if region is None:
            return None
        start, end = region
        if key:
            pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
            for i in range(start, end):
                if pattern.match(self.lines[i]):
                    return i + 1
            if table != "job" and job is not None:  # an inline table: notify = { ... }
                return self._find_line(job, table, "job")
        return start + 1

    # -- validation --

    def schedule(self, raw: dict[str, Any]) -> Schedule:
        known = {k.name for k in TOP_KEYS} | {"job", "smtp"}
        for key in raw:
            if key not in known:
                self.fail(f"未知设置“{key}”；可用：{'、'.join(sorted(known))}", None, key, "top")
        tz_name = raw.get("timezone", DEFAULT_TIMEZONE)
        if not isinstance(tz_name, str):
            self.fail('timezone 应为文字，如 "Asia/Shanghai"', None, "timezone", "top")
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            hint = (
                "（Windows 请先安装 tzdata：pip install tzdata）" if sys.platform == "win32" else ""
            )
            self.fail(f"未知时区“{tz_name}”{hint}", None, "timezone", "top")
        smtp = self._smtp(raw["smtp"]) if "smtp" in raw else None
        jobs_raw = raw.get("job", [])
        if not isinstance(jobs_raw, list):
            self.fail("任务应写成 [[job]] 表（每个任务一个）", None, "job", "top")
        jobs: list[Job] = []
        for index, item in enumerate(jobs_raw):
            job = self._job(index, item, tz, smtp)
            if any(j.name == job.name for j in jobs):
                self.fail(f"任务名称“{job.name}”重复", index, "name")
            jobs.append(job)
        max_missed = self._int_range(raw, "max_missed", 24, 1, 1000, None, "top", "")
        return Schedule(self.path, tz, tuple(jobs), smtp, max_missed)

    def _smtp(self, raw: Any) -> SmtpSettings:
        if not isinstance(raw, dict):
            self.fail("smtp 应为表 [smtp]", None, "smtp", "top")
        self._unknown(raw, SMTP_KEYS, "[smtp]", None, "smtp")
        for key in ("host", "from"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                self.fail(f"[smtp] 缺少 {key}（文字）", None, key if key in raw else None, "smtp")
        for key in ("user", "password_env"):
            if not isinstance(raw.get(key, ""), str):
                self.fail(f"[smtp] 的 {key} 应为文字", None, key, "smtp")
        for key in ("ssl", "starttls"):
            if not isinstance(raw.get(key, False), bool):
                self.fail(f"[smtp] 的 {key} 应为 true 或 false", None, key, "smtp")
        ssl = raw.get("ssl", False)
        port = raw.get("port", 465 if ssl else 25)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            self.fail(f"[smtp] 的 port 应为 1—65535 的整数，实为 {port!r}", None, "port", "smtp")
        timeout = self._int_range(raw, "timeout", 30, 1, 600, None, "smtp", "[smtp] 的")
        return SmtpSettings(
            raw["host"].strip(), port, raw["from"].strip(), raw.get("user", ""),
            raw.get("password_env", ""), ssl, raw.get("starttls", False), timeout,
        )  # fmt: skip

    def _unknown(self, raw: dict, keys: tuple[Key, ...], what: str, job: int | None, table: str):
        names = {k.name for k in keys}
        for key in raw:
            if key not in names:
                self.fail(f"{what}有未知设置“{key}”；可用：{'、'.join(k.name for k in keys)}", job, key, table)  # fmt: skip

    def _int_range(self, raw, key, default, low, high, job, table, what) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{what} {key} 应为 {low}—{high} 的整数，实为 {value!r}", job, key, table)
        return value

    def _job(self, index: int, raw: Any, tz: ZoneInfo, smtp: SmtpSettings | None) -> Job:
        if not isinstance(raw, dict):
            self.fail(f"第{index + 1}个任务应为表 [[job]]", index)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.fail(
                f"第{index + 1}个任务缺少 name（任务名称）",
                index,
                "name" if "name" in raw else None,
            )
        if _NAME_FORBIDDEN.search(name) or len(name) > 64:
            self.fail(f"任务名称“{name}”不能含空格和 / \\ : * ? \" < > | {{ }}，且不超过 64 字", index, "name")  # fmt: skip
        what = f"任务“{name}”的"
        self._unknown(raw, JOB_KEYS, f"任务“{name}”", index, "job")
        for key in ("trigger", "period", "command"):
            if key not in raw:
                self.fail(f"任务“{name}”缺少 {key}（{next(k.help for k in JOB_KEYS if k.name == key)}）", index)  # fmt: skip

        trigger_text = raw["trigger"]
        if not isinstance(trigger_text, str):
            self.fail(f'{what} trigger 应为文字，如 "monthly day=3 at=08:00"', index, "trigger")
        try:
            trigger = parse_trigger(trigger_text, tz)
        except ValueError as exc:
            self.fail(f"{what} trigger 无效：{exc}", index, "trigger")
        if raw["period"] not in ("previous", "current"):
            self.fail(f"{what} period 应为 \"previous\"（上一期）或 \"current\"（本期），实为 {raw['period']!r}", index, "period")  # fmt: skip
        unit = raw.get("period_unit", trigger.unit)
        if unit is None:
            self.fail(f"{what} trigger 是 cron 表达式，须写 period_unit（{'/'.join(UNITS)}）", index, "trigger")  # fmt: skip
        if unit not in UNITS:
            self.fail(f"{what} period_unit 应为 {'/'.join(UNITS)} 之一，实为 {unit!r}", index, "period_unit")  # fmt: skip

        command = self._command(raw["command"], index, what)
        output = raw.get("output")
        if output is not None:
            if not isinstance(output, str) or not output.strip():
                self.fail(f"{what} output 应为文件夹（文字），如 \"输出/月报/{{period}}\"", index, "output")  # fmt: skip
            self._placeholders(output, index, "output", what)
            if "{output}" in output:
                self.fail(f"{what} output 不能含 {{output}}（它就是 output 本身）", index, "output")
        # each month's, quarter's or year's documents are a deliverable: all are made unless the
        # file says otherwise; a daily job catches up only the latest day
        catch_up = raw.get("catch_up", "latest" if unit == "day" else "all")
        if catch_up not in ("latest", "all"):
            self.fail(f"{what} catch_up 应为 \"latest\" 或 \"all\"，实为 {catch_up!r}", index, "catch_up")  # fmt: skip
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            self.fail(f"{what} enabled 应为 true 或 false", index, "enabled")
        fresh = raw.get("require_import_after")
        if fresh not in (None, "period_end"):
            self.fail(f"{what} require_import_after 只能是 \"period_end\"（报告期末之后导入的数据），实为 {fresh!r}", index, "require_import_after")  # fmt: skip
        if unit in ("day", "month"):
            for key, text in (("command", " ".join(command)), ("output", output or "")):
                if "{quarter}" in text:
                    self.fail(
                        f"{what} {key} 用了 {{quarter}}，但任务按{UNIT_NAMES[unit]}运行：同一季度会生成多次。"
                        "季度文书请用 quarterly 触发（或 period_unit = \"quarter\"）",
                        index, key,
                    )  # fmt: skip
        job = Job(
            name=name,
            trigger=trigger,
            trigger_text=trigger_text,
            period=raw["period"],
            unit=unit,
            command=command,
            output=output,
            retries=self._int_range(raw, "retries", 2, 0, 10, index, "job", what),
            retry_delay=dt.timedelta(
                minutes=self._int_range(raw, "retry_delay", 10, 0, 1440, index, "job", what)
            ),  # fmt: skip
            catch_up=catch_up,
            timeout=dt.timedelta(
                minutes=self._int_range(raw, "timeout", 120, 1, 1440, index, "job", what)
            ),  # fmt: skip
            start=self._start(raw.get("start"), tz, index, what),
            enabled=enabled,
            notify=self._notify(raw.get("notify"), index, what, smtp),
            require_import_after=fresh,
        )
        if self.check_args is not None:
            argv, _ = job.render(SAMPLE_PERIODS[unit], trigger.next(SAMPLE_FIRE), self.path.parent)
            problem = self.check_args(argv)
            if problem:
                self.fail(f"{what} command 在运行时会出错：{problem}（以报告期 {SAMPLE_PERIODS[unit].key} 为例，运行的是 reportgen {' '.join(argv)}）", index, "command")  # fmt: skip
        return job

    def _command(self, raw: Any, index: int, what: str) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw or not all(isinstance(a, str) for a in raw):
            self.fail(f'{what} command 应为非空的文字列表，如 ["monthly", "--month", "{{month}}"]', index, "command")  # fmt: skip
        args = list(raw)
        if args[0] == "reportgen":
            args = args[1:]
        if not args or args[0].startswith("-"):
            self.fail(f"{what} command 应以 reportgen 命令名开头（如 monthly），全局选项 -C、--db 由计划任务自动加上", index, "command")  # fmt: skip
        if args[0] == "schedule":
            self.fail(f"{what} command 不能是 schedule 本身", index, "command")
        if self.commands is not None and args[0] not in self.commands:
            self.fail(f"{what} command 中没有“{args[0]}”这个命令；可用：{'、'.join(sorted(self.commands - {'schedule'}))}", index, "command")  # fmt: skip
        for arg in args:
            if arg in ("-C", "--workspace") or arg.startswith("--workspace="):
                self.fail(f"{what} command 不能含 {arg}：任务总在本工作目录运行", index, "command")
            self._placeholders(arg, index, "command", what)
        return tuple(args)

    def _placeholders(self, text: str, index: int, key: str, what: str) -> None:
        try:
            parts = [p for p in string.Formatter().parse(text) if p[1] is not None]
        except ValueError:
            self.fail(f"{what} {key} 中的大括号不成对：{text}（字面的大括号写成 {{{{ }}}}）", index, key)  # fmt: skip
        for _, f, spec, conv in parts:
            if f not in PLACEHOLDERS or spec or conv:
                self.fail(f"{what} {key} 中有未知占位符 {{{f}}}；可用：{'、'.join('{' + p + '}' for p in PLACEHOLDERS)}", index, key)  # fmt: skip

    def _start(self, raw: Any, tz: ZoneInfo, index: int, what: str) -> dt.datetime | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            try:
                raw = dt.date.fromisoformat(raw)
            except ValueError:
                self.fail(f"{what} start 应为日期，如 2023-09-01，实为 {raw!r}", index, "start")
        if isinstance(raw, dt.datetime):
            return raw.replace(tzinfo=tz) if raw.tzinfo is None else raw
        if isinstance(raw, dt.date):
            return dt.datetime.combine(raw, dt.time(0, 0), tzinfo=tz)
        self.fail(f"{what} start 应为日期，如 2023-09-01，实为 {raw!r}", index, "start")

    def _notify(self, raw: Any, index: int, what: str, smtp: SmtpSettings | None) -> Notify:
        if raw is None:
            return Notify()
        if not isinstance(raw, dict):
            self.fail(f"{what} notify 应为表 [job.notify]", index, "notify")
        self._unknown(raw, NOTIFY_KEYS, f"{what} notify ", index, "notify")
        summary = raw.get("summary", True)
        if not isinstance(summary, bool):
            self.fail(f"{what} notify.summary 应为 true 或 false", index, "summary", "notify")
        email = raw.get("email", [])
        if isinstance(email, str):
            email = [email]
        if not isinstance(email, list) or not all(isinstance(a, str) and "@" in a for a in email):
            self.fail(f"{what} notify.email 应为邮件地址列表，如 [\"a@example.cn\"]", index, "email", "notify")  # fmt: skip
        email_on = raw.get("email_on", "always")
        if email_on not in ("always", "failure"):
            self.fail(f"{what} notify.email_on 应为 \"always\" 或 \"failure\"", index, "email_on", "notify")  # fmt: skip
        if email and smtp is None:
            self.fail(f"{what} notify.email 需要在文件中配置 [smtp]（邮件服务器）", index, "email", "notify")  # fmt: skip
        return Notify(summary, tuple(email), email_on)


def example_schedule_text() -> str:
    """The commented schedule.toml that `reportgen schedule init` writes."""
    return """\
# reportgen 计划任务。说明见 docs/计划任务.md；改完运行 reportgen schedule list 检查。
# 时间按下面的时区计算（默认 Asia/Shanghai）。
timezone = "Asia/Shanghai"

# 每月 3 日 8:00 生成上个月的监测对象新增退出名单（月报）。
[[job]]
name = "月报"
trigger = "monthly day=3 at=08:00"
period = "previous"                  # 9 月 3 日运行时报告 8 月：--month 2023-08
command = ["monthly", "--month", "{month}"]
output = "输出/月报/{period}"         # 自动加上 --out 输出/月报/2023-08
retries = 2                          # 失败后再试 2 次（间隔 10、20 分钟）
catch_up = "all"                     # 关机错过几个月时逐月补齐（默认）；latest 只补最近一个月
# 运行结束后写“运行结果.txt”（默认）；要发邮件，去掉下面的 #（需要文件末尾的 [smtp]）：
# [job.notify]                       # 属于它上面的任务
# email = ["xczxj@example.gov.cn"]
# email_on = "always"                # failure：只在最终失败时发

# 每季度第一个月 5 日生成上一季度的自查报告。
[[job]]
name = "季度自查"
trigger = "quarterly month_offset=0 day=5 at=08:30"
period = "previous"                  # 10 月 5 日运行时报告第三季度：--quarter 2023Q3
command = ["selfcheck", "--quarter", "{quarter}"]
output = "输出/自查报告/{period}"

# [smtp]
# host = "smtp.example.gov.cn"
# port = 25
# user = "xczxj@example.gov.cn"
# password_env = "REPORTGEN_SMTP_PASSWORD"   # 密码放在这个环境变量里，不写进文件
# from = "xczxj@example.gov.cn"
"""
