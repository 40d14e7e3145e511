"""reportgen monthly: the month's 新增 / 退出 / 低保特困变化 lists, read back from the letter and the workbook."""

import datetime as dt
import re

import pytest
from builders import (
    CHILD_A,
    CHILD_B,
    HEAD_A,
    HEAD_B,
    HOUSEHOLDS,
    PERSONS,
    REGIONS,
    WIFE_A,
    db_url,
    make_id,
    write_xlsx,
)
from docx import Document
from docx.oxml.ns import qn
from docx.shared import RGBColor
from openpyxl import load_workbook

from reportgen.dataset.importer import import_paths
from reportgen.dataset.store import Dataset
from reportgen.documents.monthly import Month, parse_month
from reportgen.errors import ConfigError

HEAD_D = make_id("19600101", 7)
STEM = "输出/月报/青山县_2023年9月_监测对象新增退出名单"
FULL_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9])")
PROCEDURES = [
    ["户编号", "程序类型", "风险类型", "风险发现日期", "县级审批日期"],
    [
        "H002",
        "识别纳入",
        "因病、因学",
        "2023-08-20",
        "2023-09-01",
    ],  # first day of the month: listed
    ["H004", "识别纳入", "因灾", "2023-02-10", "2023-02-20"],
    ["H004", "风险消除", "因灾", "2023-09-10", "2023-09-30"],  # last day: listed
    ["H003", "识别纳入", "因意外事故", "2023-08-20", "2023-08-31"],  # the month before: not listed
    ["H001", "识别纳入", "因病", "2023-09-20", "2023-10-01"],  # the month after: not listed
]


def _households(baodi: dict[str, str]) -> list[list]:
    rows = [HOUSEHOLDS[0]]
    for row in HOUSEHOLDS[1:]:
        row = list(row)
        row[6] = baodi.get(row[0], "")
        rows.append(row)
    rows.append(
        [
            "H004",
            "411599102202",
            "周四海",
            HEAD_D,
            "监测户",
            "突发严重困难户",
            baodi.get("H004", ""),
            9100,
        ]
    )
    return rows


def _import(folder, baodi: dict[str, str], when: dt.datetime, procedures: bool = False):
    sheets = {"行政区划": REGIONS, "户信息": _households(baodi),
              "人员信息": PERSONS + [[HEAD_D, "H004", "周四海", "户主", "", "普通劳动力", "是"]]}  # fmt: skip
    if procedures:
        sheets["监测帮扶"] = PROCEDURES
    path = write_xlsx(folder / f"{when:%m%d}.xlsx", sheets)
    # A dataset per import, as each `reportgen import` has (the importer's staging tables are
    # temporary tables of its connection).
    dataset = Dataset.open(db_url(folder), create=True)
    try:
        import_paths(dataset, [path], now=lambda: when)
    finally:
        dataset.dispose()


ISSUER = """[county]
name = "青山县"
[issuer]
organ = "青山县乡村振兴局"
letter_number_pattern = "青乡振函〔{year}〕{n}号"
recipients.monthly = "青山县财政局、青山县卫生健康委员会、青山县医疗保障局"
contact = "王丽"
phone = "0376-5550110"
"""
BLANK = "＿" * 8


@pytest.fixture
def county(workspace, monkeypatch):
    """Imports on 9月2日 (first), 9月30日 (H001 新增低保, H002 低保→特困) and 10月1日 (H003 新增特困)."""
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    (workspace / "reportgen.toml").write_text(ISSUER, encoding="utf-8")
    _import(workspace, {"H002": "低保"}, dt.datetime(2023, 9, 2, 10), procedures=True)
    _import(workspace, {"H001": "低保", "H002": "特困"}, dt.datetime(2023, 9, 30, 23, 59))
    _import(
        workspace, {"H001": "低保", "H002": "特困", "H003": "特困"}, dt.datetime(2023, 10, 1, 8)
    )
    return workspace


