"""Boundary cases of 监测帮扶: identification, risk elimination, 整户无劳动能力认定, income line, measures."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from .households import Spec, chain, child, new_household, plant, spouse, worker
from .model import REF, D, Household, Procedure, days, household_key, plus

if TYPE_CHECKING:
    from .county import AddCase, Example


def family():
    return [worker(44), spouse(42), child(15), child(10, "女")]


def _procedure(ex: Example, label: str) -> Procedure:
    """The procedure built for a boundary case's household (each has exactly one)."""
    return ex.special[label].procedures[0]


def labor_desc(h: Household) -> str:
    return "、".join(f"{p.relation}{p.labor}" for p in h.members)


def measures_desc(h: Household) -> str:
    return "、".join(dict.fromkeys(c for c, _, _ in h.measures)) or "无"


# -------------------------------------------------------------------------------- households
def plant_households(ex: Example, specs: list[Spec]) -> None:
    """Plan the households of these cases (M*, L*, S*, X*, I*, E*, B*), in build order."""
    V = [v.code for v in ex.villages]
    poor = partial(plant, ex, specs)

    def monitored(
        label,
        village,
        proc_args,
        *,
        risks="因病",
        mtype="边缘易致贫户",
        members=None,
        fix=None,
        **attrs,
    ):
        def make(v, proc_args=proc_args):
            hh = new_household(
                ex,
                v,
                "监测户",
                members or family(),
                monitor_type=mtype,
                risk_eliminated=False,
                **attrs,
            )
            if proc_args is not None:
                found, kw = proc_args
                p = chain(ex, "识别纳入", risks, found, **kw)
                for k, value in (fix or {}).items():
                    setattr(p, k, value)
                hh.procedures.append(p)
            return hh

        specs.append((label, village, make))

    # Identification, entry, plan, publicity (one rule per household; every other step in time).
    monitored("M01", V[0], (D(2023, 8, 1), {"ident": 15}))
    monitored("M02", V[3], (D(2023, 8, 1), {"ident": 16}))
    monitored("M03", V[1], (D(2023, 7, 3), {"ident": 11, "entry": 10}), risks="因务工就业不稳")
    monitored("M04", V[4], (D(2023, 7, 3), {"ident": 11, "entry": 11}), risks="因务工就业不稳")
    monitored(
        "M05",
        V[6],
        (D(2023, 6, 8), {"ident": 12, "plan": 10}),
        risks="因意外事故",
        mtype="突发严重困难户",
    )
    monitored(
        "M06",
        V[7],
        (D(2023, 6, 8), {"ident": 12, "plan": 11}),
        risks="因意外事故",
        mtype="突发严重困难户",
    )
    monitored("M07", V[2], (D(2023, 8, 30), {"pub": 5, "verify": 1}))
    monitored("M08", V[5], (D(2023, 8, 30), {"pub": 4, "verify": 1}))
    monitored(
        "M09",
        V[8],
        (D(2023, 5, 15), {}),
        risks="因灾",
        mtype="突发严重困难户",
        fix={"pub_start": None, "pub_end": None},
    )
    # 县级审批日期 typed as 06-18 instead of 06-28: before discovery; entry and plan 10 days after it.
    monitored(
        "M10",
        V[9],
        (D(2023, 6, 20), {"pub": 5, "verify": 1}),
        risks="因产业项目失败",
        mtype="脱贫不稳定户",
        fix={
            "county": D(2023, 6, 18),
            "announced": D(2023, 6, 29),
            "entered": D(2023, 6, 28),
            "plan": D(2023, 6, 28),
        },
    )
    monitored(
        "M11", V[6], (D(2023, 9, 14), {"ident": 14, "entry": 10}), fix={"plan": D(2023, 9, 29)}
    )
    monitored("M12", V[3], (D(2023, 9, 6), {"ident": 14, "entry": 10}))

    # Not yet approved, so not yet monitored and without measures: risk types that no measure rule reads.
    def pending(label, village, found, steps, risks):
        def make(v):
            hh = new_household(ex, v, "一般农户", family(), income=8200.0)
            p = chain(ex, "识别纳入", risks, found)
            p.pub_start = p.pub_end = p.township = p.county = p.announced = p.entered = p.plan = (
                None
            )
            if steps >= 2:
                p.pub_start, p.pub_end = plus(p.verified, 1), plus(p.verified, 5)
                p.township = plus(p.pub_end, 3)
            hh.procedures.append(p)
            return hh

        specs.append((label, village, make))

    pending("M13", V[1], D(2023, 9, 22), 1, "因意外事故")
    pending("M14", V[7], D(2023, 9, 1), 2, "因务工就业不稳")

    # 开发式帮扶 for monitored households with labour.
    monitored(
        "L1",
        V[0],
        None,
        members=[
            worker(48),
            spouse(46, labor="弱劳动力或半劳动力", health="长期慢性病"),
            child(12, "女"),
        ],
    )
    monitored(
        "L2",
        V[4],
        None,
        members=[worker(39, labor="技能劳动力"), spouse(37), child(8)],
        mtype="突发严重困难户",
    )
    monitored(
        "L3",
        V[8],
        None,
        members=[
            ("户主", "男", 63, {"labor": "弱劳动力或半劳动力", "health": "长期慢性病"}),
            ("配偶", "女", 61, {"labor": "弱劳动力或半劳动力", "health": "长期慢性病"}),
            ("孙子", "男", 11, {"labor": "无劳动力", "health": "健康"}),
        ],
        mtype="突发严重困难户",
    )

    poor(
        "L4",
        V[9],
        members=[worker(45), spouse(44), child(9)],
        monitor_type="脱贫不稳定户",
        risk_eliminated=False,
        income=7100.0,
    )

    # Risk types 因病 / 因学 and their measures.
    monitored("S1", V[2], (D(2023, 4, 10), {}), risks="因病")
    monitored("S2", V[5], (D(2023, 4, 12), {}), risks="因病")
    college = lambda: [worker(47), spouse(45), child(19, "女"), child(13)]  # noqa: E731
    monitored("X1", V[6], (D(2023, 3, 6), {}), risks="因学", members=college())
    monitored("X2", V[9], (D(2023, 3, 8), {}), risks="因学", members=college())

    # Income line 7500: households not monitored.
    poor("I1", V[1], "一般农户", income=7499.0)
    poor("I2", V[4], "一般农户", income=7500.0)
    poor("I3", V[7], "脱贫户", income=7499.0)
    poor("I4", V[8], "脱贫户", monitor_type="脱贫不稳定户", risk_eliminated=False, income=6800.0)

    # Risk elimination.
    def eliminated(label, village, income, pub=None):
        def make(v):
            hh = new_household(
                ex,
                v,
                "监测户",
                family(),
                monitor_type="边缘易致贫户",
                risk_eliminated=True,
                income=income,
            )
            hh.procedures.append(chain(ex, "风险消除", "因病", D(2023, 7, 10), pub=pub))
            return hh

        specs.append((label, village, make))

    eliminated("E1", V[0], 7499.0)
    eliminated("E2", V[3], 7500.0)
    eliminated("E3", V[6], 9800.0, pub=4)

    # 整户无劳动能力认定 (B1: publicity of exactly 5 days on this kind of procedure).
    def no_labor(label, village, members, category, mtype, baodi, found, pub=None):
        def make(v):
            hh = new_household(
                ex,
                v,
                category,
                members,
                monitor_type=mtype,
                risk_eliminated=False,
                baodi=baodi,
                no_labor=True,
                income=float(ex.rng.randrange(5400, 7400, 10)),
            )
            hh.procedures.append(chain(ex, "整户无劳动能力认定", "缺劳动力、因病", found, pub=pub))
            return hh

        specs.append((label, village, make))

    def old(rel, sex, age, labor="无劳动力"):
        return (rel, sex, age, {"labor": labor, "health": "长期慢性病"})

    no_labor(
        "B1",
        V[1],
        [old("户主", "男", 81), old("配偶", "女", 78)],
        "监测户",
        "边缘易致贫户",
        "低保",
        D(2023, 8, 7),
        pub=5,
    )
    no_labor("B2", V[5], [old("户主", "女", 84)], "脱贫户", "脱贫不稳定户", "特困", D(2023, 5, 16))
    no_labor(
        "B3",
        V[8],
        [old("户主", "男", 58, "丧失劳动力"), old("母亲", "女", 83)],
        "监测户",
        "突发严重困难户",
        "低保",
        D(2023, 4, 3),
    )


