"""Scheduled generation: triggers on fixed dates, schedule.toml errors with their line, and the
ledger's guarantees (exactly once, catch-up, concurrency, interrupted runs, retries) driven by a
fake clock. A few tests run real `python -m reportgen` children; none sleeps on the clock."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from reportgen.cli import cli
from reportgen.config import load_settings
from reportgen.dataset.store import Dataset
from reportgen.errors import ScheduleError
from reportgen.schedule import Scheduler, parse_period, parse_schedule, parse_trigger, serve
from reportgen.schedule.config import JOB_KEYS, NOTIFY_KEYS, SMTP_KEYS, TOP_KEYS
from reportgen.schedule.install import crontab_line, systemd_units, unit_name, windows_task_xml
from reportgen.schedule.ledger import Ledger
from reportgen.schedule.periods import PLACEHOLDERS
from reportgen.schedule.process import Execution

SH = ZoneInfo("Asia/Shanghai")
COMMANDS = set(cli.commands)
ROOT = Path(__file__).resolve().parents[1]


def at(*args: int) -> dt.datetime:
    """A moment in Asia/Shanghai."""
    return dt.datetime(*args, tzinfo=SH)


class FakeClock:
    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment


class FakeExecutor:
    """Stands in for the child process: records each call; exits with the scripted codes (then 0);
    writes a manifest like a document command when asked."""

    def __init__(self, codes: list[int] | None = None, manifest: bool = False):
        self.codes = list(codes or [])
        self.calls: list = []
        self.manifest = manifest

    def __call__(self, spec) -> Execution:
        self.calls.append(spec)
        code = self.codes.pop(0) if self.codes else 0
        if self.manifest and code == 0:
            out = Path(spec.argv[spec.argv.index("--out") + 1])
            out.mkdir(parents=True, exist_ok=True)
            (out / "a.docx").write_bytes(b"x")
            (out / "manifest.json").write_text(
                json.dumps({"outputs": [{"file": "a.docx", "records": 3, "sha256": "ab"}]}),
                encoding="utf-8",
            )
        return Execution(code, "错误：数据库里没有这个月的数据\n" if code else "ok\n")

    @property
    def argvs(self) -> list[list[str]]:
        return [c.argv for c in self.calls]


MONTHLY = """
[[job]]
name = "月报"
trigger = "monthly day=3 at=08:00"
period = "previous"
command = ["monthly", "--month", "{month}"]
output = "输出/月报/{period}"
catch_up = "%s"
retries = 2
retry_delay = 10
"""


def db_url(ws: Path) -> str:
    """The workspace's database on this test's backend (SQLite file, or REPORTGEN_DB)."""
    return load_settings(ws).db_url


@pytest.fixture
def ws(workspace):
    """A workspace with an empty dataset (the fake executor needs no data)."""
    Dataset.open(db_url(workspace), create=True).dispose()
    return workspace


def scheduler(ws: Path, clock, executor=None, text: str | None = None) -> Scheduler:
    if text is not None:
        (ws / "schedule.toml").write_text(text, encoding="utf-8")
    return Scheduler(ws, clock=clock, executor=executor or FakeExecutor(), commands=COMMANDS)


_engines: dict[str, sa.Engine] = {}


def ledger(ws: Path) -> Ledger:
    url = db_url(ws)
    if url not in _engines:
        _engines[url] = sa.create_engine(url, poolclass=sa.pool.NullPool)
    return Ledger(_engines[url])


def statuses(ws: Path, job: str | None = None) -> list[tuple[str, int, str]]:
    return [(r.period, r.attempt, r.status) for r in ledger(ws).runs(job)]


# -- triggers and periods: pure, on fixed dates --


def fires(trigger_text: str, after: dt.datetime, n: int) -> list[str]:
    trigger = parse_trigger(trigger_text, SH)
    out = []
    for _ in range(n):
        after = trigger.next(after)
        out.append(after.strftime("%Y-%m-%d %H:%M%z"))
    return out


def test_monthly_day_past_the_end_of_a_month_fires_on_its_last_day():
    assert fires("monthly day=31 at=08:00", at(2023, 12, 31, 9), 5) == [
        "2024-01-31 08:00+0800",
        "2024-02-29 08:00+0800",
        "2024-03-31 08:00+0800",
        "2024-04-30 08:00+0800",
        "2024-05-31 08:00+0800",
    ]
    assert fires("monthly day=29 at=00:00", at(2023, 1, 29), 2) == [
        "2023-02-28 00:00+0800",
        "2023-03-29 00:00+0800",
    ]
    assert fires("monthly day=30", at(2024, 1, 31), 2) == [
        "2024-02-29 08:00+0800",
        "2024-03-30 08:00+0800",
    ]
    assert fires("monthly day=last at=23:59", at(2023, 2, 1), 3) == [
        "2023-02-28 23:59+0800",
        "2023-03-31 23:59+0800",
        "2023-04-30 23:59+0800",
    ]
    # cron keeps its own meaning: day 31 skips the months without one.
    assert fires("0 8 31 * *", at(2024, 1, 31, 9), 2) == [
        "2024-03-31 08:00+0800",
        "2024-05-31 08:00+0800",
    ]


def test_next_is_strictly_after_and_month_ends_are_shanghai_month_ends():
    trigger = parse_trigger("monthly day=1 at=00:00", SH)
    assert trigger.next(at(2023, 9, 1, 0, 0)) == at(2023, 10, 1)
    # 16:00 UTC on 30 September is already 1 October in Shanghai: the fire has passed.
    utc = dt.datetime(2023, 9, 30, 16, 0, 1, tzinfo=dt.timezone.utc)
    assert trigger.next(utc) == at(2023, 11, 1)
    assert trigger.next(utc - dt.timedelta(seconds=2)) == at(2023, 10, 1)


def test_quarterly_yearly_and_daily_presets():
    assert fires("quarterly month_offset=0 day=5", at(2023, 7, 5, 8), 3) == [
        "2023-10-05 08:00+0800",
        "2024-01-05 08:00+0800",
        "2024-04-05 08:00+0800",
    ]
    assert fires("quarterly month_offset=2 day=31 at=17:00", at(2023, 1, 1), 4) == [
        "2023-03-31 17:00+0800",
        "2023-06-30 17:00+0800",
        "2023-09-30 17:00+0800",
        "2023-12-31 17:00+0800",
    ]
    assert fires("yearly month=2 day=29", at(2023, 1, 1), 2) == [
        "2023-02-28 08:00+0800",
        "2024-02-29 08:00+0800",
    ]
    assert fires("daily at=07:30", at(2023, 12, 31, 8), 2) == [
        "2024-01-01 07:30+0800",
        "2024-01-02 07:30+0800",
    ]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("weekly day=1", "未知的触发方式"),
        ("monthly day=32", "day 应在 1—31 之间"),
        ("monthly at=8", "时间应为 时:分"),
        ("quarterly month_offset=3", "month_offset 应在 0—2 之间"),
        ("monthly hour=8", "monthly 没有“hour”选项"),
        ("0 8 3 *", "cron 表达式应有 5 项"),
        ("0 25 3 * *", "cron 表达式无效"),
    ],
)
def test_bad_triggers_say_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_trigger(text, SH)


def test_the_period_a_run_reports_on():
    schedule = parse_schedule(
        MONTHLY % "latest"
        + """
[[job]]
name = "本月检查"
trigger = "monthly day=last at=18:00"
period = "current"
command = ["check", "--as-of", "{last_day}"]

