"""What a job should do now, from its trigger, its ledger rows and the time: a pure function.

    plan(job, now, first_seen, rows) -> Plan(due, skip, waiting, give_up)

Fire times after the job was first seen (or its `start`) map to periods; a period that has rows
is never started afresh. Missed periods are all run (catch_up = all) or only the newest, the older
ones recorded as skipped (latest). A failed attempt is retried after its backoff until `retries`
are used; an interrupted one at once, up to MAX_INTERRUPTIONS times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportgen.schedule.config import Job
from reportgen.schedule.ledger import ERROR, FAILED, FINAL, INTERRUPTED, RUNNING, RunRow
from reportgen.schedule.periods import Period, parse_period

MAX_INTERRUPTIONS = 3
# Fire times looked at per plan: a per-minute cron over months stays bounded.
MAX_FIRES = 100_000
_TICK = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Due:
    """One attempt to start now."""

    period: Period
    scheduled_at: dt.datetime
    attempt: int
    reason: str  # new / retry / interrupted / manual


@dataclass
class Plan:
    due: list[Due] = field(default_factory=list)
    skip: list[tuple[Period, dt.datetime]] = field(default_factory=list)
    waiting: list[tuple[Period, dt.datetime]] = field(default_factory=list)  # retry at
    give_up: list[tuple[RunRow, str]] = field(default_factory=list)
    running: list[RunRow] = field(default_factory=list)


def fires_between(job: Job, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Fire times t with after < t <= until."""
    fires: list[dt.datetime] = []
    fire = job.trigger.next(after)
    while fire <= until and len(fires) < MAX_FIRES:
        fires.append(fire)
        fire = job.trigger.next(fire)
    return fires


def plan(job: Job, now: dt.datetime, first_seen: dt.datetime, rows: list[RunRow]) -> Plan:
    """What to do for `job` at `now`, given all its ledger rows (any order)."""
    result = Plan()
    by_period: dict[str, list[RunRow]] = {}
    for row in sorted(rows, key=lambda r: r.attempt):
        by_period.setdefault(row.period, []).append(row)

    # Periods already started: retry, wait, give up, or nothing.
    pending: list[Due] = []
    for key, attempts in by_period.items():
        if any(r.status in FINAL for r in attempts):
            continue
        last = attempts[-1]
        period = parse_period(key)
        if last.status == RUNNING:
            result.running.append(last)
            continue
        failures = sum(r.status in (ERROR, FAILED) for r in attempts)
        interruptions = sum(r.status == INTERRUPTED for r in attempts)
        if last.status == ERROR:
            if failures > job.retries:
                result.give_up.append((last, f"（已重试 {job.retries} 次）"))
                continue
            retry_at = (last.finished_at or last.started_at) + job.backoff(failures)
            if now < retry_at:
                result.waiting.append((period, retry_at))
                continue
            pending.append(Due(period, last.scheduled_at, last.attempt + 1, "retry"))
        elif last.status == INTERRUPTED:
            if interruptions >= MAX_INTERRUPTIONS:
                result.give_up.append((last, f"（已连续中断 {interruptions} 次，不再重试）"))
                continue
            pending.append(Due(period, last.scheduled_at, last.attempt + 1, "interrupted"))

    # New periods from the fire times since the job was first seen (or its start).
    since = job.start or first_seen
    cursor = since - _TICK
    # a row "scheduled" after now was made under a clock set ahead: it does not close the periods
    # between (once the clock is right again they are due)
    past = [r.scheduled_at for r in rows if r.scheduled_at <= now]
    if past:
        cursor = max(cursor, max(past))
    new: dict[str, tuple[Period, dt.datetime]] = {}
    for fire in fires_between(job, cursor, now):
        period = job.period_for(fire)
        if period.key not in by_period and period.key not in new:
            new[period.key] = (period, fire)
    fresh = sorted(new.values())
    if job.catch_up == "latest" and len(fresh) > 1:
        result.skip = fresh[:-1]
        fresh = fresh[-1:]
    result.due = sorted(pending, key=lambda d: d.period) + [
        Due(period, fire, 1, "new") for period, fire in fresh
    ]
    return result


def next_fire(
    job: Job, now: dt.datetime, rows: list[RunRow] | None = None
) -> tuple[dt.datetime, Period]:
    """The job's next fire time after `now` that will run something, and its period: fires of a
    period that already succeeded, failed for good or was skipped are passed over."""
    closed = {r.period for r in rows or [] if r.status in FINAL}
    fire = job.trigger.next(now)
    for _ in range(MAX_FIRES):
        if job.period_for(fire).key not in closed:
            break
        fire = job.trigger.next(fire)
    return fire, job.period_for(fire)
