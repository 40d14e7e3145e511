"""The example county's fixed facts and its records: places, dates, IDs, names, people, households, schools."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from stdnum.cn import ric

D = dt.date
REF = D(2023, 9, 30)  # the data are as of the last day of 2023Q3
DROPOUT_AS_OF = D(2023, 10, 1)  # `reportgen dropout --as-of 2023-10-01`
SCHOOL_YEAR_START = D(2023, 8, 31)  # ages for school stages are taken on this day
SEED = 411599
INCOME_LINE = 7500
SPRING, AUTUMN = "2023年春季学期", "2023年秋季学期"

COUNTY = ("411599", "青山县")
TOWNSHIPS = (("411599101", "城关镇"), ("411599102", "河口乡"), ("411599103", "石桥镇"))
# code, name, dominant surname, households
VILLAGES = (
    ("411599101201", "王庄村", "王", 40),
    ("411599101202", "东关村", "李", 40),
    ("411599101203", "柳河村", "刘", 40),
    ("411599102201", "王庄村", "王", 40),
    ("411599102202", "李湾村", "李", 40),
    ("411599102203", "张寨村", "张", 40),
    ("411599103201", "石桥村", "陈", 40),
    ("411599103202", "杨楼村", "杨", 40),
    ("411599103203", "刘岗村", "刘", 40),
    ("411599103204", "马庄村", "马", 40),
)
# Birthplace counties (real Xinyang codes): the code before 1998 (信阳地区) and from 1998 (信阳市).
# python-stdnum knows when each code was in use, so the code must fit the birth year.
BIRTHPLACES = (
    ("413028", "411521"),  # 罗山县
    ("413025", "411522"),  # 光山县
    ("413029", "411523"),  # 新县
    ("413027", "411524"),  # 商城县
    ("413026", "411525"),  # 固始县
    ("413024", "411526"),  # 潢川县
    ("413022", "411527"),  # 淮滨县
    ("413021", "411528"),  # 息县
)
TOWNSHIP_BIRTHPLACE = {"411599101": 0, "411599102": 1, "411599103": 7}


# ----------------------------------------------------------------------------------- small helpers
def days(a: D, b: D) -> int:
    return (b - a).days


def plus(d: D, n: int) -> D:
    return d + dt.timedelta(days=n)


def add_years(d: D, n: int) -> D:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + n, day=28)


def age_on(birth: D, on: D) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def region_for(pair: int, birth: D) -> str:
    old, new = BIRTHPLACES[pair]
    return old if birth.year < 1998 else new


class IdFactory:
    """Unique, valid GB 11643-1999 IDs: region by birthplace and year, sex in the 17th digit."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self, pair: int, birth: D, sex: str) -> str:
        region = region_for(pair, birth)
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
            body = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used:
                self.used.add(number)
                return number


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = {
    ("男", "old"): "建国 国强 建军 志强 国庆 德胜 有才 长生 保国 振华 金山 玉林 树林 文明 永福 春生 根生 满仓 富贵 学文".split(),
    ("女", "old"): "秀英 桂英 秀兰 玉兰 桂兰 凤英 玉梅 桂芝 秀珍 淑珍 翠花 春花 金凤 玉珍 兰英 素芳 爱华 桂香 秀云 玉华".split(),
    ("男", "mid"): "伟 强 磊 军 勇 杰 涛 明 超 刚 辉 鹏 华 飞 斌 亮 海峰 志刚 晓东 红军 建伟 卫东 海涛 俊峰 永刚".split(),
    ("女", "mid"): "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 红梅 海燕 丽娟 晓燕 春燕 艳红 丽萍 雪梅 秀丽 慧敏 彩霞".split(),
    ("男", "young"): "浩然 子轩 宇航 梓豪 一鸣 俊杰 浩宇 博文 天佑 子豪 思远 明轩 嘉豪 锦程 逸飞 泽宇 睿 航 晨阳 家乐 宇轩 志鹏 旭东".split(),
    ("女", "young"): "欣怡 梓涵 子萱 雨涵 可馨 诗琪 思雨 佳怡 一诺 梦瑶 雨欣 紫涵 若曦 语嫣 婉婷 心怡 雅琪 晓雪 佳琪 梦琪 静怡 思琪".split(),
}  # fmt: skip
MOBILE_PREFIXES = "135 136 137 138 139 150 151 152 155 156 157 158 159 176 177 183 185 186 187 188 189 191 199".split()


def birth_for_age(rng: random.Random, age: int) -> D:
    """A birth date whose age on the reference date is `age`."""
    latest = add_years(REF, -age)
    return plus(latest, -rng.randrange(365))


def rebuilt_standard(size: int) -> int:
    """Minimum area (㎡) of a rebuilt house for a household of `size` persons (seed 二.三.(二).3③)."""
    return {1: 20, 2: 30, 3: 40}.get(size, 13 * size)


# ------------------------------------------------------------------------------------ the model
@dataclass(eq=False)
class Village:
    code: str
    name: str
    township: str  # 9-digit code
    surname: str
    size: int

    @property
    def township_name(self) -> str:
        return dict(TOWNSHIPS)[self.township]


