"""The seed's 第四部分 成效巩固 indicators over the dataset, for a scope and a period, by area.

The quarterly self-check prints them against their targets by township (by village in a township's
report); the monthly 新增/退出 report prints the county's snapshot. Counts that a rule also reports
(住房安全, 饮水安全) are taken from the rule's findings, so a report never shows two numbers for one thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.rules import Finding
from reportgen.rules.context import RuleContext
from reportgen.rules.figures import HOUSEHOLD_FIELDS, household_counts, in_scope
from reportgen.rules.runs import Scope

# 义务教育阶段 (seed 第四部分 2): a dropout case is cleared when the student is back (已复学) or the
# case is closed (超龄离校, 已销号; seed 二.一.(二).1③). 劝返中, 送教上门, 延缓入学, 休学 are still open.
COMPULSORY_STAGES = ("小学", "初中")
DROPOUT_CLEARED = ("已复学", "已销号", "超龄离校")
HOUSING_RULE = "R-UNSAFE"
WATER_RULE = "W-WATER"
INDUSTRY_TYPE = "产业发展"


@dataclass
class AreaFigures:
    """One area's figures (a township, a village, or the whole scope when `code` is '')."""

    code: str
    name: str
    poor_households: int = 0  # 脱贫户
    monitored: int = 0  # households being monitored (监测户 or 监测类型, risk not eliminated)
    monitored_persons: int = 0
    identified: int = 0  # 识别纳入 approved by the county in the period
    eliminated: int = 0  # 风险消除 approved by the county in the period
    insured: int = 0  # 脱贫人口和监测对象 insured / covered
    covered: int = 0
    dropouts_open: int = 0  # 义务教育阶段 cases not cleared
    dropout_statuses: dict[str, int] = field(default_factory=dict)
    housing_problems: int = 0
    water_problems: int = 0

    @property
    def insurance_rate(self) -> Decimal | None:
        return Decimal(self.insured) / Decimal(self.covered) if self.covered else None


@dataclass
class Indicators:
    """The scope's totals, its areas in code order, and the year's central funds to industry."""

    total: AreaFigures
    areas: list[AreaFigures]
    area_level: str  # 乡镇 or 村
    year: int
    central_funds: Decimal = Decimal(0)  # 万元, projects whose 计划开工日期 is in `year`
    industry_funds: Decimal = Decimal(0)
    projects: int = 0

    @property
    def industry_share(self) -> Decimal | None:
        return self.industry_funds / self.central_funds if self.central_funds else None


def percent(value: Decimal | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _area_of(ctx: RuleContext, village_code: str | None, by_village: bool) -> str:
    if not village_code:
        return ""
    return village_code if by_village else ctx.place(village_code).township_code


def compute_indicators(
    ctx: RuleContext,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    findings: Iterable[Finding] = (),
) -> Indicators:
    """Figures of `scope` as of `ctx.as_of`; identifications and eliminations approved in
    [start, end]; housing and water problems counted from `findings` (the same run's)."""
    from reportgen.rules.policies import insurance_counts  # late: importing it registers rules

    by_village = scope.place is not None
    areas: dict[str, AreaFigures] = {}
    for code, info in sorted(ctx.places.items()):
        is_township = code == info.township_code
        is_village = bool(info.township_code) and not is_township
        if (is_village and by_village and in_scope(ctx, scope, code)) or (
            is_township and not by_village
        ):
            areas[code] = AreaFigures(code, info.name)
    total = AreaFigures("", scope.place.name if scope.place else "全县")

    def targets(village_code: str | None) -> list[AreaFigures]:
        area = areas.get(_area_of(ctx, village_code, by_village))
        return [total, area] if area is not None else [total]

    for village_code, counts in household_counts(ctx, scope, start, end).items():
        for a in targets(village_code):
            for name, n in zip(HOUSEHOLD_FIELDS, counts):
                setattr(a, name, getattr(a, name) + n)
    for village_code, (insured, covered) in insurance_counts(ctx).items():
        if in_scope(ctx, scope, village_code):
            for a in targets(village_code):
                a.covered += covered
                a.insured += insured
    for village_code, status in open_dropouts(ctx):
        if in_scope(ctx, scope, village_code):
            for a in targets(village_code):
                a.dropouts_open += 1
                a.dropout_statuses[status] = a.dropout_statuses.get(status, 0) + 1
    for f in findings:
        if f.rule not in (HOUSING_RULE, WATER_RULE):
            continue
        for a in targets(f.village):
            if f.rule == HOUSING_RULE:
                a.housing_problems += 1
            else:
                a.water_problems += 1
    result = Indicators(total, list(areas.values()), "村" if by_village else "乡镇", end.year)
    _funds(ctx, scope, result)
    return result


def open_dropouts(ctx: RuleContext) -> list[tuple[str | None, str]]:
    """(village, status) of every 义务教育阶段 dropout case found by `as_of` and not cleared.

    The place is the student's household village when the student links to a household (the
    township of residence answers for 劝返), otherwise the school's region.
    """
    cases, students, schools = (TABLES[t] for t in ("dropout_cases", "students", "schools"))
    persons, households = TABLES["persons"], TABLES["households"]
    query = (
        sa.select(
            cases.c.status, sa.func.coalesce(households.c.village_code, schools.c.region_code)
        )
        .join(students, students.c.student_no == cases.c.student_no)
        .join(schools, schools.c.school_code == students.c.school_code)
        .outerjoin(persons, persons.c.id_number == students.c.id_number)
        .outerjoin(households, households.c.household_id == persons.c.household_id)
        .where(
            students.c.stage.in_(COMPULSORY_STAGES),
            cases.c.status.notin_(DROPOUT_CLEARED),
            cases.c.found_on <= ctx.as_of,
        )
    )
    with ctx.dataset.engine.connect() as conn:
        return [(village, status) for status, village in conn.execute(query)]


def _funds(ctx: RuleContext, scope: Scope, result: Indicators) -> None:
    """中央衔接资金 of the year's projects (by 计划开工日期) in the scope, and the part for 产业发展."""
    for p in ctx.projects():
        if p.planned_start is None or p.planned_start.year != result.year:
            continue
        villages = ctx.project_villages.get(p.project_no, [])
        if scope.place is not None and not any(in_scope(ctx, scope, v) for v in villages):
            continue
        amount = Decimal(p.fund_central or 0)
        result.projects += 1
        result.central_funds += amount
        if p.type == INDUSTRY_TYPE:
            result.industry_funds += amount
