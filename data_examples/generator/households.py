"""Ordinary people and households of the example county, their 2023 procedures, and the households' build order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from .model import (
    BIRTHPLACES,
    SURNAMES,
    TOWNSHIP_BIRTHPLACE,
    D,
    Household,
    Person,
    Procedure,
    Village,
    birth_for_age,
    days,
    plus,
    rebuilt_standard,
)

if TYPE_CHECKING:
    from .county import Example

DISABILITY_TYPES = (
    "肢体残疾",
    "视力残疾",
    "听力残疾",
    "言语残疾",
    "智力残疾",
    "精神残疾",
    "多重残疾",
)

# A household built for a boundary case: (label, village code, builder called with the village).
Spec = tuple[str, str, Callable[[Village], Household]]


# ---------------------------------------------------------------------------------- people
def _labor_and_health(
    ex: Example, p: Person, poor: bool, health: str | None = None, labor: str | None = None
) -> None:
    """健康状况 and 劳动技能 plausible for the person's age (given values win)."""
    rng, age = ex.rng, p.age
    r = rng.random()
    if health is not None:
        p.health = health
    elif age < 16:
        p.health = "残疾" if r < 0.01 else "健康"
    elif age < 60:
        sick = (0.10, 0.04, 0.04) if poor else (0.06, 0.015, 0.02)
        p.health = (
            "长期慢性病" if r < sick[0] else
            "患有大病" if r < sick[0] + sick[1] else
            "残疾" if r < sum(sick) else "健康"
        )  # fmt: skip
    else:
        p.health = (
            "长期慢性病" if r < 0.40 else "患有大病" if r < 0.46 else "残疾" if r < 0.53 else "健康"
        )
    if p.health == "残疾":
        p.disability_grade = rng.choice(("一级", "二级", "三级", "四级"))
        p.disability_type = rng.choice(DISABILITY_TYPES)
    if labor is not None:
        p.labor = labor
    elif age < 16:
        p.labor = "无劳动力"
    elif p.health == "患有大病" or p.disability_grade in ("一级", "二级"):
        p.labor = "丧失劳动力" if age < 65 else "无劳动力"
    elif age < 60:
        if p.health in ("长期慢性病", "残疾") and rng.random() < 0.6:
            p.labor = "弱劳动力或半劳动力"
        else:
            p.labor = "技能劳动力" if rng.random() < 0.18 else "普通劳动力"
    elif age < 65:
        p.labor = "普通劳动力" if rng.random() < 0.35 else "弱劳动力或半劳动力"
    elif age < 75:
        p.labor = "弱劳动力或半劳动力" if rng.random() < 0.6 else "无劳动力"
    else:
        p.labor = "无劳动力"
    if p.labor in ("普通劳动力", "技能劳动力") and rng.random() < 0.7:
        p.work_months = rng.choice((4, 6, 8, 9, 10, 10, 11, 12, 12))
        p.work_place = rng.choice(("县内", "县内", "省内县外", "省外", "省外"))


def add_person(
    ex: Example, hh: Household, relation: str, sex: str, birth: D, pair: int, surname: str | None
) -> Person:
    p = Person(ex.ids.new(pair, birth, sex), hh, ex.name(sex, birth, surname), relation, sex, birth)
    p.show_birth = ex.rng.random() < 0.9
    hh.members.append(p)
    return p


# ------------------------------------------------------------------------------ households
TEMPLATES = (
    ("nuclear", 30), ("three_gen", 14), ("with_parent", 12), ("elderly", 20), ("single", 9),
    ("single_parent", 6), ("grandchildren", 8),
)  # fmt: skip