[[job]]
name = "季度自查"
trigger = "quarterly month_offset=0 day=5"
period = "previous"
command = ["selfcheck", "--quarter", "{quarter}"]
output = "out/{period}/"
""",
        Path("schedule.toml"),
    )
    monthly, current, quarterly = schedule.jobs
    assert monthly.period_for(at(2023, 9, 3, 8)).key == "2023-08"
    assert current.period_for(at(2023, 2, 28, 18)).key == "2023-02"
    assert quarterly.period_for(at(2024, 1, 5, 8)).key == "2023Q4"
    ws = Path("/ws")
    argv, out = monthly.render(parse_period("2023-08"), at(2023, 9, 3, 8), ws)
    assert argv == ["monthly", "--month", "2023-08", "--out", str(ws / "输出/月报/2023-08")]
    assert out == ws / "输出" / "月报" / "2023-08"
    argv, _ = current.render(parse_period("2024-02"), at(2024, 2, 29, 18), ws)
    assert argv == ["check", "--as-of", "2024-02-29"]  # no output given: no --out added
    argv, out = quarterly.render(parse_period("2023Q4"), at(2024, 1, 5, 8), ws)
    assert argv == ["selfcheck", "--quarter", "2023Q4", "--out", str(ws / "out/2023Q4")]
    assert parse_period("2023Q3").values() == {
        "period": "2023Q3",
        "month": "2023-09",
        "quarter": "2023Q3",
        "year": "2023",
        "first_day": "2023-07-01",
        "last_day": "2023-09-30",
    }


# -- schedule.toml errors: the line and the reason --


def error_of(text: str, commands=COMMANDS) -> str:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text, Path("schedule.toml"), commands)
    return info.value.message


BAD = [
    ('timezone = "Asia/Shanghai"\n[[job]\nname = "x"\n', "schedule.toml 第2行第"),
    ('[[job]]\nname = "x"\ntrigger = "monthly day=3"\nperiod = "previous"\n'
     'command = ["monthly", "--month", "{month}"]\nretries = "3"\n',
     "schedule.toml 第6行：任务“x”的 retries 应为 0—10 的整数"),
    (MONTHLY % "latest" + '\n[[job]]\nname = "二"\ntrigger = "monthly day=3"\n'
     'period = "previous"\ncommand = ["check"]\ncatchup = "all"\n',
     "schedule.toml 第17行：任务“二”有未知设置“catchup”"),
    ('[[job]]\nname = "x"\ntrigger = "monthly day=33"\nperiod = "previous"\ncommand = ["check"]\n',
     "第3行：任务“x”的 trigger 无效：day 应在 1—31 之间"),
    ('[[job]]\nname = "x"\ntrigger = "0 8 3 * *"\nperiod = "previous"\ncommand = ["check"]\n',
     "第3行：任务“x”的 trigger 是 cron 表达式，须写 period_unit"),
    ('[[job]]\nname = "x"\ntrigger = "monthly"\nperiod = "previous"\n'
     'command = ["monthly", "--month", "{mounth}"]\n',
     "第5行：任务“x”的 command 中有未知占位符 {mounth}"),
    ('[[job]]\nname = "x"\ntrigger = "monthly"\nperiod = "previous"\ncommand = ["mothly"]\n',
     "第5行：任务“x”的 command 中没有“mothly”这个命令"),
    ('# 说明\n\n[[job]]\nname = "x"\ntrigger = "monthly"\ncommand = ["check"]\n',
     "第3行：任务“x”缺少 period"),
    ('[[job]]\nname = "x"\ntrigger = "monthly"\nperiod = "previous"\ncommand = ["check"]\n'
     '[[job]]\nname = "x"\ntrigger = "daily"\nperiod = "current"\ncommand = ["check"]\n',
     "第7行：任务名称“x”重复"),
    ('[[job]]\nname = "x"\ntrigger = "monthly"\nperiod = "previous"\ncommand = ["check"]\n'
     '[job.notify]\nsummary = true\nemail = ["a@example.cn"]\n',
     "第8行：任务“x”的 notify.email 需要在文件中配置 [smtp]"),
    ('[[job]]\nname = "x"\ntrigger = "monthly"\nperiod = "previous"\ncommand = ["check"]\n'
     'output = "out/{output}"\n', "第6行：任务“x”的 output 不能含 {output}"),
    ('timezone = "Asia/Shanghia"\n', "第1行：未知时区“Asia/Shanghia”"),
    ('[smtp]\nhost = "127.0.0.1"\nfrom = "a@b.cn"\nport = 0\n', "第4行：[smtp] 的 port 应为"),
]  # fmt: skip


@pytest.mark.parametrize("text, message", BAD)
def test_an_invalid_schedule_names_the_line_and_the_reason(text, message):
    assert message in error_of(text)


def test_an_invalid_schedule_changes_nothing(run, ws):
    (ws / "schedule.toml").write_text(
        MONTHLY % "latest" + "\n[[job]]\nname = 3\n", encoding="utf-8"
    )
    result = run("schedule", "run-due")
    assert result.exit_code == 9
    assert "schedule.toml 第13行：第2个任务缺少 name" in result.stderr
    assert statuses(ws) == []
    with ledger(ws).engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from schedule_jobs")).scalar() == 0
    assert "错误：schedule.toml 第13行" in (ws / "计划任务" / "运行记录.txt").read_text("utf-8")


WRONG_ON_THE_DAY = [
    ('command = ["monthly", "--mnth", "{month}"]\n', "No such option '--mnth'"),
    ('command = ["check", "--as-of", "{last_day}"]\noutput = "输出/检查/{period}"\n',
     "reportgen check --as-of 2023-08-31 --out"),
    ('command = ["selfcheck", "--quarter", "{quarter}"]\n', "用了 {quarter}，但任务按月运行"),
    ('command = ["data", "summry"]\n', "No such command 'summry'"),
]  # fmt: skip


@pytest.mark.parametrize("command, message", WRONG_ON_THE_DAY)
def test_a_command_line_that_would_fail_on_the_day_is_refused_when_the_file_is_read(
    run, ws, command, message
):
    """Issue 22.7: schedule.toml accepted these and they failed on the due date (then were
    retried); they are checked with the command's own parser when the file is read."""
    (ws / "schedule.toml").write_text(
        '[[job]]\nname = "x"\ntrigger = "monthly day=3 at=08:00"\nperiod = "previous"\n' + command,
        encoding="utf-8",
    )
    for args in (("schedule", "list"), ("schedule", "run-due")):
        result = run(*args)
        assert result.exit_code == 9, result.output
        assert "schedule.toml 第5行：任务“x”的" in result.stderr and message in result.stderr
    assert statuses(ws) == []


def test_a_good_command_line_passes_the_check(run, ws):
    (ws / "schedule.toml").write_text(
        '[[job]]\nname = "x"\ntrigger = "quarterly month_offset=0 day=5"\nperiod = "previous"\n'
        'command = ["selfcheck", "--quarter", "{quarter}"]\noutput = "输出/{period}"\n'
        '[[job]]\nname = "y"\ntrigger = "monthly"\nperiod = "previous"\n'
        'command = ["import", "数据/{month}.xlsx"]\n',  # the file may be put there before the day
        encoding="utf-8",
    )
    result = run("schedule", "list")
    assert result.exit_code == 0, result.output


def test_a_usage_or_template_error_is_not_retried(ws):
    """A retry cannot fix these (exit 2, 6, 9): failed at once, with how to run it again."""
    s = scheduler(ws, FakeClock(at(2023, 9, 3, 8, 5)), FakeExecutor(codes=[6]),
                  MONTHLY % "all" + "start = 2023-09-01\n")  # fmt: skip
    [outcome] = s.run_due().outcomes
    assert outcome.status == "failed" and outcome.retry_at is None
    assert "模板错误，重试也不会成功" in outcome.error
    assert "reportgen schedule rerun 月报 2023-08" in outcome.error
    s2 = scheduler(ws, FakeClock(at(2023, 9, 3, 8, 5)), FakeExecutor(codes=[4]), None)
    assert s2.run_due().outcomes == []  # the period is closed


