"""Small, explicit input files for tests: a tiny county and helpers to write sheets; helpers to
read the test's database on either backend."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from stdnum.cn import ric


def make_id(birth: str, seq: int = 1, region: str = "411521", female: bool = False) -> str:
    """A valid 18-character resident ID born on `birth` (YYYYMMDD)."""
    order = seq * 2 % 1000 if female else (seq * 2 + 1) % 1000
    body = f"{region}{birth}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


D = dt.date

REGIONS = [
    ["区划代码", "名称", "级别", "上级区划代码"],
    ["411599", "青山县", "县", ""],
    ["411599101", "城关镇", "乡", "411599"],
    ["411599102", "河口乡", "乡", "411599"],
    ["411599101201", "王庄村", "村", "411599101"],
    ["411599102201", "王庄村", "村", "411599102"],
    ["411599102202", "李湾村", "村", "411599102"],
]

HEAD_A = make_id("19750304", 1)
WIFE_A = make_id("19780512", 2, female=True)
CHILD_A = make_id("20100901", 3)
HEAD_B = make_id("19680101", 4)
CHILD_B = make_id("20070615", 5, female=True)
HEAD_C = make_id("19801111", 6)

HOUSEHOLDS = [
    [
        "户编号",
        "村区划代码",
        "户主姓名",
        "户主证件号码",
        "户类型",
        "监测类型",
        "兜底类型",
        "家庭年人均纯收入",
    ],
    ["H001", "411599101201", "张大山", HEAD_A, "脱贫户", "", "", 9800],
    ["H002", "411599102201", "李二河", HEAD_B, "监测户", "边缘易致贫户", "低保", 7100],
    ["H003", "411599102202", "王小川", HEAD_C, "一般农户", "", "", 12000],
]

PERSONS = [
    [
        "证件号码",
        "户编号",
        "姓名",
        "与户主关系",
        "出生日期",
        "劳动技能",
        "参加城乡居民基本医疗保险",
    ],
    [HEAD_A, "H001", "张大山", "户主", D(1975, 3, 4), "普通劳动力", "是"],
    [WIFE_A, "H001", "刘秀英", "配偶", "", "普通劳动力", "是"],
    [CHILD_A, "H001", "张小明", "子", "2010/9/1", "无劳动力", "是"],
    [HEAD_B, "H002", "李二河", "户主", "1968年1月1日", "弱劳动力或半劳动力", "是"],
    [CHILD_B, "H002", "李小红", "女", "", "无劳动力", "是"],
    [HEAD_C, "H003", "王小川", "户主", "", "技能劳动力", "否"],
]

SCHOOLS = [
    [
        "学校代码",
        "学校名称",
        "所在区划代码",
        "学段",
        "国定营养改善计划",
        "学费标准",
        "住宿费标准",
        "资助咨询电话",
    ],
    ["S01", "城关镇第一初级中学", "411599101", "初中", "否", "", "", "0376-5550101"],
    ["S02", "青山县第一高级中学", "411599101", "普通高中", "", 1600, 400, "0376-5550102"],
]

STUDENTS = [
    [
        "学籍号",
        "姓名",
        "证件号码",
        "学校代码",
        "学段",
        "年级",
        "班级",
        "寄宿生",
        "家庭经济困难",
        "原建档立卡",
        "低保",
    ],
    ["G001", "张小明", CHILD_A, "S01", "初中", "七年级", "1班", "是", "是", "", ""],
    ["G002", "李小红", CHILD_B, "S02", "普通高中", "高一", "2班", "否", "否", "", "是"],
]


def tiny_county(folder: Path) -> Path:
    """A valid two-file county: regions + households/persons, schools/students."""
    write_xlsx(
        folder / "区划与户.xlsx", {"行政区划": REGIONS, "户信息": HOUSEHOLDS, "人员信息": PERSONS}
    )
    write_xlsx(folder / "学校学生.xlsx", {"学校": SCHOOLS, "学生": STUDENTS})
    return folder


def full_county(folder: Path) -> Path:
    """The tiny county plus one or two rows in every other sheet of DOMAIN §2."""
    tiny_county(folder)
    write_xlsx(
        folder / "其他.xlsx",
        {
            "资助发放": [
                ["学籍号", "资助项目", "金额", "学期", "发放日期"],
                ["G001", "寄宿生生活补助", 625, "2023年秋季学期", D(2023, 10, 20)],
            ],
            "辍学学生": [
                ["学籍号", "发现日期", "辍学原因", "当前状态", "报县联合劝返工作组日期"],
                ["G001", D(2023, 9, 4), "厌学", "劝返中", ""],
            ],
            "劝返记录": [
                ["学籍号", "劝返日期", "劝返人员", "劝返方式", "劝返结果"],
                ["G001", D(2023, 9, 5), "班主任王老师", "入户", "未返校"],
            ],
            "送教记录": [
                ["学籍号", "送教日期", "送教教师", "课时", "送教内容"],
                ["G001", D(2023, 9, 12), "李老师", 3, "语文"],
            ],
            "监测帮扶": [
                ["户编号", "程序类型", "风险类型", "风险发现日期", "县级审批日期"],
                ["H002", "识别纳入", "因病、因学", D(2023, 8, 1), D(2023, 8, 16)],
            ],
            "帮扶措施": [
                ["户编号", "措施类别", "措施内容", "落实日期"],
                ["H002", "健康帮扶", "家庭医生签约", D(2023, 8, 20)],
            ],
            "项目": [
                [
                    "项目编号",
                    "项目名称",
                    "项目类型",
                    "实施地点",
                    "建设内容及规模",
                    "中央衔接资金",
                    "实施单位",
                ],
                [
                    "XM001",
                    "王庄村道路硬化",
                    "乡村建设",
                    "411599101201、411599102201",
                    "硬化道路 2 公里",
                    12.3456,
                    "城关镇人民政府",
                ],
            ],
            "项目资产": [["项目编号", "资产名称", "资产类型"], ["XM001", "村内道路", "公益性资产"]],
            "公益岗位": [
                ["证件号码", "岗位名称", "开始日期", "月补贴", "安置次数"],
                [HEAD_B, "保洁员", D(2022, 1, 1), 500, 1],
            ],
            "小额信贷": [
                ["户编号", "贷款金额", "放款日期", "逾期"],
                ["H001", 50000, D(2023, 3, 1), "否"],
            ],
        },
    )
    return folder


# ----------------------------------------------------------------------------- the test's database
# Tests run on SQLite and on PostgreSQL (tests/conftest.py): they read the database through these
# helpers, which open the URL the CLI uses in that workspace (REPORTGEN_DB, reportgen.toml, default).

# For the few tests about SQLite itself (its file, or nothing in the database at all).
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def db_url(workspace: Path) -> str:
    from reportgen.config import load_settings

    return load_settings(workspace).db_url


def _plain(value: object) -> object:
    """A value as SQLite stores it, whichever the backend: dates ISO text, booleans 0/1, numbers
    int or float, JSON text; so one assertion holds on both."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def db_rows(workspace: Path, sql: str, **params: object) -> list[tuple]:
    """Rows of a query (named parameters, `:name`) on the workspace's database, values plain."""
    engine = sa.create_engine(db_url(workspace))
    try:
        with engine.connect() as conn:
            return [tuple(map(_plain, r)) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def db_execute(workspace: Path, *statements: str) -> None:
    """Run statements on the workspace's database in one transaction (to damage or age it)."""
    engine = sa.create_engine(db_url(workspace))
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def db_snapshot(workspace: Path) -> dict[str, list] | None:
    """Every row of every table, for 'nothing changed' assertions (None: no SQLite file yet, {}:
    an empty database). PostgreSQL sequences are left out: a rolled-back transaction does not give
    back the numbers it drew."""
    url = db_url(workspace)
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database).exists():
        return None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: sorted(
                    repr(tuple(map(_plain, r)))
                    for r in conn.execute(sa.text(f'select * from "{t}"'))
                )
                for t in sorted(sa.inspect(conn).get_table_names())
            }
    finally:
        engine.dispose()