def _composition(ex: Example, template: str) -> list[tuple[str, str, int]]:
    """(relation, sex, age) of each member for a household template; 户主 first."""
    rng = ex.rng

    def kids(parent_age: int, n: int, max_age: int, rel=("子", "女")) -> list[tuple[str, str, int]]:
        out = []
        for _ in range(n):
            sex = rng.choice("男女")
            out.append(
                (
                    rel[0] if sex == "男" else rel[1],
                    sex,
                    rng.randint(0, max(0, min(parent_age - 21, max_age))),
                )
            )
        return out

    if template == "nuclear":
        a = rng.randint(30, 50)
        return [("户主", "男", a), ("配偶", "女", max(22, a + rng.randint(-3, 2)))] + kids(
            a, rng.choice((1, 1, 2, 2)), 24
        )
    if template == "three_gen":
        a = rng.randint(52, 68)
        son = rng.randint(max(24, a - 32), a - 23)
        return [("户主", "男", a), ("配偶", "女", a + rng.randint(-3, 2)), ("子", "男", son),
                ("儿媳", "女", son + rng.randint(-2, 2))] + kids(son, rng.choice((1, 1, 2)), 15, ("孙子", "孙女"))  # fmt: skip
    if template == "with_parent":
        a = rng.randint(33, 50)
        parent = min(a + rng.randint(22, 30), 92)
        return [("户主", "男", a), ("配偶", "女", a + rng.randint(-3, 2))] + kids(a, rng.choice((1, 1, 2)), 20) + [
            rng.choice((("母亲", "女", parent), ("父亲", "男", parent)))]  # fmt: skip
    if template == "elderly":
        a = rng.randint(58, 82)
        return [("户主", "男", a), ("配偶", "女", a + rng.randint(-4, 2))]
    if template == "single":
        sex = rng.choice("男女")
        return [("户主", sex, rng.randint(62, 88))]
    if template == "single_parent":
        sex = "女" if rng.random() < 0.6 else "男"
        a = rng.randint(30, 50)
        return [("户主", sex, a)] + kids(a, rng.choice((1, 2)), 18)
    if template == "grandchildren":
        a = rng.randint(58, 72)
        out = [("户主", "男", a)]
        if rng.random() < 0.7:
            out.append(("配偶", "女", a + rng.randint(-3, 2)))
        for _ in range(rng.choice((1, 2))):
            sex = rng.choice("男女")
            out.append(("孙子" if sex == "男" else "孙女", sex, rng.randint(3, 15)))
        return out
    raise ValueError(template)


def new_household(
    ex: Example, village: Village, category: str, members=None, template=None, **attrs
) -> Household:
    """A household with members (relation, sex, age[, overrides]); default facts for its category."""
    rng = ex.rng
    hh = Household(
        village,
        category,
        **{k: v for k, v in attrs.items() if k in Household.__dataclass_fields__},
    )
    if members is None:
        if template is None:
            names, weights = zip(*TEMPLATES)
            template = rng.choices(names, weights)[0]
        members = _composition(ex, template)
    home = TOWNSHIP_BIRTHPLACE[village.township]
    head_surname = village.surname if rng.random() < 0.6 else rng.choice(SURNAMES)
    for spec in members:
        relation, sex, age = spec[:3]
        overrides = dict(spec[3]) if len(spec) > 3 else {}
        kin = relation in ("子", "女", "孙子", "孙女", "父亲") or (
            relation == "户主" and sex == "男"
        )
        pair = home if (kin or rng.random() < 0.7) else rng.randrange(len(BIRTHPLACES))
        p = add_person(
            ex, hh, relation, sex, birth_for_age(rng, age), pair, head_surname if kin else None
        )
        _labor_and_health(
            ex, p, hh.poor, overrides.pop("health", None), overrides.pop("labor", None)
        )
        for k, v in overrides.items():
            setattr(p, k, v)
        if p.health != "残疾":
            p.disability_grade = p.disability_type = None
    _default_facts(ex, hh)
    for k, v in attrs.items():
        if k in Household.__dataclass_fields__:
            setattr(hh, k, v)
    return hh


