"""The run ledger in the dataset database: one row per attempt of a job for a period.

Times are stored as naive UTC and returned as aware UTC datetimes. A run is claimed by inserting
its row (job, period, attempt) with status `running`; the unique keys of schema v4 make a second
claim of the same attempt, a second running row, or a second success fail in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from reportgen.dataset.schema import imports, schedule_jobs, schedule_runs
from reportgen.errors import ScheduleError

RUNNING = "running"
SUCCESS = "success"
ERROR = "error"  # this attempt failed; another follows after the backoff
FAILED = "failed"  # failed for good: retries used up
INTERRUPTED = "interrupted"  # the process died mid-run; retried next time
SKIPPED = "skipped"  # missed while the computer was off, and catch_up = latest

FINAL = frozenset({SUCCESS, FAILED, SKIPPED})
STATUS_TEXT = {
    RUNNING: "运行中",
    SUCCESS: "成功",
    ERROR: "失败，待重试",
    FAILED: "失败",
    INTERRUPTED: "中断，待重试",
    SKIPPED: "跳过",
}
UTC = dt.timezone.utc


def to_db(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("ledger times must be aware")
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


@dataclass(frozen=True)
class RunRow:
    """One attempt as recorded."""

    id: int
    job: str
    period: str
    attempt: int
    status: str
    scheduled_at: dt.datetime
    started_at: dt.datetime
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    command: list[str]
    output_dir: str
    outputs: list[dict[str, Any]] | None
    exit_code: int | None
    error: str | None
    notify_error: str | None
    pid: int | None
    host: str | None
    child_pid: int | None = None
    child_started: float | None = None

    @classmethod
    def from_row(cls, row: sa.Row) -> RunRow:
        m = dict(row._mapping)
        for key in ("scheduled_at", "started_at", "finished_at", "heartbeat_at"):
            m[key] = from_db(m[key])
        return cls(**m)

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.status, self.status)

    @property
    def last_sign_of_life(self) -> dt.datetime:
        return self.heartbeat_at or self.started_at


class Ledger:
    """Reads and writes schedule_jobs and schedule_runs; every write is its own transaction."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def first_seen(self, job: str, now: dt.datetime) -> dt.datetime:
        """When run-due first saw `job` (recorded now if never): periods due before are not run."""
        with self.engine.begin() as conn:
            seen = conn.execute(
                sa.select(schedule_jobs.c.first_seen).where(schedule_jobs.c.name == job)
            ).scalar()
        if seen is not None:
            return from_db(seen)  # type: ignore[return-value]
        try:
            with self.engine.begin() as conn:
                conn.execute(schedule_jobs.insert().values(name=job, first_seen=to_db(now)))
        except sa.exc.IntegrityError:  # another process recorded it first
            return self.first_seen(job, now)
        return now

    def known_first_seen(self, job: str) -> dt.datetime | None:
        with self.engine.connect() as conn:
            seen = conn.execute(
                sa.select(schedule_jobs.c.first_seen).where(schedule_jobs.c.name == job)
            ).scalar()
        return from_db(seen)

    def runs(self, job: str | None = None, status: str | None = None) -> list[RunRow]:
        """Rows in the order they were inserted, optionally of one job and/or one status."""
        query = sa.select(schedule_runs).order_by(schedule_runs.c.id)
        if job is not None:
            query = query.where(schedule_runs.c.job == job)
        if status is not None:
            query = query.where(schedule_runs.c.status == status)
        with self.engine.connect() as conn:
            return [RunRow.from_row(r) for r in conn.execute(query)]

    def history(
        self, job: str | None = None, limit: int = 20, period: str | None = None
    ) -> list[RunRow]:
        """The newest `limit` rows, newest first."""
        query = sa.select(schedule_runs).order_by(schedule_runs.c.id.desc()).limit(limit)
        if job is not None:
            query = query.where(schedule_runs.c.job == job)
        if period is not None:
            query = query.where(schedule_runs.c.period == period)
        with self.engine.connect() as conn:
            return [RunRow.from_row(r) for r in conn.execute(query)]

    def get(self, run_id: int) -> RunRow:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schedule_runs).where(schedule_runs.c.id == run_id)).one()
        return RunRow.from_row(row)

    def claim(
        self,
        job: str,
        period: str,
        attempt: int,
        *,
        scheduled_at: dt.datetime,
        now: dt.datetime,
        command: list[str],
        output_dir: str,
        pid: int,
        host: str,
        reopen: bool = False,
    ) -> int | None:
        """Insert the `running` row of this attempt and return its id; None if the period is
        already done, running, or this attempt was claimed by someone else in the meantime.
        `reopen`: a period that failed for good or was skipped may run again (never a success)."""
        c = schedule_runs.c
        closed = {SUCCESS, RUNNING} if reopen else FINAL | {RUNNING}
        try:
            with self.engine.begin() as conn:
                rows = conn.execute(
                    sa.select(c.attempt, c.status).where(c.job == job, c.period == period)
                ).all()
                if any(r.status in closed for r in rows):
                    return None
                if max((r.attempt for r in rows), default=0) + 1 != attempt:
                    return None
                result = conn.execute(
                    schedule_runs.insert().values(
                        job=job,
                        period=period,
                        attempt=attempt,
                        status=RUNNING,
                        scheduled_at=to_db(scheduled_at),
                        started_at=to_db(now),
                        heartbeat_at=to_db(now),
                        command=command,
                        output_dir=output_dir,
                        pid=pid,
                        host=host,
                    )  # fmt: skip
                )
                key = result.inserted_primary_key
                assert key is not None  # an INSERT of one row
                return int(key[0])
        except sa.exc.IntegrityError:
            return None
        except sa.exc.OperationalError as exc:
            raise ScheduleError(f"无法在数据库中登记计划任务运行：{exc.orig}") from None

    def record_skipped(
        self, job: str, period: str, scheduled_at: dt.datetime, now: dt.datetime, reason: str
    ) -> bool:
        """Record that `period` was not run (missed, catch_up = latest); False if it has rows."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    schedule_runs.insert().values(
                        job=job,
                        period=period,
                        attempt=0,
                        status=SKIPPED,
                        scheduled_at=to_db(scheduled_at),
                        started_at=to_db(now),
                        finished_at=to_db(now),
                        command=[],
                        output_dir="",
                        error=reason,
                    )  # fmt: skip
                )
            return True
        except sa.exc.IntegrityError:
            return False

    def heartbeat(self, run_id: int, now: dt.datetime) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    schedule_runs.update()
                    .where(schedule_runs.c.id == run_id, schedule_runs.c.status == RUNNING)
                    .values(heartbeat_at=to_db(now))
                )
        except sa.exc.OperationalError:
            pass  # the document command holds the database; the next beat will do

    def finish(
        self,
        run_id: int,
        status: str,
        now: dt.datetime,
        *,
        outputs: list[dict[str, Any]] | None = None,
        exit_code: int | None = None,
        error: str | None = None,
    ) -> bool:
        """Close a running row; False if it was no longer running (marked interrupted meanwhile)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                schedule_runs.update()
                .where(schedule_runs.c.id == run_id, schedule_runs.c.status == RUNNING)
                .values(
                    status=status,
                    finished_at=to_db(now),
                    heartbeat_at=to_db(now),
                    outputs=outputs,
                    exit_code=exit_code,
                    error=error,
                )  # fmt: skip
            )
        return result.rowcount == 1

    def mark_interrupted(self, run_id: int, now: dt.datetime, reason: str) -> bool:
        return self.finish(run_id, INTERRUPTED, now, error=reason)

    def give_up(self, run_id: int, reason: str) -> None:
        """Turn a pending retry (error or interrupted) into a final failure."""
        with self.engine.begin() as conn:
            conn.execute(
                schedule_runs.update()
                .where(
                    schedule_runs.c.id == run_id, schedule_runs.c.status.in_([ERROR, INTERRUPTED])
                )
                .values(status=FAILED, error=sa.func.coalesce(schedule_runs.c.error, "") + reason)
            )

    def set_child(self, run_id: int, pid: int, started: float) -> None:
        """Record the command's process as soon as it starts (it may outlive run-due)."""
        with self.engine.begin() as conn:
            conn.execute(
                schedule_runs.update()
                .where(schedule_runs.c.id == run_id)
                .values(child_pid=pid, child_started=started)
            )

    def latest_import_at(self) -> dt.datetime | None:
        """When the latest import finished (imports are stamped in this computer's local time)."""
        with self.engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(imports.c.finished_at))).scalar()
        return last.astimezone() if last is not None else None

    def unsent(self) -> list[RunRow]:
        """Finished runs whose e-mail could not be sent (their notify_error says why)."""
        c = schedule_runs.c
        query = sa.select(schedule_runs).where(
            c.notify_error.is_not(None), c.status.in_([SUCCESS, FAILED])
        )
        with self.engine.connect() as conn:
            return [RunRow.from_row(r) for r in conn.execute(query.order_by(c.id))]

    def set_notify_error(self, run_id: int, text: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schedule_runs.update().where(schedule_runs.c.id == run_id).values(notify_error=text)
            )


@contextmanager
def open_ledger(workspace: Path, db_option: str | None = None) -> Iterator[Ledger]:
    """The workspace's run ledger (needs the database, not schedule.toml)."""
    from reportgen.config import load_settings
    from reportgen.workspace import open_dataset

    dataset = open_dataset(load_settings(workspace, db_option=db_option))
    try:
        yield Ledger(dataset.engine)
    finally:
        dataset.dispose()