@dataclass(eq=False)
class Person:
    id_number: str
    household: Household
    name: str
    relation: str
    sex: str
    birth: D
    show_birth: bool = True
    labor: str | None = None
    health: str | None = None
    disability_grade: str | None = None
    disability_type: str | None = None
    insured: bool | None = True
    family_doctor: bool | None = None
    work_months: int | None = None
    work_place: str | None = None
    student: Student | None = None
    school_status: str | None = None  # 在校生状况 (cases_income)

    @property
    def age(self) -> int:
        return age_on(self.birth, REF)

    @property
    def school_age(self) -> int:
        return age_on(self.birth, SCHOOL_YEAR_START)

    def row(self) -> tuple:
        return (
            self.id_number, self.household.hid, self.name, self.relation, self.sex,
            self.birth if self.show_birth else None, self.labor, self.health,
            self.disability_grade, self.disability_type, self.insured, self.family_doctor,
            self.work_months, self.work_place, self.school_status,
        )  # fmt: skip


@dataclass(eq=False)
class Procedure:
    kind: str
    risks: str
    found: D
    verified: D | None = None
    pub_start: D | None = None
    pub_end: D | None = None
    township: D | None = None
    county: D | None = None
    announced: D | None = None
    entered: D | None = None
    plan: D | None = None


@dataclass(eq=False)
class Household:
    village: Village
    category: str
    monitor_type: str | None = None
    risk_eliminated: bool | None = None
    baodi: str | None = None
    no_labor: bool | None = None
    income: float | None = None
    phone: str | None = None
    helper: tuple[str, str, str] | None = None
    relocated: bool | None = None
    grade: str | None = None
    area: float | None = None
    renovation: str | None = None
    water: tuple[float, float, bool] | None = None
    # 上年家庭年人均纯收入, 人均工资性收入, 人均生产经营性收入 (cases_income)
    prev_income: float | None = None
    wage: float | None = None
    business: float | None = None
    members: list[Person] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    measures: list[tuple[str, str, D]] = field(default_factory=list)
    hid: str = ""
    special: str = ""  # label of the boundary case it was built for; "" for background
    no_measure: frozenset[str] = frozenset()  # measure categories a boundary case must not get

    @property
    def head(self) -> Person:
        return self.members[0]

    @property
    def poor(self) -> bool:
        """In the insurance-rate population: 脱贫人口 and 监测对象."""
        return self.category in ("脱贫户", "监测户")

    @property
    def monitored(self) -> bool:
        return (
            self.category == "监测户" or self.monitor_type is not None
        ) and not self.risk_eliminated

    @property
    def has_labor(self) -> bool:
        return any(p.labor in ("普通劳动力", "技能劳动力") for p in self.members)

    @property
    def risks(self) -> set[str]:
        return {r for p in self.procedures for r in p.risks.split("、") if r}

    def row(self) -> tuple:
        helper = self.helper or (None, None, None)
        water = self.water or (None, None, None)
        return (
            self.hid, self.village.code, self.head.name, self.head.id_number, self.category,
            self.monitor_type, self.risk_eliminated, self.baodi, self.no_labor, self.income,
            self.phone, *helper, self.relocated, self.grade, self.area, self.renovation, *water,
            self.prev_income, self.wage, self.business,
        )  # fmt: skip


@dataclass(eq=False)
class School:
    code: str
    name: str
    region: str
    stage: str
    inclusive: bool | None = None
    national_nutrition: bool | None = None
    tuition: float | None = None
    lodging: float | None = None
    hotline: str | None = None
    index: int = 0
    next_seq: Counter = field(default_factory=Counter)

    def row(self) -> tuple:
        return (
            self.code, self.name, self.region, self.stage, self.inclusive,
            self.national_nutrition, self.tuition, self.lodging, self.hotline,
        )  # fmt: skip


@dataclass(eq=False)
class Student:
    number: str
    name: str
    id_number: str
    school: School
    stage: str
    grade: str
    class_name: str
    birth: D
    person: Person | None = None
    boarding: bool | None = None
    formal: bool | None = None  # blank = 是
    hardship: bool | None = None
    own: dict[str, bool | None] = field(default_factory=dict)  # flags written in the sheet
    guardian: tuple[str, str] | None = None
    entry_grade: bool = False
    special: str = ""

    @property
    def household(self) -> Household | None:
        return self.person.household if self.person else None

    def flag(self, name: str) -> bool:
        """Effective group flag: the sheet's own flag, plus what the linked household decides."""
        hh = self.household
        derived = False
        if hh is not None:
            derived = {
                "原建档立卡": hh.category == "脱贫户",
                "监测户": hh.monitored,
                "低保": hh.baodi == "低保",
                "特困": hh.baodi == "特困",
            }.get(name, False)
        return bool(self.own.get(name)) or derived

    @property
    def special_group(self) -> bool:
        return any(
            self.flag(f)
            for f in ("原建档立卡", "监测户", "低保", "特困", "孤儿", "事实无人抚养", "残疾")
        )

    def row(self) -> tuple:
        o = self.own
        g = self.guardian or (None, None)
        return (
            self.number, self.name, self.id_number, self.school.code, self.stage, self.grade,
            self.class_name, self.boarding, self.formal, self.hardship, o.get("原建档立卡"),
            o.get("监测户"), o.get("低保"), o.get("特困"), o.get("孤儿"), o.get("事实无人抚养"),
            o.get("残疾"), *g,
        )  # fmt: skip


@dataclass(eq=False)
class Dropout:
    student: Student
    found: D
    reason: str
    status: str
    reported: D | None = None
    approved: D | None = None
    assessed: D | None = None
    persuasions: list[tuple[D, str, str, str]] = field(default_factory=list)
    visits: list[tuple[D, str, float, str]] = field(default_factory=list)
    label: str = ""
    teacher: str = ""


@dataclass
class Case:
    rule: str
    key: str
    values: str
    finding: bool
    label: str = ""


def household_key(h: Household) -> str:
    """How the boundary-case table names a household."""
    return f"户编号 {h.hid}（{h.village.township_name}{h.village.name}）"