def _default_facts(ex: Example, hh: Household) -> None:
    rng = ex.rng
    poor = hh.poor
    hh.phone = hh.phone or (ex.mobile() if rng.random() < 0.92 else None)
    if poor:
        hh.helper = rng.choice(ex.helpers[hh.village.township])
        hh.no_labor = False
        hh.relocated = hh.category == "脱贫户" and rng.random() < 0.06
        hh.water = (
            float(rng.choice((60, 70, 80, 80, 90, 100, 120))),
            float(rng.choice((0, 0, 0, 2, 3, 5))),
            True,
        )
        for p in hh.members:
            p.family_doctor = True
            p.insured = True
    else:
        for p in hh.members:
            r = rng.random()
            p.insured = True if r < 0.9 else False if r < 0.93 else None
            p.family_doctor = True if rng.random() < 0.35 else None
    if hh.category == "一般农户":
        hh.income = float(rng.randrange(11000, 36000, 10))
    elif hh.category == "脱贫户":
        hh.income = float(rng.randrange(9000, 21000, 10))
    else:
        hh.income = float(rng.randrange(5200, 7400, 10))
    hh.grade = "A" if rng.random() < 0.75 else "B"
    size = len(hh.members)
    hh.area = float(rng.randrange(60 + 15 * size, 160 + 20 * size, 5))


def background_monitored(ex: Example, hh: Household) -> None:
    rng = ex.rng
    if hh.monitor_type is None:
        hh.monitor_type = rng.choice(
            ("脱贫不稳定户", "边缘易致贫户", "边缘易致贫户", "突发严重困难户")
        )
    hh.risk_eliminated = False
    if rng.random() < 0.25:
        hh.baodi = "低保"
    elif rng.random() < 0.08:
        hh.baodi = "低保边缘"


# ------------------------------------------------------------------------------------ populate
def populate(ex: Example, specs: list[Spec]) -> None:
    """Fill every village: the boundary-case households among ordinary ones, in a shuffled order."""
    by_village: dict[str, list] = defaultdict(list)
    for label, village_code, make in specs:
        by_village[village_code].append((label, make))
    n = 0
    for v in ex.villages:
        slots = list(by_village[v.code])
        poor_share = 0.30 if v.township == "411599101" else 0.40
        for _ in range(v.size - len(slots)):
            r = ex.rng.random()
            category = (
                "脱贫户" if r < poor_share * 0.78 else "监测户" if r < poor_share else "一般农户"
            )
            slots.append(("", category))
        ex.rng.shuffle(slots)
        for label, what in slots:
            n += 1
            if label:
                hh = what(v)
                hh.special = label
                ex.special[label] = hh
            else:
                hh = new_household(ex, v, what)
                if what == "监测户":
                    background_monitored(ex, hh)
                elif what == "脱贫户" and ex.rng.random() < 0.08:
                    hh.monitor_type = "脱贫不稳定户"
                    hh.risk_eliminated = False
            hh.hid = f"H{n:04d}"
            ex.households.append(hh)


# ------------------------------------------------------------------ households of boundary cases
def worker(age, sex="男", **kw):
    return ("户主", sex, age, {"labor": "普通劳动力", "health": "健康", **kw})


def spouse(age, **kw):
    return ("配偶", "女", age, {"labor": "普通劳动力", "health": "健康", **kw})


def child(age, sex="男"):
    return ("子" if sex == "男" else "女", sex, age, {"health": "健康"})


def plant(ex: Example, specs: list[Spec], label, village, category="脱贫户", members=None, **attrs):
    """Plan a boundary case's household of `category` (default: a couple and a grown-up daughter)."""

    def make(v):
        return new_household(
            ex, v, category, members or [worker(50), spouse(48), child(20, "女")], **attrs
        )

    specs.append((label, village, make))


