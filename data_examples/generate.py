"""The example county 青山县 (and a county-size benchmark dataset) in reportgen's import format.

    python data_examples/generate.py [OUT_DIR]        # default: data_examples/示例县 beside this script
    python data_examples/generate.py --large DIR      # county-size benchmark (500,000 persons)
    python data_examples/generate.py --readme         # print the counts and boundary-case tables

Deterministic: one seeded random.Random, a fixed reference date (2023-09-30, the end of 2023Q3)
and a fixed workbook creation date, so every run writes byte-identical files. The example
county holds, on purpose, cases just inside and just outside every self-check rule; they are
collected from the generated data itself (`Example.cases`) so that the README table cannot drift
from the files. Needs only XlsxWriter, python-stdnum and the standard library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from stdnum.cn import ric

D = dt.date
REF = D(2023, 9, 30)  # the data are as of the last day of 2023Q3
DROPOUT_AS_OF = D(2023, 10, 1)  # `reportgen dropout --as-of 2023-10-01`
SCHOOL_YEAR_START = D(2023, 8, 31)  # ages for school stages are taken on this day
CREATED = dt.datetime(2023, 10, 8)  # workbook creation date: fixed so that files are byte-identical
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

# ------------------------------------------------------------------------------ the import format
# (header, kind) in the order of docs/导入格式.md. Kinds: text, date, bool, money (元), wan (万元),
# int, num (a measured quantity).
SHEETS: dict[str, tuple[tuple[str, str], ...]] = {
    "行政区划": (("区划代码", "text"), ("名称", "text"), ("级别", "text"), ("上级区划代码", "text")),
    "户信息": (
        ("户编号", "text"), ("村区划代码", "text"), ("户主姓名", "text"), ("户主证件号码", "text"),
        ("户类型", "text"), ("监测类型", "text"), ("风险是否消除", "bool"), ("兜底类型", "text"),
        ("整户无劳动能力兜底保障户", "bool"), ("家庭年人均纯收入", "money"), ("联系电话", "text"),
        ("帮扶责任人", "text"), ("帮扶责任人电话", "text"), ("帮扶责任人单位", "text"),
        ("易地搬迁户", "bool"), ("住房安全等级", "text"), ("住房面积", "num"),
        ("危房改造状态", "text"), ("人均日用水量", "num"), ("取水往返时间", "num"), ("水质达标", "bool"),
    ),
    "人员信息": (
        ("证件号码", "text"), ("户编号", "text"), ("姓名", "text"), ("与户主关系", "text"),
        ("性别", "text"), ("出生日期", "date"), ("劳动技能", "text"), ("健康状况", "text"),
        ("残疾等级", "text"), ("残疾类别", "text"), ("参加城乡居民基本医疗保险", "bool"),
        ("家庭医生签约", "bool"), ("务工月数", "int"), ("务工地点", "text"),
    ),
    "学校": (
        ("学校代码", "text"), ("学校名称", "text"), ("所在区划代码", "text"), ("学段", "text"),
        ("普惠性幼儿园", "bool"), ("国定营养改善计划", "bool"), ("学费标准", "money"),
        ("住宿费标准", "money"), ("资助咨询电话", "text"),
    ),
    "学生": (
        ("学籍号", "text"), ("姓名", "text"), ("证件号码", "text"), ("学校代码", "text"),
        ("学段", "text"), ("年级", "text"), ("班级", "text"), ("寄宿生", "bool"),
        ("正式学籍", "bool"), ("家庭经济困难", "bool"), ("原建档立卡", "bool"), ("监测户", "bool"),
        ("低保", "bool"), ("特困", "bool"), ("孤儿", "bool"), ("事实无人抚养", "bool"),
        ("残疾", "bool"), ("监护人姓名", "text"), ("监护人电话", "text"),
    ),
    "资助发放": (
        ("学籍号", "text"), ("资助项目", "text"), ("金额", "money"), ("学期", "text"),
        ("发放日期", "date"),
    ),
    "辍学学生": (
        ("学籍号", "text"), ("发现日期", "date"), ("辍学原因", "text"), ("当前状态", "text"),
        ("报县联合劝返工作组日期", "date"), ("县级批准日期", "date"), ("残联评估日期", "date"),
    ),
    "劝返记录": (
        ("学籍号", "text"), ("劝返日期", "date"), ("劝返人员", "text"), ("劝返方式", "text"),
        ("劝返结果", "text"),
    ),
    "送教记录": (
        ("学籍号", "text"), ("送教日期", "date"), ("送教教师", "text"), ("课时", "num"),
        ("送教内容", "text"),
    ),
    "监测帮扶": (
        ("户编号", "text"), ("程序类型", "text"), ("风险类型", "text"), ("风险发现日期", "date"),
        ("入户核实日期", "date"), ("公示开始日期", "date"), ("公示结束日期", "date"),
        ("乡级审核日期", "date"), ("县级审批日期", "date"), ("公告日期", "date"),
        ("系统录入日期", "date"), ("帮扶计划制定日期", "date"),
    ),
    "帮扶措施": (("户编号", "text"), ("措施类别", "text"), ("措施内容", "text"), ("落实日期", "date")),
    "项目": (
        ("项目编号", "text"), ("项目名称", "text"), ("项目类型", "text"), ("实施地点", "text"),
        ("建设内容及规模", "text"), ("中央衔接资金", "wan"), ("省级衔接资金", "wan"),
        ("市级衔接资金", "wan"), ("县级衔接资金", "wan"), ("统筹整合涉农资金", "wan"),
        ("其他资金", "wan"), ("实施单位", "text"), ("项目负责人", "text"), ("计划开工日期", "date"),
        ("计划完工日期", "date"), ("项目状态", "text"), ("受益户数", "int"), ("受益人数", "int"),
        ("受益脱贫户数", "int"), ("受益监测户数", "int"), ("联农带农机制", "text"),
        ("绩效目标", "text"), ("资产类型", "text"), ("监督电话", "text"),
    ),
    "公益岗位": (
        ("证件号码", "text"), ("岗位名称", "text"), ("开始日期", "date"), ("结束日期", "date"),
        ("月补贴", "money"), ("安置次数", "int"),
    ),
    "小额信贷": (
        ("户编号", "text"), ("贷款金额", "money"), ("放款日期", "date"), ("到期日期", "date"),
        ("续贷或展期", "bool"), ("逾期", "bool"),
    ),
}  # fmt: skip

WORKBOOKS = (
    ("01_行政区划.xlsx", ("行政区划",)),
    ("02_户籍人口.xlsx", ("户信息", "人员信息")),
    ("03_学校学生.xlsx", ("学校", "学生", "资助发放")),
    ("04_控辍保学.xlsx", ("辍学学生", "劝返记录", "送教记录")),
    ("05_监测帮扶.xlsx", ("监测帮扶", "帮扶措施")),
    ("06_项目.xlsx", ("项目",)),
    ("07_就业信贷.xlsx", ("公益岗位", "小额信贷")),
)

_NUM_FORMATS = {"date": "yyyy-mm-dd", "money": "0.00", "wan": "0.0000", "int": "0", "text": "@"}


def display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是"
    if isinstance(value, D):
        return "2023-09-30"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


class Book:
    """One .xlsx in the import format: bold frozen header on row 1, typed cells from row 2."""

    def __init__(self, path: Path, *, constant_memory: bool = False) -> None:
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
        self.wb.set_properties(
            {"title": "青山县巩固衔接数据（示例）", "author": "reportgen", "created": CREATED}
        )
        self.header = self.wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.formats = {k: self.wb.add_format({"num_format": v}) for k, v in _NUM_FORMATS.items()}

    def sheet(self, name: str, widths: list[int] | None = None) -> Sheet:
        return Sheet(self, name, SHEETS[name], widths)

    def close(self) -> None:
        self.wb.close()


class Sheet:
    def __init__(self, book: Book, name: str, columns, widths: list[int] | None) -> None:
        self.ws = book.wb.add_worksheet(name)
        self.columns = columns
        fmt = book.formats
        self.writers = []
        for i, (header, kind) in enumerate(columns):
            width = widths[i] if widths else max(display_width(header), 10) + 2
            self.ws.set_column(i, i, width, fmt["text"] if kind == "text" else None)
            self.ws.write_string(0, i, header, book.header)
            self.writers.append(self._writer(kind, fmt))
        self.ws.freeze_panes(1, 0)
        self.row = 1

    def _writer(self, kind: str, fmt):
        ws = self.ws
        if kind == "text":
            return lambda r, c, v: ws.write_string(r, c, str(v), fmt["text"])
        if kind == "date":
            return lambda r, c, v: ws.write_datetime(
                r, c, dt.datetime(v.year, v.month, v.day), fmt["date"]
            )
        if kind == "bool":
            return lambda r, c, v: ws.write_string(r, c, "是" if v else "否")
        num = fmt.get(kind)
        return lambda r, c, v: ws.write_number(r, c, v, num)

    def add(self, values) -> None:
        r = self.row
        for c, v in enumerate(values):
            if v is not None and v != "":
                self.writers[c](r, c, v)
        self.row += 1


def write_workbook(path: Path, sheets: dict[str, list[tuple]]) -> None:
    book = Book(path)
    for name, rows in sheets.items():
        columns = SHEETS[name]
        widths = []
        for i, (header, kind) in enumerate(columns):
            longest = max((display_width(_cell_text(r[i])) for r in rows), default=0)
            if kind == "date":
                longest = 10
            widths.append(min(max(display_width(header), longest, 6) + 2, 48))
        sheet = book.sheet(name, widths)
        for row in rows:
            sheet.add(row)
    book.close()


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
            self.work_months, self.work_place,
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


def birth_for_age(rng: random.Random, age: int) -> D:
    """A birth date whose age on the reference date is `age`."""
    latest = add_years(REF, -age)
    return plus(latest, -rng.randrange(365))


# ----------------------------------------------------------------------------------- generator
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
DISABILITY_TYPES = (
    "肢体残疾",
    "视力残疾",
    "听力残疾",
    "言语残疾",
    "智力残疾",
    "精神残疾",
    "多重残疾",
)
HELPER_UNITS = {
    "411599101": ("青山县农业农村局", "青山县财政局", "青山县教育局", "城关镇人民政府"),
    "411599102": (
        "青山县乡村振兴局",
        "青山县人力资源和社会保障局",
        "青山县水利局",
        "河口乡人民政府",
    ),
    "411599103": (
        "青山县卫生健康委员会",
        "青山县住房和城乡建设局",
        "青山县民政局",
        "石桥镇人民政府",
    ),
}
POSTS = ("村级保洁员", "护林员", "乡村道路维护员", "村级水管员", "公共设施管护员", "村级防疫消杀员")
TEACHERS = ("王老师", "李老师", "张老师", "刘老师", "陈老师", "杨老师", "赵老师")


class Example:
    """Builds the example county in memory; `write(out_dir)` writes the workbooks."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.ids = IdFactory(self.rng)
        self.villages = [Village(c, n, c[:9], s, k) for c, n, s, k in VILLAGES]
        self.households: list[Household] = []
        self.special: dict[str, Household] = {}
        self.schools: list[School] = []
        self.students: list[Student] = []
        self.special_students: dict[str, Student] = {}
        self.payments: list[tuple] = []
        self.dropouts: list[Dropout] = []
        self.jobs: list[tuple] = []  # (person, post, start, end, subsidy, placements, label)
        self.loans: list[tuple] = []  # (household, amount, lent, due, renewed, overdue, label)
        self.projects: list[dict] = []
        self.uninsured: dict[str, Person] = {}
        self.claimed: set[int] = (
            set()
        )  # id() of background households already used by a boundary case
        self.helpers = self._helpers()
        self._build()

    # ------------------------------------------------------------------ names, phones, helpers
    def name(self, sex: str, birth: D, surname: str | None = None) -> str:
        era = "old" if birth.year < 1965 else "mid" if birth.year < 1995 else "young"
        surname = surname or self.rng.choice(SURNAMES)
        return surname + self.rng.choice(GIVEN[(sex, era)])

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def _helpers(self) -> dict[str, list[tuple[str, str, str]]]:
        helpers = {}
        for code, _ in TOWNSHIPS:
            people = []
            for i in range(10):
                sex = "男" if i % 3 else "女"
                name = self.name(sex, D(1980, 1, 1))
                people.append((name, self.mobile(), HELPER_UNITS[code][i % 4]))
            helpers[code] = people
        return helpers

    # --------------------------------------------------------------------------- households
    def _labor_and_health(
        self, p: Person, poor: bool, health: str | None = None, labor: str | None = None
    ) -> None:
        """健康状况 and 劳动技能 plausible for the person's age (given values win)."""
        rng, age = self.rng, p.age
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
                "长期慢性病"
                if r < 0.40
                else "患有大病"
                if r < 0.46
                else "残疾"
                if r < 0.53
                else "健康"
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
        self, hh: Household, relation: str, sex: str, birth: D, pair: int, surname: str | None
    ) -> Person:
        p = Person(
            self.ids.new(pair, birth, sex), hh, self.name(sex, birth, surname), relation, sex, birth
        )
        p.show_birth = self.rng.random() < 0.9
        hh.members.append(p)
        return p

    def _composition(self, template: str) -> list[tuple[str, str, int]]:
        """(relation, sex, age) of each member for a household template; 户主 first."""
        rng = self.rng

        def kids(
            parent_age: int, n: int, max_age: int, rel=("子", "女")
        ) -> list[tuple[str, str, int]]:
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

    TEMPLATES = (
        ("nuclear", 30), ("three_gen", 14), ("with_parent", 12), ("elderly", 20), ("single", 9),
        ("single_parent", 6), ("grandchildren", 8),
    )  # fmt: skip

    def new_household(
        self, village: Village, category: str, members=None, template=None, **attrs
    ) -> Household:
        """A household with members (relation, sex, age[, overrides]); default facts for its category."""
        rng = self.rng
        hh = Household(
            village,
            category,
            **{k: v for k, v in attrs.items() if k in Household.__dataclass_fields__},
        )
        if members is None:
            if template is None:
                names, weights = zip(*self.TEMPLATES)
                template = rng.choices(names, weights)[0]
            members = self._composition(template)
        home = TOWNSHIP_BIRTHPLACE[village.township]
        head_surname = village.surname if rng.random() < 0.6 else rng.choice(SURNAMES)
        for spec in members:
            relation, sex, age = spec[:3]
            overrides = dict(spec[3]) if len(spec) > 3 else {}
            kin = relation in ("子", "女", "孙子", "孙女", "父亲") or (
                relation == "户主" and sex == "男"
            )
            pair = home if (kin or rng.random() < 0.7) else rng.randrange(len(BIRTHPLACES))
            p = self.add_person(
                hh, relation, sex, birth_for_age(rng, age), pair, head_surname if kin else None
            )
            self._labor_and_health(
                p, hh.poor, overrides.pop("health", None), overrides.pop("labor", None)
            )
            for k, v in overrides.items():
                setattr(p, k, v)
            if p.health != "残疾":
                p.disability_grade = p.disability_type = None
        self._default_facts(hh)
        for k, v in attrs.items():
            if k in Household.__dataclass_fields__:
                setattr(hh, k, v)
        return hh

    def _default_facts(self, hh: Household) -> None:
        rng = self.rng
        poor = hh.poor
        hh.phone = hh.phone or (self.mobile() if rng.random() < 0.92 else None)
        if poor:
            hh.helper = rng.choice(self.helpers[hh.village.township])
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

    def _background_monitored(self, hh: Household) -> None:
        rng = self.rng
        if hh.monitor_type is None:
            hh.monitor_type = rng.choice(
                ("脱贫不稳定户", "边缘易致贫户", "边缘易致贫户", "突发严重困难户")
            )
        hh.risk_eliminated = False
        if rng.random() < 0.25:
            hh.baodi = "低保"
        elif rng.random() < 0.08:
            hh.baodi = "低保边缘"

    # --------------------------------------------------------------------------- procedures
    def chain(
        self,
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
        rng = self.rng
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

    # ------------------------------------------------------------------------------- build
    def _build(self) -> None:
        specials = self._special_specs()
        by_village: dict[str, list] = defaultdict(list)
        for label, village_code, make in specials:
            by_village[village_code].append((label, make))
        n = 0
        for v in self.villages:
            slots = list(by_village[v.code])
            poor_share = 0.30 if v.township == "411599101" else 0.40
            for _ in range(v.size - len(slots)):
                r = self.rng.random()
                category = (
                    "脱贫户"
                    if r < poor_share * 0.78
                    else "监测户"
                    if r < poor_share
                    else "一般农户"
                )
                slots.append(("", category))
            self.rng.shuffle(slots)
            for label, what in slots:
                n += 1
                if label:
                    hh = what(v)
                    hh.special = label
                    self.special[label] = hh
                else:
                    hh = self.new_household(v, what)
                    if what == "监测户":
                        self._background_monitored(hh)
                    elif what == "脱贫户" and self.rng.random() < 0.08:
                        hh.monitor_type = "脱贫不稳定户"
                        hh.risk_eliminated = False
                hh.hid = f"H{n:04d}"
                self.households.append(hh)
        self._background_procedures()
        self._background_housing()
        self._schools()
        self._students()
        self._student_specials()
        self._hardship_and_flags()
        self._dropouts()
        self._payments()
        self._jobs_and_loans()
        self._measures()
        self._uninsured()
        self._projects()
        self._check()

    def _background(self, predicate) -> list[Household]:
        return [h for h in self.households if not h.special and predicate(h)]

    def _background_procedures(self) -> None:
        """2023 procedures of ordinary cases: identification, risk elimination, 整户无劳动能力认定."""
        rng = self.rng
        monitored = self._background(lambda h: h.category == "监测户")
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
            hh.procedures.append(self.chain("整户无劳动能力认定", "缺劳动力、因病", found))
        rest = [h for h in monitored if h not in no_labor[:5]]
        for hh in rest[:9]:  # newly identified in 2023
            found = D(2023, rng.randint(1, 8), rng.randint(1, 25))
            hh.procedures.append(
                self.chain("识别纳入", rng.choice(risks_by_type[hh.monitor_type]), found)
            )
        for hh in rest[9:19]:  # identified before 2023, risk eliminated in 2023
            hh.risk_eliminated = True
            hh.income = float(rng.randrange(8500, 16000, 10))
            hh.baodi = None if hh.baodi == "低保边缘" else hh.baodi
            found = D(2023, rng.randint(2, 8), rng.randint(1, 20))
            hh.procedures.append(
                self.chain("风险消除", rng.choice(risks_by_type[hh.monitor_type]), found)
            )
        # A 脱贫户 newly flagged 脱贫不稳定户 in 2023 (监测类型 on a 脱贫户).
        for hh in self._background(lambda h: h.category == "脱贫户" and h.monitor_type)[:2]:
            hh.procedures.append(
                self.chain("识别纳入", "因病", D(2023, rng.randint(3, 7), rng.randint(1, 25)))
            )
        for hh in self._background(lambda h: h.category == "脱贫户" and not h.monitor_type):
            if rng.random() < 0.10:
                hh.baodi = "特困" if len(hh.members) == 1 and hh.head.age >= 65 else "低保"

    def _background_housing(self) -> None:
        """Some 脱贫/监测 houses rebuilt in 2021–2022 (grade A, area above the standard)."""
        rng = self.rng
        for hh in self._background(lambda h: h.poor)[3::9]:
            hh.renovation = "已竣工验收"
            hh.grade = "A"
            hh.area = float(rebuilt_standard(len(hh.members)) + rng.randrange(5, 40, 5))

    # ---------------------------------------------------------------------- boundary cases
    def _special_specs(self):
        """(label, village code, builder) for each household built for a boundary case."""
        V = [v.code for v in self.villages]
        specs = []

        def worker(age, sex="男", **kw):
            return ("户主", sex, age, {"labor": "普通劳动力", "health": "健康", **kw})

        def spouse(age, **kw):
            return ("配偶", "女", age, {"labor": "普通劳动力", "health": "健康", **kw})

        def child(age, sex="男"):
            return ("子" if sex == "男" else "女", sex, age, {"health": "健康"})

        def family():
            return [worker(44), spouse(42), child(15), child(10, "女")]

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
                hh = self.new_household(
                    v,
                    "监测户",
                    members or family(),
                    monitor_type=mtype,
                    risk_eliminated=False,
                    **attrs,
                )
                if proc_args is not None:
                    found, kw = proc_args
                    p = self.chain("识别纳入", risks, found, **kw)
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
                hh = self.new_household(v, "一般农户", family(), income=8200.0)
                p = self.chain("识别纳入", risks, found)
                p.pub_start = p.pub_end = p.township = p.county = p.announced = p.entered = (
                    p.plan
                ) = None
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

        def poor(label, village, category="脱贫户", members=None, **attrs):
            def make(v):
                return self.new_household(
                    v, category, members or [worker(50), spouse(48), child(20, "女")], **attrs
                )

            specs.append((label, village, make))

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
        poor(
            "I4", V[8], "脱贫户", monitor_type="脱贫不稳定户", risk_eliminated=False, income=6800.0
        )

        # Risk elimination.
        def eliminated(label, village, income, pub=None):
            def make(v):
                hh = self.new_household(
                    v,
                    "监测户",
                    family(),
                    monitor_type="边缘易致贫户",
                    risk_eliminated=True,
                    income=income,
                )
                hh.procedures.append(self.chain("风险消除", "因病", D(2023, 7, 10), pub=pub))
                return hh

            specs.append((label, village, make))

        eliminated("E1", V[0], 7499.0)
        eliminated("E2", V[3], 7500.0)
        eliminated("E3", V[6], 9800.0, pub=4)

        # 整户无劳动能力认定 (B1: publicity of exactly 5 days on this kind of procedure).
        def no_labor(label, village, members, category, mtype, baodi, found, pub=None):
            def make(v):
                hh = self.new_household(
                    v,
                    category,
                    members,
                    monitor_type=mtype,
                    risk_eliminated=False,
                    baodi=baodi,
                    no_labor=True,
                    income=float(self.rng.randrange(5400, 7400, 10)),
                )
                hh.procedures.append(
                    self.chain("整户无劳动能力认定", "缺劳动力、因病", found, pub=pub)
                )
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
        no_labor(
            "B2", V[5], [old("户主", "女", 84)], "脱贫户", "脱贫不稳定户", "特困", D(2023, 5, 16)
        )
        no_labor(
            "B3",
            V[8],
            [old("户主", "男", 58, "丧失劳动力"), old("母亲", "女", 83)],
            "监测户",
            "突发严重困难户",
            "低保",
            D(2023, 4, 3),
        )

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
        return specs

    # -------------------------------------------------------------------------------- schools
    def _schools(self) -> None:
        def hotline() -> str:
            return f"0376-555{self.rng.randrange(10000):04d}"

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
            self.schools.append(School(code, name, region, stage, hotline=hotline(), index=i, **kw))
        self.school = {s.name: s for s in self.schools}

    def _school_for(self, township: str, age: int) -> tuple[School, str, str] | None:
        """School, stage and grade of a child of this township and school age, or None."""
        rng, s = self.rng, self.school
        if age in PRESCHOOL:
            if township == "411599101" or (township == "411599103" and rng.random() < 0.5):
                return (
                    (s["城关镇中心幼儿园"], "学前", PRESCHOOL[age]) if rng.random() < 0.85 else None
                )
            if township == "411599102":
                return (
                    (s["河口乡阳光幼儿园"], "学前", PRESCHOOL[age]) if rng.random() < 0.8 else None
                )
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

    def _student_number(self, school: School, grade: str, stage: str) -> str:
        order = {**{g: i for i, g in enumerate(("小班", "中班", "大班"))}, **{g: i for i, g in enumerate(PRIMARY.values())},
                 **{g: i for i, g in enumerate(JUNIOR.values())}, **{g: i for i, g in enumerate(SENIOR.values())}}  # fmt: skip
        year = 2023 - order.get(grade, 0)
        school.next_seq[year] += 1
        return f"{school.index:02d}{year}{school.next_seq[year]:04d}"

    def _class_name(self, school: School, stage: str) -> str:
        if stage in ("高职专科", "本科", "硕士研究生", "博士研究生"):
            major = self.rng.choice(
                ("机电一体化", "会计", "护理", "计算机应用", "汉语言文学", "土木工程", "农学")
            )
            return f"{major}{self.rng.randint(1, 3)}班"
        big = school.stage in ("初中", "普通高中", "中职")
        return f"{self.rng.randint(1, 4 if big else 2)}班"

    def _enrol(self, school, stage, grade, name, id_number, birth, person=None) -> Student:
        rng = self.rng
        number = self._student_number(school, grade, stage)
        st = Student(
            number,
            name,
            id_number,
            school,
            stage,
            grade,
            self._class_name(school, stage),
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
        self.students.append(st)
        return st

    def _students(self) -> None:
        rng = self.rng
        for hh in self.households:
            parents = [p for p in hh.members if p.relation in ("户主", "配偶", "子", "儿媳")]
            for p in hh.members:
                if p.relation not in ("子", "女", "孙子", "孙女") or p.school_age < 3:
                    continue
                if (
                    hh.special in ("X1", "X2") and p.school_age in COLLEGE
                ):  # 因学: a child at university
                    placed = (self.school["中原理工大学"], "本科", COLLEGE[p.school_age])
                else:
                    placed = self._school_for(hh.village.township, p.school_age)
                if placed is None:
                    continue
                school, stage, grade = placed
                st = self._enrol(school, stage, grade, p.name, p.id_number, p.birth, p)
                p.student = st
                p.labor, p.work_months, p.work_place = "无劳动力", None, None
                carer = (
                    next((q for q in parents if q.relation in ("子", "儿媳")), None)
                    if p.relation in ("孙子", "孙女")
                    else None
                )
                carer = carer or hh.head
                st.guardian = (carer.name, hh.phone or self.mobile())
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
            id_number = self.ids.new(rng.randrange(len(BIRTHPLACES)), birth, sex)
            st = self._enrol(
                self.school[school_of[stage]],
                stage,
                table[stage][age],
                self.name(sex, birth),
                id_number,
                birth,
            )
            father = self.name("男", D(1980, 1, 1), st.name[0])
            st.guardian = (father, self.mobile())
            if i in flagged:
                st.own[flagged[i]] = True

    def _student_specials(self) -> None:
        """Students built for boundary cases (aid) — chosen from the generated ones and adjusted."""
        rng = self.rng

        def pick(label, predicate) -> Student:
            pool = [s for s in self.students if not s.special and predicate(s)]
            st = pool[rng.randrange(len(pool))]
            st.special = label
            self.special_students[label] = st
            if st.household is not None:
                self.claimed.add(id(st.household))
            return st

        def linked_bg(s):
            return (
                s.household is not None
                and not s.household.special
                and id(s.household) not in self.claimed
            )

        # 应享未享: 脱贫户 child at a school outside the national plan, 认定困难, nothing paid.
        pick("A1", lambda s: linked_bg(s) and s.stage == "初中" and s.school.name == "城关镇第一初级中学"
             and s.household.category == "脱贫户" and not s.entry_grade)  # fmt: skip
        pick("A2", lambda s: linked_bg(s) and s.stage == "初中" and s.school.name == "城关镇第一初级中学"
             and s.household.category == "脱贫户" and not s.entry_grade)  # fmt: skip
        # 低保 students (脱贫/监测 households made 低保) in 普通高中: one not 认定 家庭经济困难 (review list), one 认定.
        for label in ("A3", "A4"):
            st = pick(label, lambda s: linked_bg(s) and s.stage == "普通高中" and s.household.poor
                      and not s.household.risk_eliminated and not s.household.no_labor)  # fmt: skip
            st.household.baodi = "低保"
            st.own["低保"] = True if label == "A4" else None
            st.boarding = True
        # An orphan (no household in the data) not 认定 困难.
        st = pick("A5", lambda s: s.household is None and s.stage == "小学" and not s.own)
        st.own["孤儿"] = True
        # Dropout students (linked where possible; disabled ones made disabled here).
        # Cases found before September are in the grade they were in then plus one: never an entry grade.
        for label, stage in (("D01", "初中"), ("D02", "初中"), ("D03", "初中"), ("D04", "初中"), ("D05", "初中"),
                             ("D06", "小学"), ("D07", "初中"), ("D08", "初中"), ("D11", "初中"), ("D12", "小学"),
                             ("D13", "初中"), ("D15", "初中")):  # fmt: skip
            spring = label not in ("D01", "D05", "D13")
            pick(
                label,
                lambda s, stage=stage, spring=spring: (
                    linked_bg(s)
                    and s.stage == stage
                    and not (spring and s.entry_grade)
                    and (stage != "小学" or s.grade in ("四年级", "五年级", "六年级"))
                ),
            )
        for label in ("D09", "D10"):  # deferred entry to grade 1
            pick(label, lambda s: linked_bg(s) and s.stage == "小学" and s.grade == "一年级")
        # Over-age leaver: a 16-year-old still in 九年级 (repeated a year); from outside the data.
        birth = D(2007, 3, 18)
        id_number = self.ids.new(2, birth, "男")
        st = self._enrol(
            self.school["城关镇第一初级中学"],
            "初中",
            "九年级",
            self.name("男", birth),
            id_number,
            birth,
        )
        st.guardian = (self.name("男", D(1980, 1, 1), st.name[0]), self.mobile())
        st.special = "D14"
        self.special_students["D14"] = st
        for label in ("D09", "D10", "D11", "D12", "D13"):
            st = self.special_students[label]
            p = st.person
            p.health = "残疾"
            p.disability_grade = "二级" if label != "D11" else "一级"
            p.disability_type = {
                "D09": "智力残疾",
                "D10": "肢体残疾",
                "D11": "多重残疾",
                "D12": "智力残疾",
                "D13": "肢体残疾",
            }[label]
            p.labor = "无劳动力"
            st.own["残疾"] = True
            st.boarding = False

    def _hardship_and_flags(self) -> None:
        """家庭经济困难 (the school's 认定) and the group flags written in the sheet."""
        rng = self.rng
        for st in self.students:
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
                st.hardship = (
                    True if rng.random() < 0.08 else (False if rng.random() < 0.8 else None)
                )
        for label in ("A3", "A5"):
            self.special_students[label].hardship = False

    # --------------------------------------------------------------------------- dropouts
    def _dropouts(self) -> None:
        rng = self.rng
        S = self.special_students

        def staff(st: Student) -> list[str]:
            teacher = st.school.name + "班主任" + rng.choice(TEACHERS)
            village = st.household.village.name if st.household else "户籍所在村"
            return [
                f"{teacher}、{village}村委会主任",
                f"{teacher}、包村干部",
                f"{st.school.name}校长、{village}驻村第一书记",
                "县联合劝返工作组（教育局、司法局、乡镇政府）",
                "县联合劝返工作组（教育局、公安局、乡镇政府）",
            ]

        def case(
            label,
            found,
            reason,
            status,
            attempts,
            returned_last=False,
            reported=None,
            approved=None,
            assessed=None,
        ):
            st = S[label]
            who = staff(st)
            d = Dropout(st, found, reason, status, reported, approved, assessed, label=label)
            for i, when in enumerate(attempts):
                last = i == len(attempts) - 1
                method = (
                    "联合劝返"
                    if "工作组" in who[min(i, 4)]
                    else rng.choice(("入户劝返", "入户劝返", "电话劝返"))
                )
                result = "已返校" if (last and returned_last) else "未返校"
                d.persuasions.append((when, who[min(i, 4)], method, result))
            self.dropouts.append(d)
            return d

        case("D01", D(2023, 9, 4), "厌学", "劝返中", [D(2023, 9, 6), D(2023, 9, 15)])
        case(
            "D02",
            D(2023, 5, 8),
            "外出务工",
            "劝返中",
            [D(2023, 5, 10), D(2023, 5, 20), D(2023, 6, 2)],
            reported=D(2023, 6, 5),
        )
        case(
            "D03", D(2023, 4, 10), "厌学", "劝返中", [D(2023, 4, 12), D(2023, 4, 24), D(2023, 5, 9)]
        )
        case(
            "D04",
            D(2023, 3, 13),
            "家庭原因",
            "劝返中",
            [D(2023, 3, 15), D(2023, 3, 29), D(2023, 4, 12), D(2023, 5, 10), D(2023, 6, 14)],
            reported=D(2023, 4, 14),
        )
        case("D05", D(2023, 9, 11), "厌学", "已复学", [D(2023, 9, 12)], returned_last=True)
        case(
            "D06",
            D(2023, 3, 20),
            "家庭原因",
            "已复学",
            [D(2023, 3, 21), D(2023, 3, 28)],
            returned_last=True,
        )
        case(
            "D07",
            D(2023, 2, 27),
            "厌学，本人拒不返校",
            "休学",
            [D(2023, 3, 1), D(2023, 3, 15), D(2023, 4, 3)],
            reported=D(2023, 4, 6),
            approved=D(2023, 5, 10),
        )
        case(
            "D08",
            D(2023, 3, 6),
            "厌学，本人拒不返校",
            "休学",
            [D(2023, 3, 8), D(2023, 3, 22), D(2023, 4, 7)],
            reported=D(2023, 4, 10),
        )
        case(
            "D09",
            D(2023, 8, 28),
            "身体原因（智力残疾二级）",
            "延缓入学",
            [D(2023, 8, 29), D(2023, 9, 5), D(2023, 9, 12)],
            reported=D(2023, 9, 13),
            approved=D(2023, 9, 26),
            assessed=D(2023, 9, 20),
        )
        case(
            "D10",
            D(2023, 8, 28),
            "身体原因（肢体残疾二级）",
            "延缓入学",
            [D(2023, 8, 29), D(2023, 9, 5), D(2023, 9, 12)],
            reported=D(2023, 9, 13),
            approved=D(2023, 9, 26),
        )
        for label, found in (
            ("D11", D(2023, 2, 20)),
            ("D12", D(2023, 5, 15)),
            ("D13", D(2023, 8, 28)),
        ):
            kind = S[label].person.disability_type
            attempts = [plus(found, 2), plus(found, 9), plus(found, 16)]
            d = case(
                label,
                found,
                f"身体原因（{kind}），不能到校就读",
                "送教上门",
                attempts,
                reported=plus(found, 18),
                assessed=plus(found, 25),
            )
            teacher = S[label].school.name + rng.choice(TEACHERS)
            d.teacher = teacher
        case(
            "D14",
            D(2023, 3, 6),
            "超过16周岁，本人不愿继续就读",
            "超龄离校",
            [D(2023, 3, 8), D(2023, 3, 20), D(2023, 4, 6)],
            reported=D(2023, 4, 10),
            approved=D(2023, 6, 20),
        )
        case(
            "D15",
            D(2023, 2, 20),
            "随父母外出务工",
            "已销号",
            [D(2023, 2, 22), D(2023, 3, 6), D(2023, 3, 20)],
            reported=D(2023, 3, 22),
        )
        visits = self.dropouts_by_label()
        content = (
            "生活自理能力训练",
            "语文：识字与朗读",
            "数学：数的认识",
            "康复训练与体育游戏",
            "绘画与手工",
        )

        def visit(label, when, hours):
            d = visits[label]
            d.visits.append((when, d.teacher, hours, rng.choice(content)))

        for month in range(3, 10):  # D11: every month March–September, 2 visits × 3 课时
            visit("D11", D(2023, month, 8), 3.0)
            visit("D11", D(2023, month, 22), 3.0)
        for month in (6, 7, 8):  # D12: June–August to standard, September 2 visits × 2 课时
            visit("D12", D(2023, month, 9), 3.0)
            visit("D12", D(2023, month, 23), 3.0)
        visit("D12", D(2023, 9, 8), 2.0)
        visit("D12", D(2023, 9, 22), 2.0)
        visit("D13", D(2023, 9, 15), 3.0)  # D13: first visit in September, only one that month

    def dropouts_by_label(self) -> dict[str, Dropout]:
        return {d.label: d for d in self.dropouts}

    # --------------------------------------------------------------------------- payments
    def _payments(self) -> None:
        rng = self.rng
        dates = {}
        for school in self.schools:
            dates[(school.code, SPRING)] = D(2023, rng.randint(4, 5), rng.randint(10, 28))
            dates[(school.code, AUTUMN)] = D(2023, 9, rng.randint(20, 28))
        for st in self.students:
            if st.special == "A1":
                continue
            for item, yearly in eligible_items(st):
                terms = (AUTUMN,) if st.entry_grade else (SPRING, AUTUMN)
                for term in terms:
                    self.payments.append(
                        (st.number, item, round(yearly / 2, 2), term, dates[(st.school.code, term)])
                    )

    # --------------------------------------------------------------------------- jobs, loans
    def _jobs_and_loans(self) -> None:
        rng = self.rng
        special = self.special

        def member(hh: Household, labor: str | tuple[str, ...]) -> Person:
            labor = (labor,) if isinstance(labor, str) else labor
            return next(p for p in hh.members if p.labor in labor and p.student is None)

        def job(person, post, start, end=None, subsidy=600.0, placements=1, label=""):
            self.jobs.append((person, post, start, end, subsidy, placements, label))

        job(member(special["W1"], "丧失劳动力"), "村级保洁员", D(2022, 4, 1), label="W1")
        job(member(special["W2"], "无劳动力"), "护林员", D(2022, 9, 1), label="W2")
        job(
            member(special["W3"], "弱劳动力或半劳动力"), "公共设施管护员", D(2022, 3, 1), label="W3"
        )
        # Background: 脱贫/监测 people able to work, one post each.
        pool = [
            p
            for h in self._background(lambda h: h.poor and h.has_labor)
            for p in h.members
            if p.labor in ("普通劳动力", "弱劳动力或半劳动力")
            and p.student is None
            and 35 <= p.age <= 62
        ]
        rng.shuffle(pool)
        used = self.claimed

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
            start = D(rng.randint(2021, 2023), rng.randint(1, 12) if True else 1, 1)
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
            self.loans.append((hh, amount, lent, add_years(lent, 3), renewed, overdue, label))

        loan(special["L2"], 30000.0, D(2023, 3, 15), "L2")
        households = [
            h for h in self._background(lambda h: h.poor and h.has_labor) if id(h) not in used
        ]
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

    # --------------------------------------------------------------------------- measures
    def _measures(self) -> None:
        """Measures of every 脱贫/监测 household, from its risks, members, posts and loans."""
        rng = self.rng
        with_job = {id(p.household): post for p, post, *_ in self.jobs}
        with_loan = {id(h) for h, *_ in self.loans}
        rules = {
            "L1": ("健康帮扶", "综合保障"),
            "S1": ("就业帮扶",),
            "X1": ("产业帮扶", "健康帮扶"),
            "L4": ("健康帮扶", "教育帮扶"),
        }
        for hh in self.households:
            if not hh.poor:
                continue
            cats: list[str] = []
            risks = hh.risks
            if id(hh) in with_job:
                cats.append("公益岗位")
            if id(hh) in with_loan:
                cats.append("金融帮扶")
            if hh.has_labor and not set(cats) & {"公益岗位"}:
                cats.append(
                    rng.choice(("产业帮扶", "产业帮扶", "就业帮扶", "就业帮扶", "帮扶车间"))
                )
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
            start = self._measure_start(hh)
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

    def _measure_start(self, hh: Household) -> D:
        ident = [p for p in hh.procedures if p.kind == "识别纳入" and p.county]
        if ident:
            p = ident[0]
            return min(plus(p.county, 1), REF)
        return D(self.rng.randint(2021, 2023), self.rng.randint(1, 8), self.rng.randint(1, 28))

    # --------------------------------------------------------------------------- insurance
    def _uninsured(self) -> None:
        """Four 脱贫/监测 people not insured: two in 城关镇 (under 99% there), one each elsewhere."""
        rng = self.rng
        busy = {id(p) for p, *_ in self.jobs} | {id(s.person) for s in self.students if s.special}
        wanted = (
            ("N1", "411599101", "脱贫户"),
            ("N2", "411599101", "监测户"),
            ("N3", "411599102", "脱贫户"),
            ("N4", "411599103", "监测户"),
        )
        for label, township, category in wanted:
            pool = [p for h in self._background(lambda h, township=township, category=category: h.village.township == township and h.category == category
                                                and not h.risk_eliminated and id(h) not in self.claimed)
                    for p in h.members if id(p) not in busy and p.relation != "户主" and p.student is None]  # fmt: skip
            p = pool[rng.randrange(len(pool))]
            p.insured = False
            busy.add(id(p))
            self.claimed.add(id(p.household))
            self.uninsured[label] = p
        pool = [
            p
            for h in self._background(lambda h: h.category == "一般农户")
            for p in h.members
            if p.insured
        ]
        p = pool[rng.randrange(len(pool))]
        p.insured = False
        self.uninsured["N5"] = p

    def insurance_rates(self, *, include_eliminated: bool = True) -> dict[str, tuple[int, int]]:
        """(insured, total) of 脱贫人口 and 监测对象 by township and for the county ("county")."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for hh in self.households:
            if not hh.poor or (
                not include_eliminated and hh.category == "监测户" and hh.risk_eliminated
            ):
                continue
            for p in hh.members:
                for key in (hh.village.township, "county"):
                    out[key][1] += 1
                    out[key][0] += p.insured is True
        return {k: (v[0], v[1]) for k, v in out.items()}

    # --------------------------------------------------------------------------- projects
    def _projects(self) -> None:
        rng = self.rng
        v = {x.code: x for x in self.villages}
        C = [x.code for x in self.villages]
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
            hh = sum(1 for h in self.households if h.village.code in places)
            benef = (
                max(8, int(hh * rng.uniform(0.3, 0.9)))
                if asset != "到户类"
                else max(6, int(hh * 0.3))
            )
            poor = sum(
                1 for h in self.households if h.village.code in places and h.category == "脱贫户"
            )
            mon = sum(
                1 for h in self.households if h.village.code in places and h.category == "监测户"
            )
            row = {
                "项目编号": number, "项目名称": name, "项目类型": ptype, "实施地点": "、".join(places),
                "建设内容及规模": content, "funds": funds, "实施单位": self._unit(ptype, first),
                "项目负责人": self.name(rng.choice("男男女"), D(1978, 1, 1)), "计划开工日期": start, "计划完工日期": end,
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
            self.projects.append(row)

    def _unit(self, ptype: str, village: Village) -> str:
        return {
            "产业发展": f"{village.township_name}人民政府", "就业项目": "青山县人力资源和社会保障局",
            "乡村建设": f"{village.township_name}人民政府", "易地搬迁后扶": "青山县发展和改革委员会",
            "巩固三保障成果": "青山县乡村振兴局", "项目管理费": "青山县乡村振兴局", "其他": "青山县乡村振兴局",
        }[ptype]  # fmt: skip

    # --------------------------------------------------------------------------- self-check
    def _check(self) -> None:
        """Invariants the importer enforces, plus the design of the insurance rates."""
        ids = [p.id_number for h in self.households for p in h.members]
        assert len(ids) == len(set(ids)), "duplicate person ID"
        for number in ids + [s.id_number for s in self.students]:
            ric.validate(number)
        for hh in self.households:
            assert hh.category != "监测户" or hh.monitor_type, hh.hid
            assert hh.category != "一般农户" or not hh.monitor_type, hh.hid
            for p in hh.procedures:
                assert (
                    p.county is None
                    or p.township is None
                    or p.county >= p.township
                    or hh.special == "M10"
                ), hh.hid
        for st in self.students:
            for f in ("原建档立卡", "监测户", "低保", "特困"):
                assert not (st.own.get(f) is False and st.flag(f)), (st.number, f)
        numbers = [s.number for s in self.students]
        assert len(numbers) == len(set(numbers))
        rates = self.insurance_rates()
        for include in (True, False):
            r = self.insurance_rates(include_eliminated=include)
            county = r["county"][0] / r["county"][1]
            assert 0.99 < county < 0.995, (include, r)
            assert r["411599101"][0] / r["411599101"][1] < 0.99, (include, r)
            assert all(r[t][0] / r[t][1] >= 0.99 for t in ("411599102", "411599103")), (include, r)
        del rates

    # ------------------------------------------------------------------------- boundary table
    def cases(self) -> list[Case]:
        """Every boundary case with its key, the values that decide it, and whether it is a finding."""
        S, out = self.special, []

        def hh_key(h: Household) -> str:
            return f"户编号 {h.hid}（{h.village.township_name}{h.village.name}）"

        def proc(label: str) -> Procedure:
            return S[label].procedures[0]

        def add(rule, key, values, finding, label=""):
            out.append(Case(rule, key, values, finding, label))

        for label in ("M01", "M02"):
            p = proc(label)
            n = days(p.found, p.county)
            add(
                "识别认定超过15天（风险发现→县级审批）",
                hh_key(S[label]),
                f"风险发现 {p.found}，县级审批 {p.county} → {n} 天",
                n > 15,
                label,
            )
        for label in ("M13", "M14"):
            p = proc(label)
            n = days(p.found, REF)
            add("识别认定超过15天（尚未审批，按 2023-09-30 计）", hh_key(S[label]),
                f"一般农户，风险发现 {p.found}，入户核实 {p.verified}，" + (f"公示 {p.pub_start}—{p.pub_end}，乡级审核 {p.township}，" if p.pub_start else "尚未公示，")
                + f"县级审批空 → 截至 2023-09-30 已 {n} 天", n > 15, label)  # fmt: skip
        for label in ("M03", "M04"):
            p = proc(label)
            n = days(p.county, p.entered)
            add(
                "系统录入超过10天（县级审批→系统录入）",
                hh_key(S[label]),
                f"县级审批 {p.county}，系统录入 {p.entered} → {n} 天",
                n > 10,
                label,
            )
        for label in ("M05", "M06"):
            p = proc(label)
            n = days(p.county, p.plan)
            add(
                "帮扶计划超过10天（县级审批→帮扶计划制定）",
                hh_key(S[label]),
                f"县级审批 {p.county}，帮扶计划制定 {p.plan} → {n} 天",
                n > 10,
                label,
            )
        for label in ("M07", "M08"):
            p = proc(label)
            n = days(p.pub_start, p.pub_end) + 1
            add(
                "公示少于5天",
                hh_key(S[label]),
                f"识别纳入公示 {p.pub_start}—{p.pub_end} → {n} 天（含首尾）",
                n < 5,
                label,
            )
        p = proc("M09")
        add(
            "公示日期缺失",
            hh_key(S["M09"]),
            f"识别纳入，已县级审批 {p.county}，公示开始/结束日期均为空",
            True,
            "M09",
        )
        p = proc("B1")
        n = days(p.pub_start, p.pub_end) + 1
        add(
            "公示少于5天",
            hh_key(S["B1"]),
            f"整户无劳动能力认定公示 {p.pub_start}—{p.pub_end} → {n} 天（含首尾）",
            n < 5,
            "B1",
        )
        p = proc("E3")
        n = days(p.pub_start, p.pub_end) + 1
        add(
            "公示少于5天",
            hh_key(S["E3"]),
            f"风险消除公示 {p.pub_start}—{p.pub_end} → {n} 天（含首尾）",
            True,
            "E3",
        )
        p = proc("M10")
        add(
            "数据逻辑错误：县级审批早于风险发现",
            hh_key(S["M10"]),
            f"风险发现 {p.found}，县级审批 {p.county}（早 {days(p.county, p.found)} 天）；"
            f"系统录入 {p.entered}、帮扶计划 {p.plan} 均为审批后 {days(p.county, p.entered)} 天",
            True,
            "M10",
        )
        p = proc("M11")
        add(
            "数据逻辑错误：日期晚于 2023-09-30",
            hh_key(S["M11"]),
            f"系统录入日期 {p.entered}（县级审批 {p.county}，相隔 {days(p.county, p.entered)} 天）",
            True,
            "M11",
        )
        p = proc("M12")
        add(
            "数据逻辑错误：日期晚于 2023-09-30",
            hh_key(S["M12"]),
            f"系统录入日期 {p.entered}（恰为 2023-09-30；县级审批 {p.county}，相隔 {days(p.county, p.entered)} 天）",
            False,
            "M12",
        )

        def labor_desc(h: Household) -> str:
            return "、".join(f"{p.relation}{p.labor}" for p in h.members)

        def measures_desc(h: Household) -> str:
            return "、".join(dict.fromkeys(c for c, _, _ in h.measures)) or "无"

        for label, finding in (("L1", True), ("L2", False), ("L3", False), ("L4", True)):
            h = S[label]
            kind = f"{h.category}（{h.monitor_type}，风险未消除）"
            add(
                "有劳动力的监测户未落实开发式帮扶",
                hh_key(h),
                f"{kind}；成员 {labor_desc(h)}；措施 {measures_desc(h)}",
                finding,
                label,
            )
        for label, finding in (("W1", True), ("W2", True), ("W3", False)):
            job = next(j for j in self.jobs if j[6] == label)
            p = job[0]
            add(
                "丧失劳动力/无劳动力人员安置公益岗位",
                f"证件号码 {p.id_number}（{p.name}，户 {p.household.hid}）",
                f"劳动技能 {p.labor}，岗位 {job[1]}，开始 {job[2]}",
                finding,
                label,
            )
        for label, finding in (("S1", True), ("S2", False)):
            h = S[label]
            add(
                "因病纳入未落实健康帮扶",
                hh_key(h),
                f"风险类型 {proc(label).risks}；措施 {measures_desc(h)}",
                finding,
                label,
            )
        for label, finding in (("X1", True), ("X2", False)):
            h = S[label]
            add(
                "因学纳入未落实教育帮扶",
                hh_key(h),
                f"风险类型 {proc(label).risks}；措施 {measures_desc(h)}",
                finding,
                label,
            )
        for label, finding in (("I1", True), ("I2", False), ("I3", True), ("I4", False)):
            h = S[label]
            kind = h.category + (
                f"（监测类型 {h.monitor_type}，风险未消除）" if h.monitor_type else "，未纳入监测"
            )
            add(
                "收入低于7500元未纳入监测（应纳未纳）",
                hh_key(h),
                f"{kind}，家庭年人均纯收入 {h.income:.0f} 元",
                finding,
                label,
            )
        for label, finding in (("E1", True), ("E2", False)):
            h = S[label]
            p = proc(label)
            add(
                "风险消除但收入低于7500元",
                hh_key(h),
                f"风险消除（县级审批 {p.county}），家庭年人均纯收入 {h.income:.0f} 元",
                finding,
                label,
            )
        rates = self.insurance_rates()
        for label in ("N1", "N2", "N3", "N4", "N5"):
            p = self.uninsured[label]
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
        for label, finding in (("R1", True), ("R2", False), ("R3", True)):
            h = S[label]
            add(
                "C/D级或无房户未改造",
                hh_key(h),
                f"{h.category}，住房安全等级 {h.grade}，危房改造状态 {h.renovation}",
                finding,
                label,
            )
        for label in ("R5", "R6", "R7", "R8"):
            h = S[label]
            need = rebuilt_standard(len(h.members))
            add(
                "改造后住房面积低于标准",
                hh_key(h),
                f"已竣工验收，{len(h.members)} 人，住房面积 {h.area:g}㎡（标准 ≥ {need}㎡）",
                h.area < need,
                label,
            )
        for label in ("WA1", "WA2", "WA3", "WA4", "WA5"):
            h = S[label]
            liters, minutes, ok = h.water
            finding = liters < 40 or minutes > 10 or not ok
            add(
                "饮水安全不达标",
                hh_key(h),
                f"人均日用水量 {liters:g} L，取水往返 {minutes:g} 分钟，水质达标 {'是' if ok else '否'}",
                finding,
                label,
            )
        for label in ("J1", "J2", "J6"):
            person, post, start, end, *_ = next(j for j in self.jobs if j[6] == label)
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
            person, post, start, end, sub, placements, _ = next(
                j for j in self.jobs if j[6] == label
            )
            add(
                "公益岗位安置超过2次",
                f"证件号码 {person.id_number}（{person.name}，户 {person.household.hid}）",
                f"{post}，安置次数 {placements}",
                placements > 2,
                label,
            )
        rows = [j for j in self.jobs if j[6] == "J5"]
        p = rows[0][0]
        add(
            "一人多岗",
            f"证件号码 {p.id_number}（{p.name}，户 {p.household.hid}）",
            "；".join(f"{j[1]} 自 {j[2]}（在岗）" for j in rows),
            True,
            "J5",
        )
        for label in ("C1", "C2", "C3", "C4"):
            h, amount, lent, *_ = next(x for x in self.loans if x[6] == label)
            add(
                "小额信贷超过10万元",
                hh_key(h),
                f"贷款金额 {amount:,.0f} 元，放款 {lent}",
                amount > 100000,
                label,
            )
            add(
                "小额信贷超过5万元（超出部分不贴息）",
                hh_key(h),
                f"贷款金额 {amount:,.0f} 元",
                amount > 50000,
                label,
            )
        for row in self.projects:
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
        self._student_cases(add)
        self._dropout_cases(add)
        return out

    def _student_cases(self, add) -> None:
        S = self.special_students
        paid = defaultdict(list)
        for number, item, amount, term, _ in self.payments:
            paid[number].append((term, item, amount))

        def key(st: Student) -> str:
            link = f"，户 {st.household.hid}" if st.household else "，无关联户"
            return f"学籍号 {st.number}（{st.name}，{st.school.name}{st.grade}{link}）"

        for label in ("A1", "A2"):
            st = S[label]
            items = "、".join(f"{n} {a:g}元/年" for n, a in eligible_items(st))
            got = paid[st.number]
            shown = (
                "；".join(f"{t}{i} {a:g}元" for t, i, a in got)
                or "2023年春季、秋季学期均无发放记录"
            )
            add(
                "应享未享（符合条件但本学年未发放）",
                key(st),
                f"{st.household.category}、认定困难、{'寄宿' if st.boarding else '非寄宿'}；应享 {items}；{shown}",
                not got,
                label,
            )
        for label in ("A3", "A4", "A5"):
            st = S[label]
            groups = "、".join(
                f
                for f in ("原建档立卡", "监测户", "低保", "特困", "孤儿", "事实无人抚养", "残疾")
                if st.flag(f)
            )
            add(
                "特殊困难群体学生未认定家庭经济困难",
                key(st),
                f"{groups}；家庭经济困难 = {'是' if st.hardship else '否'}",
                not st.hardship,
                label,
            )

    def _dropout_cases(self, add) -> None:
        D_ = self.dropouts_by_label()

        def key(d: Dropout) -> str:
            st = d.student
            return f"学籍号 {st.number}（{st.name}，{st.school.name}{st.grade}）"

        def attempts(d: Dropout) -> str:
            return (
                f"劝返 {len(d.persuasions)} 次（"
                + "、".join(f"{p[0]:%m-%d}{p[3]}" for p in d.persuasions)
                + "）"
            )

        def rep(d: Dropout) -> str:
            return f"报县 {d.reported}" if d.reported else "报县日期空"

        for label, finding in (("D01", True), ("D02", False), ("D04", False)):
            d = D_[label]
            add(
                "劝返不足3次仍未复学",
                key(d),
                f"{d.status}，{attempts(d)}，{rep(d)}",
                finding,
                label,
            )
        for label, finding in (("D03", True), ("D02", False)):
            d = D_[label]
            add(
                "劝返3次以上未复学且未报县联合劝返工作组",
                key(d),
                f"{d.status}，{attempts(d)}，{rep(d)}",
                finding,
                label,
            )
        for label in ("D05", "D06"):
            d = D_[label]
            add("已复学（不应报任何控辍问题）", key(d), f"{d.status}，{attempts(d)}", False, label)
        for label, finding in (("D07", False), ("D08", True), ("D09", False)):
            d = D_[label]
            add(
                "延缓入学/休学未经县级批准",
                key(d),
                f"{d.status}（{d.reason}），{rep(d)}，县级批准 {d.approved or '空'}",
                finding,
                label,
            )
        for label, finding in (("D09", False), ("D10", True)):
            d = D_[label]
            add(
                "因残延缓入学/休学未经残联评估",
                key(d),
                f"{d.status}（{d.reason}），县级批准 {d.approved}，残联评估 {d.assessed or '空'}",
                finding,
                label,
            )
        for label in ("D11", "D12", "D13"):
            d = D_[label]
            months = defaultdict(list)
            for when, _, hours, _ in d.visits:
                months[when.strftime("%Y-%m")].append(hours)
            bad = [m for m, hs in months.items() if len(hs) < 2 or min(hs) < 3]
            shown = "；".join(
                f"{m}: {len(hs)}次×" + "/".join(f"{h:g}" for h in hs) + "课时"
                for m, hs in sorted(months.items())
            )
            add(
                "送教上门每月不足2次或每次不足3课时",
                key(d),
                f"{shown}（按 --as-of 2023-10-01，判断到 2023-09）"
                + (f" → 不达标月份 {'、'.join(bad)}" if bad else ""),
                bool(bad),
                label,
            )
        for label in ("D14", "D15"):
            d = D_[label]
            add(
                "已结案（超龄离校/已销号，不应报问题）",
                key(d),
                f"{d.status}，{attempts(d)}，{rep(d)}",
                False,
                label,
            )

    # --------------------------------------------------------------------------------- output
    def sheet_rows(self) -> dict[str, list[tuple]]:
        rel_order = {
            r: i
            for i, r in enumerate(
                ("户主", "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "父亲", "母亲")
            )
        }
        regions = [(COUNTY[0], COUNTY[1], "县", None)]
        regions += [(c, n, "乡", COUNTY[0]) for c, n in TOWNSHIPS]
        regions += [(v.code, v.name, "村", v.township) for v in self.villages]
        persons = [
            p.row()
            for h in self.households
            for p in sorted(h.members, key=lambda p: (rel_order.get(p.relation, 99), p.birth))
        ]
        grade_order = {
            g: i
            for i, g in enumerate(
                [
                    *PRESCHOOL.values(),
                    *PRIMARY.values(),
                    *JUNIOR.values(),
                    *SENIOR.values(),
                    "四年级",
                ]
            )
        }
        students = sorted(
            self.students,
            key=lambda s: (s.school.code, grade_order.get(s.grade, 0), s.class_name, s.number),
        )
        procedures = [
            (h.hid, p.kind, p.risks or None, p.found, p.verified, p.pub_start, p.pub_end, p.township, p.county, p.announced, p.entered, p.plan)
            for h in self.households for p in sorted(h.procedures, key=lambda p: p.found)
        ]  # fmt: skip
        measures = [
            (h.hid, c, t, d)
            for h in self.households
            for c, t, d in sorted(h.measures, key=lambda m: (m[2], m[0]))
        ]
        dropouts = sorted(self.dropouts, key=lambda d: d.student.number)
        projects = [
            (r["项目编号"], r["项目名称"], r["项目类型"], r["实施地点"], r["建设内容及规模"], *r["funds"], r["实施单位"],
             r["项目负责人"], r["计划开工日期"], r["计划完工日期"], r["项目状态"], r["受益户数"], r["受益人数"],
             r["受益脱贫户数"], r["受益监测户数"], r["联农带农机制"], r["绩效目标"], r["资产类型"], r["监督电话"])
            for r in sorted(self.projects, key=lambda r: r["项目编号"])
        ]  # fmt: skip
        return {
            "行政区划": regions,
            "户信息": [h.row() for h in self.households],
            "人员信息": persons,
            "学校": [s.row() for s in self.schools],
            "学生": [s.row() for s in students],
            "资助发放": sorted(self.payments, key=lambda r: (r[0], r[3] != SPRING, r[1])),
            "辍学学生": [
                (d.student.number, d.found, d.reason, d.status, d.reported, d.approved, d.assessed)
                for d in dropouts
            ],
            "劝返记录": [(d.student.number, *p) for d in dropouts for p in d.persuasions],
            "送教记录": [(d.student.number, *v) for d in dropouts for v in d.visits],
            "监测帮扶": procedures,
            "帮扶措施": measures,
            "项目": projects,
            "公益岗位": [
                (p.id_number, post, s, e, sub, n) for p, post, s, e, sub, n, _ in self.jobs
            ],
            "小额信贷": [
                (h.hid, a, lent, due, ren, od)
                for h, a, lent, due, ren, od, _ in sorted(
                    self.loans, key=lambda x: (x[0].hid, x[2])
                )
            ],
        }

    def write(self, out_dir: Path) -> dict[str, int]:
        out_dir.mkdir(parents=True, exist_ok=True)
        rows = self.sheet_rows()
        for filename, names in WORKBOOKS:
            write_workbook(out_dir / filename, {n: rows[n] for n in names})
        return {name: len(r) for name, r in rows.items()}


def rebuilt_standard(size: int) -> int:
    """Minimum area (㎡) of a rebuilt house for a household of `size` persons (seed 二.三.(二).3③)."""
    return {1: 20, 2: 30, 3: 40}.get(size, 13 * size)


def generate_example(out_dir: str | Path) -> dict:
    """Write the example county's workbooks into out_dir; return counts per sheet and the boundary cases."""
    example = Example()
    counts = example.write(Path(out_dir))
    return {"counts": counts, "cases": example.cases(), "example": example}


# ------------------------------------------------------------------------------ large benchmark
def generate_large(
    out_dir: str | Path,
    persons: int = 500_000,
    students: int = 150_000,
    monitored_households: int = 20_000,
    projects: int = 2_000,
) -> dict[str, int]:
    """A county-size dataset in the same format, streamed in constant memory (XlsxWriter constant_memory).

    ~3 persons per household (sizes 3, 3, 2, 4 in turn: head, spouse, children); the children are
    the students (stage and grade from the birth date). IDs are unique by construction: each
    person's serial number picks region, birth date and sequence number, no set of used IDs.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED + 1)
    townships = [(f"411599{100 + t:03d}", f"第{t}乡镇") for t in range(1, 21)]
    villages = [
        (f"{tc}{200 + v:03d}", f"{tn[:-2]}{v}村", tc) for tc, tn in townships for v in range(1, 21)
    ]

    # Birth dates: adults 1945-01-01 + k, children 2005-09-01 + k (school ages 3–17 on 2023-08-31).
    adult_days = (D(2000, 12, 31) - D(1945, 1, 1)).days
    child_days = (D(2020, 8, 31) - D(2005, 9, 1)).days
    counters = {"adult": 0, "child": 0}

    def new_id(kind: str) -> tuple[str, D]:
        """The next unique ID of this kind: sequence numbers 000–499 for adults, 500–999 for children."""
        n = counters[kind]
        counters[kind] += 1
        span, base, offset = (
            (adult_days, D(1945, 1, 1), 0) if kind == "adult" else (child_days, D(2005, 9, 1), 500)
        )
        pair = n % 8
        k = n // 8
        birth = base + dt.timedelta(
            days=(k * 7919) % span
        )  # a stride coprime with the span spreads ages
        seq = offset + (k // span)
        if seq - offset >= 500:
            raise ValueError("too many persons for the ID space")
        body = f"{region_for(pair, birth)}{birth:%Y%m%d}{seq:03d}"
        return body + ric.calc_check_digit(body + "0"), birth

    def stage_of(birth: D) -> tuple[str, str, int]:
        age = age_on(birth, SCHOOL_YEAR_START)
        for stage, table, slot in (
            ("学前", PRESCHOOL, 0),
            ("小学", PRIMARY, 1),
            ("初中", JUNIOR, 2),
            ("普通高中", SENIOR, 3),
        ):
            if age in table:
                return stage, table[age], slot
        return "学前", "大班", 0  # ages 2 and 18 do not occur: the birth range is exact

    files = {
        "regions": Book(out / "01_区划户籍.xlsx", constant_memory=True),
        "schools": Book(out / "02_学校学生.xlsx", constant_memory=True),
        "monitor": Book(out / "03_监测帮扶.xlsx", constant_memory=True),
        "projects": Book(out / "04_项目.xlsx", constant_memory=True),
    }
    w = lambda name: [max(display_width(h), 10) + 2 for h, _ in SHEETS[name]]  # noqa: E731
    sh = {name: files[book].sheet(name, w(name)) for book, name in (
        ("regions", "行政区划"), ("regions", "户信息"), ("regions", "人员信息"),
        ("schools", "学校"), ("schools", "学生"), ("schools", "资助发放"),
        ("monitor", "监测帮扶"), ("monitor", "帮扶措施"), ("monitor", "公益岗位"), ("monitor", "小额信贷"),
        ("projects", "项目"))}  # fmt: skip
    counts: Counter = Counter()

    def add(name: str, row: tuple) -> None:
        sh[name].add(row)
        counts[name] += 1

    add("行政区划", (COUNTY[0], COUNTY[1], "县", None))
    for code, name in townships:
        add("行政区划", (code, name, "乡", COUNTY[0]))
    for code, name, parent in villages:
        add("行政区划", (code, name, "村", parent))
    schools_by_township = {}
    for i, (code, name) in enumerate(townships):
        row = []
        for slot, (stage, suffix) in enumerate(
            (("学前", "中心幼儿园"), ("小学", "中心小学"), ("初中", "初级中学"))
        ):
            sc = f"21415{i + 1:02d}{slot:03d}"
            add("学校", (sc, f"{name}{suffix}", code, stage, True if stage == "学前" else None,
                        True if stage != "学前" else None, None, None, f"0376-555{i:02d}{slot:02d}"))  # fmt: skip
            row.append(sc)
        schools_by_township[code] = row
    highs = [f"2141599{9 * 10 + k:03d}" for k in range(3)]
    for k, sc in enumerate(highs):
        add(
            "学校",
            (
                sc,
                f"青山县第{k + 1}高级中学",
                COUNTY[0],
                "普通高中",
                None,
                None,
                1600.0,
                600.0,
                "0376-5559000",
            ),
        )

    sizes = (3, 3, 2, 4)
    total_households = 0
    remaining = persons
    n_students = 0
    monitored_every = max(1, (persons // 3) // max(1, monitored_households))
    monitored_left = monitored_households
    surnames, male, female = SURNAMES, GIVEN[("男", "mid")], GIVEN[("女", "mid")]
    young_m, young_f = GIVEN[("男", "young")], GIVEN[("女", "young")]
    d2023 = D(2023, 6, 1)
    while remaining > 0:
        size = min(sizes[total_households % 4], remaining)
        total_households += 1
        hid = f"L{total_households:07d}"
        vcode, _, tcode = villages[total_households % len(villages)]
        monitored = monitored_left > 0 and total_households % monitored_every == 0
        category = (
            "监测户" if monitored else ("脱贫户" if total_households % 7 == 0 else "一般农户")
        )
        if monitored:
            monitored_left -= 1
            m_index = monitored_households - monitored_left
        surname = surnames[rng.randrange(len(surnames))]
        members = []
        head_id, _ = new_id("adult")
        members.append((head_id, "户主", surname + male[rng.randrange(len(male))]))
        if size >= 2:
            sid, _ = new_id("adult")
            members.append(
                (
                    sid,
                    "配偶",
                    surnames[rng.randrange(len(surnames))] + female[rng.randrange(len(female))],
                )
            )
        for _ in range(size - 2):
            cid, _ = new_id("child")
            members.append(
                (
                    cid,
                    "子" if int(cid[16]) % 2 else "女",
                    surname + (young_m if int(cid[16]) % 2 else young_f)[rng.randrange(20)],
                )
            )
        income = (
            float(rng.randrange(5200, 7400, 10))
            if monitored
            else float(rng.randrange(9000, 30000, 10))
        )
        add("户信息", (hid, vcode, members[0][2], head_id, category, "边缘易致贫户" if monitored else None,
                      False if monitored else None, None, None, income, None, None, None, None, None, "A",
                      float(80 + 20 * size), None, None, None, None))  # fmt: skip
        for pid, relation, name in members:
            child = relation in ("子", "女")
            labor = "无劳动力" if child else "普通劳动力"
            add(
                "人员信息",
                (
                    pid,
                    hid,
                    name,
                    relation,
                    None,
                    None,
                    labor,
                    "健康",
                    None,
                    None,
                    True,
                    None,
                    None,
                    None,
                ),
            )
            if child and n_students < students:
                n_students += 1
                birth = ric.get_birth_date(pid)
                stage, grade, slot = stage_of(birth)
                school = highs[n_students % 3] if slot == 3 else schools_by_township[tcode][slot]
                number = f"X{n_students:09d}"
                add("学生", (number, name, pid, school, stage, grade, f"{1 + n_students % 4}班", None, None,
                            monitored, None, None, None, None, None, None, None, members[0][2], None))  # fmt: skip
                if monitored and stage in ("小学", "初中"):
                    item, amount = ("非寄宿生生活补助", 250.0 if stage == "小学" else 312.5)
                    add("资助发放", (number, item, amount, AUTUMN, D(2023, 9, 25)))
        if monitored:
            found = d2023 - dt.timedelta(days=rng.randrange(150))
            add("监测帮扶", (hid, "识别纳入", "因病", found, plus(found, 1), plus(found, 2), plus(found, 6), plus(found, 7),
                          plus(found, 10), plus(found, 11), plus(found, 14), plus(found, 15)))  # fmt: skip
            add("帮扶措施", (hid, "产业帮扶", "发放产业奖补资金", plus(found, 16)))
            add("帮扶措施", (hid, "健康帮扶", "家庭医生签约服务", plus(found, 16)))
            if m_index % 5 == 0:
                add("公益岗位", (head_id, "村级保洁员", D(2022, 3, 1), None, 600.0, 1))
            if m_index % 5 == 2:
                add("小额信贷", (hid, 50000.0, D(2023, 3, 1), D(2026, 3, 1), False, False))
        remaining -= size
    for i in range(projects):
        places = "、".join(villages[(i * 7 + k * 13) % len(villages)][0] for k in range(1 + i % 2))
        add("项目", (f"XM2023{i + 1:05d}", f"第{i + 1}号衔接资金项目", ("产业发展", "乡村建设", "就业项目")[i % 3], places,
                    "建设内容及规模（示例）", round(50 + (i % 97) * 1.2345, 4), 10.0, None, 5.0, None, None, "青山县乡村振兴局",
                    None, D(2023, 3, 1), D(2023, 12, 31), ("计划", "实施中", "已完工", "已验收")[i % 4], 100, 320, 30, 5,
                    "吸纳脱贫户务工", "带动脱贫户增收", ("经营性", "公益性", "到户类")[i % 3], "12317"))  # fmt: skip
    for book in files.values():
        book.close()
    counts["households"] = total_households
    return dict(counts)


# ----------------------------------------------------------------------------------------- CLI
def readme_tables(result: dict) -> str:
    """The generated parts of data_examples/README.md, in Markdown."""
    counts, cases, ex = result["counts"], result["cases"], result["example"]
    out = ["### 各工作表行数", "", "| 文件 | 工作表 | 行数 |", "| --- | --- | ---: |"]
    for filename, names in WORKBOOKS:
        out += [f"| {filename} | {name} | {counts[name]} |" for name in names]
    out += [
        "",
        "### 区划",
        "",
        "| 区划代码 | 名称 | 级别 | 上级 | 户数 | 人数 |",
        "| --- | --- | --- | --- | ---: | ---: |",
    ]
    out.append(
        f"| {COUNTY[0]} | {COUNTY[1]} | 县 | | {len(ex.households)} | {sum(len(h.members) for h in ex.households)} |"
    )
    for code, name in TOWNSHIPS:
        hs = [h for h in ex.households if h.village.township == code]
        out.append(
            f"| {code} | {name} | 乡 | {COUNTY[0]} | {len(hs)} | {sum(len(h.members) for h in hs)} |"
        )
        for v in ex.villages:
            if v.township == code:
                vs = [h for h in hs if h.village is v]
                first, last = vs[0].hid, vs[-1].hid
                out.append(
                    f"| {v.code} | {v.name} | 村 | {code} | {len(vs)}（{first}—{last}） | {sum(len(h.members) for h in vs)} |"
                )
    out += ["", "### 学校", "", "| 学校代码 | 学校名称 | 所在区划 | 学段 | 普惠性 | 国定营养 | 学费/住宿费（元/年） | 学生数 |",
            "| --- | --- | --- | --- | --- | --- | --- | ---: |"]  # fmt: skip
    yn = lambda v: "" if v is None else ("是" if v else "否")  # noqa: E731
    for s in ex.schools:
        n = sum(1 for st in ex.students if st.school is s)
        fees = "" if s.tuition is None else f"{s.tuition:g} / {s.lodging:g}"
        out.append(
            f"| {s.code} | {s.name} | {s.region} | {s.stage} | {yn(s.inclusive)} | {yn(s.national_nutrition)} | {fees} | {n} |"
        )
    cat = Counter(h.category for h in ex.households)
    mon = Counter(h.monitor_type for h in ex.households if h.monitor_type)
    x = sum(p.id_number.endswith("X") for h in ex.households for p in h.members)
    blank = sum(not p.show_birth for h in ex.households for p in h.members)
    stages = Counter(s.stage for s in ex.students)
    out += ["", "### 其他统计", "",
            "- 户类型：" + "，".join(f"{k} {v}" for k, v in cat.items()) + "；监测类型：" + "，".join(f"{k} {v}" for k, v in mon.items()),
            f"- 风险已消除的监测户 {sum(1 for h in ex.households if h.category == '监测户' and h.risk_eliminated)}；整户无劳动能力兜底保障户 {sum(1 for h in ex.households if h.no_labor)}；"
            f"兜底类型：" + "，".join(f"{k} {v}" for k, v in Counter(h.baodi for h in ex.households if h.baodi).items()),
            f"- 身份证号末位为 X 的人员 {x} 人；出生日期留空（由身份证号推出）的人员 {blank} 人",
            "- 学生按学段：" + "，".join(f"{k} {v}" for k, v in stages.items()) + f"；与人员信息关联的学生 {sum(1 for s in ex.students if s.person)} 人",
            "- 监测帮扶程序：" + "，".join(f"{k} {v}" for k, v in Counter(p.kind for h in ex.households for p in h.procedures).items())]  # fmt: skip
    for include in (True, False):
        r = ex.insurance_rates(include_eliminated=include)
        names = {"county": "全县", **dict(TOWNSHIPS)}
        out.append(f"- 参保率（{'含' if include else '不含'}风险已消除监测户的成员）：" + "，".join(
            f"{names[k]} {a}/{b} = {a / b:.2%}" for k, (a, b) in sorted(r.items(), key=lambda kv: kv[0] != "county")))  # fmt: skip
    central = sum(r["funds"][0] for r in ex.projects)
    industry = sum(r["funds"][0] for r in ex.projects if r["项目类型"] == "产业发展")
    out.append(
        f"- 中央衔接资金合计 {central:.4f} 万元，其中产业发展 {industry:.4f} 万元，占 {industry / central:.2%}"
    )
    out += [
        "",
        "### 边界用例",
        "",
        "| 编号 | 规则 | 对象 | 数据 | 应报问题 |",
        "| --- | --- | --- | --- | --- |",
    ]
    out += [
        f"| {c.label} | {c.rule} | {c.key} | {c.values} | {'**报**' if c.finding else '不报'} |"
        for c in cases
    ]
    out += ["", "### 监测帮扶程序一览", "", "| 户编号 | 乡镇村 | 户类型 | 程序 | 风险类型 | 发现 | 公示 | 乡审 | 县批 | 录入 | 计划 | 用例 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    f = lambda d: "" if d is None else f"{d:%m-%d}"  # noqa: E731
    for h in ex.households:
        for p in h.procedures:
            pub = f"{f(p.pub_start)}—{f(p.pub_end)}" if p.pub_start else ""
            out.append(f"| {h.hid} | {h.village.township_name}{h.village.name} | {h.category} | {p.kind} | {p.risks} | {f(p.found)} | {pub} | "
                       f"{f(p.township)} | {f(p.county)} | {f(p.entered)} | {f(p.plan)} | {h.special} |")  # fmt: skip
    out += ["", "### 项目一览", "", "| 项目编号 | 项目名称 | 类型 | 实施地点 | 状态 | 资产类型 | 中央衔接资金（万元） |",
            "| --- | --- | --- | --- | --- | --- | ---: |"]  # fmt: skip
    vname = {v.code: v.township_name + v.name for v in ex.villages}
    for r in sorted(ex.projects, key=lambda r: r["项目编号"]):
        places = "、".join(f"{vname[c]}（{c}）" for c in r["实施地点"].split("、"))
        out.append(
            f"| {r['项目编号']} | {r['项目名称']} | {r['项目类型']} | {places} | {r['项目状态']} | {r['资产类型']} | {r['funds'][0]:.4f} |"
        )
    return "\n".join(out)


README_BEGIN = "<!-- BEGIN generate.py --readme -->"
README_END = "<!-- END generate.py --readme -->"


def update_readme(path: Path, tables: str) -> None:
    """Replace the text between the README's markers with freshly generated tables."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_BEGIN}\n\n{tables}\n\n{README_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(
        description="Write the example county (or a county-size benchmark) as .xlsx"
    )
    parser.add_argument("out_dir", nargs="?", default=str(here / "示例县"))
    parser.add_argument(
        "--large", metavar="DIR", help="write the county-size benchmark dataset into DIR instead"
    )
    parser.add_argument(
        "--readme", action="store_true", help="print the README tables (counts, boundary cases)"
    )
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="also rewrite the generated part of README.md beside this script",
    )
    args = parser.parse_args(argv)
    if args.large:
        counts = generate_large(args.large)
        print(", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    result = generate_example(args.out_dir)
    if args.update_readme:
        update_readme(here / "README.md", readme_tables(result))
    if args.readme:
        print(readme_tables(result))
    else:
        print(", ".join(f"{k} {v}" for k, v in result["counts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