# ------------------------------------------------------------------------------------ table
def procedure_cases(ex: Example, add: AddCase) -> None:
    """Time limits, publicity and date logic of the procedures."""
    S = ex.special
    for label in ("M01", "M02"):
        p = _procedure(ex, label)
        n = days(p.found, p.county)
        add(
            "识别认定超过15天（风险发现→县级审批）",
            household_key(S[label]),
            f"风险发现 {p.found}，县级审批 {p.county} → {n} 天",
            n > 15,
            label,
        )
    for label in ("M13", "M14"):
        p = _procedure(ex, label)
        n = days(p.found, REF)
        add("识别认定超过15天（尚未审批，按 2023-09-30 计）", household_key(S[label]),
            f"一般农户，风险发现 {p.found}，入户核实 {p.verified}，" + (f"公示 {p.pub_start}—{p.pub_end}，乡级审核 {p.township}，" if p.pub_start else "尚未公示，")
            + f"县级审批空 → 截至 2023-09-30 已 {n} 天", n > 15, label)  # fmt: skip
    for label in ("M03", "M04"):
        p = _procedure(ex, label)
        n = days(p.county, p.entered)
        add(
            "系统录入超过10天（县级审批→系统录入）",
            household_key(S[label]),
            f"县级审批 {p.county}，系统录入 {p.entered} → {n} 天",
            n > 10,
            label,
        )
    for label in ("M05", "M06"):
        p = _procedure(ex, label)
        n = days(p.county, p.plan)
        add(
            "帮扶计划超过10天（县级审批→帮扶计划制定）",
            household_key(S[label]),
            f"县级审批 {p.county}，帮扶计划制定 {p.plan} → {n} 天",
            n > 10,
            label,
        )
    for label in ("M07", "M08"):
        p = _procedure(ex, label)
        n = days(p.pub_start, p.pub_end) + 1
        add(
            "公示少于5天",
            household_key(S[label]),
            f"识别纳入公示 {p.pub_start}—{p.pub_end} → {n} 天（含首尾）",
            n < 5,
            label,
        )
    p = _procedure(ex, "M09")
    add(
        "公示日期缺失",
        household_key(S["M09"]),
        f"识别纳入，已县级审批 {p.county}，公示开始/结束日期均为空",
        True,
        "M09",
    )
    p = _procedure(ex, "B1")
    n = days(p.pub_start, p.pub_end) + 1
    add(
        "公示少于5天",
        household_key(S["B1"]),
        f"整户无劳动能力认定公示 {p.pub_start}—{p.pub_end} → {n} 天（含首尾）",
        n < 5,
        "B1",
    )
    p = _procedure(ex, "E3")
    n = days(p.pub_start, p.pub_end) + 1
    add(
        "公示少于5天",
        household_key(S["E3"]),
        f"风险消除公示 {p.pub_start}—{p.pub_end} → {n} 天（含首尾）",
        True,
        "E3",
    )
    p = _procedure(ex, "M10")
    add(
        "数据逻辑错误：县级审批早于风险发现",
        household_key(S["M10"]),
        f"风险发现 {p.found}，县级审批 {p.county}（早 {days(p.county, p.found)} 天）；"
        f"系统录入 {p.entered}、帮扶计划 {p.plan} 均为审批后 {days(p.county, p.entered)} 天",
        True,
        "M10",
    )
    p = _procedure(ex, "M11")
    add(
        "系统录入日期晚于报告截止日（2023-09-30）：报告不评判其后的事，不报",
        household_key(S["M11"]),
        f"系统录入日期 {p.entered}（县级审批 {p.county}，相隔 {days(p.county, p.entered)} 天）",
        False,
        "M11",
    )
    p = _procedure(ex, "M12")
    add(
        "数据逻辑错误：日期晚于 2023-09-30",
        household_key(S["M12"]),
        f"系统录入日期 {p.entered}（恰为 2023-09-30；县级审批 {p.county}，相隔 {days(p.county, p.entered)} 天）",
        False,
        "M12",
    )


