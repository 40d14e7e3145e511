"""The import format's sheets and columns, and .xlsx writing in it (byte-identical on every run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from .model import D

CREATED = dt.datetime(2023, 10, 8)  # workbook creation date: fixed so that files are byte-identical

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
        ("上年家庭年人均纯收入", "money"), ("人均工资性收入", "money"), ("人均生产经营性收入", "money"),
    ),
    "人员信息": (
        ("证件号码", "text"), ("户编号", "text"), ("姓名", "text"), ("与户主关系", "text"),
        ("性别", "text"), ("出生日期", "date"), ("劳动技能", "text"), ("健康状况", "text"),
        ("残疾等级", "text"), ("残疾类别", "text"), ("参加城乡居民基本医疗保险", "bool"),
        ("家庭医生签约", "bool"), ("务工月数", "int"), ("务工地点", "text"), ("在校生状况", "text"),
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
        # Results of completed projects (the 项目公告); last, so large.py's shorter rows still fit.
        ("实际完工日期", "date"), ("验收日期", "date"), ("已拨付资金", "wan"), ("已支付资金", "wan"),
    ),
    "项目资产": (
        ("项目编号", "text"), ("资产名称", "text"), ("资产类型", "text"), ("原值", "wan"), ("确权对象", "text"),
        ("确权日期", "date"), ("移交日期", "date"), ("运营方式", "text"), ("年收益", "wan"), ("处置日期", "date"),
        ("处置方式", "text"),
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
    ("06_项目.xlsx", ("项目", "项目资产")),
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
