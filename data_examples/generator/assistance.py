"""帮扶 of the example county: welfare posts, micro-credit, measures, insurance gaps and funded projects."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .model import REF, D, Household, Person, Village, add_years, days, plus

if TYPE_CHECKING:
    from .county import Example

MEASURE_TEXT = {
    "产业帮扶": ("发放产业奖补资金（发展肉牛养殖）", "入股村茶叶专业合作社，按股分红", "发放优质种苗和化肥", "庭院经济奖补（种植食用菌）", "发放产业奖补资金（发展稻虾共养）"),
    "就业帮扶": ("推荐到县产业集聚区企业务工", "落实外出务工一次性交通补助", "参加电工技能培训并推荐就业", "推荐到乡镇建筑工地务工"),
    "公益岗位": ("安置乡村公益岗位",),
    "帮扶车间": ("到村帮扶车间务工（服装加工）", "到村帮扶车间务工（电子元件组装）"),
    "教育帮扶": ("落实学生资助政策", "申请雨露计划职业教育补助", "落实生源地信用助学贷款"),
    "健康帮扶": ("家庭医生签约服务", "落实基本医保、大病保险、医疗救助三重保障", "资助参加城乡居民基本医疗保险", "慢性病门诊用药报销"),
    "住房保障": ("实施农村危房改造（拆除重建）", "实施农村危房改造（维修加固）"),
    "饮水保障": ("改造入户自来水管网",),
    "综合保障": ("纳入农村低保", "纳入特困人员救助供养", "发放残疾人两项补贴", "落实临时救助"),
    "金融帮扶": ("发放脱贫人口小额信贷",),
    "其他": ("落实临时救助", "发放秋冬季取暖物资"),
}  # fmt: skip
DEVELOPMENT = ("产业帮扶", "就业帮扶", "公益岗位", "帮扶车间", "金融帮扶")

POSTS = ("村级保洁员", "护林员", "乡村道路维护员", "村级水管员", "公共设施管护员", "村级防疫消杀员")


# ------------------------------------------------------------------------------ jobs, loans
# The boundary cases of posts and loans (W*, J*, C*) are drawn in the same random sequence as
# the ordinary ones, so they are made here rather than with the other boundary cases.
def add_jobs_and_loans(ex: Example) -> None:
    rng = ex.rng
    special = ex.special

    def member(hh: Household, labor: str | tuple[str, ...]) -> Person:
        labor = (labor,) if isinstance(labor, str) else labor
        return next(p for p in hh.members if p.labor in labor and p.student is None)

    def job(person, post, start, end=None, subsidy=600.0, placements=1, label=""):
        ex.jobs.append((person, post, start, end, subsidy, placements, label))

    job(member(special["W1"], "丧失劳动力"), "村级保洁员", D(2022, 4, 1), label="W1")
    job(member(special["W2"], "无劳动力"), "护林员", D(2022, 9, 1), label="W2")
    job(member(special["W3"], "弱劳动力或半劳动力"), "公共设施管护员", D(2022, 3, 1), label="W3")
    # Background: 脱贫/监测 people able to work, one post each.
    pool = [
        p
        for h in ex.background(lambda h: h.poor and h.has_labor)
        for p in h.members
        if p.labor in ("普通劳动力", "弱劳动力或半劳动力")
        and p.student is None
        and 35 <= p.age <= 62
    ]
    rng.shuffle(pool)
    used = ex.claimed

    def take() -> Person:
        while True:
            p = pool.pop()
            if id(p.household) not in used:
                used.add(id(p.household))
                return p

    job(take(), "护林员", D(2020, 7, 1), D(2023, 7, 1), 500.0, label="J1")
    job(take(), "村级保洁员", D(2020, 7, 1), D(2023, 7, 2), 500.0, label="J2")
    job(take(), "乡村道路维护员", D(2022, 5, 1), None, 600.0, 2, label="J3")
    job(take(), "村级水管员", D(2022, 5, 1), None, 600.0, 3, label="J4")
    twice = take()
    job(twice, "村级保洁员", D(2022, 3, 1), None, 600.0, label="J5")
    job(twice, "护林员", D(2023, 4, 1), None, 500.0, label="J5")
    job(take(), "村级防疫消杀员", D(2019, 3, 1), None, 500.0, label="J6")
    for _ in range(14):
        p = take()
        start = D(rng.randint(2021, 2023), rng.randint(1, 12), 1)
        start = min(start, D(2023, 6, 1))
        job(
            p,
            rng.choice(POSTS),
            start,
            None,
            float(rng.choice((500, 600, 600, 800))),
            rng.choice((1, 1, 1, 2)),
        )

    def loan(hh, amount, lent, label="", renewed=False, overdue=False):
        ex.loans.append((hh, amount, lent, add_years(lent, 3), renewed, overdue, label))

    loan(special["L2"], 30000.0, D(2023, 3, 15), "L2")
    households = [h for h in ex.background(lambda h: h.poor and h.has_labor) if id(h) not in used]
    rng.shuffle(households)
    used.update(id(h) for h in households[-14:])
    loan(households.pop(), 100000.0, D(2023, 4, 20), "C1")
    loan(households.pop(), 100001.0, D(2023, 5, 18), "C2")
    loan(households.pop(), 50000.0, D(2023, 3, 9), "C3")
    loan(households.pop(), 50001.0, D(2023, 6, 12), "C4")
    for i in range(10):
        lent = D(rng.randint(2021, 2023), rng.randint(1, 12), rng.randint(1, 28))
        lent = min(lent, D(2023, 8, 25))
        loan(
            households.pop(),
            float(rng.choice((20000, 30000, 30000, 50000, 50000))),
            lent,
            renewed=i == 3,
            overdue=i == 7,
        )


# -------------------------------------------------------------------------------- measures
def add_measures(ex: Example) -> None:
    """Measures of every 脱贫/监测 household, from its risks, members, posts and loans."""
    rng = ex.rng
    with_job = {id(p.household): post for p, post, *_ in ex.jobs}
    with_loan = {id(h) for h, *_ in ex.loans}
    rules = {
        "L1": ("健康帮扶", "综合保障"),
        "S1": ("就业帮扶",),
        "X1": ("产业帮扶", "健康帮扶"),
        "L4": ("健康帮扶", "教育帮扶"),
    }
    for hh in ex.households:
        if not hh.poor:
            continue
        cats: list[str] = []
        risks = hh.risks
        if id(hh) in with_job:
            cats.append("公益岗位")
        if id(hh) in with_loan:
            cats.append("金融帮扶")
        if hh.has_labor and not set(cats) & {"公益岗位"}:
            cats.append(rng.choice(("产业帮扶", "产业帮扶", "就业帮扶", "就业帮扶", "帮扶车间")))
        if "因病" in risks or any(p.health in ("患有大病", "长期慢性病") for p in hh.members):
            cats.append("健康帮扶")
        if "因学" in risks or any(p.student for p in hh.members):
            cats.append("教育帮扶")
        if hh.baodi in ("低保", "特困") or "因残" in risks or hh.no_labor:
            cats.append("综合保障")
        if hh.renovation in ("改造中", "已竣工验收") or "因住房出现安全问题" in risks:
            cats.append("住房保障")
        if "因饮水安全问题" in risks:
            cats.append("饮水保障")
        if {"因灾", "因意外事故"} & risks:
            cats.append("其他")
        if hh.special in rules:
            cats = list(rules[hh.special])
        if hh.special == "L2":
            cats = ["金融帮扶", "教育帮扶"]
        if hh.special == "L3":
            cats = ["健康帮扶", "综合保障"]
        if hh.special == "X2":
            cats = ["产业帮扶", "教育帮扶", "健康帮扶"]
        if hh.special == "S2":
            cats = ["就业帮扶", "健康帮扶"]
        if not cats:
            cats.append("综合保障")
        start = _measure_start(ex, hh)
        seen = set()
        for cat in dict.fromkeys(cats):
            if cat == "公益岗位":
                text = f"安置乡村公益岗位（{with_job[id(hh)]}）"
            else:
                text = rng.choice(MEASURE_TEXT[cat])
                if cat == "综合保障" and hh.baodi == "特困":
                    text = "纳入特困人员救助供养"
                elif cat == "综合保障" and hh.baodi == "低保":
                    text = "纳入农村低保"
            if (cat, text) in seen:
                continue
            seen.add((cat, text))
            hh.measures.append(
                (
                    cat,
                    text,
                    start
                    if start >= REF
                    else plus(start, rng.randint(0, max(0, min(10, days(start, REF))))),
                )
            )


def _measure_start(ex: Example, hh: Household) -> D:
    ident = [p for p in hh.procedures if p.kind == "识别纳入" and p.county]
    if ident:
        p = ident[0]
        return min(plus(p.county, 1), REF)
    return D(ex.rng.randint(2021, 2023), ex.rng.randint(1, 8), ex.rng.randint(1, 28))


# ------------------------------------------------------------------------------- insurance
def add_uninsured(ex: Example) -> None:
    """Four 脱贫/监测 people not insured: two in 城关镇 (under 99% there), one each elsewhere."""
    rng = ex.rng
    busy = {id(p) for p, *_ in ex.jobs} | {id(s.person) for s in ex.students if s.special}
    wanted = (
        ("N1", "411599101", "脱贫户"),
        ("N2", "411599101", "监测户"),
        ("N3", "411599102", "脱贫户"),
        ("N4", "411599103", "监测户"),
    )
    for label, township, category in wanted:
        pool = [p for h in ex.background(lambda h, township=township, category=category: h.village.township == township and h.category == category
                                            and not h.risk_eliminated and id(h) not in ex.claimed)
                for p in h.members if id(p) not in busy and p.relation != "户主" and p.student is None]  # fmt: skip
        p = pool[rng.randrange(len(pool))]
        p.insured = False
        busy.add(id(p))
        ex.claimed.add(id(p.household))
        ex.uninsured[label] = p
    pool = [
        p for h in ex.background(lambda h: h.category == "一般农户") for p in h.members if p.insured
    ]
    p = pool[rng.randrange(len(pool))]
    p.insured = False
    ex.uninsured["N5"] = p


# -------------------------------------------------------------------------------- projects
def add_projects(ex: Example) -> None:
    rng = ex.rng
    v = {x.code: x for x in ex.villages}
    C = [x.code for x in ex.villages]
    linkage = (
        "吸纳脱贫户、监测户务工，按不低于当地最低工资标准支付劳务报酬；资产收益的30%用于村内公益岗位和小型公益事业",
        "采取“合作社+农户”模式，带动脱贫户、监测户发展种植，订单收购，保底分红",
        "村集体经济组织出租经营，租金收益按比例分配给脱贫户、监测户",
    )
    goal = (
        "项目建成后年租金收益不低于投资额的6%，带动脱贫户、监测户户均增收1000元以上",
        "年产值200万元以上，带动务工30人以上",
        "改善群众出行条件，受益群众满意度95%以上",
        "保障项目区群众饮水安全，水质达标率100%",
    )
    # (name, type, places, content, status, asset, linkage?, goal?, label)
    plan = [
        ("{0}高标准茶园提升项目", "产业发展", [C[4]], "改造提升茶园300亩，配套生产便道2公里", "已验收", "经营性", 0, 0, ""),
        ("{0}食用菌种植基地建设项目", "产业发展", [C[7]], "新建食用菌大棚20座，冷库1座（200立方米）", "已完工", "经营性", 1, 0, "PJ3"),
        ("{0}稻虾共养基地项目", "产业发展", [C[0], C[3]], "建设稻虾共养基地500亩，配套进排水沟渠", "实施中", "经营性", None, 1, "PJ1"),
        ("{0}肉牛养殖小区建设项目", "产业发展", [C[9]], "新建标准化牛舍3栋3000平方米，青贮池1座", "实施中", "经营性", 2, None, "PJ2"),
        ("{0}村集体光伏电站运维项目", "产业发展", [C[6]], "维护村级光伏电站300千瓦", "已验收", "经营性", 2, 0, ""),
        ("{0}农产品仓储冷链设施项目", "产业发展", [C[1], C[8]], "建设冷库2座共800立方米，购置冷藏车1辆", "实施中", "经营性", 1, 0, ""),
        ("{0}中药材种植示范基地项目", "产业发展", [C[5]], "种植中药材（桔梗、丹参）260亩，建设烘干房1座", "计划", "经营性", 1, 0, ""),
        ("{0}油茶低产林改造项目", "产业发展", [C[2]], "改造油茶低产林400亩", "已完工", "到户类", 1, 0, ""),
        ("{0}脱贫户庭院经济奖补项目", "产业发展", [C[3]], "对发展庭院经济的脱贫户、监测户每户奖补2000元", "已验收", "到户类", 1, 0, ""),
        ("{0}帮扶车间建设项目", "就业项目", [C[0]], "新建帮扶车间1座1200平方米，用于服装加工", "已完工", "经营性", 0, 1, ""),
        ("青山县2023年脱贫劳动力外出务工交通补助项目", "就业项目", C[0:1] + C[3:4] + C[6:7], "对跨省务工脱贫劳动力发放一次性交通补助", "实施中", "到户类", 0, 0, "county"),
        ("{0}乡村公益岗位补贴项目", "就业项目", [C[5]], "开发乡村公益岗位40个，按月发放岗位补贴", "实施中", "公益性", 0, 0, ""),
        ("{0}村内道路硬化项目", "乡村建设", [C[0]], "硬化村内道路3.2公里，宽4米，厚0.18米", "已验收", "公益性", None, 2, "PJ4"),
        ("{0}村内道路硬化项目", "乡村建设", [C[3]], "硬化村内道路2.6公里，宽3.5米", "已完工", "公益性", 0, 2, ""),
        ("{0}安全饮水巩固提升项目", "乡村建设", [C[8], C[9]], "新打深水井2眼，铺设供水管网6.5公里", "实施中", "公益性", 0, 3, ""),
        ("{0}人居环境整治项目", "乡村建设", [C[1]], "新建污水管网1.8公里，建设垃圾收集点12处", "计划", "公益性", 0, 2, ""),
        ("{0}桥梁改造项目", "乡村建设", [C[6]], "改造危桥1座，长24米", "已验收", "公益性", 0, 2, ""),
        ("{0}小型农田水利设施项目", "乡村建设", [C[2], C[4]], "修复灌溉渠道3.5公里，新建提灌站1座", "实施中", "公益性", 0, 2, ""),
        ("{0}易地搬迁安置点配套设施项目", "易地搬迁后扶", [C[1]], "安置点新建文化广场1处1500平方米，路灯60盏", "已完工", "公益性", 0, 2, ""),
        ("{0}易地搬迁安置点帮扶车间项目", "易地搬迁后扶", [C[1]], "安置点新建帮扶车间800平方米", "计划", "经营性", 0, 1, ""),
        ("青山县2023年雨露计划职业教育补助项目", "巩固三保障成果", C[0:10:3], "对脱贫家庭、监测户中职和高职在校生每生每学年补助3000元", "实施中", "到户类", 0, 0, "county"),
        ("青山县2023年农村危房改造项目", "巩固三保障成果", [C[4], C[9]], "改造脱贫户、监测户等危房18户", "实施中", "到户类", 0, 0, "county"),
        ("青山县2023年脱贫人口小额信贷贴息项目", "其他", [C[2], C[5], C[7]], "对脱贫人口小额信贷按基准利率贴息", "已完工", "到户类", 0, 0, "county"),
        ("青山县2023年项目管理费", "项目管理费", [C[0]], "用于项目前期设计、评审、招标、监理及验收", "实施中", "公益性", 0, 0, "county"),
        ("{0}村级综合服务中心维修项目", "乡村建设", [C[7]], "维修村级综合服务中心屋面及门窗", "已验收", "公益性", 0, 2, "2022"),
    ]  # fmt: skip
    for i, (name, ptype, places, content, status, asset, link, gl, label) in enumerate(plan, 1):
        first = v[places[0]]
        if "{0}" in name:
            name = name.format(first.township_name + first.name)
        year = 2022 if label == "2022" else 2023
        number = f"QS{year}{i:03d}"
        if ptype == "产业发展":
            central = round(rng.uniform(80, 260), 4)
        elif ptype == "项目管理费":
            central = round(rng.uniform(10, 20), 4)
        else:
            central = round(rng.uniform(15, 70), 4)
        funds = [central, round(central * rng.uniform(0.1, 0.3), 4), round(rng.uniform(0, 10), 4) if rng.random() < 0.4 else None,
                 round(rng.uniform(5, 30), 4), round(rng.uniform(0, 40), 4) if rng.random() < 0.5 else None,
                 round(rng.uniform(1, 8), 4) if rng.random() < 0.2 else None]  # fmt: skip
        start = {"计划": D(2023, 10, rng.randint(10, 25)), "实施中": D(2023, rng.randint(4, 7), rng.randint(1, 28)),
                 "已完工": D(2023, rng.randint(2, 4), rng.randint(1, 28)), "已验收": D(2023, rng.randint(1, 3), rng.randint(1, 28))}[status]  # fmt: skip
        if year == 2022:
            start = D(2022, 4, 12)
        end = {"计划": D(2024, rng.randint(3, 6), 30), "实施中": D(2023, rng.randint(11, 12), 30),
               "已完工": D(2023, rng.randint(7, 9), 15), "已验收": D(2023, rng.randint(5, 7), 20)}[status]  # fmt: skip
        if year == 2022:
            end = D(2022, 10, 30)
        hh = sum(1 for h in ex.households if h.village.code in places)
        benef = (
            max(8, int(hh * rng.uniform(0.3, 0.9))) if asset != "到户类" else max(6, int(hh * 0.3))
        )
        poor = sum(1 for h in ex.households if h.village.code in places and h.category == "脱贫户")
        mon = sum(1 for h in ex.households if h.village.code in places and h.category == "监测户")
        row = {
            "项目编号": number, "项目名称": name, "项目类型": ptype, "实施地点": "、".join(places),
            "建设内容及规模": content, "funds": funds, "实施单位": _unit(ptype, first),
            "项目负责人": ex.name(rng.choice("男男女"), D(1978, 1, 1)), "计划开工日期": start, "计划完工日期": end,
            "项目状态": status, "受益户数": benef, "受益人数": int(benef * rng.uniform(2.8, 3.4)),
            "受益脱贫户数": min(poor, benef), "受益监测户数": min(mon, benef),
            "联农带农机制": None if link is None else (linkage[link] if asset in ("经营性", "到户类") else None),
            "绩效目标": None if gl is None else goal[gl], "资产类型": asset,
            "监督电话": "0376-5552317" if i % 3 else "12317", "label": label,
        }  # fmt: skip
        if asset == "公益性" and link is not None:
            row["联农带农机制"] = (
                "项目建设优先吸纳脱贫户、监测户参与务工" if rng.random() < 0.5 else None
            )
        if (
            ptype in ("就业项目", "巩固三保障成果", "其他", "项目管理费")
            and row["绩效目标"] is None
        ):
            row["绩效目标"] = (
                goal[1] if ptype == "就业项目" else "资金拨付率100%，政策知晓率95%以上"
            )
        if gl == 0 and asset != "经营性":
            row["绩效目标"] = "带动脱贫户、监测户户均增收800元以上"
        row.update(_results(i, status, end, funds))
        ex.projects.append(row)


def _results(i: int, status: str, planned_end: D, funds: list[float | None]) -> dict:
    """What a completed project's 项目公告 shows: completion before the demo's notice day
    (2023-09-01), acceptance 10–14 days later, the whole plan allocated and, until accepted,
    85% of it paid. Derived without the random generator so that the rest of the county stays as it was."""
    if status not in ("已完工", "已验收"):
        return {"实际完工日期": None, "验收日期": None, "已拨付资金": None, "已支付资金": None}
    finished = min(planned_end, D(2023, 8, 20)) - dt.timedelta(days=i % 7)
    accepted = finished + dt.timedelta(days=10 + i % 5) if status == "已验收" else None
    total = round(sum(f for f in funds if f), 4)
    paid = total if status == "已验收" else round(total * 0.85, 4)
    return {"实际完工日期": finished, "验收日期": accepted, "已拨付资金": total, "已支付资金": paid}


def _unit(ptype: str, village: Village) -> str:
    return {
        "产业发展": f"{village.township_name}人民政府", "就业项目": "青山县人力资源和社会保障局",
        "乡村建设": f"{village.township_name}人民政府", "易地搬迁后扶": "青山县发展和改革委员会",
        "巩固三保障成果": "青山县乡村振兴局", "项目管理费": "青山县乡村振兴局", "其他": "青山县乡村振兴局",
    }[ptype]  # fmt: skip


# ------------------------------------------------------------------------------ project assets
# The assets the example's projects formed (项目资产 sheet, 扶贫项目资产台账): those of the built
# projects (已完工, 已验收) and one of a project still being built, with the boundary cases of the
# assets ledger (labels PA*). Written out here in full, without the random generator, so that every
# other value of the county stays as it was. (project, asset, type, share of the project's funds as
# its 原值, 确权对象, 确权日期, 移交日期, 运营方式, 年收益 万元, 处置日期, 处置方式, label)
ASSET_PLAN = (
    ("QS2022025", "村级综合服务中心屋面及门窗", "公益性资产", 0.82, "杨楼村村民委员会", D(2022, 12, 10), D(2022, 11, 20), "村“两委”管护", None, None, None, ""),
    ("QS2022025", "便民服务设备一批", "公益性资产", 0.11, "杨楼村村民委员会", D(2022, 12, 10), D(2022, 11, 20), "村“两委”管护", None, D(2023, 9, 8), "报废", "PA8"),
    ("QS2022025", "施工临时用房", "公益性资产", 0.02, "杨楼村村民委员会", None, D(2022, 11, 20), None, None, D(2022, 12, 28), "拆除报废", "PA9"),
    ("QS2023001", "高标准茶园300亩", "经营性资产", 0.86, "李湾村股份经济合作社", D(2023, 7, 20), D(2023, 7, 10), "出租给茶叶专业合作社经营", 18.6, None, None, "PA2"),
    ("QS2023001", "茶园生产便道2公里", "公益性资产", 0.14, "李湾村村民委员会", D(2023, 7, 20), D(2023, 7, 10), "村“两委”管护", None, None, None, ""),
    ("QS2023002", "食用菌大棚20座", "经营性资产", 0.78, "杨楼村股份经济合作社", None, D(2023, 8, 25), "合作社自主经营", 9.2, None, None, "PA1"),
    ("QS2023002", "冷库1座（200立方米）", "经营性资产", 0.22, "杨楼村股份经济合作社", D(2023, 9, 5), D(2023, 8, 25), "出租给食用菌经营户", 0.0, None, None, "PA4"),
    ("QS2023004", "标准化牛舍3栋", "经营性资产", 0.9, None, None, None, None, None, None, None, "PA7"),
    ("QS2023005", "村级光伏电站300千瓦", "经营性资产", 1.0, "石桥村股份经济合作社", D(2023, 6, 10), D(2023, 6, 1), None, 21.5, None, None, "PA3"),
    ("QS2023008", "改造油茶林400亩", "到户类资产", 1.0, "受益农户", None, None, "农户自主经营", None, None, None, "PA10"),
    ("QS2023009", "庭院经济设施", "到户类资产", 1.0, "受益农户", D(2023, 6, 5), D(2023, 6, 5), "农户自主经营", None, None, None, ""),
    ("QS2023010", "帮扶车间1座（1200平方米）", "经营性资产", 1.0, "王庄村股份经济合作社", D(2023, 8, 1), D(2023, 7, 25), "出租给服装加工企业", 6.0, None, None, ""),
    ("QS2023013", "村内道路3.2公里", "公益性资产", 1.0, "王庄村村民委员会", D(2023, 6, 10), D(2023, 6, 10), "村“两委”管护", None, None, None, "PA6"),
    ("QS2023014", "村内道路2.6公里", "公益性资产", 1.0, None, None, None, None, None, None, None, "PA5"),
    ("QS2023017", "改造桥梁1座（24米）", "公益性资产", 1.0, "石桥村村民委员会", D(2023, 8, 5), D(2023, 8, 5), "村“两委”管护", None, None, None, ""),
    ("QS2023019", "安置点文化广场1500平方米", "公益性资产", 0.7, "东关村村民委员会", D(2023, 8, 30), D(2023, 8, 30), "安置社区管护", None, None, None, ""),
    ("QS2023019", "安置点路灯60盏", "公益性资产", 0.3, "东关村村民委员会", D(2023, 8, 30), D(2023, 8, 30), "安置社区管护", None, None, None, ""),
)  # fmt: skip
ASSET_KEYS = ("项目编号", "资产名称", "资产类型", "share", "确权对象", "确权日期", "移交日期", "运营方式",
              "年收益", "处置日期", "处置方式", "label")  # fmt: skip


def add_project_assets(ex: Example) -> None:
    """The 项目资产 rows: 原值 is the asset's share of its project's funds (万元)."""
    funds = {r["项目编号"]: sum(f for f in r["funds"] if f) for r in ex.projects}
    for values in ASSET_PLAN:
        row = dict(zip(ASSET_KEYS, values))
        row["原值"] = round(funds[row["项目编号"]] * row.pop("share"), 4)
        ex.assets.append(row)
