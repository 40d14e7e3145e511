"""Excel templates whose repeat row grows: what refers to the grown rows from elsewhere follows them
(formulas on other sheets, defined names, conditional formats, data validations, pictures), and
`{{ x|money }}` alone in a cell stays a number that SUM adds up (issue 18, item 3)."""

import io
import warnings
import zipfile
from decimal import Decimal

import openpyxl.drawing.image
import openpyxl.reader.drawings
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from reportgen.engine import ENV, check_template, render_xlsx
from reportgen.engine.docx_writer import png_from_matrix
from reportgen.errors import TemplateError

N = 10  # records: the repeat row 3 becomes rows 3..12, the total row 4 becomes row 13
SEAL_PNG = png_from_matrix([[True, False], [False, True]])


def _picture(anchor: str) -> Image:
    img = Image(io.BytesIO(SEAL_PNG))
    img.anchor = anchor
    return img


def make_template(path, pictures: bool = True):
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws["A1"] = "{{ village }}资金明细"
    ws["A2"], ws["B2"], ws["C2"] = "序号", "姓名", "金额（元）"
    ws["A3"] = "{%tr for r in rows %}{{ loop.index }}"
    ws["B3"] = "{{ r.name }}"
    ws["C3"] = "{{ r.amount|money }}"
    ws["D3"] = "{{ r.amount|money }}元"  # mixed with text: stays text
    ws["A4"] = "合计"
    ws["C4"] = "=SUM(C3:C3)"
    ws["A6"] = "（盖章）"
    ws.conditional_formatting.add("C3", CellIsRule(operator="greaterThan", formula=["1000"]))
    ws.conditional_formatting.add("A3:C3", CellIsRule(operator="lessThan", formula=["$C3"]))
    ws.conditional_formatting.add("C4", CellIsRule(operator="greaterThan", formula=["$C$4"]))
    on_row = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    on_row.add("C3")
    below = DataValidation(type="list", formula1="$H$6:$H$7")
    below.add("D6")
    ws.add_data_validation(on_row)
    ws.add_data_validation(below)
    ws["H6"], ws["H7"] = "是", "否"
    if pictures:
        ws.add_image(_picture("B6"), "B6")  # the seal, below the table
        ws.add_image(_picture("E1"), "E1")  # a logo above the table
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=3, min_row=3, max_row=3))
        ws.add_chart(chart, "E8")
    ws.auto_filter.ref = "A2:C3"
    other = wb.create_sheet("名册")
    other["A1"], other["A2"] = "姓名", "{%tr for r in rows %}{{ r.name }}"
    other["A3"], other["B3"] = "人数", "=COUNTA(A2:A2)"
    other.add_table(Table(displayName="名册表", ref="A1:A2"))  # an Excel table (插入 → 表格)
    summary = wb.create_sheet("汇总")
    summary["B1"] = "=SUM(明细!C3:C3)"
    summary["B2"] = "=明细!C4"
    summary["B3"] = "='明细'!$C$4*2"
    summary["B4"] = "=明细!A1"  # above the repeat row: stays
    summary["B5"] = "=C3+C4"  # this sheet's own C3/C4: not 明细's
    summary["B6"] = "=SUM(明细!C3:C3)/COUNT(明细!C3:C3)"
    pick = DataValidation(type="list", formula1="明细!$B$3:$B$3")
    pick.add("C1")
    summary.add_data_validation(pick)
    wb.defined_names["合计金额"] = DefinedName("合计金额", attr_text="明细!$C$4")
    wb.defined_names["金额列"] = DefinedName("金额列", attr_text="'明细'!$C$3:$C$3")
    wb.defined_names["汇总格"] = DefinedName("汇总格", attr_text="汇总!$C$4")
    summary.defined_names["本表合计"] = DefinedName("本表合计", attr_text="明细!$C$4")
    wb.save(path)
    return path


