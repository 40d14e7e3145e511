"""Excel templates with multi-row repeat blocks (`{%tr for %}` … `{%tr endfor %}` rows), nested
groups (村 → 户 with subtotals and a grand total) and `{%tr if %}` groups: the rows, formats and
formulas of each copy, everything that refers to the rows, and what is refused (issue 18)."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from reportgen.engine import check_template, render_xlsx
from reportgen.engine.docx_writer import png_from_matrix
from reportgen.errors import TemplateError

SEAL_PNG = png_from_matrix([[True, False], [False, True]])
VILLAGES = [
    {
        "name": "王庄村",
        "households": [
            {"name": "张三", "size": 3, "amount": 100},
            {"name": "李四", "size": 2, "amount": 50},
        ],
    },
    {"name": "李庄村", "households": []},
    {
        "name": "赵庄村",
        "households": [
            {"name": "赵六", "size": 4, "amount": 7},
            {"name": "钱七", "size": 1, "amount": 8},
            {"name": "孙八", "size": 2, "amount": 9},
        ],
    },
]
CTX = {"town": "城关镇", "villages": VILLAGES}


def village_ledger(path: Path, edit=None) -> Path:
    """明细: per village (rows 3–7) a header row, a one-row repeat of its households and a subtotal
    row; a grand-total row 8 below; 汇总 and defined names refer to it from outside."""
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws["A1"] = "{{ town }}到户项目资金明细"
    ws.merge_cells("A1:G1")
    for col, text in zip("ABCDEFG", ["序号", "村", "户主", "人口", "金额", "占本村", "本村累计"]):
        ws[f"{col}2"] = text
    ws["A3"] = "{%tr for v in villages %}"
    ws.merge_cells("A3:G3")  # a merged marker row goes with it
    ws["A4"] = "{{ loop.index }}"
    ws["B4"] = "{{ v.name }}"
    ws.merge_cells("B4:G4")
    ws["B4"].font = Font(bold=True)
    ws.row_dimensions[4].height = 22
    ws["A5"] = "{%tr for h in v.households %}{{ loop.index }}"
    ws["C5"] = "{{ h.name }}"
    ws["D5"] = "{{ h.size }}"
    ws["E5"] = "{{ h.amount|money }}"
    ws["F5"] = "=E5/$E$6"  # share of its own village's subtotal
    ws["F5"].number_format = "0.0%"
    ws["G5"] = "=SUM(E$5:E5)"  # running total within the village
    ws.row_dimensions[5].height = 18
    ws["C6"] = "小计"
    ws["C6"].font = Font(bold=True)
    ws["D6"] = "=SUM(D5:D5)"
    ws["E6"] = "=SUBTOTAL(9,E5:E5)"
    ws["A7"] = "{%tr endfor %}"
    ws["C8"] = "合计"
    ws["D8"] = "=SUM(D5:D5)"  # every household row of every village
    ws["E8"] = "=SUBTOTAL(9,E4:E6)"  # the whole block; SUBTOTAL skips the subtotals
    ws["F8"] = "=SUM(E6)"  # the subtotal cells
    ws["G8"] = "=COUNTA(C5:C5)"
    ws["A10"] = "（盖章）"
    seal = Image(io.BytesIO(SEAL_PNG))
    ws.add_image(seal, "B10")
    highlight = PatternFill("solid", start_color="FFFF00")
    ws.conditional_formatting.add("E5", FormulaRule(formula=["$E5>=$E$6/2"], fill=highlight))
    ws.conditional_formatting.add("E8", CellIsRule(operator="greaterThan", formula=["0"]))
    sizes = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    sizes.add("D5")
    ws.add_data_validation(sizes)
    ws.auto_filter.ref = "A2:G6"
    ws.freeze_panes = "A3"
    summary = wb.create_sheet("汇总")
    summary["B1"] = "=明细!E8"
    summary["B2"] = "=SUM(明细!E5:E5)"
    summary["B3"] = "=SUM(明细!E6)"
    summary["B4"] = "=COUNT(明细!E6)"
    summary["B5"] = "=明细!A1"
    wb.defined_names["合计金额"] = DefinedName("合计金额", attr_text="明细!$E$8")
    wb.defined_names["各户金额"] = DefinedName("各户金额", attr_text="明细!$E$5:$E$5")
    wb.defined_names["各村"] = DefinedName("各村", attr_text="明细!$A$4:$G$6")
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


@pytest.fixture
def ledger(tmp_path) -> Path:
    return village_ledger(tmp_path / "资金明细.xlsx")


def _render(path: Path, ctx=CTX):
    return load_workbook(render_xlsx(path, ctx, path.with_name("out.xlsx")))


def _column(ws, col: str, rows) -> list:
    return [ws[f"{col}{r}"].value for r in rows]


def test_villages_with_households_get_their_rows_subtotals_and_totals(ledger):
    assert check_template(ledger) == []
    assert check_template(ledger, sample={"town": "", "villages": []}) == []  # v, h are the loops'
    unknown = check_template(ledger, sample={"villages": []})
    assert [i.message for i in unknown] == ["未知变量“town”：这类文书不提供这个变量"]
    ws = _render(ledger)["明细"]
    # 1 title, 2 header | 王庄村 3, households 4–5, 小计 6 | 李庄村 7, one empty row 8, 小计 9 |
    # 赵庄村 10, households 11–13, 小计 14 | 合计 15 | 17 盖章 (template rows 8 and 10)
    assert _column(ws, "B", [3, 7, 10]) == ["王庄村", "李庄村", "赵庄村"]
    assert _column(ws, "A", range(3, 15)) == [1, 1, 2, None, 2, None, None, 3, 1, 2, 3, None]
    assert _column(ws, "C", range(3, 16)) == [
        None, "张三", "李四", "小计", None, None, "小计", None, "赵六", "钱七", "孙八", "小计", "合计",
    ]  # fmt: skip
    assert _column(ws, "E", [4, 5, 11, 12, 13]) == [100, 50, 7, 8, 9]
    assert ws["A17"].value == "（盖章）" and ws.max_row == 17
    assert {"{%tr for v in villages %}", "{%tr endfor %}"}.isdisjoint(
        c.value for row in ws.iter_rows() for c in row
    )
    # formulas in the block read their own copy
    assert _column(ws, "F", [4, 5, 8, 11, 13]) == [
        "=E4/$E$6", "=E5/$E$6", "=E8/$E$9", "=E11/$E$14", "=E13/$E$14",
    ]  # fmt: skip
    assert _column(ws, "G", [4, 5, 11, 13]) == [
        "=SUM(E$4:E4)", "=SUM(E$4:E5)", "=SUM(E$11:E11)", "=SUM(E$11:E13)",
    ]  # fmt: skip
    assert _column(ws, "D", [6, 9, 14]) == ["=SUM(D4:D5)", "=SUM(D8:D8)", "=SUM(D11:D13)"]
    assert _column(ws, "E", [6, 9, 14]) == [
        "=SUBTOTAL(9,E4:E5)", "=SUBTOTAL(9,E8:E8)", "=SUBTOTAL(9,E11:E13)",
    ]  # fmt: skip
    # the grand total below covers every copy
    assert _column(ws, "D", [15]) == ["=SUM(D4:D5,D8:D8,D11:D13)"]
    assert ws["E15"].value == "=SUBTOTAL(9,E3:E14)"
    assert ws["F15"].value == "=SUM(E6,E9,E14)"
    assert ws["G15"].value == "=COUNTA(C4:C5,C8:C8,C11:C13)"


def test_formats_heights_and_merges_are_copied_for_each_copy(ledger):
    ws = _render(ledger)["明细"]
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:G1", "B3:G3", "B7:G7", "B10:G10"}
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    assert heights == {3: 22, 7: 22, 10: 22, 4: 18, 5: 18, 8: 18, 11: 18, 12: 18, 13: 18}
    assert all(ws[c].font.b for c in ("B3", "B7", "B10", "C6", "C9", "C14"))
    assert {ws[f"F{r}"].number_format for r in (4, 5, 8, 11, 12, 13)} == {"0.0%"}
    assert ws["E11"].number_format == "#,##0.00"


def test_what_refers_to_the_block_from_elsewhere_follows_it(ledger):
    wb = _render(ledger)
    ws, summary = wb["明细"], wb["汇总"]
    assert _column(summary, "B", range(1, 6)) == [
        "=明细!E15",
        "=SUM(明细!E4:E5,明细!E8:E8,明细!E11:E13)",
        "=SUM(明细!E6,明细!E9,明细!E14)",
        "=COUNT(明细!E6,明细!E9,明细!E14)",
        "=明细!A1",
    ]
    names = {n: wb.defined_names[n].attr_text for n in ("合计金额", "各户金额", "各村")}
    assert names == {
        "合计金额": "明细!$E$15",
        "各户金额": "明细!$E$4:$E$5,明细!$E$8:$E$8,明细!$E$11:$E$13",  # one area per village
        "各村": "明细!$A$3:$G$14",
    }
    # a conditional format inside the block: one per village, its formula reading that village
    cf = {str(c.sqref): [r.formula for r in c.rules] for c in ws.conditional_formatting}
    assert cf == {
        "E4:E5": [["$E4>=$E$6/2"]],
        "E8": [["$E8>=$E$9/2"]],
        "E11:E13": [["$E11>=$E$14/2"]],
        "E15": [["0"]],
    }
    priorities = sorted(r.priority for c in ws.conditional_formatting for r in c.rules)
    assert priorities == [1, 2, 3, 4]
    assert sorted(str(v.sqref) for v in ws.data_validations.dataValidation) == [
        "D11:D13", "D4:D5", "D8",
    ]  # fmt: skip
    assert ws.auto_filter.ref == "A2:G14"
    assert ws.freeze_panes == "A3"
    assert [img.anchor._from.row for img in ws._images] == [16]  # B10 → B17 (rows from 0)


@pytest.mark.soffice
def test_libreoffice_computes_the_nested_totals(ledger, tmp_path):
    """The formulas as a spreadsheet evaluates them: LibreOffice Calc recalculates the output
    (.ci/run installs libreoffice-calc-nogui; in CI a missing Calc fails the test)."""
    many = village_ledger(tmp_path / "多村.xlsx")
    outputs = [
        render_xlsx(ledger, CTX, tmp_path / "三村.xlsx"),
        render_xlsx(
            many,
            {
                "town": "城关镇",
                "villages": [
                    {"name": f"村{i}", "households": [{"name": "户", "size": 1, "amount": i}]}
                    for i in range(1, 301)
                ],
            },
            tmp_path / "三百村.xlsx",
        ),
    ]
    # 300 villages: more pieces than a function takes arguments, so one union argument
    assert load_workbook(outputs[1])["明细"]["D903"].value.startswith("=SUM((D4:D4,D7:D7,")
    calc = tmp_path / "calc"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
         "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(calc),
         *map(str, outputs)],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if "source file could not be loaded" in result.stderr + result.stdout:
        missing = "LibreOffice Calc is not installed (libreoffice-calc-nogui)"
        pytest.fail(missing) if os.environ.get("CI") else pytest.skip(missing)
    wb = load_workbook(calc / "三村.xlsx", data_only=True)
    ws, summary = wb["明细"], wb["汇总"]
    assert _column(ws, "D", [6, 9, 14, 15]) == [5, 0, 7, 12]
    assert _column(ws, "E", [6, 9, 14, 15]) == [150, 0, 24, 174]
    assert ws["F15"].value == 174 and ws["G15"].value == 5
    assert round(ws["F4"].value, 4) == 0.6667 and round(ws["F13"].value, 4) == 0.375
    assert _column(ws, "G", [4, 5, 11, 12, 13]) == [100, 150, 7, 15, 24]
    assert _column(summary, "B", range(1, 5)) == [174, 174, 174, 3]
    big = load_workbook(calc / "三百村.xlsx", data_only=True)["明细"]
    assert big["D903"].value == 300 and big["E903"].value == 45150 and big["F903"].value == 45150


def test_a_block_with_no_items_leaves_no_rows_and_totals_stay_valid(tmp_path):
    def more(wb):
        ws = wb["明细"]
        ws["H8"] = "=SUM(D2:D6)"  # the header row and the block: the header row remains
        ws["I8"] = "=SUM(D5:D5)+1"
        ws["J8"] = "=AVERAGE(E5:E5)"
        ws["K8"] = '=SUMIF(C4:C6,"小计",E4:E6)'
        ws["L8"] = "=SUM(E6,H1)"

    path = village_ledger(tmp_path / "空.xlsx", more)
    wb = _render(path, {"town": "城关镇", "villages": []})
    ws = wb["明细"]
    assert _column(ws, "C", [2, 3]) == ["户主", "合计"] and ws["A5"].value == "（盖章）"
    assert _column(ws, "D", [3]) == ["=0"]
    assert _column(ws, "E", [3]) == ["=0"]
    assert [ws[f"{c}3"].value for c in "FGHIJKL"] == [
        "=0", "=0", "=SUM(D2:D2)", "=0+1", "=#DIV/0!", "=0", "=SUM(H1)",
    ]  # fmt: skip
    assert _column(wb["汇总"], "B", range(1, 5)) == ["=明细!E3", "=0", "=0", "=0"]
    assert wb.defined_names["各户金额"].attr_text == "#REF!"  # as Excel after deleting the rows
    assert [str(c.sqref) for c in ws.conditional_formatting] == ["E3"]
    assert ws.data_validations.dataValidation == []
    assert ws.auto_filter.ref == "A2:G2"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:G1"}


def test_a_block_of_several_rows_per_item(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A1"] = "姓名"
    ws["A2"] = "{%tr for p in people %}"
    ws["A3"] = "{{ p.name }}"
    ws["A3"].hyperlink = "https://example.com/户"
    ws["B3"] = "{{ p.amount }}"
    ws["C3"] = "=B3*2"
    ws["A4"] = "备注：{{ p.note }}"
    ws.merge_cells("A4:C4")
    ws["D4"] = "=B3+C3"  # a row of the same copy above it
    ws.row_dimensions[4].height = 30
    ws["A5"] = "{%tr endfor %}"
    ws["A6"] = "合计"
    ws["B6"] = "=SUM(B3:B4)"
    ws["D6"] = "=SUM(D3:D4)"
    wb.save(tmp_path / "名单.xlsx")
    people = [{"name": n, "amount": a, "note": f"{n}的备注"} for n, a in (("甲", 1), ("乙", 2))]
    out = _render(tmp_path / "名单.xlsx", {"people": people})["名单"]
    assert _column(out, "A", range(1, 7)) == [
        "姓名", "甲", "备注：甲的备注", "乙", "备注：乙的备注", "合计",
    ]  # fmt: skip
    assert _column(out, "C", [2, 4]) == ["=B2*2", "=B4*2"]
    assert _column(out, "D", [3, 5, 6]) == ["=B2+C2", "=B4+C4", "=SUM(D2:D5)"]
    assert out["B6"].value == "=SUM(B2:B5)"
    assert {str(r) for r in out.merged_cells.ranges} == {"A3:C3", "A5:C5"}
    assert {r: d.height for r, d in out.row_dimensions.items() if d.height} == {3: 30, 5: 30}
    links = [(c.hyperlink.ref, c.hyperlink.target) for c in out["A"] if c.hyperlink]
    assert links == [("A2", "https://example.com/户"), ("A4", "https://example.com/户")]


def test_a_name_merged_beside_its_households_stretches_over_them(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for v in villages %}"
    ws["A2"] = "{{ v.name }}"
    ws["B2"] = "户数：{{ v.households|length }}"
    ws["B3"] = "{%tr for h in v.households %}{{ h.name }}"
    ws.merge_cells("A2:A3")
    ws["A4"] = "{%tr endfor %}"
    ws["A5"] = "完"
    wb.save(tmp_path / "t.xlsx")
    out = _render(tmp_path / "t.xlsx").active
    assert {str(r) for r in out.merged_cells.ranges} == {"A1:A3", "A4:A5", "A6:A9"}
    assert _column(out, "A", [1, 4, 6, 10]) == ["王庄村", "李庄村", "赵庄村", "完"]
    assert _column(out, "B", range(1, 10)) == [
        "户数：2", "张三", "李四", "户数：0", None, "户数：3", "赵六", "钱七", "孙八",
    ]  # fmt: skip


def test_if_groups_keep_the_rows_of_the_branch_that_holds(tmp_path):
    wb = Workbook()
    ws = wb.active
    rows = [
        "{{ title }}",
        "{%tr if note %}",
        "说明：{{ note }}",
        "{%tr elif urgent %}",
        "（急件）",
        "{%tr else %}",
        "（无说明）",
        "{%tr endif %}",
        "{%tr for p in people %}",
        "{{ p.name }}",
        "{%tr if p.remark %}",
        "  备注：{{ p.remark }}",
        "{%tr endif %}",
        "{%tr endfor %}",
        "合计",
    ]
    for i, text in enumerate(rows, start=1):
        ws.cell(i, 1, text)
    ws["B10"] = "{{ p.amount }}"
    ws["B15"] = "=SUM(B10:B12)"
    ws["C15"] = '=SUMIF(A10:A12,"甲",B10:B12)'  # all rows of the block that make output: one area
    wb.save(tmp_path / "t.xlsx")
    people = [
        {"name": "甲", "amount": 1, "remark": "外出务工"},
        {"name": "乙", "amount": 2, "remark": ""},
        {"name": "丙", "amount": 4, "remark": "新增"},
    ]

    def render(**ctx):
        out = _render(tmp_path / "t.xlsx", {"title": "名单", "people": people, **ctx}).active
        return [out.cell(r, 1).value for r in range(1, out.max_row + 1)], out

    got, out = render(note="见附件", urgent=True)
    assert got == [
        "名单",
        "说明：见附件",
        "甲",
        "  备注：外出务工",
        "乙",
        "丙",
        "  备注：新增",
        "合计",
    ]
    assert (out["B8"].value, out["C8"].value) == ("=SUM(B3:B7)", '=SUMIF(A3:A7,"甲",B3:B7)')
    assert render(note="", urgent=True)[0][:2] == ["名单", "（急件）"]
    assert render(note="", urgent=False)[0][:2] == ["名单", "（无说明）"]
    assert check_template(tmp_path / "t.xlsx") == []


def test_the_one_row_form_keeps_working_and_reads_as_before(tmp_path):
    """Tag and content in one cell repeats that row; other sheets reading one of its cells get the
    first item (as before); SUM over it stretches; an empty list keeps one empty row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A2"] = "{%tr for r in rows %}{{ r }}"
    ws["B2"] = '=A2&"号"'
    ws["A3"] = "=SUM(A2:A2)"
    other = wb.create_sheet("汇总")
    other["A1"] = "=名单!A2"
    other["A2"] = "=SUM(名单!A2)"
    wb.save(tmp_path / "t.xlsx")
    out = _render(tmp_path / "t.xlsx", {"rows": [1, 2, 3]})
    assert _column(out["名单"], "B", [2, 3, 4]) == ['=A2&"号"', '=A3&"号"', '=A4&"号"']
    assert out["名单"]["A5"].value == "=SUM(A2:A4)"
    assert _column(out["汇总"], "A", [1, 2]) == ["=名单!A2", "=SUM(名单!A2:A4)"]
    empty = _render(tmp_path / "t.xlsx", {"rows": []})["名单"]
    assert empty["A2"].value is None and empty["A3"].value == "=SUM(A2:A2)"


