"""Checks on fields the import contract already carries that no rule read before (issue 20):
家庭医生签约 of people with a chronic illness, 住房安全等级 of priority households, 易地搬迁户
without work, overdue loans and a household's total outstanding loans, overdue projects.

Words (titles, 整改措施, the source document's sections, basis) are the policy pack's
`[rules.*]` texts; numbers come from the pack too. Sections cited are the seed's (梳理):
慢病签约 二.二.(二).2① and 第四部分 3; 住房 二.三.(二).2; 易地搬迁 三.二.(三).1; 小额信贷 三.三.(二).5③;
项目 一.四.(三).3⑤.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa

from reportgen.dates import birth_from_id, cn_date, full_years
from reportgen.rules import Finding, rule
from reportgen.rules.context import RuleContext

# labour a relocated household can put to work (DOMAIN §2 劳动技能)
ABLE = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")


def _priority(ctx: RuleContext, h) -> bool:
    """脱贫户, a household being monitored, or one with a 兜底类型 (the seed's priority groups)."""
    return h.category == "脱贫户" or ctx.is_monitored(h) or bool(h.baodi_type)


@rule("H-DOCTOR", entity="person")
def chronic_without_family_doctor(ctx: RuleContext) -> Iterator[Finding]:
    """A member of a 脱贫户 or a monitored household with 长期慢性病 whose 家庭医生签约 is not 是."""
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or not (h.category == "脱贫户" or ctx.is_monitored(h)):
            continue
        for p in members:
            if p.health == "长期慢性病" and p.family_doctor is not True:
                signed = "否" if p.family_doctor is False else "未填"
                yield ctx.person_finding(
                    "H-DOCTOR",
                    p,
                    p.id_number,
                    f"{h.category}成员，长期慢性病，家庭医生签约：{signed}",
                )


@rule("R-NO-GRADE", entity="household")
def priority_without_housing_grade(ctx: RuleContext) -> Iterator[Finding]:
    """A 脱贫户, monitored or 兜底 household whose 住房安全等级 is blank (never assessed)."""
    for h in ctx.households.values():
        if _priority(ctx, h) and not h.housing_grade:
            who = "、".join(
                x
                for x in (
                    h.category if h.category != "一般农户" else "",
                    "正在监测" if ctx.is_monitored(h) and h.category != "监测户" else "",
                    f"兜底（{h.baodi_type}）" if h.baodi_type else "",
                )
                if x
            )
            yield ctx.household_finding("R-NO-GRADE", h, f"{who}，住房安全等级未填（未鉴定）")


@rule("E-RELOCATED", entity="household")
def relocated_without_work(ctx: RuleContext) -> Iterator[Finding]:
    """An 易地搬迁户 with members able to work, none of whom has 务工月数 or a current 公益岗位."""
    on_post = {
        j.id_number
        for j in ctx.welfare_jobs()
        if j.start_on <= ctx.as_of and (j.end_on is None or j.end_on >= ctx.as_of)
    }
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or h.relocated is not True:
            continue
        able = [p for p in members if p.labor_skill in ABLE]
        if not able:
            continue
        if any((p.work_months or 0) > 0 or p.id_number in on_post for p in able):
            continue
        yield ctx.household_finding(
            "E-RELOCATED",
            h,
            f"易地搬迁户，有劳动能力{len(able)}人，均无务工月数，也不在公益岗位",
        )


def _outstanding(loan, as_of: dt.date) -> bool:
    """Lent by the as-of date and not yet due (an overdue loan is outstanding whatever its date)."""
    if loan.lent_on > as_of:
        return False
    return loan.overdue is True or loan.due_on is None or loan.due_on >= as_of


def household_loans(ctx: RuleContext) -> dict[str, list]:
    """Each household's outstanding loans, in lending order."""
    out: dict[str, list] = defaultdict(list)
    for loan in sorted(ctx.loans(), key=lambda x: (x.household_id, x.lent_on)):
        if _outstanding(loan, ctx.as_of):
            out[loan.household_id].append(loan)
    return out


def _loans_text(loans) -> str:
    return "、".join(f"{cn_date(x.lent_on)}放款{x.amount:,.0f}元" for x in loans)


def _over_total(ctx: RuleContext, rule_id: str, limit_key: str, say) -> Iterator[Finding]:
    """Households whose outstanding loans together exceed the pack's `limit_key`; `say(total,
    limit)` words the end of the detail."""
    limit = Decimal(str(ctx.policy.value(limit_key)))
    for hid, loans in household_loans(ctx).items():
        total = sum((x.amount for x in loans), Decimal(0))
        if total > limit:
            owed = f"，未还合计{total:,.0f}元" if len(loans) > 1 else ""  # one loan: its amount says it
            detail = f"{_loans_text(loans)}{owed}，{say(total, limit)}"
            yield ctx.household_finding(rule_id, ctx.households[hid], detail)


@rule("C-OVER-MAX", entity="household")
def loan_over_max(ctx: RuleContext) -> Iterator[Finding]:
    """A household whose outstanding loans together exceed the pack's per-household limit."""
    yield from _over_total(
        ctx, "C-OVER-MAX", "microcredit.max_amount", lambda total, limit: f"超过{limit:,.0f}元"
    )


@rule("C-NO-SUBSIDY", entity="household")
def loan_over_subsidy(ctx: RuleContext) -> Iterator[Finding]:
    """A household whose outstanding loans together exceed the pack's interest-subsidy limit."""
    yield from _over_total(
        ctx,
        "C-NO-SUBSIDY",
        "microcredit.interest_subsidy_max",
        lambda total, limit: f"其中{total - limit:,.0f}元不予贴息",
    )


@rule("C-OVERDUE", entity="household")
def loan_overdue(ctx: RuleContext) -> Iterator[Finding]:
    """A loan marked 逾期 = 是, lent by the as-of date."""
    for loan in ctx.loans():
        if loan.overdue is True and loan.lent_on <= ctx.as_of:
            due = f"，到期日{cn_date(loan.due_on)}" if loan.due_on else ""
            yield ctx.household_finding(
                "C-OVERDUE",
                ctx.households[loan.household_id],
                f"{cn_date(loan.lent_on)}放款{loan.amount:,.0f}元{due}，已逾期",
            )


@rule("P-OVERDUE", entity="project")
def project_overdue(ctx: RuleContext) -> Iterator[Finding]:
    """A project whose 计划完工日期 is before the as-of date and whose 项目状态 is still 计划 or 实施中."""
    from reportgen.rules.work import project_finding

    for p in ctx.projects():
        if p.planned_end is None or p.planned_end >= ctx.as_of:
            continue
        if p.status in ("计划", "实施中"):
            late = (ctx.as_of - p.planned_end).days
            yield project_finding(
                ctx,
                "P-OVERDUE",
                p,
                f"计划完工{cn_date(p.planned_end)}，截至{cn_date(ctx.as_of)}仍为“{p.status}”，已超期{late}天",
            )


# ------------------------------------------------------------------ 监测：结果公告、应纳未纳、风险消除
@rule("M-NO-ANNOUNCE", entity="household")
def approved_without_announcement(ctx: RuleContext) -> Iterator[Finding]:
    """A 识别纳入 or 风险消除 procedure approved by the county more than the pack's
    `monitoring.announce_max_days` before the as-of date with no 公告日期 by then, or announced
    more than that many days after the approval (a late 结果公告, e.g. one printed after the
    fact by `notice --kind inclusion-result`, still shows)."""
    limit = int(ctx.policy.value("monitoring.announce_max_days"))
    for hid, procs in ctx.procedures.items():
        for p in procs:
            approved = p.county_approved_on
            if p.kind not in ("识别纳入", "风险消除") or approved is None or approved > ctx.as_of:
                continue
            announced = p.announced_on if p.announced_on and p.announced_on <= ctx.as_of else None
            days = ((announced or ctx.as_of) - approved).days
            if days <= limit:
                continue
            if announced:  # announced, but later than the limit: 及时公告 was not met either
                detail = f"{p.kind}县级审批{cn_date(approved)}，{cn_date(announced)}才结果公告，用了{days}天（不超过{limit}天）"
            else:
                detail = f"{p.kind}县级审批{cn_date(approved)}，截至{cn_date(ctx.as_of)}已{days}天无结果公告（不超过{limit}天）"
            yield ctx.household_finding("M-NO-ANNOUNCE", ctx.households[hid], detail)


def open_dropouts(ctx: RuleContext) -> dict[str, list]:
    """Household id → its members' dropout cases still open as of the run's date."""
    if "facts:open_dropouts" not in ctx._cache:
        from reportgen.dropout import OPEN, Standard, standing
        from reportgen.rules.dropout import dropout_cases

        std = Standard.from_policy(ctx.policy)
        out: dict[str, list] = defaultdict(list)
        for case in dropout_cases(ctx):
            if case.household and standing(case, ctx.as_of, std)[0] == OPEN:
                out[case.household.household_id].append(case)
        ctx._cache["facts:open_dropouts"] = out
    return ctx._cache["facts:open_dropouts"]


def unassured(ctx: RuleContext, h) -> list[str]:
    """Why a household's 三保障 or drinking water is not assured: an unsafe house not being
    renovated, water below standard, an uninsured member, a member's open dropout case."""
    from reportgen.rules.policies import unsafe_house, water_problems

    reasons = []
    house = unsafe_house(ctx, h)
    if house:
        reasons.append(house)
    reasons += water_problems(ctx, h)
    uninsured = [p.name for p in ctx.members.get(h.household_id, []) if p.medical_insured is False]
    if uninsured:
        reasons.append(f"{'、'.join(uninsured)}未参加基本医保")
    dropouts = [c.name for c in open_dropouts(ctx).get(h.household_id, [])]
    if dropouts:
        reasons.append(f"{'、'.join(dropouts)}辍学未复学")
    return reasons


@rule("M-SCREEN", entity="household")
def unmonitored_with_unassured_needs(ctx: RuleContext) -> Iterator[Finding]:
    """A household not monitored (and never eliminated) whose 三保障 or water is not assured:
    listed for screening (疑似应纳未纳), with the reasons."""
    for h in ctx.households.values():
        if ctx.is_monitored(h) or h.risk_eliminated:
            continue
        reasons = unassured(ctx, h)
        if reasons:
            yield ctx.household_finding(
                "M-SCREEN", h, f"{h.category}，未纳入监测：{'；'.join(reasons)}"
            )


@rule("M-ELIM-UNSAFE", entity="household")
def eliminated_with_unassured_needs(ctx: RuleContext) -> Iterator[Finding]:
    """A household whose risk is marked eliminated while its 三保障 or water is not assured."""
    for h in ctx.households.values():
        if h.risk_eliminated is not True:
            continue
        reasons = unassured(ctx, h)
        if reasons:
            yield ctx.household_finding(
                "M-ELIM-UNSAFE", h, f"已标注风险消除，但{'；'.join(reasons)}"
            )


# ------------------------------------------------------------------ 控辍保学、兜底
def _born(person) -> dt.date | None:
    """Birth date: the 出生日期 column, else the 18-character ID number's."""
    return person.birth_date if person.birth_date is not None else birth_from_id(person.id_number)


@rule("D-NOT-FOUND", entity="person")
def school_age_without_a_record(ctx: RuleContext) -> Iterator[Finding]:
    """A member of a 脱贫, monitored or 兜底 household of compulsory-education age (the pack's
    years, full years on the as-of date) whose ID is in no student record and no dropout case."""
    from reportgen.dataset.schema import TABLES
    from reportgen.rules.dropout import dropout_cases

    low = int(ctx.policy.value("dropout.compulsory_age_min"))
    high = int(ctx.policy.value("dropout.compulsory_age_max"))
    students = TABLES["students"]
    with ctx.dataset.engine.connect() as conn:
        enrolled = {r[0] for r in conn.execute(sa.select(students.c.id_number))}
    enrolled |= {c.id_number for c in dropout_cases(ctx) if c.id_number}
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or not _priority(ctx, h):
            continue
        for p in members:
            born = _born(p)
            if born is None or p.id_number in enrolled:
                continue
            years = full_years(born, ctx.as_of)
            if not low <= years <= high:
                continue
            status = (p.school_status or "").strip()
            if status and not out_of_school(status):
                continue  # the person record says in school (e.g. in another county): not suspected
            said = f"，在校生状况为“{status}”" if status else ""
            yield ctx.person_finding(
                "D-NOT-FOUND",
                p,
                p.id_number,
                f"{years}周岁，{h.category}成员，没有学籍记录，也没有辍学登记{said}",
            )


def out_of_school(status: str) -> bool:
    """Whether a person's 在校生状况 says not at school: 辍学, 失学, 非在校生 or 未入学 (any other text,
    such as a grade, says at school)."""
    return any(word in status for word in ("辍学", "失学", "非在校", "未入学", "不在校"))


NO_LABOUR = ("丧失劳动力", "无劳动力")


@rule("B-NO-LABOUR", entity="household")
def no_labour_without_baodi(ctx: RuleContext) -> Iterator[Finding]:
    """A household all of whose members (with 劳动技能 filled) lack labour capacity and which has no
    兜底类型: listed for 兜底 screening."""
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or h.baodi_type:
            continue
        skills = [p.labor_skill for p in members]
        if skills and all(s in NO_LABOUR for s in skills):
            yield ctx.household_finding(
                "B-NO-LABOUR", h, f"全户{len(skills)}人均丧失劳动力或无劳动力，无兜底类型"
            )


@rule("B-FLAG", entity="household")
def no_labour_flag_contradicts_members(ctx: RuleContext) -> Iterator[Finding]:
    """整户无劳动能力兜底保障户 = 是 while a member has labour capacity."""
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or h.no_labor_baodi is not True:
            continue
        able = [p.name for p in members if p.labor_skill in ABLE]
        if able:
            yield ctx.household_finding(
                "B-FLAG", h, f"标注整户无劳动能力，但{'、'.join(able)}有劳动能力"
            )


@rule("B-LOW-INCOME", entity="household")
def income_below_dibao_without_baodi(ctx: RuleContext) -> Iterator[Finding]:
    """Per-capita income below 12 × the pack's monthly rural 低保 standard with no 兜底类型:
    listed for 兜底 screening."""
    yearly = Decimal(str(ctx.policy.value("social_assistance.dibao_rural_monthly_min"))) * 12
    for h in ctx.households.values():
        if h.baodi_type or h.income_per_capita is None:
            continue
        if h.income_per_capita < yearly:
            yield ctx.household_finding(
                "B-LOW-INCOME",
                h,
                f"家庭年人均纯收入{h.income_per_capita:,.0f}元，低于低保标准全年{yearly:,.0f}元，无兜底类型",
            )


# ------------------------------------------------------------------ 学生资助：发放不足或发错项目
@rule("A-SHORT", entity="student")
def aid_paid_short_or_wrong(ctx: RuleContext) -> Iterator[Finding]:
    """Payments of the current school year compared with the student's eligible items: an item
    paid below its yearly standard divided by the pack's `aid.terms_per_year` in a term, or an
    item the student is not eligible for (wrong item). Items whose amount is the school's fee
    standard (免学费, 免住宿费) without a standard on file are not compared."""
    from reportgen.aid.eligibility import eligible_items
    from reportgen.aid.terms import terms_of_school_year
    from reportgen.rules.policies import (
        _school_year,
        _students,
        school_year_payments,
        student_finding,
    )

    per_year = int(ctx.policy.value("aid.terms_per_year"))
    terms = terms_of_school_year(_school_year(ctx.as_of))
    paid = school_year_payments(ctx)
    for s in _students(ctx):
        rows = [
            r for r in paid.get(s.student_no, []) if r.paid_on is None or r.paid_on <= ctx.as_of
        ]
        if not rows:
            continue  # nothing paid: A-UNPAID
        items = {i.name: i for i in eligible_items(s, ctx.policy)}
        problems = []
        for r in sorted(rows, key=lambda x: (terms.index(x.term), x.item)):
            item = items.get(r.item)
            if item is None:
                problems.append(f"{r.term}发放{r.item}{r.amount:,.0f}元，不在可享受的资助项目内")
            elif item.amount is not None:
                due = (item.amount / per_year).quantize(Decimal("0.01"))
                if r.amount < due:
                    problems.append(
                        f"{r.term}{r.item}发放{r.amount:,.2f}元，低于每学期{due:,.2f}元"
                    )
        if problems:
            yield student_finding(ctx, "A-SHORT", s, "；".join(problems))


def _severe(p) -> str | None:
    """重病 or 重残 as the seed defines them (二.五.(二).1②): 患有大病; a disability of grade 一级 or
    二级, or 三级 intellectual or mental disability."""
    if p.health == "患有大病":
        return "患有大病"
    kind = p.disability_type or ""
    if p.disability_grade in ("一级", "二级") or (
        p.disability_grade == "三级" and ("智力" in kind or "精神" in kind)
    ):
        return f"{p.disability_grade}{kind}残疾"
    return None


@rule("B-EDGE-SINGLE", entity="person")
def severe_member_of_an_edge_household(ctx: RuleContext) -> Iterator[Finding]:
    """A 重病 or 重残 member of a 低保边缘 household: may, on application, be covered as a
    single-person 低保 household (单人保); listed for screening."""
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or h.baodi_type != "低保边缘":
            continue
        for p in members:
            why = _severe(p)
            if why:
                yield ctx.person_finding(
                    "B-EDGE-SINGLE",
                    p,
                    p.id_number,
                    f"低保边缘家庭成员，{why}，可申请参照单人户纳入低保",
                )


def _yuan(value) -> str:
    d = Decimal(str(value))
    return f"{d:,.2f}".rstrip("0").rstrip(".") if d != d.to_integral_value() else f"{int(d):,}"


def _make_up(h) -> str:
    """What the income is made of, when the household row says: 工资性收入 and 生产经营性收入 as
    shares of 人均纯收入 (seed 第四部分 1②)."""
    total = h.income_per_capita
    if not total:
        return ""
    parts = [f"{label}{_yuan(v)}元（占{Decimal(str(v)) / Decimal(str(total)):.0%}）"
             for label, v in (("工资性收入", h.wage_income), ("生产经营性收入", h.business_income))
             if v is not None]  # fmt: skip
    return "；其中" + "、".join(parts) if parts else ""


@rule("I-DROP", entity="household")
def income_fell(ctx: RuleContext) -> Iterator[Finding]:
    """A 脱贫户 whose 家庭年人均纯收入 is below the year before's (收入同比下降脱贫人口, one of the
    “两类群体”, seed 三.一.(三).2, 第四部分 1①); equal is not a drop. Needs 上年家庭年人均纯收入."""
    for h in ctx.households.values():
        now, before = h.income_per_capita, h.prev_income_per_capita
        if h.category != "脱贫户" or now is None or before is None or now >= before:
            continue
        drop = Decimal(str(before)) - Decimal(str(now))
        share = drop / Decimal(str(before)) if before else Decimal(0)
        yield ctx.household_finding(
            "I-DROP",
            h,
            f"家庭年人均纯收入{_yuan(now)}元，上年{_yuan(before)}元，同比下降{_yuan(drop)}元（{share:.1%}）{_make_up(h)}",
        )


@rule("I-LOW", entity="household")
def low_income(ctx: RuleContext) -> Iterator[Finding]:
    """A 脱贫户 whose 家庭年人均纯收入 is below the pack's `income_focus.low_income_line` (收入较低脱贫人口,
    the other of the “两类群体”, seed 三.一.(三).2, 第四部分 1①), listed for 增收 support; the line
    itself is not less. Below the monitoring line it is M-UNMONITORED's or already monitored."""
    line = Decimal(str(ctx.policy.value("income_focus.low_income_line")))
    for h in ctx.households.values():
        now = h.income_per_capita
        if h.category != "脱贫户" or now is None or Decimal(str(now)) >= line:
            continue
        yield ctx.household_finding(
            "I-LOW", h, f"家庭年人均纯收入{_yuan(now)}元，低于{_yuan(line)}元{_make_up(h)}"
        )


# ------------------------------------------------------------------ 兜底、残疾、资金（梳理覆盖表的待加规则）
def _poor_or_monitored(ctx: RuleContext, h) -> bool:
    return h.category == "脱贫户" or ctx.is_monitored(h)


def _intellectual_or_mental_severe(p) -> bool:
    kind = p.disability_type or ""
    return p.disability_grade in ("一级", "二级") and ("智力" in kind or "精神" in kind)


@rule("B-SEVERE-DISABLED", entity="person")
def severe_disability_without_baodi(ctx: RuleContext) -> Iterator[Finding]:
    """A member of a 脱贫户 or monitored household with a 一级/二级 intellectual or mental
    disability whose household has no 特困 or 低保 兜底 (seed 二.五.(三).2②: 重点人群 not given
    特困供养): listed for screening."""
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or not _poor_or_monitored(ctx, h) or h.baodi_type in ("特困", "低保"):
            continue
        for p in members:
            if _intellectual_or_mental_severe(p):
                baodi = f"兜底类型为{h.baodi_type}" if h.baodi_type else "无兜底类型"
                yield ctx.person_finding(
                    "B-SEVERE-DISABLED", p, p.id_number,
                    f"{h.category}成员，{p.disability_grade}{p.disability_type}残疾，{baodi}",
                )  # fmt: skip


@rule("B-NO-DISABILITY-GRADE", entity="person")
def disabled_without_grade(ctx: RuleContext) -> Iterator[Finding]:
    """A member of a 脱贫户 or monitored household whose 健康状况 is 残疾 with no 残疾等级: perhaps
    never assessed, so without the 残疾人证 and its subsidies (seed 二.五.(三).3①)."""
    for hid, members in ctx.members.items():
        h = ctx.households.get(hid)
        if h is None or not _poor_or_monitored(ctx, h):
            continue
        for p in members:
            if p.health == "残疾" and not p.disability_grade:
                yield ctx.person_finding(
                    "B-NO-DISABILITY-GRADE", p, p.id_number, f"{h.category}成员，健康状况为残疾，残疾等级未填"
                )


FUND_COLUMNS = ("fund_central", "fund_province", "fund_city", "fund_county", "fund_integrated", "fund_other")
LINK_FUNDS = ("fund_central", "fund_province", "fund_city", "fund_county")  # 各级衔接资金


def _wan(value: Decimal) -> str:
    return f"{value.normalize():f}" if value != value.to_integral_value() else f"{int(value)}"


def _sum(p, columns) -> Decimal:
    return sum((Decimal(str(getattr(p, c))) for c in columns if getattr(p, c) is not None), Decimal(0))


@rule("P-UNPAID", entity="project")
def project_funds_behind(ctx: RuleContext) -> Iterator[Finding]:
    """A project 已完工 or 已验收, or past its 计划完工日期, whose 已拨付 or 已支付资金 is below its funds
    in total, or not filled (seed 三.三.(三).2② 衔接资金未按照序时进度要求进行拨付)."""
    from reportgen.rules.work import project_finding

    for p in ctx.projects():
        done = p.status in ("已完工", "已验收")
        late = p.planned_end is not None and p.planned_end < ctx.as_of
        total = _sum(p, FUND_COLUMNS)
        if not (done or late) or not total:
            continue
        why = f"“{p.status}”" if done else f"计划完工{cn_date(p.planned_end)}已过"
        shown = []
        for column, label in (("funds_allocated", "已拨付"), ("funds_paid", "已支付")):
            value = getattr(p, column)
            if value is None:
                shown.append(f"{label}资金未填")
            elif Decimal(str(value)) < total:
                shown.append(f"{label}{_wan(Decimal(str(value)))}万元（{Decimal(str(value)) / total:.0%}）")
        if shown:
            yield project_finding(
                ctx, "P-UNPAID", p, f"{why}，资金合计{_wan(total)}万元，{'，'.join(shown)}"
            )


@rule("P-FUNDS-DOWN", entity="township", split=False)
def link_funds_below_last_year(ctx: RuleContext) -> Iterator[Finding]:
    """The county's 各级衔接资金 (中央、省、市、县) of the projects starting this year (计划开工日期)
    below last year's (seed 第四部分 6 各级衔接资金投入规模不低于去年). Not judged when the data
    hold no project of last year: the finding would be the import's gap, not the county's."""
    year = ctx.as_of.year
    totals = {year - 1: Decimal(0), year: Decimal(0)}
    for p in ctx.projects():
        if p.planned_start is not None and p.planned_start.year in totals:
            totals[p.planned_start.year] += _sum(p, LINK_FUNDS)
    before, now = totals[year - 1], totals[year]
    if before and now < before:
        yield Finding(
            "P-FUNDS-DOWN", ctx.rule_title("P-FUNDS-DOWN"), "township", "county", "全县", None, "全县",
            f"{year}年开工项目各级衔接资金{_wan(now)}万元，{year - 1}年{_wan(before)}万元，减少{_wan(before - now)}万元",
        )  # fmt: skip


@rule("P-ASSET", entity="project", split=False)  # reads the 项目资产 sheet, which parts do not load
def built_project_assets_not_secured(ctx: RuleContext) -> Iterator[Finding]:
    """Assets of a project 已完工 or 已验收 still held on the as-of day: a 经营性资产 without 确权
    (对象 or 日期), an asset not handed over (移交日期), or one disposed of without its 处置方式
    (seed 三.三.(三).6 资产底数不清…未确权登记，随意处置资产). One finding per project."""
    from reportgen.rules.work import project_finding

    projects = {p.project_no: p for p in ctx.projects()}
    problems: dict[str, list[str]] = {}
    for a in sorted(ctx._all("project_assets"), key=lambda a: (a.project_no, a.asset_name)):
        p = projects.get(a.project_no)
        if p is None or p.status not in ("已完工", "已验收"):
            continue
        disposed = a.disposed_on is not None and a.disposed_on <= ctx.as_of
        said = []
        if disposed:
            if not a.disposal:
                said.append("已处置但处置方式未填")
        else:
            if a.asset_type == "经营性资产" and (not a.owner or a.registered_on is None):
                said.append("未确权")
            if a.handed_over_on is None or a.handed_over_on > ctx.as_of:
                said.append("未移交")
        if said:
            problems.setdefault(a.project_no, []).append(f"{a.asset_name}（{a.asset_type}）{'、'.join(said)}")
    for no, items in problems.items():
        yield project_finding(ctx, "P-ASSET", projects[no], f"“{projects[no].status}”项目的资产：{'；'.join(items)}")