def test_monthly_jobs_make_every_missed_period_by_default(ws):
    """Issue 22.6: each month's documents are a deliverable; catch_up defaults to "all" (a daily
    job still to "latest")."""
    executor, s = months_off(ws, "all")
    (ws / "schedule.toml").write_text(MONTHLY.replace('catch_up = "%s"\n', ""), encoding="utf-8")
    s = scheduler(ws, s.clock, executor)
    assert s.schedule.jobs[0].catch_up == "all"
    assert [o.period.key for o in s.run_due().outcomes] == ["2023-06", "2023-07", "2023-08"]
    daily = '[[job]]\nname = "d"\ntrigger = "daily"\nperiod = "current"\ncommand = ["check"]\n'
    assert parse_schedule(daily, ws / "schedule.toml").jobs[0].catch_up == "latest"


# -- the ledger's guarantees, with a fake clock --


def months_off(ws: Path, catch_up: str) -> tuple[FakeExecutor, Scheduler]:
    clock = FakeClock(at(2023, 6, 1, 9))
    executor = FakeExecutor()
    s = scheduler(ws, clock, executor, MONTHLY % catch_up)
    assert s.run_due().outcomes == []  # first seen now: nothing before is due
    clock.moment = at(2023, 6, 3, 9)
    assert [o.period.key for o in s.run_due().outcomes] == ["2023-05"]
    clock.moment = at(2023, 9, 10, 9)  # the PC was off from June 3 to September 10
    return executor, s


def test_pc_off_three_months_catch_up_latest_runs_once(ws):
    executor, s = months_off(ws, "latest")
    report = s.run_due()
    assert [o.period.key for o in report.outcomes] == ["2023-08"]
    assert [p.key for _, p in report.skipped] == ["2023-06", "2023-07"]
    assert executor.argvs[-1][:3] == ["monthly", "--month", "2023-08"]
    assert statuses(ws) == [
        ("2023-05", 1, "success"),
        ("2023-06", 0, "skipped"),
        ("2023-07", 0, "skipped"),
        ("2023-08", 1, "success"),
    ]
    assert s.run_due().outcomes == []  # exactly once


def test_pc_off_three_months_catch_up_all_runs_each_month(ws):
    executor, s = months_off(ws, "all")
    report = s.run_due()
    assert [o.period.key for o in report.outcomes] == ["2023-06", "2023-07", "2023-08"]
    assert [a[2] for a in executor.argvs] == ["2023-05", "2023-06", "2023-07", "2023-08"]
    # The run reports on a period; its documents are dated the day it really ran.
    assert {c.env["REPORTGEN_TODAY"] for c in executor.calls[1:]} == {"2023-09-10"}
    assert s.run_due().outcomes == []
    assert [p for p, _, st in statuses(ws) if st == "success"] == [
        "2023-05", "2023-06", "2023-07", "2023-08",
    ]  # fmt: skip


def test_each_period_succeeds_at_most_once(ws):
    clock = FakeClock(at(2023, 9, 1))
    executor = FakeExecutor()
    s = scheduler(ws, clock, executor, MONTHLY % "latest")
    s.run_due()
    for moment in (at(2023, 9, 3, 8), at(2023, 9, 3, 8), at(2023, 9, 20), at(2023, 10, 2)):
        clock.moment = moment
        s.run_due()
    assert statuses(ws) == [("2023-08", 1, "success")]
    # The unique key holds even against a writer that ignores the claim.
    lg = ledger(ws)
    run_id = lg.claim("月报", "2023-08", 2, scheduled_at=clock.now(), now=clock.now(),
                      command=[], output_dir="", pid=1, host="h")  # fmt: skip
    assert run_id is None
    with pytest.raises(sa.exc.IntegrityError), lg.engine.begin() as conn:
        conn.execute(sa.text(
            "insert into schedule_runs (job, period, attempt, status, scheduled_at, started_at,"
            " command, output_dir) values ('月报', '2023-08', 9, 'success', '2023-09-03',"
            " '2023-09-03', '[]', '')"
        ))  # fmt: skip


def test_a_failing_run_is_retried_with_backoff_then_failed(ws):
    clock = FakeClock(at(2023, 9, 1))
    executor = FakeExecutor(codes=[4, 4, 4])
    s = scheduler(ws, clock, executor, MONTHLY % "latest")
    s.run_due()
    start = at(2023, 9, 3, 8, 0)
    steps = [  # (minutes after the fire, attempts made so far)
        (0, 1),  # fails; retry after 10 minutes
        (9, 1),
        (10, 2),  # fails; retry after 20 more minutes
        (29, 2),
        (30, 3),  # fails; retries (2) used up
        (600, 3),
    ]
    for minutes, attempts in steps:
        clock.moment = start + dt.timedelta(minutes=minutes)
        s.run_due()
        assert len(executor.calls) == attempts, minutes
    rows = ledger(ws).runs("月报")
    assert [(r.attempt, r.status, r.exit_code) for r in rows] == [
        (1, "error", 4), (2, "error", 4), (3, "failed", 4),
    ]  # fmt: skip
    assert rows[-1].error.startswith("退出码 4（数据问题）\n错误：数据库里没有这个月的数据")
    assert rows[-1].finished_at == start.astimezone(dt.timezone.utc) + dt.timedelta(minutes=30)
    assert "失败（第 3 次尝试后不再重试）" in (ws / "输出/月报/2023-08/运行结果.txt").read_text(
        "utf-8-sig"
    )
    clock.moment = at(2023, 10, 3, 8)  # the next month is a new period
    assert [o.status for o in s.run_due().outcomes] == ["success"]


def test_a_retry_that_succeeds_ends_the_period(ws):
    clock = FakeClock(at(2023, 9, 3, 8, 30))
    s = scheduler(ws, clock, FakeExecutor(codes=[1]), MONTHLY % "latest" + "start = 2023-09-01\n")
    assert [o.status for o in s.run_due().outcomes] == ["error"]
    clock.moment += dt.timedelta(minutes=10)
    assert [o.status for o in s.run_due().outcomes] == ["success"]
    assert statuses(ws) == [("2023-08", 1, "error"), ("2023-08", 2, "success")]


def stale_row(ws: Path, pid: int, heartbeat: dt.datetime, host: str | None = None) -> int:
    from reportgen.schedule.process import this_host

    run_id = ledger(ws).claim(
        "月报", "2023-08", 1, scheduled_at=at(2023, 9, 3, 8), now=heartbeat,
        command=["monthly"], output_dir="", pid=pid, host=host or this_host(),
    )  # fmt: skip
    assert run_id
    return run_id


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_whose_process_died_is_marked_interrupted_and_retried(ws):
    clock = FakeClock(at(2023, 9, 3, 8, 5))
    s = scheduler(ws, clock, FakeExecutor(), MONTHLY % "latest" + "start = 2023-09-01\n")
    stale_row(ws, dead_pid(), heartbeat=at(2023, 9, 3, 8, 4))
    report = s.run_due()
    assert [reason[:2] for _, reason in report.interrupted] == ["进程"]
    assert [(o.period.key, o.attempt, o.status) for o in report.outcomes] == [
        ("2023-08", 2, "success")
    ]
    rows = ledger(ws).runs()
    assert rows[0].status == "interrupted" and "已不在运行" in rows[0].error
    assert rows[0].finished_at is not None


def test_a_live_run_is_left_alone_and_a_silent_one_on_another_host_is_not(ws):
    clock = FakeClock(at(2023, 9, 3, 8, 5))
    executor = FakeExecutor()
    s = scheduler(ws, clock, executor, MONTHLY % "latest" + "start = 2023-09-01\n")
    stale_row(ws, os.getpid(), heartbeat=at(2023, 9, 3, 8, 4))  # this very process: alive
    assert s.run_due().outcomes == [] and executor.calls == []
    assert statuses(ws) == [("2023-08", 1, "running")]
    with ledger(ws).engine.begin() as conn:
        conn.execute(sa.text("update schedule_runs set host = 'other-pc'"))
    clock.moment = at(2023, 9, 3, 8, 14)  # heartbeat 10 minutes old: still trusted
    assert s.run_due().outcomes == []
    clock.moment = at(2023, 9, 3, 8, 15)
    report = s.run_due()
    assert "超过 10 分钟没有心跳" in report.interrupted[0][1]
    assert statuses(ws) == [("2023-08", 1, "interrupted"), ("2023-08", 2, "success")]


