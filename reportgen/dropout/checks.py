"""The 控辍保学 checks (seed 二.一.(二).1, 二.一.(二).4, 二.一.(三).1): pure functions of one case, a date
and the policy's standard. The archive, the ledger and the quarterly self-check all call these.

Each check returns at most one CaseProblem with a stable code and a one-line Chinese text carrying the
numbers. Dated facts count only on or before `as_of`: an attempt, a visit, a report to the county,
an approval or an assessment dated later has not happened yet as of that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from reportgen.config import Policy
from reportgen.dates import cn_date
from reportgen.dropout.cases import HOME_TEACHING, DropoutCase


@dataclass(frozen=True)
class Standard:
    """The policy numbers the checks use (never constants in code), and the pack's words for them:
    each check's title and source section (the pack's `[rules.<id>]`, the same words the registered
    D-* rules use, so the archive and the self-check never word a rule differently) and the
    送教上门 standard (`[dropout_archive] home_teaching_standard`)."""

    min_attempts: int
    min_visits_per_month: int
    min_hours_per_visit: Decimal
    home_teaching_text: str = field(compare=False)
    titles: Mapping[str, str] = field(compare=False)  # check code → title
    seeds: Mapping[str, str] = field(compare=False)  # check code → section of the source

    @classmethod
    def from_policy(cls, policy: Policy) -> Standard:
        v = policy.value
        return cls(
            int(v("dropout.persuasion_min_attempts")),
            int(v("dropout.home_teaching_min_visits_per_month")),
            Decimal(str(v("dropout.home_teaching_min_hours_per_visit"))),
            policy.text("dropout_archive.home_teaching_standard"),
            {r.code: policy.text(f"rules.{r.rule_id}.title") for r in RULES},
            {r.code: policy.text(f"rules.{r.rule_id}.seed") for r in RULES},
        )


@dataclass(frozen=True)
class CaseProblem:
    """One problem of one case: `code` is stable (for rules and history), `text` says what and how much."""

    code: str
    title: str
    text: str
    seed: str


@dataclass(frozen=True)
class MonthCount:
    """送教上门 in one judged month: visits made, visits long enough to count, and the verdict."""

    year: int
    month: int
    visits: int
    counted: int
    under: bool

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def hours_text(hours: Decimal | int | float) -> str:
    """3 → '3', 2.50 → '2.5'."""
    value = Decimal(str(hours))
    return f"{value.normalize():f}" if value != value.to_integral_value() else str(int(value))


def _done(day: dt.date | None, as_of: dt.date) -> bool:
    return day is not None and day <= as_of


def last_complete_month(as_of: dt.date) -> tuple[int, int]:
    """The last month complete on `as_of` (which counts whole, like every dated fact):
    2023-10-01 → (2023, 9); 2023-09-30 → (2023, 9); 2023-09-29 → (2023, 8)."""
    if (as_of + dt.timedelta(days=1)).day == 1:
        return as_of.year, as_of.month
    before = as_of.replace(day=1) - dt.timedelta(days=1)
    return before.year, before.month


def judged_months(first_visit: dt.date, as_of: dt.date) -> list[tuple[int, int]]:
    """(year, month) from the first visit's month through the last complete month before as_of."""
    end = last_complete_month(as_of)
    year, month = first_visit.year, first_visit.month
    out = []
    while (year, month) <= end:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def home_teaching_months(case: DropoutCase, as_of: dt.date, std: Standard) -> list[MonthCount]:
    """Every judged month with its count; a visit shorter than the standard's 课时 does not count."""
    visits = case.visits_until(as_of)
    if not visits:
        return []
    out = []
    for year, month in judged_months(visits[0].date, as_of):
        in_month = [v for v in visits if (v.date.year, v.date.month) == (year, month)]
        counted = sum(1 for v in in_month if v.hours >= std.min_hours_per_visit)
        out.append(
            MonthCount(year, month, len(in_month), counted, counted < std.min_visits_per_month)
        )
    return out


# ------------------------------------------------------------------------------------ checks
def check_persuasion_count(case: DropoutCase, as_of: dt.date, std: Standard) -> CaseProblem | None:
    """Fewer than the minimum attempts while the student is neither returned nor the case closed."""
    if not case.out_of_school:
        return None
    n = len(case.persuasions_until(as_of))
    if n >= std.min_attempts:
        return None
    return _finding(
        "dropout.persuasion_count",
        std,
        f"截至{cn_date(as_of)}劝返{n}次，不足{std.min_attempts}次，仍未复学（当前状态：{case.status}）",
    )


def check_county_report(case: DropoutCase, as_of: dt.date, std: Standard) -> CaseProblem | None:
    """At least the minimum failed attempts, still out of school, not reported to the county."""
    if not case.out_of_school or _done(case.reported_county_on, as_of):
        return None
    failed = [p for p in case.persuasions_until(as_of) if not p.returned]
    if len(failed) < std.min_attempts:
        return None
    return _finding(
        "dropout.county_report",
        std,
        f"劝返{len(failed)}次未返校（最近一次{cn_date(failed[-1].date)}），未报县联合劝返工作组",
    )


