import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from reportgen.engine import Column, Sheet, check_template, render_xlsx, write_table_workbook
from reportgen.engine.xlsx_template import fix_xlsx_timestamps
from reportgen.errors import TemplateError


@pytest.fixture
def ledger_template(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.merge_cells("A1:F1")
    ws["A1"] = "{{ village }}项目台账"
    ws["A2"] = "编制日期：{{ date|cndate }}"
    for i, h in enumerate(["序号", "项目", "类型", "", "", "金额"], start=1):
        ws.cell(row=4, column=i, value=h)
    ws["A5"] = "{%tr for p in projects %}{{ loop.index }}"
    ws["B5"] = "{{ p.name }}"
    ws["C5"] = "{{ p.kind }}"
    ws.merge_cells("C5:E5")
    ws["F5"] = "{{ p.amount }}"
    ws["F5"].number_format = "#,##0.0000"
    ws["F5"].font = Font(name="宋体", bold=True)
    ws["G5"] = "=F5*2"
    ws.row_dimensions[5].height = 24
    ws.merge_cells("A6:E6")
    ws["A6"] = "合计"
    ws["F6"] = "=SUM(F5:F5)"
    ws["A8"] = "{{ _meta.footnote }}"
    ws.merge_cells("A8:F8")
    ws.column_dimensions["B"].width = 30
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = "4:4"
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    return path


def _ctx(n):
    return {
        "village": "王庄村",
        "date": dt.date(2023, 9, 1),
        "projects": [{"name": f"项目{i}", "kind": "产业发展", "amount": 1.5 + i} for i in range(n)],
        "_meta": {"footnote": "数据来源：测试；生成日期：2023年9月2日"},
    }


def test_region_grows_keeping_styles_merges_and_formulas(ledger_template, tmp_path):
    out = render_xlsx(ledger_template, _ctx(100), tmp_path / "out.xlsx")
    ws = load_workbook(out)["台账"]
    assert ws["A1"].value == "王庄村项目台账"
    assert ws["A2"].value == "编制日期：2023年9月1日"
    assert [ws.cell(row=r, column=1).value for r in (5, 6, 104)] == [1, 2, 100]
    assert ws["B104"].value == "项目99" and ws["F104"].value == 100.5
    assert ws["F104"].number_format == "#,##0.0000" and ws["F104"].font.b
    assert ws["G104"].value == "=F104*2"
    assert ws.row_dimensions[104].height == 24
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"C5:E5", "C104:E104", "A105:E105", "A107:F107", "A1:F1"} <= merged
    assert ws["A105"].value == "合计"
    assert ws["F105"].value == "=SUM(F5:F104)"
    assert ws["A107"].value.startswith("数据来源")
    assert ws.column_dimensions["B"].width == 30
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$4:$4"


def test_empty_region_keeps_one_blank_row(ledger_template, tmp_path):
    ws = load_workbook(render_xlsx(ledger_template, _ctx(0), tmp_path / "o.xlsx"))["台账"]
    assert ws["B5"].value is None and ws["A6"].value == "合计" and ws["F6"].value == "=SUM(F5:F5)"


