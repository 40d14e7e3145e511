"""Rules of 政策落实 (seed 第二部分): student aid, medical insurance, housing and water safety."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa

from reportgen.rules import Finding, rule
from reportgen.rules.context import RuleContext


# ------------------------------------------------------------------------------ student aid
def _school_year(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _students(ctx: RuleContext):
    """Every student (of the context's schools) with effective flags (eligibility engine's view),
    cached per run."""
    if "facts:students" not in ctx._cache:
        from reportgen.aid.students import students_of_school

        ctx._cache["facts:students"] = [
            s for code in ctx.school_codes() for s in students_of_school(ctx.dataset, code)
        ]
    return ctx._cache["facts:students"]


def student_finding(ctx: RuleContext, rule_id: str, student, detail: str) -> Finding:
    """Placed at the school's township (the school answers for aid); `village` is the linked
    household's."""
    place = ctx.place(student.school.region_code)
    return Finding(rule_id, ctx.rule_title(rule_id), "student", student.student_no, student.name, student.household_id,
                   student.school.name, detail, place.township_code, student.household_village or "")  # fmt: skip


def school_year_payments(ctx: RuleContext) -> dict[str, list]:
    """Student number → the aid payments of the as-of date's school year (both terms), read once
    per run (A-UNPAID, A-SHORT)."""
    if "facts:school_year_payments" not in ctx._cache:
        from reportgen.aid.terms import terms_of_school_year
        from reportgen.dataset.schema import TABLES

        payments = TABLES["aid_payments"]
        terms = terms_of_school_year(_school_year(ctx.as_of))
        out: dict[str, list] = defaultdict(list)
        with ctx.dataset.engine.connect() as conn:
            for r in conn.execute(sa.select(payments).where(payments.c.term.in_(terms))):
                out[r.student_no].append(r)
        ctx._cache["facts:school_year_payments"] = out
    return ctx._cache["facts:school_year_payments"]


@rule("A-UNPAID", entity="student")
def unpaid_eligible(ctx: RuleContext) -> Iterator[Finding]:
    from reportgen.aid.eligibility import eligible_items

    year = _school_year(ctx.as_of)
    paid = school_year_payments(ctx)
    for s in _students(ctx):
        items = eligible_items(s, ctx.policy)
        if items and s.student_no not in paid:
            yield student_finding(
                ctx,
                "A-UNPAID",
                s,
                f"可能符合{'、'.join(i.name for i in items)}，{year}—{year + 1}学年无发放记录",
            )


@rule("A-SPECIAL", entity="student")
def special_not_hardship(ctx: RuleContext) -> Iterator[Finding]:
    from reportgen.aid.eligibility import special_groups_without_hardship

    for s in _students(ctx):
        groups = special_groups_without_hardship(s)
        if groups:
            yield student_finding(
                ctx, "A-SPECIAL", s, f"属{'、'.join(groups)}，未认定为家庭经济困难学生"
            )


# ------------------------------------------------------------------------------ health
def covered_people(ctx: RuleContext):
    """脱贫人口和监测对象 (seed 第四部分 3): members of 脱贫户 and of households with monitoring."""
    for hid, h in ctx.households.items():
        if h.category in ("脱贫户", "监测户") or h.monitor_type:
            for p in ctx.members.get(hid, []):
                yield h, p


def insurance_counts(ctx: RuleContext) -> dict[str, tuple[int, int]]:
    """Village code → (insured, covered) of the people `covered_people` yields. H-RATE and the
    第四部分 insurance indicator both read these, so they cannot disagree; a partitioned self-check
    adds up its partitions' counts (each counts its own households) and puts the sum here first."""
    if "facts:insurance" not in ctx._cache:
        out: dict[str, list[int]] = {}
        for h, p in covered_people(ctx):
            counts = out.setdefault(h.village_code, [0, 0])
            counts[0] += 1 if p.medical_insured else 0
            counts[1] += 1
        ctx._cache["facts:insurance"] = {v: (c[0], c[1]) for v, c in out.items()}
    return ctx._cache["facts:insurance"]


