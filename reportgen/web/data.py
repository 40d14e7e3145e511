"""What the portal's pages show, each read through the user's `Scope` (reportgen.scope): counts,
villages, one household's procedures with their deadlines and measures, self-check findings.
Nothing here reads a row the scope does not hold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from reportgen.config import Settings
from reportgen.dataset.schema import TABLES, check_runs, findings
from reportgen.dataset.store import Dataset, monitored_sql
from reportgen.rules import Finding
from reportgen.rules.context import days_between, inclusive_days
from reportgen.scope import Scope


def counts(dataset: Dataset, scope: Scope) -> dict[str, int]:
    """Villages, households, monitored households, people, schools and students of the scope."""
    h, p, s, r = TABLES["households"], TABLES["persons"], TABLES["students"], TABLES["regions"]
    schools = TABLES["schools"]
    hf = scope.households_filter()
    with dataset.engine.connect() as conn:
        out = {
            "households": conn.execute(sa.select(sa.func.count()).select_from(h).where(hf)).scalar_one(),
            "monitored": conn.execute(
                sa.select(sa.func.count()).select_from(h).where(hf, monitored_sql(h))).scalar_one(),
            "persons": conn.execute(
                sa.select(sa.func.count()).select_from(p) if scope.villages is None
                else sa.select(sa.func.count()).select_from(p).join(h, h.c.household_id == p.c.household_id).where(hf)
            ).scalar_one(),
            "students": conn.execute(
                sa.select(sa.func.count()).select_from(s).where(scope.students_filter())).scalar_one(),
        }  # fmt: skip
        village_q = sa.select(sa.func.count()).select_from(r).where(r.c.level == "村")
        if scope.villages is not None:
            village_q = village_q.where(r.c.code.in_(sorted(scope.villages)))
        out["villages"] = conn.execute(village_q).scalar_one()
        school_q = sa.select(sa.func.count()).select_from(schools)
        if scope.schools is not None:
            school_q = school_q.where(schools.c.school_code.in_(sorted(scope.schools)))
        out["schools"] = conn.execute(school_q).scalar_one()
    return out


def villages(dataset: Dataset, scope: Scope) -> list[dict[str, Any]]:
    """Each village of the scope with its township, households and monitored households."""
    h, r = TABLES["households"], TABLES["regions"]
    town = r.alias("town")
    monitored = sa.func.sum(sa.case((monitored_sql(h), 1), else_=0))
    query = (
        sa.select(r.c.code, r.c.name, town.c.name.label("township"),
                  sa.func.count(h.c.household_id).label("households"), monitored.label("monitored"))
        .join(town, town.c.code == r.c.parent_code, isouter=True)
        .join(h, h.c.village_code == r.c.code, isouter=True)
        .where(r.c.level == "村")
        .group_by(r.c.code, r.c.name, town.c.name).order_by(r.c.code)
    )  # fmt: skip
    if scope.villages is not None:
        query = query.where(r.c.code.in_(sorted(scope.villages)))
    with dataset.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def households_of_village(
    dataset: Dataset, scope: Scope, village: str, limit: int = 500
) -> list[dict]:
    h = TABLES["households"]
    query = (
        sa.select(h.c.household_id, h.c.village_code, h.c.head_name, h.c.category, h.c.monitor_type)
        .where(scope.households_filter(), h.c.village_code == village)
        .order_by(h.c.household_id).limit(limit)
    )  # fmt: skip
    with dataset.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


@dataclass
class Step:
    """One procedure step with its deadline: what, when done, by when, and how it stands."""

    name: str
    done_on: dt.date | None
    due: dt.date | None
    rule: str  # the policy's wording of the limit
    state: str  # 按时 / 超时 N 天 / 未完成 / 已超期 N 天 / —


# Each step with a time limit: (step, its date column, the date the limit counts from, the policy's
# limit, how the limit reads) — the same pairs the monitoring rules check (rules/monitoring.py).
DEADLINES = (
    ("县级审批", "county_approved_on", "found_on", "identification_max_days", "发现后 {n} 天内"),
    ("系统录入", "entered_on", "county_approved_on", "entry_max_days", "审批后 {n} 天内"),
    ("帮扶计划", "plan_on", "county_approved_on", "plan_max_days", "审批后 {n} 天内"),
    ("结果公告", "announced_on", "county_approved_on", "announce_max_days", "审批后 {n} 天内"),
)
UNTIMED = (
    ("风险发现", "found_on"),
    ("入户核实", "verified_on"),
    ("乡镇审核", "township_reviewed_on"),
)


def procedures(
    dataset: Dataset, settings: Settings, household_id: str, today: dt.date
) -> list[dict]:
    """The household's procedures (识别纳入, 风险消除 …) with each step's date and deadline, as the
    policy pack sets them (DOMAIN §3, 梳理 三.一.(二).2: 识别 within 15 days of 发现, 录入 and
    帮扶计划 within 10 days of 县级审批, 公示 at least 5 days), days counted as the rules count
    them (rules.context.days_between, inclusive_days)."""
    mp = TABLES["monitoring_procedures"]
    value = settings.policy.value
    with dataset.engine.connect() as conn:
        rows = conn.execute(sa.select(mp).where(mp.c.household_id == household_id)
                            .order_by(mp.c.found_on)).all()  # fmt: skip
    out = []
    for p in rows:
        steps = [Step(name, getattr(p, column), None, "", "已完成" if getattr(p, column) else "—")
                 for name, column in UNTIMED]  # fmt: skip
        for name, column, since, key, words in DEADLINES:
            limit = value(f"monitoring.{key}")
            steps.append(
                _step(
                    name, getattr(p, column), getattr(p, since), limit, words.format(n=limit), today
                )
            )
        publicity = None
        if p.publicity_start and p.publicity_end:
            days = inclusive_days(p.publicity_start, p.publicity_end)
            minimum = value("monitoring.publicity_min_days")
            publicity = (f"{p.publicity_start:%Y-%m-%d} 至 {p.publicity_end:%Y-%m-%d}，共 {days} 天"
                         + ("（符合）" if days >= minimum else f"（少于 {minimum} 天）"))  # fmt: skip
        out.append(
            {"kind": p.kind, "risk_types": p.risk_types, "publicity": publicity, "steps": steps}
        )
    return out


def _step(name: str, done: dt.date | None, since: dt.date | None, limit: int, rule: str,
          today: dt.date) -> Step:  # fmt: skip
    """A step due `limit` days after `since`: on time, late by so many days, or not done."""
    if since is None:  # the limit has not started (e.g. not yet approved)
        return Step(name, done, None, rule, "已完成" if done else "—")
    due = since + dt.timedelta(days=limit)
    late = days_between(since, done or today) - limit
    if done:
        state = "按时" if late <= 0 else f"超时 {late} 天"
    else:
        state = f"未完成，已超期 {late} 天" if late > 0 else "未完成（未到期）"
    return Step(name, done, due, rule, state)


def measures(dataset: Dataset, household_id: str) -> list[dict]:
    m = TABLES["measures"]
    with dataset.engine.connect() as conn:
        rows = conn.execute(sa.select(m.c.category, m.c.content, m.c.done_on)
                            .where(m.c.household_id == household_id).order_by(m.c.done_on))  # fmt: skip
        return [dict(r._mapping) for r in rows]


def student_numbers(dataset: Dataset, scope: Scope) -> set[str]:
    s = TABLES["students"]
    with dataset.engine.connect() as conn:
        return set(conn.execute(sa.select(s.c.student_no).where(scope.students_filter())).scalars())


def in_scope(found: list[Finding], scope: Scope, students: set[str] | None = None) -> list[Finding]:
    """The findings a user may see: of the scope's villages (or their township), of its students."""
    if scope.villages is None:
        return found
    townships = scope.townships or frozenset()
    out = []
    for f in found:
        if f.village and f.village in scope.villages:
            out.append(f)
        elif not f.village and f.township and f.township in townships:
            out.append(f)
        elif students is not None and f.entity in ("student", "dropout_case") and f.key in students:
            out.append(f)
    return out