def check_deferral_approval(case: DropoutCase, as_of: dt.date, std: Standard) -> CaseProblem | None:
    """延缓入学 / 休学 without the county's approval."""
    if not case.deferred or _done(case.county_approved_on, as_of):
        return None
    return _finding("dropout.deferral_approval", std, f"已办理{case.status}，没有县级批准日期")


def check_disability_assessment(
    case: DropoutCase, as_of: dt.date, std: Standard
) -> CaseProblem | None:
    """Disability-based 延缓入学 / 休学 without the county 残联's assessment."""
    grounds = case.disability_grounds()
    if not case.deferred or not grounds or _done(case.disability_assessed_on, as_of):
        return None
    return _finding(
        "dropout.disability_assessment",
        std,
        f"因残疾办理{case.status}（{'、'.join(grounds)}），没有县残联评估认定日期",
    )


def check_home_teaching_missing(
    case: DropoutCase, as_of: dt.date, std: Standard
) -> CaseProblem | None:
    """送教上门 with no visit recorded at all."""
    if case.status != HOME_TEACHING or case.visits_until(as_of):
        return None
    return _finding(
        "dropout.home_teaching_missing", std, f"状态为送教上门，截至{cn_date(as_of)}没有送教记录"
    )


def check_home_teaching(case: DropoutCase, as_of: dt.date, std: Standard) -> CaseProblem | None:
    """送教上门 months (first visit's month through the last complete month) under the standard."""
    if case.status != HOME_TEACHING:
        return None
    under = [m for m in home_teaching_months(case, as_of, std) if m.under]
    if not under:
        return None
    hours = hours_text(std.min_hours_per_visit)
    months = "；".join(
        f"{m.label}送教{m.visits}次（达到{hours}课时的{m.counted}次）" for m in under
    )
    return _finding(
        "dropout.home_teaching_short", std, f"未达到{std.home_teaching_text}的月份：{months}"
    )


@dataclass(frozen=True)
class DropoutRule:
    """A check with its stable code and the id of its rule, whose texts in the policy pack
    (`[rules.<rule_id>]`) word it."""

    code: str
    rule_id: str
    check: Callable[[DropoutCase, dt.date, Standard], CaseProblem | None]

    def title_for(self, std: Standard) -> str:
        return std.titles[self.code]


RULES: tuple[DropoutRule, ...] = (
    DropoutRule("dropout.persuasion_count", "D-ATTEMPTS", check_persuasion_count),
    DropoutRule("dropout.county_report", "D-NOT-REPORTED", check_county_report),
    DropoutRule("dropout.deferral_approval", "D-NO-APPROVAL", check_deferral_approval),
    DropoutRule("dropout.disability_assessment", "D-NO-ASSESSMENT", check_disability_assessment),
    DropoutRule("dropout.home_teaching_short", "D-HOME-TEACHING", check_home_teaching),
    DropoutRule("dropout.home_teaching_missing", "D-NO-VISITS", check_home_teaching_missing),
)


def _finding(code: str, std: Standard, text: str) -> CaseProblem:
    return CaseProblem(code, std.titles[code], text, std.seeds[code])


# Where a case stands for 义务教育阶段失学辍学动态清零 (seed 第四部分 2; DOMAIN §5).
CLEARED, SECURED, OPEN = "cleared", "secured", "open"


def standing(case: DropoutCase, as_of: dt.date, std: Standard) -> tuple[str, str]:
    """(CLEARED | SECURED | OPEN, label) of a case as of a date.

    CLEARED: back at school or the case closed (已复学; 超龄离校, 已销号 — seed 二.一.(二).1③ “超龄后的
    离校标注和台账销号”). SECURED, counted as 义务教育有保障 and not against 动态清零: 送教上门 (seed
    二.一.(二).4, its shortfalls are D-HOME-TEACHING / D-NO-VISITS findings of their own), and 延缓入学 or
    休学 done as the seed prescribes — approved by the county (二.一.(二).1③ “报县级人民政府…批准同意后，
    可认定为达到‘义务教育有保障’退出条件，办理延缓入学或休学手续”) and, when on disability grounds, assessed
    through the county 残联 (1④). OPEN, the real dropouts: 劝返中, any other status, and a 延缓入学 /
    休学 lacking that approval or assessment as of the date (the same test as D-NO-APPROVAL /
    D-NO-ASSESSMENT), labelled so the report says why (休学未经县级批准)."""
    if case.returned or case.closed:
        return CLEARED, case.status
    if case.status == HOME_TEACHING:
        return SECURED, case.status
    if case.deferred:
        if check_deferral_approval(case, as_of, std) is not None:
            return OPEN, f"{case.status}未经县级批准"
        if check_disability_assessment(case, as_of, std) is not None:
            return OPEN, f"{case.status}未经县残联评估认定"
        return SECURED, case.status
    return OPEN, case.status


def case_problems(
    case: DropoutCase, as_of: dt.date, policy: Policy | Standard
) -> list[CaseProblem]:
    """Every problem of one case as of a date, in RULES order."""
    std = policy if isinstance(policy, Standard) else Standard.from_policy(policy)
    found = (rule.check(case, as_of, std) for rule in RULES)
    return [f for f in found if f is not None]