def interrupted_three_times(ws: Path) -> None:
    lg = ledger(ws)
    for attempt in (1, 2, 3):
        run_id = lg.claim("月报", "2023-08", attempt, scheduled_at=at(2023, 9, 3, 8),
                          now=at(2023, 9, 3, 8, attempt), command=["monthly"],
                          output_dir="输出/月报/2023-08", pid=1, host="h")  # fmt: skip
        lg.mark_interrupted(run_id, at(2023, 9, 3, 8, attempt), "断电")
    summary = ws / "输出" / "月报" / "2023-08" / "运行结果.txt"
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text("状态：中断，待重试\n", encoding="utf-8")


def test_interruptions_are_retried_three_times_then_failed_and_that_end_is_told(ws):
    """Issue 22.6: giving up is a final state like any other: in the report (and so the exit
    code), in 运行结果.txt (which said 待重试) and in the run log."""
    clock = FakeClock(at(2023, 9, 3, 8, 5))
    s = scheduler(ws, clock, FakeExecutor(), MONTHLY % "latest" + "start = 2023-09-01\n")
    interrupted_three_times(ws)
    report = s.run_due()
    assert report.outcomes == []
    assert [(o.job, o.period.key, o.status) for o in report.gave_up] == [
        ("月报", "2023-08", "failed")
    ]
    assert report.failures == report.gave_up  # run-due exits 1
    assert statuses(ws)[-1] == ("2023-08", 3, "failed")
    summary = (ws / "输出" / "月报" / "2023-08" / "运行结果.txt").read_text("utf-8-sig")
    assert "状态：失败（第 3 次尝试后不再重试）" in summary and "已连续中断 3 次" in summary
    from reportgen.schedule.runner import report_lines

    assert report_lines(report)[0].startswith("不再重试：月报 2023-08，记为失败")


def test_giving_up_is_mailed(ws, smtp_server):
    import email

    port = smtp_server.server_address[1]
    s = scheduler(ws, FakeClock(at(2023, 9, 3, 8, 5)), FakeExecutor(), notify_text(port, "failure"))
    interrupted_three_times(ws)
    s.run_due()
    [raw] = smtp_server.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["Subject"] == f"reportgen 计划任务“月报”2023年8月：失败（{ws.name}）"
    assert "已连续中断 3 次，不再重试" in message.get_content()


TWO_JOBS = (
    MONTHLY % "latest"
    + """start = 2023-09-01

[[job]]
name = "汇总"
trigger = "monthly day=3 at=08:00"
period = "previous"
command = ["monthly", "--month", "{month}", "--out", "{output}"]
output = "输出/汇总/{period}"
start = 2023-09-01
"""
)


def test_a_file_system_error_is_that_jobs_failure_with_its_reason_and_the_others_run(ws):
    """Issue 22.5: an output path that is a file made run-due crash (raw NotADirectoryError, the
    record said Ctrl-C, every other due job held up)."""
    (ws / "输出").mkdir()
    (ws / "输出" / "月报").write_text("一个文件，不是文件夹", encoding="utf-8")
    executor = FakeExecutor()
    s = scheduler(ws, FakeClock(at(2023, 9, 3, 8, 5)), executor, TWO_JOBS)
    report = s.run_due()
    by_job = {o.job: o for o in report.outcomes}
    assert by_job["汇总"].status == "success"
    assert by_job["月报"].status == "error"  # retried later: the clerk may move the file
    error = by_job["月报"].error
    assert "无法创建输出文件夹 输出/月报/2023-08：无法读写文件 " in error
    assert "路径中有一段是文件而不是文件夹。请检查路径" in error
    assert report.failures == [by_job["月报"]]
    [row] = [r for r in ledger(ws).runs("月报")]
    assert "Ctrl-C" not in row.error and "路径中有一段是文件而不是文件夹" in row.error
    assert [c.argv[0] for c in executor.calls] == ["monthly"]  # only 汇总 ran a command


def test_run_due_on_the_command_line_logs_a_file_system_error_and_exits_1(run, ws):
    (ws / "输出").mkdir()
    (ws / "输出" / "月报").write_text("一个文件", encoding="utf-8")
    (ws / "schedule.toml").write_text(
        DAILY.format(
            name="月报", command='["monthly", "--month", "{month}"]', start=today_in_shanghai()
        )
        + 'output = "输出/月报/{period}"\n'
        + DAILY.format(name="汇总", command='["data", "summary"]', start=today_in_shanghai()),
        encoding="utf-8",
    )
    result = run("schedule", "run-due")
    assert result.exit_code == 1, result.output
    assert "路径中有一段是文件而不是文件夹" in result.output and "汇总" in result.output
    assert [(r.job, r.status) for r in ledger(ws).runs()] == [
        ("月报", "error"),
        ("汇总", "success"),
    ]
    log = (ws / "计划任务" / "运行记录.txt").read_text("utf-8")
    assert "无法创建输出文件夹" in log


def test_a_clock_far_ahead_makes_or_skips_nothing_without_yes(ws):
    """Issue 22.4: a clock set to 2031 skipped 117 periods for good and marked 2030-12 done."""
    clock = FakeClock(at(2023, 9, 3, 9))
    executor = FakeExecutor()
    s = scheduler(ws, clock, executor, MONTHLY % "latest" + "start = 2023-09-01\n")
    assert [o.period.key for o in s.run_due().outcomes] == ["2023-08"]
    clock.moment = at(2031, 6, 10, 9)
    report = s.run_due()
    assert report.outcomes == [] and report.skipped == [] and len(executor.calls) == 1
    [error] = report.job_errors
    assert "要补做或跳过 93 期（2023-09 至 2031-05）" in error and "max_missed = 24" in error
    assert "--yes" in error and report.problems == 1
    assert statuses(ws) == [("2023-08", 1, "success")]  # nothing closed
    # a bureau that was really off for two years says so in schedule.toml, or confirms once
    report = s.run_due(yes=True)
    assert [o.period.key for o in report.outcomes] == ["2031-05"] and len(report.skipped) == 92


def test_a_clock_set_back_behind_the_last_run_is_not_trusted_and_backfill_repairs(ws, run):
    clock = FakeClock(at(2023, 9, 3, 9))
    s = scheduler(ws, clock, FakeExecutor(), MONTHLY % "latest" + "start = 2023-09-01\n")
    s.run_due()
    clock.moment = at(2031, 6, 10, 9)  # wrong, and confirmed by mistake
    s.run_due(yes=True)
    assert ("2023-09", 0, "skipped") in statuses(ws)
    clock.moment = at(2023, 10, 5, 9)  # the clock put right
    report = s.run_due()
    assert report.outcomes == [] and report.problems == 1
    assert "早于上次运行的记录（2031-06-10 09:00）" in report.clock_problem
    from reportgen.schedule.runner import report_lines

    assert report_lines(report)[0].startswith("时钟可疑：本机时钟（2023-10-05 09:00）")
    # the periods the wrong clock skipped (and ones never recorded) are made with backfill
    outcomes, passed = s.backfill("月报", "2023-08", "2023-09")
    assert passed == ["2023-08（成功）"]
    assert [(o.period.key, o.status) for o in outcomes] == [("2023-09", "success")]
    # on the command line, with the real clock (2026, before the 2031 runs): refused, exit 1
    result = run("schedule", "run-due")
    assert result.exit_code == 1 and "时钟可疑" in result.stdout