def _refused(path: Path, ctx=CTX) -> str:
    """What render refuses, which `templates check` reports too; named by the template's cell."""
    issues = [i.message for i in check_template(path)]
    with pytest.raises(TemplateError) as err:
        render_xlsx(path, ctx, path.with_name("out.xlsx"))
    assert not path.with_name("out.xlsx").exists()
    prefix = f"Excel 模板 {path.name}："
    assert err.value.message.startswith(prefix)
    message = err.value.message[len(prefix) :]
    assert message in issues, issues
    return message


def _cells(**values):
    def edit(wb):
        for where, value in values.items():
            wb["明细"][where] = value

    return edit


def _picture_in_block(wb):
    wb["明细"].add_image(Image(io.BytesIO(SEAL_PNG)), "F6")


def _table_over_block(wb):
    wb["明细"].add_table(Table(displayName="户表", ref="C2:E6"))


def _chart_over_part(wb):
    chart = BarChart()
    chart.add_data(Reference(wb["明细"], min_col=5, min_row=5, max_row=6))
    wb["明细"].add_chart(chart, "I10")


def _name_on_one_cell(wb):
    wb.defined_names["王庄小计"] = DefinedName("王庄小计", attr_text="明细!$E$6")


def _rule_on_a_subtotal(wb):
    wb["明细"].conditional_formatting.add("G8", FormulaRule(formula=["$E$6>0"], font=Font(b=True)))