def test_xlsx_output_is_deterministic(ledger_template, tmp_path):
    a = render_xlsx(ledger_template, _ctx(5), tmp_path / "a.xlsx").read_bytes()
    b = render_xlsx(ledger_template, _ctx(5), tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_bad_cell_tag_names_the_cell(ledger_template, tmp_path):
    wb = load_workbook(ledger_template)
    wb["台账"]["B2"] = "{{ date|cndate }"
    wb.save(ledger_template)
    with pytest.raises(TemplateError, match="台账!B2"):
        render_xlsx(ledger_template, _ctx(1), tmp_path / "o.xlsx")
    issues = check_template(ledger_template, sample={"village": 1, "date": 1, "projects": []})
    assert any("B2" in i.message for i in issues)


def test_check_xlsx_unknown_variable(ledger_template):
    issues = check_template(ledger_template, sample={"village": 1, "projects": []})
    assert [i.message for i in issues] == ["未知变量“date”：这类文书不提供这个变量"]


def test_formulas_below_follow_the_grown_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    wb.create_sheet("Other")
    ws["A5"] = "{%tr for r in rows %}{{ r }}"
    expected = {  # 3 items: rows below row 5 move down 2
        "B9": ("=SUM(F5:F5)", "=SUM(F5:F7)"),
        "B10": ("=F7+$F$8", "=F9+$F$10"),
        "B11": ("=F3", "=F3"),
        "B12": ("=Other!F7", "=Other!F7"),
        "B13": ('="F7"&F7', '="F7"&F9'),
    }
    for cell, (formula, _) in expected.items():
        ws[cell] = formula
    wb.save(tmp_path / "t.xlsx")
    out = load_workbook(render_xlsx(tmp_path / "t.xlsx", {"rows": [1, 2, 3]}, tmp_path / "o.xlsx"))
    got = {cell: out["S"].cell(int(cell[1:]) + 2, 2).value for cell in expected}
    assert got == {cell: want for cell, (_, want) in expected.items()}


def test_builtin_list_template(tmp_path):
    from reportgen.engine.builtin_specs import LIST_SAMPLE
    from reportgen.engine.registry import find_template

    ctx = {**LIST_SAMPLE, "rows": LIST_SAMPLE["rows"] * 3, "_meta": {"footnote": "数据来源：测试"}}
    ws = load_workbook(render_xlsx(find_template("名单").path, ctx, tmp_path / "l.xlsx")).active
    assert ws["D7"].value == "=SUM(D4:D6)"
    assert ws["E4"].value == "2023年9月1日"


def test_table_workbook(tmp_path):
    rows = [(f"学生{i}", i, 1250.5, dt.date(2023, 9, 1), True) for i in range(1000)]
    cols = [
        Column("姓名", 10),
        Column("序号", 6, "int"),
        Column("金额（元）", 12, "money"),
        Column("日期", 14, "cndate"),
        Column("寄宿", 6),
    ]

    def sheets():
        return [
            Sheet("名单", cols, iter(rows), title="学生资助名单", note="城关一中"),
            Sheet("汇总[1]", cols[:2], [("合计", 1000)]),
        ]

    a = write_table_workbook(
        tmp_path / "a.xlsx", sheets(), footer="数据来源：测试；生成日期：2023年9月2日"
    )
    b = write_table_workbook(
        tmp_path / "b.xlsx", sheets(), footer="数据来源：测试；生成日期：2023年9月2日"
    )
    assert a.read_bytes() == b.read_bytes()
    wb = load_workbook(a)
    assert wb.sheetnames == ["名单", "汇总_1_"]
    ws = wb["名单"]
    assert ws["A1"].value == "学生资助名单" and ws["A3"].value == "姓名"
    assert (
        ws["A4"].value == "学生0"
        and ws["C4"].value == 1250.5
        and ws["D4"].value == "2023年9月1日"
        and ws["E4"].value == "是"
    )
    assert ws.max_row == 1003
    assert ws.freeze_panes == "A4"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.column_dimensions["A"].width > 9
    assert ws.print_title_rows == "$1:$3"


def test_table_workbook_cells_of_every_kind(tmp_path):
    """Each column kind with awkward values, as XlsxWriter's own cells were before the list rows
    were written as ready XML (engine/xlsx_bulk.py): numbers stay numbers except in text columns,
    dates are serials only in date columns, bool is 是/否, blanks and short rows are styled blanks."""
    from decimal import Decimal

    kinds = ["text", "int", "money", "date", "cndate"]
    cols = [Column(k, 12, k) for k in kinds]
    rows = [
        ["a&b<c>", 7, Decimal("1562.50"), dt.date(2023, 9, 1), dt.date(2023, 9, 1)],
        [" 空格 ", "七", 3.25, dt.datetime(2023, 9, 1, 8, 30), "2023-09-02"],
        [True, False, None, "", None],
        [12, dt.date(2023, 9, 3), "—", "无", dt.datetime(2023, 9, 4, 1, 0)],
        ["响铃\x07", "_x0041_"],
        [10**16, 10**15 - 1, -(10**15 - 1)],  # integers either side of the fast path's limit
    ]
    path = write_table_workbook(tmp_path / "k.xlsx", [Sheet("表", cols, rows, title="题")])
    ws = load_workbook(path)["表"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert got == [
        ["text", "int", "money", "date", "cndate"],
        ["a&b<c>", 7, 1562.5, dt.datetime(2023, 9, 1), "2023年9月1日"],
        [" 空格 ", "七", 3.25, dt.datetime(2023, 9, 1, 8, 30), "2023年9月2日"],
        ["是", "否", None, None, None],
        ["12", "2023年9月3日", "—", "无", "2023年9月4日"],
        ["响铃_x0007_", "_x005F_x0041_", None, None, None],
        ["10000000000000000", 999_999_999_999_999, -999_999_999_999_999, None, None],
    ]
    assert ws["C3"].number_format == "#,##0.00" and ws["D3"].number_format == "yyyy-mm-dd"
    assert ws["B3"].number_format == "0" and ws["A3"].alignment.wrap_text
    assert all(ws.cell(7, c).border.left.style == "thin" for c in range(1, 6))  # short row
    assert ws.dimensions == "A1:E8" and ws.auto_filter.ref == "A2:E8"


def test_wrapped_rows_get_their_height(tmp_path):
    """A cell whose text wraps makes its row tall enough (viewers do not all grow such rows:
    LibreOffice printed them over the next row); short rows keep the default height."""
    from reportgen.engine.xlsx_bulk import LINE_POINTS, text_lines

    cols = [Column("学校", 10), Column("资助项目", 20), Column("金额", 10, "money")]
    long = "省定营养改善计划400元、非寄宿生生活补助250元"  # 22 characters, 6 digits: 50 units
    rows = [["一中", "国家助学金", 1], ["一中", long, 2], ["一中", "甲\n乙\n丙", 3], ["一中", long]]
    path = write_table_workbook(tmp_path / "h.xlsx", [Sheet("表", cols, rows)])
    ws = load_workbook(path)["表"]
    heights = [ws.row_dimensions[r].height for r in range(2, 6)]
    assert heights == [None, 3 * LINE_POINTS, 3 * LINE_POINTS, 3 * LINE_POINTS]
    assert text_lines(long, 20) == 3 and text_lines(long, 60) == 1 and text_lines("", 8) == 1
    assert text_lines("a" * 18, 20) == 1 and text_lines("a" * 19, 20) == 2


def test_fix_timestamps_roundtrip(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "x"
    p = tmp_path / "x.xlsx"
    wb.save(p)
    fix_xlsx_timestamps(p)
    assert load_workbook(p).active["A1"].value == "x"