def test_months():
    assert parse_month("2023-09") == Month(2023, 9)
    assert (
        parse_month("2023-9")
        == parse_month("2023/09")
        == parse_month("202309")
        == parse_month("2023年9月")
    )
    m = parse_month("2024-02")
    assert (m.label, m.start.isoformat(), m.end.isoformat()) == (
        "2024年2月",
        "2024-02-01",
        "2024-02-29",
    )
    assert parse_month("2023-12").end.isoformat() == "2023-12-31"
    for bad in ("2023-13", "2023-00", "20239", "09-2023", "2023Q3", ""):
        with pytest.raises(ConfigError, match="月份写法不对"):
            parse_month(bad)


def test_bad_month_is_a_chinese_error_with_exit_code_3(run, county):
    result = run("monthly", "--month", "2023-13")
    assert result.exit_code == 3
    assert "月份写法不对：2023-13" in result.stderr


def _tables(doc) -> list[list[list[str]]]:
    return [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]


def test_the_months_lists(run, county):
    result = run("monthly", "--month", "2023-09")
    assert result.exit_code == 0, result.output
    assert "新增监测对象 1 户，风险消除 1 户，低保、特困变化 2 户" in result.stdout
    assert [line for line in result.stdout.splitlines() if line.startswith("提示")] == []
    doc = Document(str(county / f"{STEM}.docx"))
    texts = [p.text for p in doc.paragraphs]
    # a 函 in 信函格式 (GB/T 9704-2012 10.1): the organ's name in red, its number flush right, no 签发人
    assert texts[:6] == ["青山县乡村振兴局", "青乡振函〔2023〕1号", "", "",
                         "青山县乡村振兴局关于抄送2023年9月\n防止返贫监测对象新增、退出名单的函",
                         "青山县财政局、青山县卫生健康委员会、青山县医疗保障局："]  # fmt: skip
    assert doc.paragraphs[0].runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)
    line = doc.paragraphs[0]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (line.get(qn("w:val")), line.get(qn("w:color"))) == ("thickThinSmallGap", "FF0000")
    letter = "\n".join(texts)
    # the policy quoted by its 文件名称 and 文号, no section numbers of the compilation
    assert "（豫医保〔2023〕7号）关于“加强部门间信息共享、核查比对" in letter
    assert "每月将新增、退出困难群众名单抄送同级财政、卫生健康、医保部门" in letter
    assert "二.二.(" not in letter and "梳理" not in letter and "签发人" not in letter
    assert "新识别纳入监测对象1户2人，风险消除1户1人，低保、特困变化2户5人" in letter
    i = texts.index("2023年10月8日")
    assert texts[i - 1 : i + 2] == [
        "青山县乡村振兴局",
        "2023年10月8日",
        "（联系人：王丽，电话：0376-5550110）",
    ]
    for label in ("附件1", "附件2", "附件3"):
        assert label in texts
    included, eliminated, baodi = _tables(doc)
    assert [r[2] for r in included[1:]] == ["李二河\nH002\n2人"]
    assert included[1][3:6] == ["边缘易致贫户", "因病、因学", "2023年\n9月1日"]  # broken after 年, never mid-number
    assert (
        included[1][6]
        == f"李二河（户主）{HEAD_B[:3]}{'*' * 11}{HEAD_B[-4:]}\n李小红（女）{CHILD_B[:3]}{'*' * 11}{CHILD_B[-4:]}"
    )
    assert [r[2] for r in eliminated[1:]] == ["周四海\nH004\n1人"] and eliminated[1][
        5
    ] == "2023年\n9月30日"
    assert [(r[2].split("\n")[1], r[4]) for r in baodi[1:]] == [
        ("H001", "新增低保（无→低保）"),
        ("H002", "低保转为特困（低保→特困）"),
    ]
    everything = letter + "\n".join(c for t in _tables(doc) for r in t for c in r)
    assert "H003" not in everything  # approved in August, 特困 from an October import
    assert not FULL_ID.search(everything)
    from reportgen.engine.ooxml_order import check_package

    assert check_package(county / f"{STEM}.docx") == []

    wb = load_workbook(county / f"{STEM}.xlsx")
    assert wb.sheetnames == ["新增监测对象", "风险消除", "低保特困变化", "本月指标"]
    header = [c.value for c in wb["新增监测对象"][3]]
    people = [
        dict(zip(header, r)) for r in wb["新增监测对象"].iter_rows(min_row=4, values_only=True)
    ]
    # the departmental list is for 核查比对: full ID numbers by default (DOMAIN §5)
    assert [(p["户编号"], p["姓名"], p["与户主关系"], p["证件号码"]) for p in people] == [
        ("H002", "李二河", "户主", HEAD_B),
        ("H002", "李小红", "女", CHILD_B),
    ]
    changed = [r for r in wb["低保特困变化"].iter_rows(min_row=4, values_only=True)]
    assert [r[1] for r in changed] == ["H001", "H001", "H001", "H002", "H002"]  # one row per person
    figures = {r[0]: r[1] for r in wb["本月指标"].iter_rows(min_row=3, values_only=True)}
    assert figures["本月新识别纳入监测对象（户）"] == 1 and figures["本月风险消除（户）"] == 1
    assert (
        figures["低保（户）"] == 1 and figures["特困（户）"] == 2
    )  # as now imported (H003 特困 since October)