def _merge_across(wb):
    wb["明细"].merge_cells("H6:H8")


REFUSED = [
    (
        _cells(A7=None),
        "明细!A3 的“{%tr for v in villages %}”开始了一个多行重复区，但下面没有 {%tr endfor %}",
    ),
    (_cells(A9="{%tr endfor %}"), "明细!A9 的“{%tr endfor %}”前面没有与它配对的 {%tr for … %}"),
    (_cells(A9="{%tr endif %}"), "明细!A9 的“{%tr endif %}”前面没有与它配对的 {%tr if … %}"),
    (_cells(A9="{%tr else %}"), "明细!A9 的“{%tr else %}”前面没有与它配对的 {%tr if … %}"),
    (
        _cells(A7="{%tr endif %}"),
        "明细!A7 的“{%tr endif %}”与第3行的“{%tr for v in villages %}”不配对",
    ),
    (
        _cells(A7="{%tr endfor %}", C7="合计"),
        "明细!A7 的“{%tr endfor %}”要单独占一行：生成时这一行整行删去，同一行的“合计”（明细!C7）会丢失",
    ),
    (
        _cells(A9="{%tr if show %}说明", A10="{%tr endif %}", A11=None),
        "明细!A9 的“{%tr if show %}”要单独占一行：生成时这一行整行删去，同一格里的“说明”会丢失",
    ),
    (
        _cells(A9="{%tr if a %}", B9="{%tr if b %}"),
        "明细!A9 所在的第9行有 2 个 {%tr %} 标签",
    ),
    (
        _cells(A9="{%tr set x = 1 %}"),
        "明细!A9 的“{%tr set x = 1 %}”：Excel 模板不认识这个 {%tr %} 标签",
    ),
    (
        _cells(A9="第{%tr for x in xs %}"),
        "明细!A9 的“第{%tr for x in xs %}”：{%tr for … %} 要写在单元格的开头",
    ),
    (_cells(A9="{%tr for x in xs"), "明细!A9 的“{%tr for x in xs”：{%tr … %} 标签没有闭合"),
    (
        _merge_across,
        "明细!H6：合并单元格 H6:H8 跨过了“明细”第3行 {%tr for v in villages %} 到第7行 "
        "{%tr endfor %} 的重复区的边界",
    ),
    (
        _cells(B9="{{ v.name }}"),
        "明细!B9 用到了重复区变量“v”，但这一格不在“明细”第3行 {%tr for v in villages %} 到第7行 "
        "{%tr endfor %} 的重复区里，不会按每一项重复",
    ),
    (
        _cells(A9="{%tr for h in v.households %}{{ h.name }}"),
        "明细!A9 用到了重复区变量“v”，但这一格不在“明细”第3行",
    ),
    (
        _cells(B9="{{ h.name }}"),
        "明细!B9 用到了重复行变量“h”，但这一格不在重复行（第5行）里",
    ),
    (
        _cells(H8="=E6*2"),
        "明细!H8 的公式“=E6*2”引用了 E6：这一格在“明细”第3行 {%tr for v in villages %} 到第7行 "
        "{%tr endfor %} 的重复区里，生成后有很多份，不知道该用哪一份。要把每一份合起来，请把它写在 "
        "SUM、COUNT、COUNTA、AVERAGE、MAX、MIN 或 SUBTOTAL 的括号里（如 SUM(E6)）",
    ),
    (
        _cells(H8='=SUMIF(C5:C5,"张三",E5:E5)'),
        '明细!H8 的公式“=SUMIF(C5:C5,"张三",E5:E5)”引用了 C5:C5：只包含“明细”第3行 '
        "{%tr for v in villages %} 到第7行 {%tr endfor %} 的重复区的一部分行，生成后是互不相连的多块",
    ),
    (
        _cells(H6="=E5"),  # the subtotal row reading one household: which one?
        "明细!H6 的公式“=E5”引用了 E5：这一格在“明细”第5行的重复行里，生成后有很多份",
    ),
    (
        _rule_on_a_subtotal,  # the total row's format reading one village's subtotal: which?
        "明细!G8 的条件格式公式“$E$6>0”引用了 $E$6：这一格在“明细”第3行",
    ),
    (
        _cells(H8="=A7"),
        "明细!H8 的公式“=A7”引用了 A7：“明细”第7行是 {%tr endfor %} 标签行，生成时整行删去",
    ),
    (
        lambda wb: wb["汇总"].__setitem__("C1", "=明细!D6"),
        "汇总!C1 的公式“=明细!D6”引用了 明细!D6：这一格在“明细”第3行",
    ),
    (
        _table_over_block,
        "明细!C2:E6：Excel 表格“户表”（插入 → 表格）与“明细”第3行 {%tr for v in villages %} 到第7行 "
        "{%tr endfor %} 的重复区重叠",
    ),
    (_picture_in_block, "明细!F6：图片放在“明细”第3行 {%tr for v in villages %} 到第7行"),
    (_chart_over_part, "“明细”上图表的数据区域“'明细'!$E$5:$E$6”引用了 '明细'!$E$5:$E$6：只包含"),
    (_name_on_one_cell, "名称“王庄小计”（公式 → 名称管理器）“明细!$E$6”引用了 明细!$E$6：这一格在"),
]