def test_backfill_makes_periods_never_recorded_and_not_the_ones_done(ws, run):
    clock = FakeClock(at(2023, 9, 3, 9))
    s = scheduler(ws, clock, FakeExecutor(), MONTHLY % "all" + "start = 2023-09-01\n")
    s.run_due()  # 2023-08
    outcomes, passed = s.backfill("月报", "2023-05", "2023-08")
    assert [o.period.key for o in outcomes] == ["2023-05", "2023-06", "2023-07"]
    assert passed == ["2023-08（成功）"]
    assert s.backfill("月报", "2023-05", "2023-08")[0] == []
    with pytest.raises(ScheduleError, match="按月计"):
        s.backfill("月报", "2023Q1", "2023Q2")
    with pytest.raises(ScheduleError, match="起止颠倒"):
        s.backfill("月报", "2023-08", "2023-05")


def test_two_claims_at_once_one_wins(ws):
    barrier = threading.Barrier(2)
    results = []

    def claim():
        lg = ledger(ws)
        barrier.wait()
        results.append(lg.claim("月报", "2023-08", 1, scheduled_at=at(2023, 9, 3, 8),
                                now=at(2023, 9, 3, 8), command=[], output_dir="", pid=1, host="h"))  # fmt: skip

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and None in results and len([r for r in results if r]) == 1


def test_two_run_due_threads_run_the_job_once(ws):
    clock = FakeClock(at(2023, 9, 3, 8, 1))
    text = MONTHLY % "latest" + "start = 2023-09-01\n"
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow(spec):
        calls.append(spec)
        started.set()
        release.wait(10)
        return Execution(0, "")

    first = scheduler(ws, clock, slow, text)
    second = scheduler(ws, clock, slow, text)
    reports = {}
    t = threading.Thread(target=lambda: reports.setdefault("first", first.run_due()))
    t.start()
    assert started.wait(10)
    reports["second"] = second.run_due()  # while the first is mid-run
    release.set()
    t.join()
    assert reports["second"].busy and reports["second"].outcomes == []
    assert len(calls) == 1 and statuses(ws) == [("2023-08", 1, "success")]


def test_outputs_come_from_the_manifest_and_a_summary_is_written(ws):
    clock = FakeClock(at(2023, 9, 3, 9))
    s = scheduler(
        ws, clock, FakeExecutor(manifest=True), MONTHLY % "latest" + "start = 2023-09-01\n"
    )
    [outcome] = s.run_due().outcomes
    assert outcome.outputs == [{"file": "输出/月报/2023-08/a.docx", "records": 3, "sha256": "ab"}]
    [row] = ledger(ws).runs()
    assert row.outputs == outcome.outputs and row.output_dir == "输出/月报/2023-08"
    assert row.command == ["monthly", "--month", "2023-08", "--out", str(ws / "输出/月报/2023-08")]
    assert row.pid == os.getpid() and row.started_at == at(2023, 9, 3, 9)
    summary = (ws / "输出/月报/2023-08/运行结果.txt").read_text("utf-8-sig")
    for text in ("任务：月报", "报告期：2023年8月（2023-08）", "状态：成功", "计划时间：2023-09-03 08:00",
                 "开始：2023-09-03 09:00:00", "输出/月报/2023-08/a.docx（3 条）"):  # fmt: skip
        assert text in summary


def test_run_loop_calls_run_due_every_minute(ws):
    clock = FakeClock(at(2023, 9, 3, 7, 58, 30))
    (ws / "schedule.toml").write_text(MONTHLY % "latest" + "start = 2023-09-01\n", "utf-8")
    executor = FakeExecutor()
    waits, reports = [], []

    def sleep(seconds):
        waits.append(seconds)
        clock.moment += dt.timedelta(seconds=seconds)

    serve(ws, on_report=reports.append, on_error=pytest.fail, sleep=sleep, ticks=4,
          clock=clock, executor=executor, commands=COMMANDS)  # fmt: skip
    assert waits == [30, 60, 60]  # on the minute
    assert [len(r.outcomes) for r in reports] == [0, 0, 1, 0]
    assert executor.argvs[0][:3] == ["monthly", "--month", "2023-08"]


def test_list_shows_the_next_run_that_will_do_something(ws):
    text = """
[[job]]
name = "本月"
trigger = "0 7 * * *"
period_unit = "month"
period = "current"
command = ["check", "--as-of", "{last_day}"]
start = 2023-09-01
"""
    clock = FakeClock(at(2023, 9, 5, 9))
    s = scheduler(ws, clock, FakeExecutor(), text)
    [before], problem = s.overview()
    assert problem is None and [d.period.key for d in before.due] == ["2023-09"]
    assert before.next_fire == at(2023, 9, 6, 7)  # the September period has not run yet
    s.run_due()  # tried every day until it succeeds: it does at once
    [after], _ = s.overview()
    assert after.due == [] and after.last.status == "success"
    assert (after.next_fire, after.next_period.key) == (at(2023, 10, 1, 7), "2023-10")


def test_the_run_command_only_calls_serve(run, ws, monkeypatch):
    import reportgen.schedule
    from reportgen.schedule.runner import DueReport

    seen = {}

    def fake_serve(workspace, *, on_report, on_error, **kwargs):
        seen.update(kwargs, workspace=workspace)
        on_report(DueReport(tz=SH, busy=True))
        on_error(ScheduleError("schedule.toml 第3行：坏了"))
        on_error(ScheduleError("schedule.toml 第3行：坏了"))  # said once, not every minute
        raise KeyboardInterrupt

    monkeypatch.setattr(reportgen.schedule, "serve", fake_serve)
    result = run("schedule", "run", "--job", "月报")
    assert result.exit_code == 0
    assert seen["workspace"] == ws and seen["only_job"] == "月报"
    assert "另一个计划任务进程正在运行" in result.stdout and result.stdout.endswith("已停止。\n")
    assert result.stderr.count("错误：schedule.toml 第3行：坏了") == 1


