"""Boundary cases of posts, insurance, housing, drinking water, micro-credit and projects."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from .households import Spec, child, plant, spouse, worker
from .model import REF, TOWNSHIPS, add_years, household_key, rebuilt_standard

if TYPE_CHECKING:
    from .county import AddCase, Example


# -------------------------------------------------------------------------------- households
def plant_households(ex: Example, specs: list[Spec]) -> None:
    """Plan the households of these cases (W*, R*, WA*), in build order; the posts, loans,
    uninsured people and projects of the other cases are made with the ordinary ones."""
    V = [v.code for v in ex.villages]
    poor = partial(plant, ex, specs)

    # Welfare posts held by people without labour capacity.
    poor(
        "W1",
        V[2],
        members=[worker(52, labor="丧失劳动力", health="患有大病"), spouse(50), child(24)],
    )
    poor(
        "W2",
        V[5],
        members=[
            ("户主", "男", 76, {"labor": "无劳动力", "health": "长期慢性病"}),
            ("配偶", "女", 74, {"labor": "无劳动力", "health": "健康"}),
        ],
    )
    poor(
        "W3",
        V[8],
        members=[
            ("户主", "男", 62, {"labor": "弱劳动力或半劳动力", "health": "长期慢性病"}),
            ("配偶", "女", 60, {"labor": "弱劳动力或半劳动力", "health": "健康"}),
        ],
    )

    # Housing.
    def three():
        return [
            worker(55),
            spouse(53),
            ("母亲", "女", 79, {"labor": "无劳动力", "health": "长期慢性病"}),
        ]

    poor("R1", V[1], grade="C", renovation="未改造", area=96.0)
    poor("R2", V[4], grade="D", renovation="改造中", area=72.0)
    poor(
        "R3",
        V[9],
        members=[("户主", "男", 66, {"labor": "弱劳动力或半劳动力", "health": "健康"})],
        grade="无房",
        renovation="未改造",
        area=None,
    )
    poor("R5", V[2], members=three(), grade="A", renovation="已竣工验收", area=39.0)
    poor("R6", V[5], members=three(), grade="A", renovation="已竣工验收", area=40.0)
    poor(
        "R7",
        V[7],
        members=[("户主", "女", 71, {"labor": "无劳动力", "health": "长期慢性病"})],
        grade="A",
        renovation="已竣工验收",
        area=20.0,
        baodi="特困",
    )
    poor(
        "R8",
        V[6],
        members=[
            worker(50),
            spouse(49),
            child(24),
            child(21, "女"),
            ("父亲", "男", 77, {"labor": "无劳动力", "health": "长期慢性病"}),
        ],
        grade="A",
        renovation="已竣工验收",
        area=64.0,
    )

    # Drinking water.
    poor("WA1", V[0], water=(39.0, 0.0, True))
    poor("WA2", V[3], water=(40.0, 0.0, True))
    poor("WA3", V[6], water=(60.0, 10.0, True))
    poor("WA4", V[9], water=(60.0, 11.0, True))
    poor("WA5", V[5], water=(80.0, 0.0, False))


# ------------------------------------------------------------------------------------ table
def labour_post_cases(ex: Example, add: AddCase) -> None:
    """Welfare posts held by people without labour capacity."""
    for label, finding in (("W1", True), ("W2", True), ("W3", False)):
        job = next(j for j in ex.jobs if j[6] == label)
        p = job[0]
        add(
            "丧失劳动力/无劳动力人员安置公益岗位",
            f"证件号码 {p.id_number}（{p.name}，户 {p.household.hid}）",
            f"劳动技能 {p.labor}，岗位 {job[1]}，开始 {job[2]}",
            finding,
            label,
        )


def insurance_cases(ex: Example, add: AddCase) -> None:
    """Uninsured 脱贫/监测 people and the insurance rate by township."""
    rates = ex.insurance_rates()
    for label in ("N1", "N2", "N3", "N4", "N5"):
        p = ex.uninsured[label]
        h = p.household
        add(
            "脱贫人口/监测对象未参加基本医保",
            f"证件号码 {p.id_number}（{p.name}，户 {h.hid}，{h.village.township_name}{h.village.name}）",
            f"{h.category}成员，参加城乡居民基本医疗保险 = 否",
            h.poor,
            label,
        )
    for code, name in (("county", "全县"),) + tuple((c, n) for c, n in TOWNSHIPS):
        ok, total = rates[code]
        add(
            "脱贫人口和监测对象参保率低于99%",
            name,
            f"{ok}/{total} = {ok / total:.2%}",
            ok / total < 0.99,
            "rate",
        )


def housing_cases(ex: Example, add: AddCase) -> None:
    """C/D-grade houses not renovated, and rebuilt houses below the area standard."""
    S = ex.special
    for label, finding in (("R1", True), ("R2", False), ("R3", True)):
        h = S[label]
        add(
            "C/D级或无房户未改造",
            household_key(h),
            f"{h.category}，住房安全等级 {h.grade}，危房改造状态 {h.renovation}",
            finding,
            label,
        )
    for label in ("R5", "R6", "R7", "R8"):
        h = S[label]
        need = rebuilt_standard(len(h.members))
        add(
            "改造后住房面积低于标准",
            household_key(h),
            f"已竣工验收，{len(h.members)} 人，住房面积 {h.area:g}㎡（标准 ≥ {need}㎡）",
            h.area < need,
            label,
        )


def water_cases(ex: Example, add: AddCase) -> None:
    """Drinking water: quantity, fetching time, quality."""
    S = ex.special
    for label in ("WA1", "WA2", "WA3", "WA4", "WA5"):
        h = S[label]
        liters, minutes, ok = h.water
        finding = liters < 40 or minutes > 10 or not ok
        add(
            "饮水安全不达标",
            household_key(h),
            f"人均日用水量 {liters:g} L，取水往返 {minutes:g} 分钟，水质达标 {'是' if ok else '否'}",
            finding,
            label,
        )


def post_cases(ex: Example, add: AddCase) -> None:
    """Term, placements and one post per person."""
    for label in ("J1", "J2", "J6"):
        person, post, start, end, *_ = next(j for j in ex.jobs if j[6] == label)
        until = end or REF
        finding = until > add_years(start, 3)
        shown = f"结束 {end}" if end else "结束日期空（按 2023-09-30 计）"
        add(
            "公益岗位期限超过3年",
            f"证件号码 {person.id_number}（{person.name}，户 {person.household.hid}）",
            f"{post}，开始 {start}，{shown}；满3年之日为 {add_years(start, 3)}",
            finding,
            label,
        )
    for label in ("J3", "J4"):
        person, post, start, end, sub, placements, _ = next(j for j in ex.jobs if j[6] == label)
        add(
            "公益岗位安置超过2次",
            f"证件号码 {person.id_number}（{person.name}，户 {person.household.hid}）",
            f"{post}，安置次数 {placements}",
            placements > 2,
            label,
        )
    rows = [j for j in ex.jobs if j[6] == "J5"]
    p = rows[0][0]
    add(
        "一人多岗",
        f"证件号码 {p.id_number}（{p.name}，户 {p.household.hid}）",
        "；".join(f"{j[1]} 自 {j[2]}（在岗）" for j in rows),
        True,
        "J5",
    )


def loan_cases(ex: Example, add: AddCase) -> None:
    """Micro-credit amounts: the 10万 cap and the 5万 interest-subsidy limit."""
    for label in ("C1", "C2", "C3", "C4"):
        h, amount, lent, *_ = next(x for x in ex.loans if x[6] == label)
        add(
            "小额信贷超过10万元",
            household_key(h),
            f"贷款金额 {amount:,.0f} 元，放款 {lent}",
            amount > 100000,
            label,
        )
        add(
            "小额信贷超过5万元（超出部分不贴息）",
            household_key(h),
            f"贷款金额 {amount:,.0f} 元",
            amount > 50000,
            label,
        )


def project_cases(ex: Example, add: AddCase) -> None:
    """Projects with operating assets must state the farmer linkage and the goals."""
    for row in ex.projects:
        if row["label"] in ("PJ1", "PJ2", "PJ3", "PJ4"):
            missing = [k for k in ("联农带农机制", "绩效目标") if not row[k]]
            finding = row["资产类型"] == "经营性" and bool(missing)
            add(
                "经营性项目缺联农带农机制或绩效目标",
                f"项目编号 {row['项目编号']}（{row['项目名称']}）",
                f"资产类型 {row['资产类型']}，"
                + ("缺" + "、".join(missing) if missing else "两项均已填写"),
                finding,
                row["label"],
            )


def asset_cases(ex: Example, add: AddCase) -> None:
    """Project assets (项目资产台账, `reportgen ledger --kind assets` as of 2023-09-30): 确权, 移交,
    运营 and 收益 of a built project's assets, and the year's 资产处置结果公示."""
    status = {r["项目编号"]: r["项目状态"] for r in ex.projects}
    checks = {"PA1": "确权", "PA2": "确权移交", "PA7": "确权", "PA3": "运营", "PA4": "收益", "PA5": "移交",
              "PA6": "移交", "PA10": "移交", "PA8": "处置", "PA9": "处置"}  # fmt: skip
    for a in (a for a in ex.assets if a["label"]):
        check, key = checks[a["label"]], f"项目编号 {a['项目编号']} {a['资产名称']}"
        built = status[a["项目编号"]] in ("已完工", "已验收")
        state = f"项目{status[a['项目编号']]}，{a['资产类型']}"
        if "处置" in check:
            add("资产处置结果公示（2023年）", key, f"处置日期 {a['处置日期']}，{a['处置方式']}",
                a["处置日期"].year == 2023, a["label"])  # fmt: skip
        if "确权" in check:
            missing = [k for k in ("确权对象", "确权日期") if not a[k]]
            add("项目资产台账：经营性资产未确权", key,
                f"{state}，" + ("缺" + "、".join(missing) if missing else "确权对象、确权日期均已填写"),
                built and bool(missing), a["label"])  # fmt: skip
        if "移交" in check:
            moved = f"移交日期 {a['移交日期']}" if a["移交日期"] else "移交日期未填"
            add("项目资产台账：已建成项目的资产未移交", key, f"{state}，{moved}",
                built and not a["移交日期"], a["label"])  # fmt: skip
        if "运营" in check:
            add("项目资产台账：经营性资产运营方式未填", key, f"{state}，运营方式 {a['运营方式'] or '未填'}",
                built and not a["运营方式"], a["label"])  # fmt: skip
        if "收益" in check:
            add("项目资产台账：经营性资产年收益未填或为0（不影响销号）", key,
                f"{state}，年收益 {a['年收益']:g} 万元", built and not a["年收益"], a["label"])  # fmt: skip
