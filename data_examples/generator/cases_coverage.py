"""Boundary cases of the checks issue 20 added on fields the county already imported: 家庭医生签约
(H-DOCTOR), a priority household's 住房安全等级 (R-NO-GRADE), 易地搬迁户 without work (E-RELOCATED),
overdue projects (P-OVERDUE), 结果公告 (M-NO-ANNOUNCE), 应纳未纳 and 风险消除 with 三保障/饮水 unassured
(M-SCREEN, M-ELIM-UNSAFE), 兜底 gaps (B-NO-LABOUR, B-FLAG, B-LOW-INCOME, B-EDGE-SINGLE), student aid
paid short (A-SHORT), 公益岗位 subsidy (J-SUBSIDY) and project funds (P-UNPAID, P-FUNDS-DOWN, P-ASSET).

Planted after everything else (after cases_income), on households, people, payments, posts and
projects chosen in a fixed order, with no random draw: a value changes only where a case needs it.
Each case says the values that decide it and whether the rule must report it; `tests/test_rules.py`
holds reportgen to that."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .model import AUTUMN, REF, D, Household, Person, household_key
from .schools import eligible_items

if TYPE_CHECKING:
    from .county import AddCase, Example

NO_LABOUR = ("丧失劳动力", "无劳动力")
ABLE = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")
DIBAO_YEAR = (
    440 * 12
)  # the pack's 农村低保 standard (social_assistance.dibao_rural_monthly_min) × 12
SUBSIDY_FLOOR = 800  # half the pack's local minimum wage (employment.*): 1,600 × 50%


def _free(ex: Example, predicate) -> list[Household]:
    """Background households no boundary case has used, satisfying `predicate`, in household order."""
    return [h for h in ex.households if not h.special and id(h) not in ex.claimed and predicate(h)]


def _claim(ex: Example, label: str, h: Household) -> Household:
    h.special = label
    ex.special[label] = h
    ex.claimed.add(id(h))
    return h


def _on_post(ex: Example) -> set[int]:
    """id() of the people holding a welfare post on the reference date."""
    return {id(j[0]) for j in ex.jobs if j[2] <= REF and (j[3] is None or j[3] >= REF)}


def _dropout_households(ex: Example) -> set[int]:
    return {id(d.student.person.household) for d in ex.dropouts if d.student.person}


def plant(ex: Example) -> None:
    # H-DOCTOR: 长期慢性病 members of plain 脱贫户 (all signed up so far); one not signed (否), one
    # signed; and one of a 一般农户 not signed, whom the rule does not read.
    def chronic(h: Household) -> Person | None:
        return next((p for p in h.members if p.health == "长期慢性病"), None)

    plain = _free(ex, lambda h: h.category == "脱贫户" and not h.monitored and chronic(h))
    for label, h, signed in (("K1", plain[0], False), ("K2", plain[1], True)):
        _claim(ex, label, h)
        chronic(h).family_doctor = signed  # type: ignore[union-attr]
    ordinary = _free(ex, lambda h: h.category == "一般农户" and chronic(h))
    chronic(_claim(ex, "K3", ordinary[0])).family_doctor = False  # type: ignore[union-attr]

    # R-NO-GRADE: a plain 脱贫户's house never assessed, and a 一般农户's (not a priority household)
    _claim(
        ex, "K4", _free(ex, lambda h: h.category == "脱贫户" and not h.monitored and not h.baodi)[0]
    ).grade = None
    _claim(ex, "K5", _free(ex, lambda h: h.category == "一般农户")[0]).grade = None

    # E-RELOCATED: the first 易地搬迁户 with members able to work, none on a post, without any
    # 务工月数; and the next such plain 脱贫户, now relocated too, with one month for one of them
    posted = _on_post(ex)

    def idle_able(h: Household) -> bool:
        return any(p.labor in ABLE for p in h.members) and not any(
            id(p) in posted for p in h.members
        )

    relocated = _free(ex, lambda h: h.relocated and idle_able(h))[0]
    moved = _free(
        ex,
        lambda h: h.category == "脱贫户" and not h.monitored and not h.relocated and idle_able(h),
    )[0]
    moved.relocated = True
    for label, h, months in (("K6", relocated, None), ("K7", moved, 1)):
        _claim(ex, label, h)
        able = [p for p in h.members if p.labor in ABLE]
        for p in able:
            p.work_months, p.work_place = None, None
        able[0].work_months = months
        able[0].work_place = "县内" if months else None

    # P-OVERDUE: two projects being built (实施中) now planned to finish the day before the
    # reference date and on it
    building = [r for r in ex.projects if r["项目状态"] == "实施中" and not r["label"]]
    for label, row, end in (("PO1", building[0], D(2023, 9, 29)), ("PO2", building[1], REF)):
        row["label"], row["计划完工日期"] = label, end

    # M-NO-ANNOUNCE: a 结果公告 ten days after the county's approval (M10's is eleven); an
    # approval 26 days old and one ten days old, neither announced
    by_hid = {h.hid: h for h in ex.households}
    ident = {h.hid: next(p for p in h.procedures if p.kind in ("识别纳入", "风险消除") and p.county)
             for h in ex.households if any(p.kind in ("识别纳入", "风险消除") and p.county for p in h.procedures)}  # fmt: skip
    timely = next(
        hid for hid, p in ident.items() if not by_hid[hid].special and p.county < D(2023, 9, 1)
    )
    ident[timely].announced = ident[timely].county + dt.timedelta(days=10)
    _claim(ex, "K8", by_hid[timely])
    unannounced = next(
        hid for hid, p in ident.items() if not by_hid[hid].special and (REF - p.county).days > 20
    )
    ident[unannounced].announced = None
    _claim(ex, "K9", by_hid[unannounced])
    recent = next(hid for hid, p in ident.items() if (REF - p.county).days == 10)  # M12's approval
    ident[recent].announced = None
    ex.special["K10"] = by_hid[recent]

    # M-SCREEN: two 一般农户 whose members are all insured: a C-grade house not renovated (reported
    # for screening), and a C-grade house being renovated (改造中: not)
    dropouts = _dropout_households(ex)
    insured = _free(ex, lambda h: h.category == "一般农户" and id(h) not in dropouts
                    and all(p.insured is not False for p in h.members))  # fmt: skip
    for label, h, renovation in (("K11", insured[0], "未改造"), ("K12", insured[1], "改造中")):
        _claim(ex, label, h)
        h.grade, h.renovation = "C", renovation

    # M-ELIM-UNSAFE: two households whose risk is eliminated, one now drinking 39 litres a day per
    # person, the other 40 (the standard)
    eliminated = _free(ex, lambda h: h.risk_eliminated and id(h) not in dropouts and h.grade in ("A", "B")
                       and all(p.insured is not False for p in h.members))  # fmt: skip
    for label, h, liters in (("K13", eliminated[0], 39.0), ("K14", eliminated[1], 40.0)):
        _claim(ex, label, h)
        h.water = (liters, 0.0, True)

    # B-NO-LABOUR: two households without 兜底 whose members all lack labour capacity; one member
    # of the second becomes 弱劳动力或半劳动力
    idle = _free(
        ex,
        lambda h: (
            not h.baodi and len(h.members) >= 2 and all(p.labor in NO_LABOUR for p in h.members)
        ),
    )
    _claim(ex, "K15", idle[0])
    _claim(ex, "K16", idle[1]).members[-1].labor = "弱劳动力或半劳动力"

    # B-FLAG: two 整户无劳动能力兜底保障户; a member of the first is 弱劳动力或半劳动力
    flagged = _free(ex, lambda h: h.no_labor)
    _claim(ex, "K17", flagged[0]).members[-1].labor = "弱劳动力或半劳动力"
    _claim(ex, "K18", flagged[1])

    # B-LOW-INCOME: two monitored 监测户 without 兜底: 1 元 below 12 months of 低保, and at it
    poor = _free(ex, lambda h: h.category == "监测户" and h.monitored and not h.baodi)
    for label, h, income in (("K19", poor[0], DIBAO_YEAR - 1), ("K20", poor[1], DIBAO_YEAR)):
        _claim(ex, label, h).income = float(income)

    # B-EDGE-SINGLE: a healthy adult of two 低保边缘 households: 三级 智力 (重残) and 三级 肢体 (not)
    # (the county has few 低保边缘 households: the next two monitored 监测户 without 兜底 become ones)
    edge = _free(ex, lambda h: h.category == "监测户" and h.monitored and not h.baodi
                 and any(p.health in (None, "健康") and 18 <= p.age <= 59 for p in h.members))  # fmt: skip
    for label, h, kind in (("K21", edge[0], "智力"), ("K22", edge[1], "肢体")):
        _claim(ex, label, h).baodi = "低保边缘"
        p = next(p for p in h.members if p.health in (None, "健康") and 18 <= p.age <= 59)
        p.health, p.disability_grade, p.disability_type = "残疾", "三级", kind

    # A-SHORT: the first two ordinary students paid this autumn by the reference date; the first's
    # first payment is 0.01 元 short of half a year's standard
    autumn = [i for i, r in enumerate(ex.payments) if r[3] == AUTUMN and r[4] <= REF]
    students = {s.number: s for s in ex.students}
    chosen: list[int] = []
    for i in autumn:
        s = students[ex.payments[i][0]]
        if not s.special and all(ex.payments[j][0] != s.number for j in chosen):
            chosen.append(i)
            s.special = "K23" if len(chosen) == 1 else "K24"
            ex.special_students[s.special] = s
        if len(chosen) == 2:
            break
    number, item, amount, term, paid = ex.payments[chosen[0]]
    ex.payments[chosen[0]] = (number, item, round(amount - 0.01, 2), term, paid)

    # J-SUBSIDY: a post held on the reference date paid 799 元 a month, another 800
    held = [
        i
        for i, j in enumerate(ex.jobs)
        if not j[6] and j[2] <= REF and (j[3] is None or j[3] >= REF)
    ]
    for label, i, subsidy in (("K25", held[0], SUBSIDY_FLOOR - 1), ("K26", held[1], SUBSIDY_FLOOR)):
        person, post, start, end, _, placements, _ = ex.jobs[i]
        ex.jobs[i] = (person, post, start, end, float(subsidy), placements, label)


def coverage_cases(ex: Example, add: AddCase) -> None:
    S, K = ex.special, ex.special_students

    def person(p: Person) -> str:
        return f"证件号码 {p.id_number}（{p.name}，户 {p.household.hid}）"

    for label, finding in (("K1", True), ("K2", False), ("K3", False)):
        h = S[label]
        p = next(p for p in h.members if p.health == "长期慢性病")
        signed = {True: "是", False: "否", None: "未填"}[p.family_doctor]
        add(
            "慢性病患者未签约家庭医生（H-DOCTOR）",
            person(p),
            f"{h.category}成员，长期慢性病，家庭医生签约 {signed}",
            finding,
            label,
        )
    for label, finding in (("K4", True), ("K5", False)):
        h = S[label]
        add(
            "重点户住房安全等级未鉴定（R-NO-GRADE）",
            household_key(h),
            f"{h.category}，住房安全等级未填",
            finding,
            label,
        )
    for label, finding in (("K6", True), ("K7", False)):
        h = S[label]
        able = [p for p in h.members if p.labor in ABLE]
        months = "、".join(f"{p.name} {p.work_months or 0} 个月" for p in able)
        add(
            "易地搬迁户无人就业（E-RELOCATED）",
            household_key(h),
            f"有劳动能力 {len(able)} 人，务工月数：{months}；无公益岗位",
            finding,
            label,
        )
    for row in ex.projects:
        if row["label"] in ("PO1", "PO2"):
            add("项目超期未完工（P-OVERDUE）", f"项目编号 {row['项目编号']}（{row['项目名称']}）",
                f"{row['项目状态']}，计划完工日期 {row['计划完工日期']}", row["计划完工日期"] < REF, row["label"])  # fmt: skip
    for label in ("M10", "K8", "K9", "K10"):
        h = S[label]
        p = next(p for p in h.procedures if p.kind in ("识别纳入", "风险消除") and p.county)
        if p.announced:
            said, late = (
                f"公告日期 {p.announced}（审批后 {(p.announced - p.county).days} 天）",
                (p.announced - p.county).days,
            )
        else:
            said, late = (
                f"公告日期未填，到 2023-09-30 已 {(REF - p.county).days} 天",
                (REF - p.county).days,
            )
        add(
            "结果公告缺失或超期（M-NO-ANNOUNCE，10天）",
            household_key(h),
            f"{p.kind}，县级审批 {p.county}，{said}",
            late > 10,
            label,
        )
    for label, finding in (("K11", True), ("K12", False)):
        h = S[label]
        add("未纳入监测户三保障或饮水未保障（M-SCREEN）", household_key(h),
            f"{h.category}，住房安全等级 {h.grade}，危房改造状态 {h.renovation or '未填'}", finding, label)  # fmt: skip
    for label in ("K13", "K14"):
        h = S[label]
        add("风险消除但饮水未保障（M-ELIM-UNSAFE）", household_key(h),
            f"风险已消除，人均日用水量 {h.water[0]:g} L（标准 40 L）", h.water[0] < 40, label)  # type: ignore[index]  # fmt: skip
    for label, finding in (("K15", True), ("K16", False)):
        h = S[label]
        skills = "、".join(p.labor or "未填" for p in h.members)
        add(
            "全户无劳动能力未兜底（B-NO-LABOUR）",
            household_key(h),
            f"无兜底类型，劳动技能：{skills}",
            finding,
            label,
        )
    for label, finding in (("K17", True), ("K18", False)):
        h = S[label]
        skills = "、".join(p.labor or "未填" for p in h.members)
        add(
            "整户无劳动能力标注与成员不符（B-FLAG）",
            household_key(h),
            f"整户无劳动能力 是，劳动技能：{skills}",
            finding,
            label,
        )
    for label in ("K19", "K20"):
        h = S[label]
        add("收入低于低保标准未兜底（B-LOW-INCOME）", household_key(h),
            f"无兜底类型，家庭年人均纯收入 {h.income:.0f} 元（低保标准全年 {DIBAO_YEAR} 元）", (h.income or 0) < DIBAO_YEAR, label)  # fmt: skip
    for label, finding in (("K21", True), ("K22", False)):
        h = S[label]
        p = next(p for p in h.members if p.disability_grade == "三级")
        add(
            "低保边缘家庭重残重病成员（B-EDGE-SINGLE）",
            person(p),
            f"低保边缘，{p.disability_grade}{p.disability_type}残疾",
            finding,
            label,
        )
    for label in ("K23", "K24"):
        s = K[label]
        row = next(r for r in ex.payments if r[0] == s.number and r[3] == AUTUMN)
        due = next(round(yearly / 2, 2) for item, yearly in eligible_items(s) if item == row[1])
        add("学生资助发放不足（A-SHORT）", f"学籍号 {s.number}（{s.name}，{s.school.name}）",
            f"{row[3]}{row[1]}发放 {row[2]:.2f} 元（每学期 {due:.2f} 元），{row[4]}", row[2] < due, label)  # fmt: skip
    for label in ("K25", "K26"):
        p, post, _, _, subsidy, *_ = next(j for j in ex.jobs if j[6] == label)
        add(
            "公益岗位补贴低于最低工资50%（J-SUBSIDY，800元）",
            person(p),
            f"{post}，月补贴 {subsidy:.0f} 元",
            subsidy < SUBSIDY_FLOOR,
            label,
        )
    projects = {r["项目编号"]: r for r in ex.projects}
    for number, finding in (("QS2023002", True), ("QS2023001", False)):
        r = projects[number]
        total = round(sum(f for f in r["funds"] if f), 4)
        add("项目资金拨付支付滞后（P-UNPAID）", f"项目编号 {number}（{r['项目名称']}）",
            f"{r['项目状态']}，资金合计 {total:.4f} 万元，已拨付 {r['已拨付资金']:.4f}，已支付 {r['已支付资金']:.4f}", finding, "")  # fmt: skip
    link = {
        y: sum(
            sum(f for f in r["funds"][:4] if f) for r in ex.projects if r["计划开工日期"].year == y
        )
        for y in (2022, 2023)
    }
    add("各级衔接资金投入低于上年（P-FUNDS-DOWN）", "全县",
        f"2023 年开工项目 {link[2023]:.4f} 万元，2022 年 {link[2022]:.4f} 万元", link[2023] < link[2022], "")  # fmt: skip
    for number, finding in (("QS2023002", True), ("QS2023010", False)):
        r = projects[number]
        states = "；".join(f"{a['资产名称']}：确权 {'是' if a['确权对象'] and a['确权日期'] else '否'}，移交 {'是' if a['移交日期'] else '否'}"
                          for a in ex.assets if a["项目编号"] == number)  # fmt: skip
        add(
            "已建成项目资产未确权或未移交（P-ASSET）",
            f"项目编号 {number}（{r['项目名称']}）",
            f"{r['项目状态']}，{states}",
            finding,
            "",
        )


def school_age_cases(ex: Example, add: AddCase) -> None:
    """D-NOT-FOUND: members of 脱贫/监测/兜底 households without a school record — the one of
    compulsory age (6–15 full years on 2023-09-30, 在校生状况 辍学, planted by cases_income) and the
    oldest below it."""
    enrolled = {s.id_number for s in ex.students}
    rows = [(p.age, p) for h in ex.households if h.category == "脱贫户" or h.monitored or h.baodi
            for p in h.members if p.id_number not in enrolled and p.age <= 15]  # fmt: skip
    oldest_below = min((p for a, p in rows if a < 6), key=lambda p: p.birth)
    for age, p in sorted(rows, key=lambda r: r[1].birth):
        if age >= 6 or p is oldest_below:
            status = f"，在校生状况 {p.school_status}" if p.school_status else "，在校生状况未填"
            add("疑似辍学：义务教育年龄无学籍（D-NOT-FOUND，6—15周岁）",
                f"证件号码 {p.id_number}（{p.name}，户 {p.household.hid}）",
                f"{p.household.category}成员，出生 {p.birth}，{age} 周岁，无学籍、无辍学登记{status}", age >= 6)  # fmt: skip