# -- notification: a local SMTP server started here (127.0.0.1 only) --


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 stub ESMTP\r\n")
        data: list[bytes] | None = None
        while line := self.rfile.readline():
            if data is not None:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(b"".join(data).decode("utf-8"))
                    data = None
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 stub\r\n")
            elif verb == b"DATA":
                data = []
                self.wfile.write(b"354 end with .\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                if verb == b"RCPT":
                    self.server.recipients.append(line.decode().strip())
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages, server.recipients = [], []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def notify_text(port: int, email_on: str = "always") -> str:
    return (
        MONTHLY % "latest"
        + f'start = 2023-09-01\n[job.notify]\nemail = ["xczxj@example.cn"]\nemail_on = "{email_on}"\n'
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "reportgen@example.cn"\ntimeout = 5\n'
    )


def test_a_finished_run_is_mailed_through_the_configured_server(ws, smtp_server):
    import email

    port = smtp_server.server_address[1]
    s = scheduler(ws, FakeClock(at(2023, 9, 3, 9)), FakeExecutor(), notify_text(port))
    s.run_due()
    [raw] = smtp_server.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["Subject"] == f"reportgen 计划任务“月报”2023年8月：成功（{ws.name}）"
    assert message["Date"] and message["Message-ID"].endswith("@example.cn>")
    assert message["To"] == "xczxj@example.cn" and message["From"] == "reportgen@example.cn"
    assert "报告期：2023年8月（2023-08）" in message.get_content()
    assert [r.upper() for r in smtp_server.recipients] == ["RCPT TO:<XCZXJ@EXAMPLE.CN>"]


def test_email_on_failure_only_mails_the_final_failure(ws, smtp_server):
    import email

    port = smtp_server.server_address[1]
    clock = FakeClock(at(2023, 9, 3, 9))
    text = notify_text(port, "failure").replace("retries = 2", "retries = 1")
    s = scheduler(ws, clock, FakeExecutor(codes=[1, 1]), text)
    s.run_due()
    assert smtp_server.messages == []  # an attempt that will be retried is not final
    clock.moment += dt.timedelta(minutes=10)
    s.run_due()
    [raw] = smtp_server.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["Subject"] == f"reportgen 计划任务“月报”2023年8月：失败（{ws.name}）"
    assert "失败（第 2 次尝试后不再重试）" in message.get_content()
    assert "schedule rerun 月报 2023-08" in message.get_content()


def test_an_unreachable_mail_server_is_recorded_and_the_run_still_counts(ws):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = scheduler(ws, FakeClock(at(2023, 9, 3, 9)), FakeExecutor(), notify_text(port))
    report = s.run_due()
    assert [o.status for o in report.outcomes] == ["success"]
    assert "邮件发送失败（127.0.0.1:" in report.notify_errors[0]
    assert "邮件发送失败" in ledger(ws).runs()[0].notify_error


def test_data_older_than_the_period_is_told_or_waited_for(imported, workspace):
    """Issue 22.8: a run on data imported before the period ended said only "成功"; it now says
    so (result, history, e-mail), and a job with require_import_after waits for newer data."""
    clock = FakeClock(dt.datetime.now(SH) + dt.timedelta(days=70))  # the import is weeks old
    job = MONTHLY % "all" + f"start = {(clock.moment - dt.timedelta(days=40)).date()}\n"
    s = scheduler(workspace, clock, FakeExecutor(), job)
    outcomes = s.run_due().outcomes
    assert outcomes and all(o.status == "success" for o in outcomes)
    assert all(
        o.error.startswith("提醒：数据最近一次导入在") and "早于报告期末" in o.error
        for o in outcomes
    )
    summary = (outcomes[-1].output_dir / "运行结果.txt").read_text("utf-8-sig")
    assert "提醒：" in summary and "早于报告期末" in summary
    from reportgen.schedule.runner import report_lines

    fresh_clock = FakeClock(clock.moment)
    waiting = scheduler(workspace, fresh_clock, FakeExecutor(),
                        job.replace('name = "月报"', 'name = "月报2"') + 'require_import_after = "period_end"\n')  # fmt: skip
    report = waiting.run_due()
    assert [o for o in report.outcomes if o.job == "月报2"] == []
    assert report.waiting_data and report.waiting_data[0].startswith("月报2 ")
    assert any(line.startswith("等待新数据，本次未运行：月报2") for line in report_lines(report))
    assert [
        r for r in ledger(workspace).runs("月报2")
    ] == []  # nothing recorded: it runs once data come


def test_data_imported_after_the_period_ended_gives_no_reminder(imported, workspace):
    s = scheduler(workspace, FakeClock(at(2023, 9, 3, 9)), FakeExecutor(),
                  MONTHLY % "all" + "start = 2023-09-01\nrequire_import_after = \"period_end\"\n")  # fmt: skip
    [outcome] = s.run_due().outcomes
    assert outcome.status == "success" and outcome.error is None


def test_skipped_periods_are_mailed_with_how_to_make_them(ws, smtp_server):
    """Issue 22.6: periods skipped with catch_up = "latest" were mentioned nowhere but the log."""
    import email

    port = smtp_server.server_address[1]
    clock = FakeClock(at(2023, 6, 1, 9))
    text = notify_text(port).replace("start = 2023-09-01\n", "")
    s = scheduler(ws, clock, FakeExecutor(), text)
    s.run_due()
    clock.moment = at(2023, 9, 10, 9)  # off from June 1: 2023-05, 06, 07 missed, 08 due
    s.run_due()
    subjects = [
        email.message_from_string(m, policy=email.policy.default)["Subject"]
        for m in smtp_server.messages
    ]
    assert f"reportgen 计划任务“月报”：跳过 3 期（{ws.name}）" in subjects
    parsed = [
        email.message_from_string(m, policy=email.policy.default) for m in smtp_server.messages
    ]
    [skip] = [m for m in parsed if "跳过 3 期" in m["Subject"]]
    body = skip.get_content()
    assert (
        "2023年5月、2023年6月、2023年7月" in body
        and "schedule backfill 月报 2023-05 2023-07" in body
    )


def test_history_shows_a_schedule_file_that_stops_every_run(run, ws):
    """A config error is not a run of any job: history (which reads the ledger) says it first."""
    (ws / "schedule.toml").write_text(
        MONTHLY % "latest" + "\n[[job]]\nname = 3\n", encoding="utf-8"
    )
    assert run("schedule", "run-due").exit_code == 9
    result = run("schedule", "history")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("计划任务文件有错，到期的任务不会运行：schedule.toml 第13行")
    (ws / "schedule.toml").write_text(MONTHLY % "latest", encoding="utf-8")
    (ws / "计划任务" / "运行记录.txt").write_text(
        "2023-09-03 08:00:00  错误：数据库连不上\n", encoding="utf-8"
    )
    assert run("schedule", "history").stdout.startswith(
        "最近一次 run-due 出错（2023-09-03 08:00:00：数据库连不上）"
    )


def test_an_e_mail_that_could_not_go_is_sent_at_a_later_run_due(ws, smtp_server):
    """Issue 22.8: the server was down at the run; the next run-due sends it (once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        down = sock.getsockname()[1]
    clock = FakeClock(at(2023, 9, 3, 9))
    scheduler(ws, clock, FakeExecutor(), notify_text(down)).run_due()
    assert ledger(ws).runs()[0].notify_error
    clock.moment = at(2023, 9, 3, 10)
    up = smtp_server.server_address[1]
    report = scheduler(ws, clock, FakeExecutor(), notify_text(up)).run_due()
    assert report.resent == ["月报 2023-08"] and len(smtp_server.messages) == 1
    assert ledger(ws).runs()[0].notify_error is None
    scheduler(ws, clock, FakeExecutor(), notify_text(up)).run_due()
    assert len(smtp_server.messages) == 1  # sent once


# -- real child processes --


def today_in_shanghai() -> dt.date:
    return dt.datetime.now(SH).date()


DAILY = """
[[job]]
name = "{name}"
trigger = "daily at=00:00"
period = "current"
command = {command}
start = {start}
"""


def test_run_due_runs_a_real_document_command_and_records_its_outputs(run, imported, workspace):
    (workspace / "schedule.toml").write_text(
        DAILY.format(name="明白卡", command='["card", "--county", "--year", "{year}"]',
                     start=today_in_shanghai()) + 'output = "输出/明白卡/{period}"\n',
        encoding="utf-8",
    )  # fmt: skip
    result = run("schedule", "run-due")
    assert result.exit_code == 0, result.output
    key = today_in_shanghai().isoformat()
    assert f"明白卡 {key}：成功，输出 4 个文件" in result.stdout
    [row] = ledger(workspace).runs()
    assert row.status == "success" and row.exit_code == 0
    assert f"输出/明白卡/{key}/学生资助明白卡名单_城关镇第一初级中学.xlsx" in [
        o["file"] for o in row.outputs
    ]
    assert all((workspace / o["file"]).is_file() for o in row.outputs)
    history = run("schedule", "history")
    assert f"明白卡  {key}  第1次  成功" in history.stdout and "输出 4 个文件" in history.stdout
    # the run's log and result beside the outputs are not "extra" files to verify
    verify = run("verify", str(workspace / "输出" / "明白卡" / key))
    assert verify.exit_code == 0 and "4 个文件与 manifest.json 一致" in verify.stdout, verify.output
    listed = run("schedule", "list")
    assert f"上次运行：{key} 第1次 成功" in listed.stdout
    assert run("schedule", "run-due").stdout == "没有到期的任务。\n"
    # the call is in the log too: the OS timer is seen calling on days with nothing due
    log = (workspace / "计划任务" / "运行记录.txt").read_text("utf-8").splitlines()
    assert log[-1].endswith("  没有到期的任务。")


def spawn_run_due(workspace: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen", "-C", str(workspace), "schedule", "run-due"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs,
    )  # fmt: skip


def test_two_run_due_processes_started_together_run_once(imported, workspace):
    (workspace / "schedule.toml").write_text(
        DAILY.format(name="汇总", command='["data", "summary"]', start=today_in_shanghai()),
        encoding="utf-8",
    )
    procs = [spawn_run_due(workspace), spawn_run_due(workspace)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [(attempt, status) for _, attempt, status in statuses(workspace)] == [(1, "success")]
    assert sum("汇总" in out and "成功" in out for out in outputs) == 1


WAIT_RULE = """
import os, pathlib, time
from reportgen.rules import rule

@rule('X-WAIT', '等待规则', seed='测试', basis='henan', entity='household', group='工作落实')
def wait(ctx):
    pathlib.Path(os.environ['SLOW_MARKER']).write_text('started')
    release = pathlib.Path(os.environ['SLOW_MARKER'] + '.release')
    deadline = time.monotonic() + 120
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return []
"""


def write_waiting_job(workspace: Path) -> Path:
    """A daily `check` job whose rule waits, mid-way, until `marker.release` exists; the marker."""
    (workspace / "rules").mkdir(exist_ok=True)
    (workspace / "rules" / "wait.py").write_text(WAIT_RULE, encoding="utf-8")
    (workspace / "schedule.toml").write_text(
        DAILY.format(name="检查", command='["check", "--as-of", "{last_day}"]',
                     start=today_in_shanghai()),
        encoding="utf-8",
    )  # fmt: skip
    return workspace / "started.txt"


def start_waiting_run(workspace: Path) -> tuple[subprocess.Popen, Path]:
    """run-due (in a session of its own) with its `check` command mid-way, waiting for
    `marker.release`."""
    marker = write_waiting_job(workspace)
    proc = spawn_run_due(
        workspace, env={**os.environ, "SLOW_MARKER": str(marker)}, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
        time.sleep(0.05)
    return proc, marker


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL of a process group")
def test_a_run_killed_mid_way_is_retried_next_time(imported, workspace):
    proc, _ = start_waiting_run(workspace)  # the child command mid-way
    [row] = ledger(workspace).runs()
    # power cut: run-due and its command (a process group of its own) die at once
    os.killpg(proc.pid, signal.SIGKILL)
    if row.child_pid:
        os.killpg(row.child_pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert (row.status, row.pid) == ("running", proc.pid)
    assert row.child_pid and row.child_pid != proc.pid

    (workspace / "rules" / "wait.py").unlink()
    report = Scheduler(workspace, commands=COMMANDS).run_due()
    assert [(r.id, reason) for r, reason in report.interrupted] == [
        (row.id, f"run-due 进程 {proc.pid} 和它启动的命令进程 {row.child_pid} 都已不在运行"
                 "（电脑关机、断电或进程被结束），结果未记录")
    ]  # fmt: skip
    assert [(o.attempt, o.status) for o in report.outcomes] == [(2, "success")]
    assert [st for _, _, st in statuses(workspace)] == ["interrupted", "success"]


def wait_gone(pid: int, seconds: float = 20) -> bool:
    from reportgen.schedule.process import pid_alive

    deadline = time.monotonic() + seconds
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        try:  # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL of one process")
def test_a_command_that_outlives_its_killed_run_due_is_not_started_again_beside_it(
    imported, workspace
):
    """Issue 22.3: kill -9 of run-due alone leaves its command running (a session of its own);
    the next run-due must see it alive by its recorded pid and start, and not run the period beside
    it — even after the heartbeat rule's 10 minutes — then record and retry it once it ends."""
    proc, marker = start_waiting_run(workspace)
    try:
        os.kill(proc.pid, signal.SIGKILL)  # run-due only
        proc.wait()
        proc.stdout.close()
        [row] = ledger(workspace).runs()
        assert row.status == "running" and row.child_pid and row.child_pid != proc.pid
        from reportgen.schedule.process import pid_alive

        assert pid_alive(row.child_pid)
        later = FakeClock(dt.datetime.now(SH) + dt.timedelta(minutes=30))  # heartbeat long stale
        executor = FakeExecutor()
        report = Scheduler(workspace, clock=later, executor=executor, commands=COMMANDS).run_due()
        # (a new day's period may fall due meanwhile: only this period must not run)
        assert [o for o in report.outcomes if o.period.key == row.period] == []
        assert report.interrupted == []
        assert [r.id for r in report.still_running] == [row.id]
        from reportgen.schedule.runner import report_lines

        assert any(line.startswith("仍在运行：检查") and str(row.child_pid) in line
                   for line in report_lines(report))  # fmt: skip
        assert [s for s in statuses(workspace) if s[0] == row.period] == [
            (row.period, 1, "running")
        ]
    finally:
        marker.with_name(marker.name + ".release").write_text("go")
    assert wait_gone(row.child_pid), "the command should end once released"
    (workspace / "rules" / "wait.py").unlink()
    report = Scheduler(workspace, commands=COMMANDS).run_due()
    assert [r.id for r, _ in report.interrupted] == [row.id]
    assert "都已不在运行" in report.interrupted[0][1]
    assert [(o.attempt, o.status) for o in report.outcomes] == [(2, "success")]


def test_a_command_beats_for_its_run_so_another_computer_sees_it_alive(imported, workspace):
    """With several computers on one PostgreSQL database only the heartbeat tells that a command
    whose run-due was killed still runs: the command beats itself (schedule/beat.py)."""
    marker = write_waiting_job(workspace)
    an_hour_ago = dt.datetime.now(SH) - dt.timedelta(hours=1)
    run_id = ledger(workspace).claim(
        "检查", today_in_shanghai().isoformat(), 1, scheduled_at=an_hour_ago, now=an_hour_ago,
        command=["check"], output_dir="", pid=dead_pid(), host="other-pc",
    )  # fmt: skip
    env = {**os.environ, "SLOW_MARKER": str(marker), "REPORTGEN_SCHEDULE_RUN": str(run_id),
           "REPORTGEN_SCHEDULE_BEAT": "0.1"}  # fmt: skip
    child = subprocess.Popen([sys.executable, "-m", "reportgen", "-q", "-C", str(workspace), "check",
                              "--as-of", "2023-09-30"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while ledger(workspace).get(run_id).heartbeat_at < dt.datetime.now(SH) - dt.timedelta(
            minutes=1
        ):
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        executor = FakeExecutor()
        report = Scheduler(workspace, executor=executor, commands=COMMANDS).run_due()
        assert report.interrupted == [] and executor.calls == []  # alive: not started beside it
        assert ledger(workspace).get(run_id).status == "running"
    finally:
        marker.with_name(marker.name + ".release").write_text("go")
        child.wait(timeout=60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL of one process")
def test_an_orphaned_command_past_its_timeout_is_ended_by_the_next_run_due(imported, workspace):
    proc, marker = start_waiting_run(workspace)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    [row] = ledger(workspace).runs()
    try:
        later = FakeClock(dt.datetime.now(SH) + dt.timedelta(hours=3))  # the default timeout: 2 h
        report = Scheduler(
            workspace, clock=later, executor=FakeExecutor(), commands=COMMANDS
        ).run_due()
        assert wait_gone(row.child_pid), "the command past its timeout is killed"
        [(interrupted, reason)] = report.interrupted
        assert (
            interrupted.id == row.id and "超过时限 2 小时 0 分钟" in reason and "已终止" in reason
        )
        assert [(o.attempt, o.status) for o in report.outcomes if o.period.key == row.period] == [
            (2, "success")
        ]
    finally:
        marker.with_name(marker.name + ".release").write_text("go")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGTERM")
def test_sigterm_to_run_due_ends_its_command_and_marks_the_run(imported, workspace):
    proc, marker = start_waiting_run(workspace)
    try:
        [row] = ledger(workspace).runs()
        deadline = time.monotonic() + 30
        while not row.child_pid and time.monotonic() < deadline:
            time.sleep(0.05)
            [row] = ledger(workspace).runs()
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0]
    finally:
        marker.with_name(marker.name + ".release").write_text("go")
    assert proc.returncode == 143, output
    assert "收到终止信号" in output
    assert wait_gone(row.child_pid, 5), "the command ends with its run-due"
    [row] = ledger(workspace).runs()
    assert row.status == "interrupted" and "SIGTERM" in row.error
    log = (workspace / "计划任务" / "运行记录.txt").read_text("utf-8")
    assert "收到终止信号（SIGTERM）" in log


def test_the_child_is_killed_at_its_timeout_and_beats_meanwhile(tmp_path, monkeypatch):
    from reportgen.schedule import process

    ws = tmp_path / "ws"
    (ws / "rules").mkdir(parents=True)
    (ws / "rules" / "hang.py").write_text("import time\ntime.sleep(60)\n", encoding="utf-8")
    monkeypatch.setattr(process, "HEARTBEAT_SECONDS", 0.1)
    beats = []
    spec = process.ExecSpec(
        argv=["rules", "list"], global_args=["-q", "-C", str(ws)], cwd=ws, env=dict(os.environ),
        log_path=ws / "log" / "运行日志.txt", timeout=dt.timedelta(seconds=1),
        heartbeat=lambda: beats.append(1),
    )  # fmt: skip
    result = process.subprocess_executor(spec)
    assert result.timed_out and result.exit_code != 0
    assert result.error_text().startswith("超时（时限 1 秒），已终止")
    assert len(beats) >= 3
    assert "reportgen rules list" in spec.log_path.read_text("utf-8")


# -- the CLI: list, history, init, install --


def test_init_writes_an_example_that_lists(run, ws):
    assert run("schedule", "init").exit_code == 0
    again = run("schedule", "init")
    assert again.exit_code == 9 and "已存在" in again.stderr
    listed = run("schedule", "list")
    assert listed.exit_code == 0, listed.output
    assert "月报" in listed.stdout and "触发：每月3日 08:00；报告期：上一月" in listed.stdout
    assert "季度自查" in listed.stdout and "报告期：上一季度" in listed.stdout


def test_history_json_and_filters(run, ws):
    clock = FakeClock(at(2023, 9, 3, 9))
    s = scheduler(ws, clock, FakeExecutor(codes=[3]), MONTHLY % "latest" + "start = 2023-09-01\n")
    s.run_due()
    data = json.loads(run("schedule", "history", "--json").stdout)
    assert [(d["period"], d["attempt"], d["status"]) for d in data] == [("2023-08", 1, "error")]
    assert data[0]["started_at"] == "2023-09-03T01:00:00+00:00"
    text = run("schedule", "history", "--job", "月报", "--limit", "1").stdout
    assert "#1  月报  2023-08  第1次  失败，待重试  2023-09-03 09:00:00 → 09:00:00" in text
    assert "退出码 3（配置错误）" in text
    assert run("schedule", "history", "--job", "别的").stdout == "还没有运行记录。\n"


def test_install_texts_carry_the_required_settings(tmp_path):
    ws = tmp_path / "县 工作区"
    task = windows_task_xml(ws, r"C:\Python311\pythonw.exe", every=60)
    for needle in ("<StartWhenAvailable>true</StartWhenAvailable>",
                   "<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
                   "<Interval>PT60M</Interval>", "<DisallowStartIfOnBatteries>false",
                   "<Command>C:\\Python311\\pythonw.exe</Command>",
                   f'-C "{ws}" schedule run-due</Arguments>'):  # fmt: skip
        assert needle in task
    from xml.dom.minidom import parseString

    parseString(task.replace('encoding="UTF-16"', 'encoding="UTF-8"').encode())
    units = systemd_units(ws, "/usr/bin/python3", every=15)
    name = unit_name(ws)
    assert set(units) == {f"{name}.service", f"{name}.timer"}
    timer, service = units[f"{name}.timer"], units[f"{name}.service"]
    assert "Persistent=true" in timer and "OnCalendar=*:0/15" in timer
    assert f'ExecStart=/usr/bin/python3 -m reportgen -q -C "{ws}" schedule run-due' in service
    line = crontab_line(ws, "/usr/bin/python3", every=60)
    assert line.startswith("0 * * * * cd ") and line.endswith(
        f"schedule run-due >/dev/null 2>&1  # {name}"
    )
    assert f"'{ws}'" in line


def test_install_prints_and_refuses_to_write_elsewhere(run, ws):
    (ws / "schedule.toml").write_text(MONTHLY % "latest", encoding="utf-8")
    printed = run("schedule", "install", "--windows")
    assert (
        printed.exit_code == 0 and "<StartWhenAvailable>true</StartWhenAvailable>" in printed.stdout
    )
    assert "Persistent=true" in run("schedule", "install", "--systemd").stdout
    assert "schedule run-due" in run("schedule", "install", "--cron").stdout
    saved = run("schedule", "install", "--windows", "--save", "任务.xml")
    assert saved.exit_code == 0
    assert (ws / "任务.xml").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16 with BOM
    if sys.platform != "win32":
        refused = run("schedule", "install", "--windows", "--write")
        assert refused.exit_code == 9 and "只能在 Windows 电脑上" in refused.stderr
    assert "--every 应为" in run("schedule", "install", "--cron", "--every", "7").stderr


@pytest.mark.skipif(sys.platform == "win32", reason="fake POSIX tools")
def test_install_write_with_systemd_and_cron(run, ws, tmp_path, monkeypatch):
    (ws / "schedule.toml").write_text(MONTHLY % "latest", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    for tool in ("systemctl", "crontab"):
        script = bin_dir / tool
        script.write_text(
            f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n'
            f'if [ "$1" = "-" ]; then cat > "{tmp_path}/crontab.txt"; fi\n'
            f'if [ "$1" = "-l" ]; then printf "5 * * * * other\\n"; fi\n'
        )
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    name = unit_name(ws)
    if sys.platform.startswith("linux"):
        result = run("schedule", "install", "--systemd", "--write")
        assert result.exit_code == 0, result.output
        timer = tmp_path / "home/.config/systemd/user" / f"{name}.timer"
        assert "Persistent=true" in timer.read_text()
    result = run("schedule", "install", "--cron", "--write")
    assert result.exit_code == 0, result.output
    crontab = (tmp_path / "crontab.txt").read_text().splitlines()
    assert crontab[0] == "5 * * * * other" and crontab[1].endswith(f"# {name}")
    assert "crontab -l" in calls.read_text()


def test_every_key_and_placeholder_is_documented():
    doc = (ROOT / "docs" / "计划任务.md").read_text(encoding="utf-8")
    for key in TOP_KEYS + JOB_KEYS + NOTIFY_KEYS + SMTP_KEYS:
        assert f"`{key.name}`" in doc, key.name
    for name in PLACEHOLDERS:
        assert f"`{{{name}}}`" in doc, name
    for needle in ("StartWhenAvailable", "Persistent=true", "IgnoreNew", "tzdata", "day=31"):
        assert needle in doc


def test_rerun_a_failed_or_skipped_period_but_never_a_success(run, ws):
    clock = FakeClock(at(2023, 6, 1))
    s = scheduler(ws, clock, FakeExecutor(codes=[1, 1, 1]), MONTHLY % "latest")
    s.run_due()
    clock.moment = at(2023, 9, 3, 8)  # 2023-06 and 2023-07 skipped; 2023-08 runs and fails
    for minutes in (0, 10, 30):
        clock.moment = at(2023, 9, 3, 8) + dt.timedelta(minutes=minutes)
        s.run_due()
    assert statuses(ws)[-1] == ("2023-08", 3, "failed")
    outcome = s.rerun("月报", "2023-08")  # the data were fixed
    assert (outcome.attempt, outcome.status) == (4, "success")
    assert s.rerun("月报", "2023-07").status == "success"
    (ws / "schedule.toml").write_text(MONTHLY % "latest", encoding="utf-8")
    refused = run("schedule", "rerun", "月报", "2023-08")
    assert refused.exit_code == 9
    assert "“月报”2023-08 已成功（记录 #7），每期只运行一次" in refused.stderr
    assert "reportgen monthly --month 2023-08 --out" in refused.stderr
    assert "还没有运行记录" in run("schedule", "rerun", "月报", "2023-04").stderr
    assert "报告期按月计" in run("schedule", "rerun", "月报", "2023Q3").stderr
    assert s.run_due().outcomes == []
