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

from reportgen.dropout import CLEARED, IN_PERSUASION, OPEN, Standard, standing
from reportgen.rules import Finding
from reportgen.rules.context import RuleContext
from reportgen.rules.figures import HOUSEHOLD_FIELDS, household_counts, in_scope
from reportgen.rules.runs import Scope

# 义务教育阶段失学辍学动态清零 (seed 第四部分 2; DOMAIN §5): only real dropouts count against it —
# 劝返中, and a 休学 / 延缓入学 without the county's approval (or the 残联 assessment when on disability
# grounds). 送教上门 and an approved 休学 / 延缓入学 count as 有保障 (seed 二.一.(二).1③④) and are
# listed apart; 已复学, 超龄离校, 已销号 are cleared. reportgen.dropout.standing decides each case.
COMPULSORY_STAGES = ("小学", "初中")
SECURED_ORDER = ("送教上门", "休学", "延缓入学")
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
    dropouts_open: int = 0  # 义务教育阶段 real dropouts: against 动态清零
    dropout_statuses: dict[str, int] = field(default_factory=dict)  # those, by label (劝返中…)
    dropouts_secured: dict[str, int] = field(default_factory=dict)  # 有保障 by status (送教上门…)
    housing_problems: int = 0
    water_problems: int = 0
    # 脱贫户 with 人均纯收入, 人均工资性收入 and 人均生产经营性收入 all filled: their persons, and those
    # incomes summed over persons (元), for the shares of seed 第四部分 1②
    income_households: int = 0
    income_total: Decimal = Decimal(0)
    wage_total: Decimal = Decimal(0)
    business_total: Decimal = Decimal(0)

    @property
    def insurance_rate(self) -> Decimal | None:
        return Decimal(self.insured) / Decimal(self.covered) if self.covered else None

    @property
    def wage_share(self) -> Decimal | None:
        return self.wage_total / self.income_total if self.income_total else None

    @property
    def business_share(self) -> Decimal | None:
        return self.business_total / self.income_total if self.income_total else None


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
    for village_code, state, label in dropout_standings(ctx):
        if in_scope(ctx, scope, village_code):
            for a in targets(village_code):
                if state == OPEN:
                    a.dropouts_open += 1
                    a.dropout_statuses[label] = a.dropout_statuses.get(label, 0) + 1
                else:
                    a.dropouts_secured[label] = a.dropouts_secured.get(label, 0) + 1
    for f in findings:
        if f.rule not in (HOUSING_RULE, WATER_RULE):
            continue
        for a in targets(f.village):
            if f.rule == HOUSING_RULE:
                a.housing_problems += 1
            else:
                a.water_problems += 1
    for hid, h in ctx.households.items():
        parts = (h.income_per_capita, h.wage_income, h.business_income)
        if h.category != "脱贫户" or any(x is None for x in parts) or not in_scope(ctx, scope, h.village_code):
            continue
        size = len(ctx.members.get(hid, [])) or 1
        income, wage, business = (Decimal(str(x)) * size for x in parts)
        for a in targets(h.village_code):
            a.income_households += 1
            a.income_total += income
            a.wage_total += wage
            a.business_total += business
    result = Indicators(total, list(areas.values()), "村" if by_village else "乡镇", end.year)
    _funds(ctx, scope, result)
    return result


def dropout_standings(ctx: RuleContext) -> list[tuple[str, str, str]]:
    """(village, OPEN or SECURED, label) of every 义务教育阶段 dropout case found by `as_of` and not
    cleared, as reportgen.dropout.standing judges it on that day.

    The place is the student's household village when the student links to a household (the
    township of residence answers for 劝返), otherwise the school's region.
    """
    from reportgen.rules.dropout import dropout_cases  # late: importing it registers rules

    std = Standard.from_policy(ctx.policy)
    out = []
    for case in dropout_cases(ctx):
        if case.stage not in COMPULSORY_STAGES:
            continue
        state, label = standing(case, ctx.as_of, std)
        if state != CLEARED:
            village = case.household.village_code if case.household else case.school_region
            out.append((village, state, label))
    return out


def dropout_text(area: AreaFigures) -> str:
    """The 完成情况 of 义务教育阶段失学辍学 (seed 第四部分 2): the real dropouts by label, then the
    students counted as 有保障, e.g. “失学辍学1人（劝返中1人）；另有送教上门1人、休学1人、延缓入学1人，
    按政策视为有保障”."""
    open_ = sorted(area.dropout_statuses.items(), key=lambda kv: (kv[0] != IN_PERSUASION, kv[0]))
    text = f"失学辍学{area.dropouts_open}人" + (
        f"（{'、'.join(f'{k}{v}人' for k, v in open_)}）" if open_ else ""
    )
    secured = [
        f"{k}{area.dropouts_secured[k]}人" for k in SECURED_ORDER if area.dropouts_secured.get(k)
    ]
    if secured:
        text += f"；另有{'、'.join(secured)}，按政策视为有保障"
    return text


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