def _ctx(n=N):
    amounts = [Decimal("1250"), 1234.567, 0.005, 3, 99999.999, 10, 20.5, 30, 40, 50]
    return {
        "village": "王庄村",
        "rows": [{"name": f"户{i + 1}", "amount": amounts[i % len(amounts)]} for i in range(n)],
    }


@pytest.fixture
def rendered(tmp_path):
    tpl = make_template(tmp_path / "资金.xlsx")
    return load_workbook(render_xlsx(tpl, _ctx(), tmp_path / "out.xlsx"))


def test_template_with_pictures_checks_clean_and_renders_the_same_bytes(tmp_path):
    tpl = make_template(tmp_path / "资金.xlsx")
    assert check_template(tpl) == []
    a = render_xlsx(tpl, _ctx(), tmp_path / "a.xlsx").read_bytes()
    assert a == render_xlsx(tpl, _ctx(), tmp_path / "b.xlsx").read_bytes()


def test_formulas_on_other_sheets_follow_the_grown_rows(rendered):
    assert rendered["明细"]["C13"].value == "=SUM(C3:C12)"
    s = rendered["汇总"]
    assert s["B1"].value == "=SUM(明细!C3:C12)"
    assert s["B2"].value == "=明细!C13"
    assert s["B3"].value == "='明细'!$C$13*2"
    assert s["B4"].value == "=明细!A1"
    assert s["B5"].value == "=C3+C4"
    assert s["B6"].value == "=SUM(明细!C3:C12)/COUNT(明细!C3:C12)"
    assert s.data_validations.dataValidation[0].formula1 == "明细!$B$3:$B$12"


def test_defined_names_follow_the_grown_rows(rendered):
    assert rendered.defined_names["合计金额"].attr_text == "明细!$C$13"
    assert rendered.defined_names["金额列"].attr_text == "'明细'!$C$3:$C$12"
    assert rendered.defined_names["汇总格"].attr_text == "汇总!$C$4"
    assert rendered["汇总"].defined_names["本表合计"].attr_text == "明细!$C$13"


def test_conditional_formats_and_validations_cover_generated_rows(rendered):
    ws = rendered["明细"]
    cf = {str(c.sqref): [r.formula for r in c.rules] for c in ws.conditional_formatting}
    assert cf == {"C3:C12": [["1000"]], "A3:C12": [["$C3"]], "C13": [["$C$13"]]}
    dv = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert dv == {"C3:C12": "0", "D15": "$H$15:$H$16"}
    assert (ws["H15"].value, ws["H16"].value) == ("是", "否")
    assert ws.auto_filter.ref == "A2:C12"
    roster = rendered["名册"]
    assert roster.tables["名册表"].ref == "A1:A11"
    assert (roster["A11"].value, roster["B12"].value) == ("户10", "=COUNTA(A2:A11)")


def test_pictures_and_charts_below_move_down_those_above_stay(rendered):
    ws = rendered["明细"]
    assert ws["A15"].value == "（盖章）"
    rows = sorted((img.anchor._from.row, img.anchor._from.col) for img in ws._images)
    assert rows == [(0, 4), (14, 1)]  # E1 stays; the seal B6 → B15 (rows count from 0)
    assert [c.anchor._from.row for c in ws._charts] == [16]  # E8 → E17
    assert ws._charts[0].series[0].val.numRef.f == "'明细'!$C$3:$C$12"  # every item plotted


def test_money_alone_in_a_cell_is_a_number_with_a_money_format(rendered):
    ws = rendered["明细"]
    values = [ws.cell(row=r, column=3).value for r in range(3, 13)]
    assert values == [1250, 1234.57, 0.01, 3, 100000, 10, 20.5, 30, 40, 50]
    assert {ws.cell(row=r, column=3).number_format for r in range(3, 13)} == {"#,##0.00"}
    assert ws["D3"].value == "1,250.00元" and ws["D4"].value == "1,234.57元"
    assert ws["C13"].value == "=SUM(C3:C12)"