def latest_stored(dataset: Dataset, scope: Scope) -> dict[str, Any] | None:
    """The latest stored self-check (reportgen selfcheck, or a scheduled one) and how many of its
    findings are in the scope."""
    with dataset.engine.connect() as conn:
        run = conn.execute(sa.select(check_runs).order_by(check_runs.c.as_of.desc(), check_runs.c.id.desc())
                           .limit(1)).first()  # fmt: skip
        if run is None:
            return None
        query = sa.select(sa.func.count()).select_from(findings).where(findings.c.run_id == run.id)
        if scope.villages is not None:
            townships = sorted(scope.townships or ())
            query = query.where(sa.or_(findings.c.village.in_(sorted(scope.villages)),
                                       sa.and_(findings.c.village == "", findings.c.township.in_(townships))))  # fmt: skip
        return {"label": run.label, "as_of": run.as_of, "count": conn.execute(query).scalar_one()}


def schedule_overview(workspace, db_option: str | None) -> dict[str, Any]:
    """The scheduled jobs with their next run and last result (`schedule list`), or what is wrong
    with schedule.toml; "none" when there is no schedule.toml at all."""
    from reportgen.errors import ScheduleError
    from reportgen.schedule.config import SCHEDULE_NAME

    if not (workspace / SCHEDULE_NAME).exists():
        return {"statuses": [], "problem": None, "tz": None, "error": None, "none": True}
    try:
        import reportgen.cli.commands  # noqa: F401
        from reportgen.cli.app import cli
        from reportgen.cli.schedule_cmds import check_args
        from reportgen.schedule import Scheduler

        scheduler = Scheduler(workspace, db_option=db_option,
                              commands=set(cli.commands), check_args=check_args)  # fmt: skip
        statuses, problem = scheduler.overview()
        return {
            "statuses": statuses,
            "problem": problem,
            "tz": scheduler.tz,
            "error": None,
            "none": False,
        }
    except ScheduleError as exc:
        return {"statuses": [], "problem": None, "tz": None, "error": exc.message, "none": False}