def bad_template(workspace: Path, template: str, who: str, variable: str = "name") -> None:
    """A workspace copy of a built-in Word template that fails to render the record whose
    `variable` is `who` (an undefined attribute is looked up for that record only)."""
    from reportgen.paths import builtin_templates_dir

    folder = workspace / "templates"
    folder.mkdir(exist_ok=True)
    src = builtin_templates_dir() / "docx" / f"{template}.docx"
    tag = "{{ " + variable + " }}"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(folder / src.name, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                text = data.decode()
                assert tag in text
                bad = f'{tag}{{% if {variable} == "{who}" %}}{{{{ missing.attr }}}}{{% endif %}}'
                data = text.replace(tag, bad, 1).encode()
            out.writestr(name, data)


def expect_refused(run, workspace: Path, path: Path, *expected_lines: str):
    """Import `path`: refused with exit 4, every expected line on stderr, the database unchanged
    (a first import that fails may leave the empty tables behind)."""
    before = db_snapshot(workspace)
    result = run("import", str(path))
    assert result.exit_code == 4, result.output
    assert "数据库未作任何改动" in result.stderr
    for line in expected_lines:
        assert line in result.stderr, f"{line!r} not in:\n{result.stderr}"
    if before:
        assert db_snapshot(workspace) == before
    return result