@pytest.mark.parametrize(("edit", "expected"), REFUSED, ids=[str(i) for i in range(len(REFUSED))])
def test_what_render_refuses_check_reports_at_the_template_cell(tmp_path, edit, expected):
    path = village_ledger(tmp_path / "资金明细.xlsx", edit)
    assert expected in _refused(path)


def test_a_list_that_fails_names_its_template_cell(tmp_path):
    path = village_ledger(tmp_path / "资金明细.xlsx", _cells(A5="{%tr for h in v.nosuch %}{{ h }}"))
    assert check_template(path) == []
    with pytest.raises(TemplateError, match=r"明细!A5：.*nosuch"):
        render_xlsx(path, CTX, tmp_path / "out.xlsx")
    with pytest.raises(TemplateError, match=r"明细!A3.*模板变量“villages”未定义"):
        render_xlsx(path, {"town": "城关镇"}, tmp_path / "out.xlsx")
    with pytest.raises(
        TemplateError, match=r"明细!C5.*h"
    ):  # a cell below grown rows: its own place
        render_xlsx(
            village_ledger(path, _cells(C5="{{ h.name.nosuch }}")), CTX, tmp_path / "o.xlsx"
        )


def test_a_union_too_long_for_excel_is_refused_at_render(tmp_path):
    path = village_ledger(tmp_path / "资金明细.xlsx")
    villages = [{"name": f"村{i}", "households": [{"name": "户", "size": 1, "amount": 1}]}
                for i in range(1200)]  # fmt: skip
    with pytest.raises(TemplateError) as err:
        render_xlsx(path, {"town": "城关镇", "villages": villages}, tmp_path / "out.xlsx")
    assert (
        "明细!D8 的公式生成后有" in err.value.message
        and "超过 Excel 的上限 8192" in err.value.message
    )


def test_nested_output_is_the_same_bytes_each_time(ledger, tmp_path):
    a = render_xlsx(ledger, CTX, tmp_path / "a.xlsx").read_bytes()
    assert a == render_xlsx(ledger, CTX, tmp_path / "b.xlsx").read_bytes()