def insurance_rates(ctx: RuleContext) -> dict[str, tuple[int, int]]:
    """Township code ('' = the county) → (insured, covered) for 脱贫人口和监测对象."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for village, (insured, covered) in insurance_counts(ctx).items():
        for key in {"", ctx.place(village).township_code}:  # a village without a township: once
            out[key][0] += insured
            out[key][1] += covered
    return {k: (v[0], v[1]) for k, v in out.items()}


@rule("H-UNINSURED", entity="person")
def uninsured(ctx: RuleContext) -> Iterator[Finding]:
    for h, p in covered_people(ctx):
        if p.medical_insured is not True:
            state = "未参保" if p.medical_insured is False else "参保情况未填报"
            yield ctx.person_finding("H-UNINSURED", p, p.id_number, f"{h.category}成员，{state}")


@rule(
    "H-RATE", entity="township", split=False
)  # the county's rate needs every township: the parent runs it on all the counts
def insurance_rate(ctx: RuleContext) -> Iterator[Finding]:
    target = Decimal(str(ctx.policy.value("health.insurance_rate_min")))
    for code, (insured, total) in sorted(insurance_rates(ctx).items()):
        if not total:
            continue
        rate = Decimal(insured) / Decimal(total)
        if rate < target:
            place = ctx.place(code) if code else None
            name = place.name if place else "全县"
            yield Finding("H-RATE", ctx.rule_title("H-RATE"), "township", code or "county", name, None, name,
                          f"参保{insured}人/应参保{total}人，参保率{rate * 100:.2f}%（不低于{target * 100:.0f}%）", code, "")  # fmt: skip


# ------------------------------------------------------------------------------ housing
def unsafe_house(ctx: RuleContext, h) -> str | None:
    """Why the house is unsafe and not being renovated (an unsafe grade, 未改造 or unreported)."""
    if h.housing_grade in set(ctx.policy.value("housing.unsafe_grades")) and h.renovation_status in (None, "未改造"):  # fmt: skip
        return f"住房安全等级{h.housing_grade}，{h.renovation_status or '改造状态未填报'}"
    return None


@rule("R-UNSAFE", entity="household")
def unsafe_housing(ctx: RuleContext) -> Iterator[Finding]:
    for h in ctx.households.values():
        why = unsafe_house(ctx, h)
        if why:
            yield ctx.household_finding("R-UNSAFE", h, why)


def required_area(policy, size: int) -> Decimal:
    by_size = policy.value("housing.rebuilt_area_by_size")
    if str(size) in by_size:
        return Decimal(str(by_size[str(size)]))
    return Decimal(str(policy.value("housing.rebuilt_area_per_person_above"))) * size


@rule("R-AREA", entity="household")
def rebuilt_area(ctx: RuleContext) -> Iterator[Finding]:
    for hid, h in ctx.households.items():
        if h.renovation_status != "已竣工验收" or h.housing_area is None:
            continue
        size = len(ctx.members.get(hid, []))
        if not size:
            continue
        need = required_area(ctx.policy, size)
        if Decimal(h.housing_area) < need:
            yield ctx.household_finding(
                "R-AREA",
                h,
                f"{size}人户，住房面积{h.housing_area.normalize():f}㎡，低于{need.normalize():f}㎡",
            )


# ------------------------------------------------------------------------------ water
def water_shortfalls(ctx: RuleContext, h) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """Each standard of the pack the household's drinking water misses, as (what, the household's
    figure, the standard): ("liters", L/人/日, the minimum of its area — dry areas per
    `water.dry_areas`), ("fetch", minutes, the maximum), ("quality", None, None). A blank figure
    is not judged. The one definition of the water standard (W-WATER, M-SCREEN, the ledger)."""
    dry = {str(c) for c in ctx.policy.value("water.dry_areas")}
    normal = Decimal(str(ctx.policy.value("water.min_liters_per_day")))
    dry_min = Decimal(str(ctx.policy.value("water.min_liters_per_day_dry")))
    fetch = Decimal(str(ctx.policy.value("water.max_fetch_minutes")))
    place = ctx.place(h.village_code)
    minimum = dry_min if (h.village_code in dry or place.township_code in dry) else normal
    out: list[tuple[str, Decimal | None, Decimal | None]] = []
    if h.water_liters_per_day is not None and h.water_liters_per_day < minimum:
        out.append(("liters", h.water_liters_per_day, minimum))
    if h.water_fetch_minutes is not None and h.water_fetch_minutes > fetch:
        out.append(("fetch", h.water_fetch_minutes, fetch))
    if h.water_quality_ok is False:
        out.append(("quality", None, None))
    return out


def water_problems(ctx: RuleContext, h) -> list[str]:
    """What of the household's drinking water is below the pack's standard (empty: none)."""
    words = {
        "liters": "人均日用水量{value}升，低于{limit}升",
        "fetch": "取水往返{value}分钟，超过{limit}分钟",
        "quality": "水质不达标",
    }
    return [
        words[what].format(value=f"{value.normalize():f}" if value is not None else "",
                           limit=f"{limit.normalize():f}" if limit is not None else "")
        for what, value, limit in water_shortfalls(ctx, h)
    ]  # fmt: skip


@rule("W-WATER", entity="household")
def water(ctx: RuleContext) -> Iterator[Finding]:
    for h in ctx.households.values():
        problems = water_problems(ctx, h)
        if problems:
            yield ctx.household_finding("W-WATER", h, "；".join(problems))