# ------------------------------------------------------------------------------ procedures
def chain(
    ex: Example,
    kind: str,
    risks: str,
    found: D,
    *,
    ident: int | None = None,
    entry: int | None = None,
    plan: int | None = None,
    pub: int | None = None,
    verify: int | None = None,
) -> Procedure:
    """A procedure whose steps follow each other within every time limit unless told otherwise."""
    rng = ex.rng
    verified = plus(found, verify or rng.choice((1, 1, 2)))
    pub_start = plus(verified, 1)
    pub_end = plus(pub_start, (pub or rng.choice((5, 5, 6, 7))) - 1)
    township = plus(pub_end, 1)
    earliest = days(found, township) + 1
    ident = ident if ident is not None else rng.randint(earliest, max(earliest, 14))
    county = plus(found, ident)
    entry = entry if entry is not None else rng.randint(1, 7)
    p = Procedure(kind, risks, found, verified, pub_start, pub_end, township, county,
                  plus(county, rng.choice((1, 2))), plus(county, entry))  # fmt: skip
    if kind == "识别纳入":
        p.plan = plus(county, plan if plan is not None else rng.randint(2, 8))
    return p


def background_procedures(ex: Example) -> None:
    """2023 procedures of ordinary cases: identification, risk elimination, 整户无劳动能力认定."""
    rng = ex.rng
    monitored = ex.background(lambda h: h.category == "监测户")
    rng.shuffle(monitored)
    risks_by_type = {
        "脱贫不稳定户": ("因病", "因务工就业不稳", "因产业项目失败", "因病、因学"),
        "边缘易致贫户": ("因病", "因学", "因残", "因务工就业不稳", "因病、缺劳动力"),
        "突发严重困难户": (
            "因意外事故",
            "因灾",
            "因病",
            "因住房出现安全问题",
            "因饮水安全问题",
        ),
    }
    # Whole-household-without-labor: elderly members only; identified earlier, 认定 in 2023.
    no_labor = [
        h for h in monitored if all(p.labor in ("丧失劳动力", "无劳动力") for p in h.members)
    ]
    for hh in no_labor[:5]:
        hh.no_labor = True
        hh.baodi = rng.choice(("低保", "低保", "特困"))
        found = D(2023, rng.randint(3, 8), rng.randint(1, 20))
        hh.procedures.append(chain(ex, "整户无劳动能力认定", "缺劳动力、因病", found))
    rest = [h for h in monitored if h not in no_labor[:5]]
    for hh in rest[:9]:  # newly identified in 2023
        found = D(2023, rng.randint(1, 8), rng.randint(1, 25))
        hh.procedures.append(
            chain(ex, "识别纳入", rng.choice(risks_by_type[hh.monitor_type]), found)
        )
    for hh in rest[9:19]:  # identified before 2023, risk eliminated in 2023
        hh.risk_eliminated = True
        hh.income = float(rng.randrange(8500, 16000, 10))
        hh.baodi = None if hh.baodi == "低保边缘" else hh.baodi
        found = D(2023, rng.randint(2, 8), rng.randint(1, 20))
        hh.procedures.append(
            chain(ex, "风险消除", rng.choice(risks_by_type[hh.monitor_type]), found)
        )
    # A 脱贫户 newly flagged 脱贫不稳定户 in 2023 (监测类型 on a 脱贫户).
    for hh in ex.background(lambda h: h.category == "脱贫户" and h.monitor_type)[:2]:
        hh.procedures.append(
            chain(ex, "识别纳入", "因病", D(2023, rng.randint(3, 7), rng.randint(1, 25)))
        )
    for hh in ex.background(lambda h: h.category == "脱贫户" and not h.monitor_type):
        if rng.random() < 0.10:
            hh.baodi = "特困" if len(hh.members) == 1 and hh.head.age >= 65 else "低保"


def background_housing(ex: Example) -> None:
    """Some 脱贫/监测 houses rebuilt in 2021–2022 (grade A, area above the standard)."""
    rng = ex.rng
    for hh in ex.background(lambda h: h.poor)[3::9]:
        hh.renovation = "已竣工验收"
        hh.grade = "A"
        hh.area = float(rebuilt_standard(len(hh.members)) + rng.randrange(5, 40, 5))
