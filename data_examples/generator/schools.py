"""Schools and students of the example county, the aid each student is entitled to, and the aid paid."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .model import AUTUMN, BIRTHPLACES, SPRING, D, School, Student, plus

if TYPE_CHECKING:
    from .county import Example

# Grades by age on 31 August 2023 (the start of the 2023—2024 school year).
PRESCHOOL = {3: "小班", 4: "中班", 5: "大班"}
PRIMARY = {6: "一年级", 7: "二年级", 8: "三年级", 9: "四年级", 10: "五年级", 11: "六年级"}
JUNIOR = {12: "七年级", 13: "八年级", 14: "九年级"}
SENIOR = {15: "高一", 16: "高二", 17: "高三"}
VOCATIONAL = {15: "一年级", 16: "二年级", 17: "三年级"}
COLLEGE = {18: "一年级", 19: "二年级", 20: "三年级", 21: "四年级"}
MASTER = {22: "一年级", 23: "二年级", 24: "三年级"}
DOCTOR = {25: "一年级", 26: "二年级", 27: "三年级", 28: "四年级"}
ENTRY_GRADES = {"小班", "一年级", "七年级", "高一"}


def birth_for_school_age(rng: random.Random, age: int) -> D:
    """A birth date whose age on 2023-08-31 is `age`."""
    start = D(2023 - age - 1, 9, 1)
    return plus(start, rng.randrange(365))


# ------------------------------------------------------------------------------- student aid
def eligible_items(st: Student) -> list[tuple[str, float]]:
    """Aid items and yearly amounts per DOMAIN §3 / policies/henan-2023.toml (names as there)."""
    s, f, school = st.stage, st.flag, st.school
    hardship, formal, boarding = bool(st.hardship), st.formal is not False, bool(st.boarding)
    items: list[tuple[str, float]] = []
    if s == "学前":
        if school.inclusive and (hardship or f("孤儿") or f("残疾")):
            items.append(("学前教育幼儿生活补助", 400))
        if f("原建档立卡") and formal:
            items.append(("学前教育保教费资助", 600))
    elif s in ("小学", "初中"):
        if f("原建档立卡") and not school.national_nutrition:
            items.append(("省定营养改善计划", 800))
        if hardship and formal:
            yearly = {
                ("小学", True): 1000,
                ("小学", False): 500,
                ("初中", True): 1250,
                ("初中", False): 625,
            }
            name = "寄宿生生活补助" if boarding else "非寄宿生生活补助"
            items.append((name, yearly[(s, boarding)]))
    elif s == "普通高中":
        if f("原建档立卡") or (hardship and f("残疾")) or f("低保") or f("特困"):
            items.append(("免学费", school.tuition))
            if boarding:
                items.append(("免住宿费", school.lodging))
        if hardship:
            items.append(("国家助学金", 2000))
    elif s == "中职":
        if formal:
            items.append(("免学费", school.tuition))
        if hardship:
            items.append(("国家助学金", 2000))
        if f("原建档立卡") or f("监测户"):
            items.append(("雨露计划助学补助", 3000))
    elif s == "高职专科":
        if f("原建档立卡") or f("监测户"):
            items.append(("雨露计划助学补助", 3000))
        if hardship:
            items.append(("国家助学金", 3300))
    elif s == "本科":
        if hardship:
            items.append(("国家助学金", 3300))
    elif s == "硕士研究生":
        items.append(("研究生国家助学金", 6000))
    elif s == "博士研究生":
        items.append(("研究生国家助学金", 13000))
    return items


# --------------------------------------------------------------------------------- schools
def add_schools(ex: Example) -> None:
    def hotline() -> str:
        return f"0376-555{ex.rng.randrange(10000):04d}"

    rows = [
        ("2141599001", "城关镇中心幼儿园", "411599101", "学前", dict(inclusive=True)),
        ("2141599002", "河口乡阳光幼儿园", "411599102", "学前", dict(inclusive=False)),
        ("2141599003", "城关镇第一小学", "411599101", "小学", dict(national_nutrition=False)),
        ("2141599004", "河口乡中心小学", "411599102", "小学", dict(national_nutrition=True)),
        (
            "2141599005",
            "城关镇第一初级中学",
            "411599101",
            "初中",
            dict(national_nutrition=False),
        ),
        (
            "2141599006",
            "石桥镇九年一贯制学校",
            "411599103",
            "九年一贯",
            dict(national_nutrition=True),
        ),
        (
            "2141599007",
            "青山县第一高级中学",
            "411599101",
            "普通高中",
            dict(tuition=1600.0, lodging=600.0),
        ),
        (
            "2141599008",
            "青山县职业教育中心",
            "411599101",
            "中职",
            dict(tuition=2000.0, lodging=500.0),
        ),
        # Out-of-county institutions: 所在区划代码 is the county's code (see README).
        ("4141099101", "豫中职业技术学院", "411599", "高职", {}),
        ("4141099102", "中原理工大学", "411599", "本科", {}),
        ("4141099103", "河洛师范学院", "411599", "本科", {}),
        ("4141099104", "中原理工大学研究生院", "411599", "研究生", {}),
    ]
    for i, (code, name, region, stage, kw) in enumerate(rows, 1):
        ex.schools.append(School(code, name, region, stage, hotline=hotline(), index=i, **kw))
    ex.school = {s.name: s for s in ex.schools}


# -------------------------------------------------------------------------------- students
def _school_for(ex: Example, township: str, age: int) -> tuple[School, str, str] | None:
    """School, stage and grade of a child of this township and school age, or None."""
    rng, s = ex.rng, ex.school
    if age in PRESCHOOL:
        if township == "411599101" or (township == "411599103" and rng.random() < 0.5):
            return (s["城关镇中心幼儿园"], "学前", PRESCHOOL[age]) if rng.random() < 0.85 else None
        if township == "411599102":
            return (s["河口乡阳光幼儿园"], "学前", PRESCHOOL[age]) if rng.random() < 0.8 else None
        return None
    if age in PRIMARY:
        name = {
            "411599101": "城关镇第一小学",
            "411599102": "河口乡中心小学",
            "411599103": "石桥镇九年一贯制学校",
        }[township]
        return s[name], "小学", PRIMARY[age]
    if age in JUNIOR:
        name = "石桥镇九年一贯制学校" if township == "411599103" else "城关镇第一初级中学"
        return s[name], "初中", JUNIOR[age]
    if age in SENIOR:
        r = rng.random()
        if r < 0.68:
            return s["青山县第一高级中学"], "普通高中", SENIOR[age]
        if r < 0.93:
            return s["青山县职业教育中心"], "中职", VOCATIONAL[age]
        return None
    if age in (18, 19, 20) and rng.random() < 0.2:
        return s["豫中职业技术学院"], "高职专科", COLLEGE[age]
    if age in COLLEGE and rng.random() < 0.4:
        return rng.choice((s["中原理工大学"], s["河洛师范学院"])), "本科", COLLEGE[age]
    if age in MASTER and rng.random() < 0.12:
        return s["中原理工大学研究生院"], "硕士研究生", MASTER[age]
    if age in DOCTOR and rng.random() < 0.06:
        return s["中原理工大学研究生院"], "博士研究生", DOCTOR[age]
    return None


def _student_number(school: School, grade: str, stage: str) -> str:
    order = {**{g: i for i, g in enumerate(("小班", "中班", "大班"))}, **{g: i for i, g in enumerate(PRIMARY.values())},
             **{g: i for i, g in enumerate(JUNIOR.values())}, **{g: i for i, g in enumerate(SENIOR.values())}}  # fmt: skip
    year = 2023 - order.get(grade, 0)
    school.next_seq[year] += 1
    return f"{school.index:02d}{year}{school.next_seq[year]:04d}"


def _class_name(ex: Example, school: School, stage: str) -> str:
    if stage in ("高职专科", "本科", "硕士研究生", "博士研究生"):
        major = ex.rng.choice(
            ("机电一体化", "会计", "护理", "计算机应用", "汉语言文学", "土木工程", "农学")
        )
        return f"{major}{ex.rng.randint(1, 3)}班"
    big = school.stage in ("初中", "普通高中", "中职")
    return f"{ex.rng.randint(1, 4 if big else 2)}班"


def enrol(ex: Example, school, stage, grade, name, id_number, birth, person=None) -> Student:
    rng = ex.rng
    number = _student_number(school, grade, stage)
    st = Student(
        number,
        name,
        id_number,
        school,
        stage,
        grade,
        _class_name(ex, school, stage),
        birth,
        person,
    )
    st.entry_grade = grade in ENTRY_GRADES or (
        stage not in ("学前", "小学", "初中", "普通高中") and grade == "一年级"
    )
    boarding_rate = {"小学": 0.08, "初中": 0.5, "普通高中": 0.75, "中职": 0.6}.get(stage, 0.0)
    if stage in ("学前",):
        st.boarding = None if rng.random() < 0.5 else False
    elif stage in ("高职专科", "本科", "硕士研究生", "博士研究生"):
        st.boarding = None
    else:
        st.boarding = rng.random() < boarding_rate
    r = rng.random()
    st.formal = None if r < 0.7 else True
    if stage == "学前" and rng.random() < 0.06:
        st.formal = False
    ex.students.append(st)
    return st


def add_students(ex: Example) -> None:
    rng = ex.rng
    for hh in ex.households:
        parents = [p for p in hh.members if p.relation in ("户主", "配偶", "子", "儿媳")]
        for p in hh.members:
            if p.relation not in ("子", "女", "孙子", "孙女") or p.school_age < 3:
                continue
            if (
                hh.special in ("X1", "X2") and p.school_age in COLLEGE
            ):  # 因学: a child at university
                placed = (ex.school["中原理工大学"], "本科", COLLEGE[p.school_age])
            else:
                placed = _school_for(ex, hh.village.township, p.school_age)
            if placed is None:
                continue
            school, stage, grade = placed
            st = enrol(ex, school, stage, grade, p.name, p.id_number, p.birth, p)
            p.student = st
            p.labor, p.work_months, p.work_place = "无劳动力", None, None
            carer = (
                next((q for q in parents if q.relation in ("子", "儿媳")), None)
                if p.relation in ("孙子", "孙女")
                else None
            )
            carer = carer or hh.head
            st.guardian = (carer.name, hh.phone or ex.mobile())
    # Students from households outside the example data (other villages of the county).
    wanted = (["普通高中"] * 16 + ["中职"] * 10 + ["初中"] * 6 + ["小学"] * 5 + ["学前"] * 2 + ["本科"] * 2 +
              ["高职专科"] * 1 + ["硕士研究生"] * 2 + ["博士研究生"])  # fmt: skip
    table = {"学前": PRESCHOOL, "小学": PRIMARY, "初中": JUNIOR, "普通高中": SENIOR, "中职": VOCATIONAL,
             "高职专科": {k: v for k, v in COLLEGE.items() if k < 21}, "本科": COLLEGE, "硕士研究生": MASTER,
             "博士研究生": DOCTOR}  # fmt: skip
    school_of = {"学前": "城关镇中心幼儿园", "小学": "城关镇第一小学", "初中": "城关镇第一初级中学", "普通高中": "青山县第一高级中学",
                 "中职": "青山县职业教育中心", "高职专科": "豫中职业技术学院", "本科": "河洛师范学院",
                 "硕士研究生": "中原理工大学研究生院", "博士研究生": "中原理工大学研究生院"}  # fmt: skip
    flagged = dict(
        zip(
            rng.sample(range(len(wanted)), 9),
            (
                "原建档立卡",
                "原建档立卡",
                "低保",
                "特困",
                "特困",
                "孤儿",
                "事实无人抚养",
                "事实无人抚养",
                "残疾",
            ),
        )
    )
    for i, stage in enumerate(wanted):
        age = rng.choice(sorted(table[stage]))
        birth = birth_for_school_age(rng, age)
        sex = rng.choice("男女")
        id_number = ex.ids.new(rng.randrange(len(BIRTHPLACES)), birth, sex)
        st = enrol(
            ex,
            ex.school[school_of[stage]],
            stage,
            table[stage][age],
            ex.name(sex, birth),
            id_number,
            birth,
        )
        father = ex.name("男", D(1980, 1, 1), st.name[0])
        st.guardian = (father, ex.mobile())
        if i in flagged:
            st.own[flagged[i]] = True


def hardship_and_flags(ex: Example) -> None:
    """家庭经济困难 (the school's 认定) and the group flags written in the sheet."""
    rng = ex.rng
    for st in ex.students:
        if st.person is not None and st.person.health == "残疾":
            st.own["残疾"] = True
        hh = st.household
        if hh is not None:
            # Write what the household implies as 是 most of the time, never 否 against it.
            if hh.category == "脱贫户" and rng.random() < 0.8:
                st.own["原建档立卡"] = True
            if hh.monitored and rng.random() < 0.7:
                st.own["监测户"] = True
            if hh.baodi == "特困":
                st.own["特困"] = True
            for f in ("原建档立卡", "监测户", "低保", "特困"):
                if st.own.get(f) is None and not st.flag(f) and rng.random() < 0.6:
                    st.own[f] = False
        if st.special_group:
            st.hardship = True
        else:
            st.hardship = True if rng.random() < 0.08 else (False if rng.random() < 0.8 else None)
    for label in ("A3", "A5"):
        ex.special_students[label].hardship = False


# -------------------------------------------------------------------------------- payments
def add_payments(ex: Example) -> None:
    rng = ex.rng
    dates = {}
    for school in ex.schools:
        dates[(school.code, SPRING)] = D(2023, rng.randint(4, 5), rng.randint(10, 28))
        dates[(school.code, AUTUMN)] = D(2023, 9, rng.randint(20, 28))
    for st in ex.students:
        if st.special == "A1":
            continue
        for item, yearly in eligible_items(st):
            terms = (AUTUMN,) if st.entry_grade else (SPRING, AUTUMN)
            for term in terms:
                ex.payments.append(
                    (st.number, item, round(yearly / 2, 2), term, dates[(st.school.code, term)])
                )