def development_cases(ex: Example, add: AddCase) -> None:
    """开发式帮扶 for monitored households with labour."""
    S = ex.special
    for label, finding in (("L1", True), ("L2", False), ("L3", False), ("L4", True)):
        h = S[label]
        kind = f"{h.category}（{h.monitor_type}，风险未消除）"
        add(
            "有劳动力的监测户未落实开发式帮扶",
            household_key(h),
            f"{kind}；成员 {labor_desc(h)}；措施 {measures_desc(h)}",
            finding,
            label,
        )


def measure_cases(ex: Example, add: AddCase) -> None:
    """Measures that must follow from the risk type (因病, 因学)."""
    S = ex.special
    for label, finding in (("S1", True), ("S2", False)):
        h = S[label]
        add(
            "因病纳入未落实健康帮扶",
            household_key(h),
            f"风险类型 {_procedure(ex, label).risks}；措施 {measures_desc(h)}",
            finding,
            label,
        )
    for label, finding in (("X1", True), ("X2", False)):
        h = S[label]
        add(
            "因学纳入未落实教育帮扶",
            household_key(h),
            f"风险类型 {_procedure(ex, label).risks}；措施 {measures_desc(h)}",
            finding,
            label,
        )


def income_cases(ex: Example, add: AddCase) -> None:
    """The income line 7500 元: not monitored, or risk eliminated below it."""
    S = ex.special
    for label, finding in (("I1", True), ("I2", False), ("I3", True), ("I4", False)):
        h = S[label]
        kind = h.category + (
            f"（监测类型 {h.monitor_type}，风险未消除）" if h.monitor_type else "，未纳入监测"
        )
        add(
            "收入低于7500元未纳入监测（应纳未纳）",
            household_key(h),
            f"{kind}，家庭年人均纯收入 {h.income:.0f} 元",
            finding,
            label,
        )
    # 三.一.(二).4①: income must be stably ABOVE the line; exactly at it (E2, 7500) is flagged.
    for label, finding in (("E1", True), ("E2", True)):
        h = S[label]
        p = _procedure(ex, label)
        add(
            "风险消除但收入未超过7500元",
            household_key(h),
            f"风险消除（县级审批 {p.county}），家庭年人均纯收入 {h.income:.0f} 元",
            finding,
            label,
        )