def _letter_text(county) -> str:
    doc = Document(str(county / f"{STEM}.docx"))
    return "\n".join(
        [p.text for p in doc.paragraphs]
        + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    )


def _list_ids(county) -> set[str]:
    wb = load_workbook(county / f"{STEM}.xlsx")
    return {r[10] for r in wb["低保特困变化"].iter_rows(min_row=4, values_only=True)}


def test_the_list_carries_full_ids_unless_set_to_mask_and_the_letter_always_masks(run, county):
    full = {HEAD_A, WIFE_A, CHILD_A, HEAD_B, CHILD_B}
    assert run("monthly", "--month", "2023-09").exit_code == 0
    assert _list_ids(county) == full
    assert "含完整身份证号码" in load_workbook(county / f"{STEM}.xlsx")["低保特困变化"]["A2"].value
    assert not FULL_ID.search(_letter_text(county))
    assert "随函另送的电子名单含完整身份证号码，仅用于部门间核查比对" in _letter_text(county)

    (county / "reportgen.toml").write_text(
        ISSUER + '[ids]\nmonthly_list = "遮挡"\n', encoding="utf-8"
    )
    assert run("monthly", "--month", "2023-09").exit_code == 0
    assert _list_ids(county) == {i[:3] + "*" * 11 + i[-4:] for i in full}
    assert not FULL_ID.search(_letter_text(county))
    assert (
        "名单中的身份证号码已作遮挡处理；需逐人核查比对的，请与我局联系获取含完整号码的电子名单。"
        in _letter_text(county)
    )
    assert run("monthly", "--month", "2023-09", "--full-ids").exit_code == 0  # the option wins
    assert _list_ids(county) == full


def test_a_letter_without_issuer_leaves_its_parts_blank(run, county):
    (county / "reportgen.toml").write_text('[county]\nname = "青山县"\n', encoding="utf-8")
    result = run("monthly", "--month", "2023-09")
    assert result.exit_code == 0, result.output
    expected = [f"提示：reportgen.toml 未设置 [issuer] {key}（{label}），月报函中留空待手填"
                for key, label in (("organ", "发文机关"), ("number_pattern", "发文字号"), ("recipients.monthly", "主送机关"),
                                   ("contact", "联系人"), ("phone", "联系电话"))]  # fmt: skip
    assert [line for line in result.stdout.splitlines() if line.startswith("提示")] == expected
    texts = [p.text for p in Document(str(county / f"{STEM}.docx")).paragraphs]
    assert texts[:6] == [
        BLANK,
        BLANK,
        "",
        "",
        "关于抄送2023年9月\n防止返贫监测对象新增、退出名单的函",
        f"{BLANK}：",
    ]
    i = texts.index("2023年10月8日")
    assert texts[i - 1] == BLANK and texts[i + 1] == f"（联系人：{BLANK}，电话：{BLANK}）"
    assert "财政局" not in "\n".join(texts[:8])  # the 主送机关 are never made up


def test_a_month_without_changes(run, county):
    result = run("monthly", "--month", "2023-07")
    assert result.exit_code == 0, result.output
    doc = Document(str(county / "输出/月报/青山县_2023年7月_监测对象新增退出名单.docx"))
    texts = [p.text for p in doc.paragraphs]
    assert texts.count("本月无。") == 3 and not doc.tables