def test_money_keeps_a_number_format_the_template_cell_has(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{{ a|money }}"
    ws["A1"].number_format = '#,##0.00"元"'
    ws["A2"] = "{{ a|money(0) }}"
    ws["A3"] = "{{ none|money }}"
    wb.save(tmp_path / "t.xlsx")
    out = load_workbook(
        render_xlsx(tmp_path / "t.xlsx", {"a": 12.5, "none": None}, tmp_path / "o.xlsx")
    )
    a1, a2, a3 = out.active["A1"], out.active["A2"], out.active["A3"]
    assert (a1.value, a1.number_format) == (12.5, '#,##0.00"元"')
    assert (a2.value, a2.number_format) == (13, "#,##0")
    assert a3.value is None


def test_money_in_text_stays_text():
    assert ENV.from_string("{{ a|money }}").render(a=1250) == "1,250.00"
    assert ENV.from_string("共{{ a|money }}元").render(a=1234.567) == "共1,234.57元"


def test_pictures_without_pillow_are_refused_not_dropped(tmp_path, monkeypatch):
    tpl = make_template(tmp_path / "资金.xlsx")
    plain = make_template(tmp_path / "无图.xlsx", pictures=False)
    monkeypatch.setattr(openpyxl.drawing.image, "PILImage", None)
    monkeypatch.setattr(openpyxl.reader.drawings, "PILImage", False)
    with pytest.raises(TemplateError, match="资金.xlsx：模板里有图片.*没有安装 Pillow"):
        render_xlsx(tpl, _ctx(), tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    assert any("没有安装 Pillow" in issue.message for issue in check_template(tpl))
    ws = load_workbook(render_xlsx(plain, _ctx(), tmp_path / "plain.xlsx"))["明细"]
    assert ws["C13"].value == "=SUM(C3:C12)"  # a template without pictures needs no Pillow


def test_a_picture_openpyxl_cannot_keep_is_refused(tmp_path, monkeypatch):
    tpl = make_template(tmp_path / "资金.xlsx")
    real = openpyxl.reader.drawings.find_images

    def dropping(archive, path):
        warnings.warn(
            "The image /xl/media/image1.png will be removed because it cannot be read", stacklevel=1
        )
        return real(archive, path)

    monkeypatch.setattr(openpyxl.reader.excel, "find_images", dropping)
    with pytest.raises(TemplateError, match="图形无法保留"):
        render_xlsx(tpl, _ctx(), tmp_path / "out.xlsx")


SHAPE = (
    b"<twoCellAnchor><from><col>1</col><colOff>0</colOff><row>8</row><rowOff>0</rowOff></from>"
    b"<to><col>2</col><colOff>0</colOff><row>10</row><rowOff>0</rowOff></to>"
    b'<sp macro="" textlink=""><nvSpPr><cNvPr id="9" name="Oval 1"/><cNvSpPr/></nvSpPr>'
    b'<spPr><a:prstGeom xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    b'prst="ellipse"><a:avLst/></a:prstGeom></spPr></sp><clientData/></twoCellAnchor>'
)


def test_a_shape_openpyxl_would_drop_is_refused(tmp_path):
    tpl = make_template(tmp_path / "资金.xlsx")
    with zipfile.ZipFile(tpl) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    drawing = parts["xl/drawings/drawing1.xml"]
    parts["xl/drawings/drawing1.xml"] = drawing.replace(b"</wsDr>", SHAPE + b"</wsDr>")
    shaped = tmp_path / "形状.xlsx"
    with zipfile.ZipFile(shaped, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(TemplateError, match="形状.xlsx：模板里有形状、文本框"):
        render_xlsx(shaped, _ctx(), tmp_path / "out.xlsx")
    assert any("形状、文本框" in issue.message for issue in check_template(shaped))
