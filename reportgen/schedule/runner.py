"""Run what is due: the logic behind `reportgen schedule run-due` (and `run`, which calls it
every minute). The clock and the executor are injected, so tests drive it on fixed dates.

One run-due at a time per workspace (a file lock, released by the OS if the process dies);
each attempt is claimed in the ledger before it starts, so even two processes that bypass the
lock (two workspaces on one PostgreSQL database) cannot run the same attempt twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import filelock

from reportgen.engine.manifest import MANIFEST_NAME, read_manifest
from reportgen.errors import ReportgenError, ScheduleError, os_error
from reportgen.schedule.beat import BEAT_ENV, RUN_ENV
from reportgen.schedule.config import DEFAULT_TIMEZONE, ArgsCheck, Job, Schedule, load_schedule
from reportgen.schedule.ledger import (
    ERROR,
    FAILED,
    RUNNING,
    SUCCESS,
    Ledger,
    RunRow,
    open_ledger,
)
from reportgen.schedule.notify import (
    NotifyError,
    email_subject,
    send_email,
    summary_text,
    write_summary,
)
from reportgen.schedule.periods import UNIT_NAMES, Period, parse_period
from reportgen.schedule.planner import Due, next_fire, plan
from reportgen.schedule.process import (
    HEARTBEAT_SECONDS,
    LOG_NAME,
    ExecSpec,
    Execution,
    Executor,
    Terminated,
    child_alive,
    end_group,
    pid_alive,
    subprocess_executor,
    this_host,
)

LOCK_NAME = ".reportgen-schedule.lock"
RUN_LOG = Path("计划任务") / "运行记录.txt"
RUN_LOG_MAX_BYTES = 1 << 20
# A running row whose process has not written a heartbeat for this long is taken as dead
# (covers a process on another computer sharing the database, and a reused process id).
STALE_AFTER = dt.timedelta(minutes=10)
MAX_PASSES = 16
# the clock may be this much behind the last recorded run (another PC's clock, NTP corrections)
CLOCK_SLACK = dt.timedelta(minutes=10)
# how long an e-mail that could not be sent is tried again (at each run-due)
RESEND_FOR = dt.timedelta(days=3)
# exit codes (errors.py) a retry cannot fix: the command line, the template or the schedule itself
NO_RETRY = {2: "命令用法错误", 6: "模板错误", 9: "计划任务配置错误"}
TERMINATED_TEXT = (
    "run-due 收到终止信号（SIGTERM）：已结束正在运行的命令，这次运行记为中断，下次 run-due 重试。"
)
# the exit code of a process ended by SIGTERM (128 + 15), as a shell reports it
TERMINATED_EXIT = 143


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


@dataclass
class RunOutcome:
    """How one attempt ended."""

    run_id: int
    job: str
    period: Period
    attempt: int
    status: str
    scheduled_at: dt.datetime
    started_at: dt.datetime
    finished_at: dt.datetime
    command: list[str]
    output_dir: Path
    outputs: list[dict[str, Any]]
    exit_code: int | None
    error: str | None
    retry_at: dt.datetime | None = None
    log_path: Path | None = None


@dataclass
class DueReport:
    """What one run-due did."""

    tz: Any = None
    busy: bool = False
    outcomes: list[RunOutcome] = field(default_factory=list)
    skipped: list[tuple[str, Period]] = field(default_factory=list)
    interrupted: list[tuple[RunRow, str]] = field(default_factory=list)
    # commands of an earlier run-due that was killed, still running on their own: their period
    # is not started again beside them
    still_running: list[RunRow] = field(default_factory=list)
    # periods whose retries ran out this time (failed for good): told, mailed, in the exit code
    gave_up: list[RunOutcome] = field(default_factory=list)
    # a job that could not even be planned or started (an error in its own settings): the
    # other jobs still run
    job_errors: list[str] = field(default_factory=list)
    notify_errors: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)  # e-mails of earlier runs sent now
    # periods of jobs with require_import_after that wait for newer data (run when it comes)
    waiting_data: list[str] = field(default_factory=list)
    clock_problem: str | None = None  # nothing ran: the clock is behind the last recorded run

    @property
    def problems(self) -> int:
        """What makes run-due exit 1: failed runs, jobs that could not run, a clock not trusted."""
        return len(self.failures) + len(self.job_errors) + (1 if self.clock_problem else 0)

    @property
    def failures(self) -> list[RunOutcome]:
        return [o for o in self.outcomes if o.status in (ERROR, FAILED)] + self.gave_up


@dataclass
class JobStatus:
    """A job as `schedule list` shows it."""

    job: Job
    next_fire: dt.datetime
    next_period: Period
    last: RunRow | None
    due: list[Due]
    waiting: list[tuple[Period, dt.datetime]]
    first_seen: dt.datetime | None


class Scheduler:
    """One workspace's schedule.toml, run ledger and runner."""

    def __init__(
        self,
        workspace: Path,
        *,
        clock: Clock | None = None,
        executor: Executor | None = None,
        db_option: str | None = None,
        commands: set[str] | None = None,
        check_args: ArgsCheck | None = None,
    ):
        self.workspace = workspace
        self.clock = clock or SystemClock()
        self.executor = executor or subprocess_executor
        self.db_option = db_option
        self.schedule: Schedule = load_schedule(workspace, commands, check_args)

    @property
    def tz(self):
        return self.schedule.tz

    def ledger(self) -> AbstractContextManager[Ledger]:
        return open_ledger(self.workspace, self.db_option)

    # -- run-due --

    def run_due(self, only_job: str | None = None, yes: bool = False) -> DueReport:
        """Run every due attempt (catching up missed periods), then return what happened.
        `yes`: go on although the clock looks wrong (behind the last run, or so far ahead that a
        job would make or skip more than max_missed periods)."""
        jobs = [self.schedule.job(only_job)] if only_job else list(self.schedule.jobs)
        report = DueReport(tz=self.tz)
        lock = filelock.FileLock(str(self.workspace / LOCK_NAME))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            report.busy = True
            return report
        failed_jobs: set[str] = set()
        try:
            with self.ledger() as ledger, _terminate_on_sigterm():
                self._recover(ledger, report)
                self._resend(ledger, report)
                report.clock_problem = None if yes else self._clock_behind(ledger)
                for _ in range(0 if report.clock_problem else MAX_PASSES):
                    ran = False
                    for job in jobs:
                        if job.enabled and job.name not in failed_jobs:
                            try:
                                ran = self._run_job(job, ledger, report, yes) or ran
                            except (ReportgenError, OSError, ValueError) as exc:
                                # this job's failure: recorded with its reason, the others run
                                failed_jobs.add(job.name)
                                text = (
                                    exc.message
                                    if isinstance(exc, ReportgenError)
                                    else f"{type(exc).__name__}: {exc}"
                                )
                                report.job_errors.append(f"{job.name}：{text}")
                    if not ran:
                        break
        finally:
            lock.release()
        return report

    def rerun(self, job_name: str, period_key: str) -> RunOutcome:
        """Run one period of a job again now: one that failed (for good or awaiting a retry),
        was interrupted, or was skipped. Never a period that succeeded; one attempt, no retries."""
        job = self.schedule.job(job_name)
        period = _period_of(job, period_key)
        with self._manual() as (ledger, report):
            rows = [r for r in ledger.runs(job.name) if r.period == period.key]
            command = "reportgen " + " ".join(
                job.render(period, self.clock.now(), self.workspace)[0]
            )
            if not rows:
                raise ScheduleError(
                    f"“{job.name}”{period.key} 还没有运行记录，重新运行只用于失败、中断或跳过的期次。"
                    f"要把这一期记入计划任务，请运行：reportgen schedule backfill {job.name} {period.key} {period.key}；"
                    f"或直接运行：{command}"
                )
            done = [r for r in rows if r.status in (SUCCESS, RUNNING)]
            if done:
                raise ScheduleError(
                    f"“{job.name}”{period.key} 已{done[0].status_text}（记录 #{done[0].id}），每期只运行一次。"
                    f"要重新生成，请直接运行：{command}"
                )
            due = Due(period, rows[-1].scheduled_at, max(r.attempt for r in rows) + 1, "manual")
            outcome = self._attempt(job, due, ledger, report)
        if outcome is None:
            raise ScheduleError(f"“{job.name}”{period.key} 刚被另一个进程运行，本次未运行。")
        return outcome

    def backfill(
        self, job_name: str, first_key: str, last_key: str
    ) -> tuple[list[RunOutcome], list[str]]:
        """Make every period of a job from `first_key` to `last_key` that has not succeeded: never
        recorded (the job was added later, or a clock set ahead closed them), skipped, or failed.
        One attempt each, oldest first. Returns the outcomes and the periods passed over (done)."""
        job = self.schedule.job(job_name)
        periods = []
        first, last = _period_of(job, first_key), _period_of(job, last_key)
        if last.first_day < first.first_day:
            raise ScheduleError(f"起止颠倒：{first.key} 在 {last.key} 之后")
        period = last
        while period.first_day >= first.first_day:
            periods.append(period)
            if len(periods) > 1000:
                raise ScheduleError("一次最多补 1000 期")
            period = period.previous()
        periods.reverse()
        outcomes, passed = [], []
        with self._manual() as (ledger, report):
            for period in periods:
                rows = [r for r in ledger.runs(job.name) if r.period == period.key]
                done = [r for r in rows if r.status in (SUCCESS, RUNNING)]
                if done:
                    passed.append(f"{period.key}（{done[0].status_text}）")
                    continue
                attempt = max((r.attempt for r in rows), default=0) + 1
                due = Due(period, self.clock.now(), attempt, "manual")
                outcome = self._attempt(job, due, ledger, report, self._stale_data(period, ledger))
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes, passed

    @contextmanager
    def _manual(self) -> Iterator[tuple[Ledger, DueReport]]:
        """A run asked for by hand (rerun, backfill): the workspace's lock, or a ScheduleError
        when a run-due holds it; the ledger with dead runs recovered; SIGTERM ends the command."""
        lock = filelock.FileLock(str(self.workspace / LOCK_NAME))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            raise ScheduleError("另一个计划任务进程正在运行，请稍后再试。") from None
        try:
            with self.ledger() as ledger, _terminate_on_sigterm():
                report = DueReport(tz=self.tz)
                self._recover(ledger, report)
                yield ledger, report
        finally:
            lock.release()

    def is_stale(self, row: RunRow, now: dt.datetime) -> str | None:
        """Why a `running` row is dead (its reason), or None if it may still be running.

        On this computer a row is alive while its command process is (recorded with its start,
        so a reused pid does not count): a command outlives a run-due killed alone, and its
        period must not start again beside it, however long ago its run-due's last heartbeat."""
        if row.host == this_host():
            if row.child_pid and child_alive(row.child_pid, row.child_started):
                return None
            if not pid_alive(row.pid):
                if row.child_pid:
                    return (
                        f"run-due 进程 {row.pid} 和它启动的命令进程 {row.child_pid} 都已不在运行"
                        "（电脑关机、断电或进程被结束），结果未记录"
                    )
                return f"进程 {row.pid} 已不在运行（电脑关机、断电或进程被结束）"
        if now - row.last_sign_of_life > STALE_AFTER:
            minutes = int(STALE_AFTER.total_seconds() // 60)
            return f"进程 {row.pid}（{row.host}）超过 {minutes} 分钟没有心跳"
        return None

    def _recover(self, ledger: Ledger, report: DueReport) -> None:
        now = self.clock.now()
        for row in ledger.runs(status=RUNNING):
            reason = self.is_stale(row, now)
            if reason is None and self._orphaned(row):
                job = next((j for j in self.schedule.jobs if j.name == row.job), None)
                if job is not None and now - row.started_at > job.timeout:
                    # its run-due is gone, so nobody else ends it at its timeout
                    end_group(row.child_pid)  # type: ignore[arg-type]  # _orphaned: has one
                    reason = (
                        f"命令进程 {row.child_pid} 超过时限 {_duration(job.timeout)}，启动它的 run-due "
                        "已不在运行，已终止"
                    )
                else:
                    report.still_running.append(row)
            if reason and ledger.mark_interrupted(row.id, now, f"运行中断：{reason}"):
                report.interrupted.append((row, reason))

    @staticmethod
    def _orphaned(row: RunRow) -> bool:
        """A command on this computer still running after its run-due died."""
        return (
            row.host == this_host()
            and bool(row.child_pid)
            and row.pid != os.getpid()
            and not pid_alive(row.pid)
            and child_alive(row.child_pid, row.child_started)
        )

    def _clock_behind(self, ledger: Ledger) -> str | None:
        """Why run-due should not trust the clock: it is behind a run this computer recorded."""
        now = self.clock.now()
        mine = [r.started_at for r in ledger.runs() if r.host in (None, this_host())]
        last = max(mine, default=None)
        if last is None or now >= last - CLOCK_SLACK:
            return None
        return (
            f"本机时钟（{now.astimezone(self.tz):%Y-%m-%d %H:%M}）早于上次运行的记录"
            f"（{last.astimezone(self.tz):%Y-%m-%d %H:%M}）：时钟可能被调回过，或那次运行时时钟是错的。"
            "本次没有运行任何任务。请先核对电脑的日期和时间；确认无误后运行 reportgen schedule run-due --yes，"
            "那时错记在“未来”的期次可用 reportgen schedule backfill 任务 起 止 重新生成"
        )

    def _run_job(self, job: Job, ledger: Ledger, report: DueReport, yes: bool = False) -> bool:
        now = self.clock.now()
        first_seen = ledger.first_seen(job.name, now)
        todo = plan(job, now, first_seen, ledger.runs(job.name))
        fresh = len(todo.skip) + sum(d.reason == "new" for d in todo.due)
        if fresh > self.schedule.max_missed and not yes:
            keys = [p.key for p, _ in todo.skip] + [
                d.period.key for d in todo.due if d.reason == "new"
            ]
            report.job_errors.append(
                f"{job.name}：现在要补做或跳过 {fresh} 期（{keys[0]} 至 {keys[-1]}），超过 max_missed = "
                f"{self.schedule.max_missed}，本机时钟（{now.astimezone(self.tz):%Y-%m-%d %H:%M}）可能不对。"
                "本次没有运行这个任务；核对日期和时间后，确实要补做请运行 reportgen schedule run-due --yes"
            )
            return False
        for row, why in todo.give_up:
            ledger.give_up(row.id, why)
            outcome = self._outcome_of(ledger.get(row.id), now)
            report.gave_up.append(outcome)
            self._notify(job, outcome, ledger, report)  # 运行结果.txt no longer says 待重试
        skipped = []
        for period, fire in todo.skip:
            reason = "关机期间错过；catch_up = latest，只补最近一期"
            if ledger.record_skipped(job.name, period.key, fire, now, reason):
                report.skipped.append((job.name, period))
                skipped.append(period)
        if skipped:
            self._notify_skipped(job, skipped, report)
        ran = False
        for due in todo.due:
            stale = self._stale_data(due.period, ledger)
            if stale and job.require_import_after == "period_end":
                report.waiting_data.append(f"{job.name} {due.period.key}：{stale}")
                continue
            attempted = self._attempt(job, due, ledger, report, stale)
            if attempted is not None:
                report.outcomes.append(attempted)
                ran = True
        return ran

    def _attempt(self, job: Job, due: Due, ledger: Ledger, report: DueReport,
                 warning: str | None = None) -> RunOutcome | None:  # fmt: skip
        started = self.clock.now()
        argv, out = job.render(due.period, due.scheduled_at, self.workspace)
        manual = due.reason == "manual"
        run_id = ledger.claim(
            job.name, due.period.key, due.attempt,
            scheduled_at=due.scheduled_at, now=started, command=argv,
            output_dir=self.display_path(out), pid=os.getpid(), host=this_host(), reopen=manual,
        )  # fmt: skip
        if run_id is None:
            return None
        wall_start = time.time()
        log_path = out / LOG_NAME
        try:
            spec = ExecSpec(
                argv=argv,
                global_args=self.global_args(),
                cwd=self.workspace,
                env=self.child_env(started, run_id),
                log_path=log_path,
                timeout=job.timeout,
                heartbeat=lambda: ledger.heartbeat(run_id, self.clock.now()),
                started=lambda pid, at: ledger.set_child(run_id, pid, at),
            )
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a file where the folder should be, no permission, disk full
                execution = Execution(
                    -1, f"错误：无法创建输出文件夹 {self.display_path(out)}：{_os_reason(exc)}"
                )
            else:
                try:
                    execution = self.executor(spec)
                except OSError as exc:
                    execution = Execution(-1, f"错误：无法启动命令：{_os_reason(exc)}")
                except Exception as exc:  # this job's failure, not every other job's
                    execution = Execution(
                        -1, f"错误：运行时出现意外错误：{type(exc).__name__}: {exc}"
                    )
        except Terminated:
            ledger.mark_interrupted(
                run_id,
                self.clock.now(),
                "运行被中断：run-due 收到终止信号（SIGTERM），已结束命令进程",
            )
            raise
        except BaseException:
            ledger.mark_interrupted(run_id, self.clock.now(), "运行被中断（Ctrl-C 或程序退出）")
            raise
        try:
            outputs = self.read_outputs(argv, out, wall_start)
        except OSError:
            outputs = []
        finished = self.clock.now()
        status, retry_at = SUCCESS, None
        if execution.exit_code != 0:
            earlier = [r for r in ledger.runs(job.name) if r.period == due.period.key]
            failures = 1 + sum(r.status in (ERROR, FAILED) for r in earlier if r.id != run_id)
            hopeless = execution.exit_code in NO_RETRY
            if failures <= job.retries and not manual and not hopeless:
                status, retry_at = ERROR, finished + job.backoff(failures)
            else:
                status = FAILED
        error = execution.error_text()
        if status == FAILED and execution.exit_code in NO_RETRY and not manual:
            error = f"{error}\n（{NO_RETRY[execution.exit_code]}，重试也不会成功，未再重试：请改正后运行 reportgen schedule rerun {job.name} {due.period.key}）"
        if warning:  # kept with the run: history, 运行结果.txt and the e-mail show it
            error = f"提醒：{warning}" if error is None else f"{error}\n提醒：{warning}"
        ledger.finish(
            run_id, status, finished, outputs=outputs, exit_code=execution.exit_code, error=error
        )
        outcome = RunOutcome(
            run_id, job.name, due.period, due.attempt, status, due.scheduled_at, started,
            finished, argv, out, outputs, execution.exit_code, error, retry_at,
            log_path if log_path.exists() else None,
        )  # fmt: skip
        self._notify(job, outcome, ledger, report)
        return outcome

    def _stale_data(self, period: Period, ledger: Ledger) -> str | None:
        """Why the data may not cover `period` (the latest import is older than its end), or None."""
        end = dt.datetime.combine(
            period.last_day + dt.timedelta(days=1), dt.time(0), tzinfo=self.tz
        )
        last = ledger.latest_import_at()
        if last is None:
            return "数据库里还没有导入过数据"
        if last < end:
            return (
                f"数据最近一次导入在 {last.astimezone(self.tz):%Y-%m-%d %H:%M}，早于报告期末"
                f"（{period.last_day:%Y-%m-%d}）：报告期内最后几天的变化可能没有反映，请导入新数据后核对"
            )
        return None

    def _outcome_of(self, row: RunRow, now: dt.datetime) -> RunOutcome:
        """A recorded attempt as an outcome (one given up on: its summary and e-mail)."""
        out = self.workspace / row.output_dir
        log = out / LOG_NAME
        return RunOutcome(
            row.id, row.job, parse_period(row.period), row.attempt, row.status, row.scheduled_at,
            row.started_at, row.finished_at or now, row.command, out, row.outputs or [],
            row.exit_code, row.error, None, log if log.exists() else None,
        )  # fmt: skip

    def _resend(self, ledger: Ledger, report: DueReport) -> None:
        """Send again the e-mails of earlier runs that failed to go out (the server was down),
        for up to RESEND_FOR after the run; the ledger keeps the reason until one goes."""
        if not self.schedule.smtp:
            return
        now = self.clock.now()
        jobs = {j.name: j for j in self.schedule.jobs}
        for row in ledger.unsent():
            job = jobs.get(row.job)
            finished = row.finished_at or row.started_at
            if job is None or not job.notify.email or now - finished > RESEND_FOR:
                continue
            if job.notify.email_on != "always" and row.status != FAILED:
                continue
            outcome = self._outcome_of(row, now)
            try:
                send_email(self.schedule.smtp, job.notify.email, email_subject(outcome, self.place()),
                           summary_text(outcome, self.tz, self.workspace))  # fmt: skip
            except NotifyError as exc:
                ledger.set_notify_error(row.id, exc.message)
                continue
            ledger.set_notify_error(row.id, None)
            report.resent.append(f"{row.job} {row.period}")

    def _notify_skipped(self, job: Job, periods: list[Period], report: DueReport) -> None:
        """Skipping is an end too: mailed (email_on = "always") with how to make the periods."""
        if not (job.notify.email and job.notify.email_on == "always" and self.schedule.smtp):
            return
        first, last = periods[0].key, periods[-1].key
        body = "\n".join([
            "reportgen 计划任务：跳过的期次", "", f"任务：{job.name}",
            f"跳过：{'、'.join(p.label for p in periods)}（共 {len(periods)} 期）",
            "原因：电脑关机期间错过；catch_up = \"latest\"，只补做了最近一期", "",
            f"要补做这些期次：reportgen -C {self.workspace} schedule backfill {job.name} {first} {last}", "",
        ])  # fmt: skip
        subject = f"reportgen 计划任务“{job.name}”：跳过 {len(periods)} 期（{self.place()}）"
        try:
            send_email(self.schedule.smtp, job.notify.email, subject, body)
        except NotifyError as exc:
            report.notify_errors.append(f"{job.name} 跳过 {first} 至 {last}：{exc.message}")

    def _notify(self, job: Job, outcome: RunOutcome, ledger: Ledger, report: DueReport) -> None:
        if job.notify.summary:
            try:
                write_summary(outcome, self.tz, self.workspace)
            except OSError as exc:
                text = f"{job.name} {outcome.period.key}：运行结果文件未写成：{_os_reason(exc)}"
                report.notify_errors.append(text)
        final = outcome.status in (SUCCESS, FAILED)
        wanted = job.notify.email_on == "always" or outcome.status == FAILED
        if not (job.notify.email and final and wanted and self.schedule.smtp):
            return
        try:
            send_email(
                self.schedule.smtp,
                job.notify.email,
                email_subject(outcome, self.place()),
                summary_text(outcome, self.tz, self.workspace),
            )
        except NotifyError as exc:
            ledger.set_notify_error(outcome.run_id, exc.message)
            report.notify_errors.append(f"{job.name} {outcome.period.key}：{exc.message}")

    def place(self) -> str:
        """Whose schedule this is, for the e-mail's subject: the county, else the workspace."""
        from reportgen.config import load_settings

        try:
            name = load_settings(self.workspace).values.get("county.name")
        except ReportgenError:
            name = None
        return f"{name} {self.workspace.name}" if name else self.workspace.name

    # -- what a run gets and leaves --

    def global_args(self) -> list[str]:
        # The database goes to the child through REPORTGEN_DB (child_env), not --db: a command
        # line is visible to every user of the machine (ps), and the URL may hold a password.
        return ["-q", "-C", str(self.workspace)]

    def child_env(self, now: dt.datetime, run_id: int | None = None) -> dict[str, str]:
        env = dict(os.environ)
        if run_id is not None:  # the command beats for its run too (schedule/beat.py)
            env[RUN_ENV], env[BEAT_ENV] = str(run_id), str(HEARTBEAT_SECONDS)
        # The command's "today" is the scheduler's: a test clock reaches the documents too.
        env["REPORTGEN_TODAY"] = now.astimezone(self.tz).date().isoformat()
        env["PYTHONUTF8"] = "1"
        if self.db_option:
            env["REPORTGEN_DB"] = self.db_option
        env["PYTHONIOENCODING"] = "utf-8"
        return env

    def display_path(self, path: Path) -> str:
        try:
            return path.relative_to(self.workspace).as_posix()
        except ValueError:
            return str(path)

    def read_outputs(self, argv: list[str], run_dir: Path, since: float) -> list[dict[str, Any]]:
        """The files listed in the manifest.json this run wrote (in --out, else the run folder)."""
        out_dir = run_dir
        for i, arg in enumerate(argv):
            if arg == "--out" and i + 1 < len(argv):
                out_dir = Path(argv[i + 1])
            elif arg.startswith("--out="):
                out_dir = Path(arg.split("=", 1)[1])
        if not out_dir.is_absolute():
            out_dir = self.workspace / out_dir
        manifest = out_dir / MANIFEST_NAME
        # A manifest older than the run is a previous run's (same folder, earlier attempt).
        if not manifest.is_file() or manifest.stat().st_mtime < since - 2:
            return []
        try:
            data = read_manifest(manifest)
        except (OSError, ValueError):
            return []
        return [
            {
                "file": self.display_path(out_dir / o["file"]),
                "records": o.get("records"),
                "sha256": o.get("sha256"),
            }
            for o in data.get("outputs", [])
            if isinstance(o, dict) and "file" in o
        ]

    # -- list --

    def overview(self) -> tuple[list[JobStatus], str | None]:
        """Each job's next run, last run and what is due now; and why history is missing, if so."""
        now = self.clock.now()
        try:
            with self.ledger() as ledger:
                rows = {job.name: ledger.runs(job.name) for job in self.schedule.jobs}
                seen = {job.name: ledger.known_first_seen(job.name) for job in self.schedule.jobs}
            problem = None
        except ReportgenError as exc:
            rows, seen, problem = {}, {}, exc.message
        statuses = []
        for job in self.schedule.jobs:
            job_rows = rows.get(job.name, [])
            first_seen = seen.get(job.name)
            todo = plan(job, now, first_seen or now, job_rows)
            fire, period = next_fire(job, now, job_rows)
            last = job_rows[-1] if job_rows else None
            statuses.append(
                JobStatus(job, fire, period, last, todo.due if job.enabled else [], todo.waiting, first_seen)
            )  # fmt: skip
        return statuses, problem


def last_call_error(workspace: Path) -> str | None:
    """The last line of 计划任务/运行记录.txt if the last run-due call ended in an error (a config
    error is not a run of any job, so the ledger cannot hold it): time and message."""
    try:
        lines = (workspace / RUN_LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    last = next((x for x in reversed(lines) if x.strip()), "")
    stamp, _, text = last.partition("  ")
    return f"{stamp}：{text[3:]}" if text.startswith("错误：") else None


@contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """While run-due runs, SIGTERM (kill, systemd stopping it, shutdown) raises Terminated: the
    running command is ended and its run marked, instead of the process vanishing with its
    command left running unrecorded. Only the main thread can take signals."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _period_of(job: Job, key: str) -> Period:
    """A period of `job` from its key (2023-08, 2023Q3 …), or a ScheduleError saying why not."""
    try:
        period = parse_period(key)
    except ValueError:
        raise ScheduleError(f"报告期应写成 2023-08、2023Q3、2023 或 2023-08-15：{key}") from None
    if period.unit != job.unit:
        raise ScheduleError(
            f"任务“{job.name}”的报告期按{UNIT_NAMES[job.unit]}计，“{key}”不是这样的报告期"
        )
    return period


def _os_reason(exc: OSError) -> str:
    """An OS error as errors.os_error tells it (reason, path and what to do), else the system's."""
    known = os_error(exc)
    if known is not None:
        return known.message
    return f"{exc.strerror or exc}（{exc.filename}）" if exc.filename else str(exc.strerror or exc)


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} 小时 {minutes % 60} 分钟" if minutes >= 60 else f"{minutes} 分钟"


def run_due(workspace: Path, **kwargs: Any) -> DueReport:
    """Scheduler(workspace, …).run_due(), with what happened appended to 计划任务/运行记录.txt
    (the OS scheduler shows no console: this file is where a config error can be seen)."""
    only_job = kwargs.pop("only_job", None)
    yes = kwargs.pop("yes", False)
    # a call with nothing due leaves one line too, so that the log shows the OS timer calls
    # (`schedule run`, which calls every minute, does not: log_idle=False)
    log_idle = kwargs.pop("log_idle", True)
    clock = kwargs.get("clock") or SystemClock()
    tz = ZoneInfo(DEFAULT_TIMEZONE)  # the schedule's, once it is read
    try:
        scheduler = Scheduler(workspace, **kwargs)
        tz = scheduler.tz
        report = scheduler.run_due(only_job, yes=yes)
    except ReportgenError as exc:
        append_run_log(workspace, clock.now(), [f"错误：{exc.message}"], tz=tz)
        raise
    except Terminated:
        append_run_log(workspace, clock.now(), [TERMINATED_TEXT], tz=tz)
        raise
    lines = report_lines(report) or (["没有到期的任务。"] if log_idle else [])
    append_run_log(workspace, clock.now(), lines, tz=tz)
    return report


def report_lines(report: DueReport) -> list[str]:
    """What a run-due did, one line each, in Chinese (printed and logged)."""
    from reportgen.schedule.notify import status_line

    lines = []
    if report.busy:
        lines.append("另一个计划任务进程正在运行，本次不重复运行。")
    if report.clock_problem:
        lines.append(f"时钟可疑：{report.clock_problem}")
    for row, reason in report.interrupted:
        lines.append(
            f"发现中断的运行：{row.job} {row.period} 第{row.attempt}次（{reason}），将重试。"
        )
    skipped: dict[str, list[Period]] = {}
    for job, period in report.skipped:
        skipped.setdefault(job, []).append(period)
    for job, periods in skipped.items():
        keys = (
            periods[0].key
            if len(periods) == 1
            else f"{periods[0].key} 至 {periods[-1].key} 共 {len(periods)} 期"
        )
        lines.append(f"跳过：{job} {keys}（关机期间错过；catch_up = latest 只补最近一期）")
    for row in report.still_running:
        lines.append(
            f"仍在运行：{row.job} {row.period} 第{row.attempt}次的命令进程 {row.child_pid}"
            f"（启动它的 run-due 进程 {row.pid} 已结束），不重复启动，结束后再记录并重试。"
        )
    for o in report.gave_up:
        last = (o.error or "").splitlines()
        lines.append(
            f"不再重试：{o.job} {o.period.key}，记为失败{('（' + last[0] + '）') if last else ''}"
        )
    lines += [f"任务出错：{x}" for x in report.job_errors]
    for o in report.outcomes:
        lines.append(
            f"{o.job} {o.period.key}：{status_line(o, report.tz)}，输出 {len(o.outputs)} 个文件"
        )
        if o.error and o.status != SUCCESS:
            lines += ["    " + x for x in o.error.splitlines()[:3]]
        elif o.error:  # a success with a 提醒 (data older than the period's end)
            lines += ["    " + x for x in o.error.splitlines() if x.startswith("提醒：")]
    lines += [f"通知失败：{x}（下次 run-due 时重发）" for x in report.notify_errors]
    lines += [f"补发了此前没发出去的邮件：{x}" for x in report.resent]
    lines += [
        f'等待新数据，本次未运行：{x}（require_import_after = "period_end"）'
        for x in report.waiting_data
    ]
    return lines


def append_run_log(workspace: Path, now: dt.datetime, lines: list[str], tz: Any = None) -> None:
    if not lines:
        return
    path = workspace / RUN_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > RUN_LOG_MAX_BYTES:
            tail = path.read_bytes()[-RUN_LOG_MAX_BYTES // 2 :]
            path.write_bytes(tail[tail.find(b"\n") + 1 :])
        stamp = (now.astimezone(tz) if tz else now.astimezone()).strftime("%Y-%m-%d %H:%M:%S")
        with path.open("a", encoding="utf-8") as fh:
            for line in lines:
                fh.write(f"{stamp}  {line}\n")
    except OSError:
        pass  # the log is a convenience; the ledger is the record


def serve(
    workspace: Path,
    *,
    on_report: Callable[[DueReport], None],
    on_error: Callable[[ReportgenError], None],
    sleep: Callable[[float], None] = time.sleep,
    interval: int = 60,
    ticks: int | None = None,
    **kwargs: Any,
) -> None:
    """Call run_due every `interval` seconds (on the minute) until interrupted, or `ticks` times.
    schedule.toml is read afresh each time, so edits take effect without a restart."""
    clock = kwargs.get("clock") or SystemClock()
    count = 0
    while ticks is None or count < ticks:
        try:
            on_report(run_due(workspace, log_idle=False, **kwargs))
        except ReportgenError as exc:
            on_error(exc)
        count += 1
        if ticks is not None and count >= ticks:
            break
        sleep(interval - clock.now().timestamp() % interval)


def history_json(rows: list[RunRow]) -> str:
    def jsonable(v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.datetime) else v

    return json.dumps(
        [{k: jsonable(v) for k, v in row.__dict__.items()} for row in rows],
        ensure_ascii=False,
        indent=2,
    )
