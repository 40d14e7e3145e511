"""Rules of 防止返贫动态监测和帮扶 (seed 三.一) and the data-quality checks of 三.一.(三).5.

Days are counted as DOMAIN §3 says: a limit counts the days after its start, a publicity period
counts both ends; a step that is due but has no date is itself a finding once its limit passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import sqlalchemy as sa

from reportgen.dataset.schema import imports
from reportgen.dates import cn_date
from reportgen.rules import Finding, rule
from reportgen.rules.context import RuleContext, days_between, inclusive_days

WORKING = ("普通劳动力", "技能劳动力")
ANY_LABOR = (*WORKING, "弱劳动力或半劳动力")
NO_LABOR = ("丧失劳动力", "无劳动力")


def done_by(ctx: RuleContext, day: dt.date | None) -> dt.date | None:
    """A step's date if it happened by the as-of date; a later date has not happened yet as of
    that day (the time limits count on to the as-of date, as for a step with no date)."""
    return day if day is not None and day <= ctx.as_of else None


def yuan(amount: Decimal) -> str:
    """7500 → '7,500'; 7500.01 → '7,500.01' (a boundary amount is never rounded onto the line)."""
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


@rule("M-IDENT", entity="household")
def identification_days(ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.policy.value("monitoring.identification_max_days")
    for hid, procs in ctx.procedures.items():
        for p in procs:
            if p.kind != "识别纳入" or p.found_on > ctx.as_of:
                continue
            approved = done_by(ctx, p.county_approved_on)
            days = days_between(p.found_on, approved or ctx.as_of)
            if days > limit:
                if approved:
                    detail = f"风险发现{cn_date(p.found_on)}，县级审批{cn_date(approved)}，用时{days}天（不超过{limit}天）"
                else:
                    detail = f"风险发现{cn_date(p.found_on)}，截至{cn_date(ctx.as_of)}已{days}天仍未完成县级审批（不超过{limit}天）"
                # a procedure's household exists (the import checks the reference)
                yield ctx.household_finding("M-IDENT", ctx.households[hid], detail)


@rule("M-ENTRY", entity="household")
def entry_days(ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.policy.value("monitoring.entry_max_days")
    for hid, procs in ctx.procedures.items():
        for p in procs:
            if p.kind != "识别纳入" or not done_by(ctx, p.county_approved_on):
                continue
            entered = done_by(ctx, p.entered_on)
            days = days_between(p.county_approved_on, entered or ctx.as_of)
            if days > limit:
                what = (
                    f"系统录入{cn_date(entered)}" if entered else f"截至{cn_date(ctx.as_of)}未录入"
                )
                yield ctx.household_finding("M-ENTRY", ctx.households[hid],
                                            f"县级审批{cn_date(p.county_approved_on)}，{what}，用时{days}天（不超过{limit}天）")  # fmt: skip


@rule("M-PLAN", entity="household")
def plan_days(ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.policy.value("monitoring.plan_max_days")
    for hid, procs in ctx.procedures.items():
        for p in procs:
            if p.kind != "识别纳入" or not done_by(ctx, p.county_approved_on):
                continue
            planned = done_by(ctx, p.plan_on)
            days = days_between(p.county_approved_on, planned or ctx.as_of)
            if days > limit:
                what = (
                    f"帮扶计划{cn_date(planned)}"
                    if planned
                    else f"截至{cn_date(ctx.as_of)}无帮扶计划"
                )
                yield ctx.household_finding("M-PLAN", ctx.households[hid],
                                            f"县级审批{cn_date(p.county_approved_on)}，{what}，用时{days}天（不超过{limit}天）")  # fmt: skip


@rule("M-PUBLICITY", entity="household")
def publicity_days(ctx: RuleContext) -> Iterator[Finding]:
    minimum = ctx.policy.value("monitoring.publicity_min_days")
    for hid, procs in ctx.procedures.items():
        for p in procs:
            if p.publicity_start and p.publicity_end:
                days = inclusive_days(p.publicity_start, p.publicity_end)
                if days < minimum:
                    yield ctx.household_finding("M-PUBLICITY", ctx.households[hid],
                                                f"{p.kind}公示{cn_date(p.publicity_start)}至{cn_date(p.publicity_end)}，共{days}天（不少于{minimum}天）")  # fmt: skip
            elif p.county_approved_on or p.township_reviewed_on:
                # Past the village stage, the publicity must have happened: missing dates are a finding.
                yield ctx.household_finding("M-PUBLICITY", ctx.households[hid],
                                            f"{p.kind}已{'县级审批' if p.county_approved_on else '乡级审核'}，但没有公示起止日期")  # fmt: skip


@rule("M-DEV-MEASURE", entity="household")
def development_measure(ctx: RuleContext) -> Iterator[Finding]:
    development = set(ctx.policy.value("monitoring.development_measures"))
    for hid, h in ctx.households.items():
        if not ctx.is_monitored(h):
            continue
        workers = [m.name for m in ctx.members.get(hid, []) if m.labor_skill in WORKING]
        if workers and not (ctx.measure_categories(hid) & development):
            yield ctx.household_finding(
                "M-DEV-MEASURE",
                h,
                f"有劳动力{len(workers)}人（{'、'.join(workers)}），无{'/'.join(sorted(development))}措施",
            )


@rule("M-NOLABOR-JOB", entity="person")
def no_labor_in_job(ctx: RuleContext) -> Iterator[Finding]:
    for job in ctx.welfare_jobs():
        person = ctx.persons.get(job.id_number)
        if (
            person is not None
            and person.labor_skill in NO_LABOR
            and (job.end_on is None or job.end_on >= ctx.as_of)
        ):
            yield ctx.person_finding(
                "M-NOLABOR-JOB",
                person,
                job.id_number,
                f"{person.labor_skill}，在岗“{job.post_name}”（{cn_date(job.start_on)}起）",
            )
    for hid, h in ctx.households.items():
        if "帮扶车间" in ctx.measure_categories(hid) and not any(
            m.labor_skill in ANY_LABOR for m in ctx.members.get(hid, [])
        ):
            yield ctx.household_finding(
                "M-NOLABOR-JOB", h, "有帮扶车间就业措施，但家庭成员均无劳动能力"
            )


def _risk_without_measure(
    ctx: RuleContext, rule_id: str, risk: str, measure: str
) -> Iterator[Finding]:
    """Monitored households whose risk types include `risk` but who have no `measure`."""
    for hid, h in ctx.households.items():
        if (
            risk in ctx.risk_types(hid)
            and measure not in ctx.measure_categories(hid)
            and ctx.is_monitored(h)
        ):
            yield ctx.household_finding(rule_id, h, f"风险类型含{risk}，无{measure}措施")


@rule("M-ILL-HEALTH", entity="household")
def illness_without_health_measure(ctx: RuleContext) -> Iterator[Finding]:
    return _risk_without_measure(ctx, "M-ILL-HEALTH", "因病", "健康帮扶")


@rule("M-STUDY-EDU", entity="household")
def study_without_education_measure(ctx: RuleContext) -> Iterator[Finding]:
    return _risk_without_measure(ctx, "M-STUDY-EDU", "因学", "教育帮扶")


@rule("M-UNMONITORED", entity="household")
def unmonitored_low_income(ctx: RuleContext) -> Iterator[Finding]:
    line = ctx.income_line
    for h in ctx.households.values():
        if h.income_per_capita is None or h.income_per_capita >= line or ctx.is_monitored(h):
            continue
        if h.risk_eliminated:
            continue  # risk eliminated with income under the line is its own rule
        yield ctx.household_finding(
            "M-UNMONITORED",
            h,
            f"{h.category}，家庭年人均纯收入{h.income_per_capita:,.0f}元，低于监测范围{line:,.0f}元，未纳入监测",
        )


@rule("M-ELIM-INCOME", entity="household")
def eliminated_under_line(ctx: RuleContext) -> Iterator[Finding]:
    # Seed 三.一.(二).4① (the wording of 国乡振发〔2023〕4号 quoted in 三.一.(一)3): “收入稳定超过当年
    # 监测范围 … 按程序标注风险消除”. Income exactly at the line does not exceed it: 7500 is reported,
    # 7500.01 is not. (Whether it is *stably* above needs more than one year's figure: not judged.)
    line = ctx.income_line
    for hid, h in ctx.households.items():
        eliminated = h.risk_eliminated or any(
            p.kind == "风险消除" and p.county_approved_on and p.county_approved_on <= ctx.as_of
            for p in ctx.procedures.get(hid, [])
        )
        if eliminated and h.income_per_capita is not None and h.income_per_capita <= line:
            yield ctx.household_finding(
                "M-ELIM-INCOME",
                h,
                f"已风险消除，家庭年人均纯收入{yuan(h.income_per_capita)}元，未超过监测范围{yuan(line)}元"
                "（须稳定超过）",
            )


@rule("M-NO-HELPER", entity="household")
def no_helper(ctx: RuleContext) -> Iterator[Finding]:
    for h in ctx.households.values():
        if ctx.is_monitored(h) and not h.helper_name:
            yield ctx.household_finding("M-NO-HELPER", h, "监测户无帮扶责任人")


@rule("DATA-ORDER", entity="household")
def approval_before_discovery(ctx: RuleContext) -> Iterator[Finding]:
    for hid, procs in ctx.procedures.items():
        for p in procs:
            for label, when in (
                ("入户核实", p.verified_on),
                ("乡级审核", p.township_reviewed_on),
                ("县级审批", p.county_approved_on),
            ):
                if when and when < p.found_on:
                    yield ctx.household_finding(
                        "DATA-ORDER",
                        ctx.households[hid],
                        f"{p.kind}：{label}{cn_date(when)}早于风险发现{cn_date(p.found_on)}",
                    )
                    break


@rule("DATA-FUTURE", entity="household")
def future_dates(ctx: RuleContext) -> Iterator[Finding]:
    # A date later than the day its row was imported cannot be true (the data were exported before
    # that). A date merely later than the as-of date is not judged here: a quarter's report cannot
    # tell what happened after its own date (系统录入 on 10月8日 for a report as of 9月30日 is normal).
    fields = (("风险发现", "found_on"), ("入户核实", "verified_on"), ("公示开始", "publicity_start"), ("公示结束", "publicity_end"),
              ("乡级审核", "township_reviewed_on"), ("县级审批", "county_approved_on"), ("公告", "announced_on"),
              ("系统录入", "entered_on"), ("帮扶计划", "plan_on"))  # fmt: skip
    imported = import_dates(ctx)
    for hid, procs in ctx.procedures.items():
        for p in procs:
            day = imported(p.import_id)
            if day is None:
                continue
            late = [
                f"{label}{cn_date(p._mapping[col])}"
                for label, col in fields
                if p._mapping[col] and p._mapping[col] > day
            ]
            if late:
                yield ctx.household_finding(
                    "DATA-FUTURE",
                    ctx.households[hid],
                    f"{p.kind}：{'、'.join(late)}晚于数据采集日期{cn_date(day)}（不可能发生）",
                )
    for hid, ms in ctx.measures.items():
        for m in ms:
            day = imported(m.import_id)
            if m.done_on and day is not None and m.done_on > day:
                yield ctx.household_finding(
                    "DATA-FUTURE",
                    ctx.households[hid],
                    f"帮扶措施“{m.category}”落实日期{cn_date(m.done_on)}晚于数据采集日期{cn_date(day)}（不可能发生）",
                )


def import_dates(ctx: RuleContext) -> Callable[[int | None], dt.date | None]:
    """import_id → the day that import finished; a row with no import (written to the database by
    other means) → the last import's day; None when nothing was ever imported."""
    if "facts:import_dates" not in ctx._cache:
        with ctx.dataset.engine.connect() as conn:
            rows = conn.execute(sa.select(imports.c.id, imports.c.finished_at)).all()
        ctx._cache["facts:import_dates"] = {i: when.date() for i, when in rows if when is not None}
    days: dict[int, dt.date] = ctx._cache["facts:import_dates"]
    last = days[max(days)] if days else None
    return lambda import_id: days.get(import_id, last) if import_id is not None else last


@rule("DATA-TYPE", entity="household")
def monitored_without_type(ctx: RuleContext) -> Iterator[Finding]:
    # The importer refuses such rows; data written to the database by other means are checked here.
    for h in ctx.households.values():
        if h.category == "监测户" and not h.monitor_type:
            yield ctx.household_finding("DATA-TYPE", h, "户类型为监测户，监测类型为空")


MEMBER_COUNT_HEADERS = ("家庭人口", "家庭人口数", "家庭成员数", "人口数")


@rule("DATA-SIZE", entity="household")
def member_count(ctx: RuleContext) -> Iterator[Finding]:
    # 家庭人口 is not a column of the contract; an export that carries it keeps it in `extra`.
    for hid, h in ctx.households.items():
        extra = h.extra or {}
        stated = next((extra[k] for k in MEMBER_COUNT_HEADERS if k in extra), None)
        if stated is None:
            continue
        try:
            number = int(float(str(stated).rstrip("人")))
        except ValueError:
            continue
        rows = len(ctx.members.get(hid, []))
        if number != rows:
            yield ctx.household_finding(
                "DATA-SIZE", h, f"家庭人口填报{number}人，人员信息中有{rows}人"
            )
