"""Every .xlsx reportgen writes prints readably on A4 (issue 21): landscape where the table is wide,
never scaled below about 9 pt (a wider table continues on following pages with its key columns
repeated), header rows repeated, wrapped headers given their height, IDs, phones and dates on one
line, page numbers, and "无" in an empty list. Checked on the workbooks themselves (read back with
openpyxl, the geometry Excel and LibreOffice use) and on a LibreOffice PDF of the widest list."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from reportgen.engine import xlsx_print
from reportgen.engine.xlsx_bulk import LINE_POINTS, text_lines
from reportgen.engine.xlsx_list import Column, Sheet, write_table_workbook

ID = "41152120080118485X"  # 18 characters: never broken inside
PHONE = "0376-5550317"


# ------------------------------------------------------------------------------ the geometry
def _widths_for(mm: float, n: int = 10) -> list[float]:
    """n equal columns whose printed widths add up to about `mm` (just below it)."""
    w = ((mm / n) * 96 / 25.4 - 5) / 7
    while sum(xlsx_print.column_mm(w) for _ in range(n)) > mm:
        w -= 0.01
    return [w] * n


def test_portrait_while_the_table_fits_then_landscape_then_continued_pages():
    fits = xlsx_print.plan(_widths_for(xlsx_print.PORTRAIT_MM))
    assert (fits.landscape, fits.fit, fits.points) == (False, True, 11)
    wider = xlsx_print.plan(_widths_for(xlsx_print.PORTRAIT_MM + 3))
    assert (wider.landscape, wider.fit) == (True, True) and wider.points == 11
    asked = xlsx_print.plan(_widths_for(100), landscape=True)
    assert (asked.landscape, asked.fit) == (True, True)
    limit = xlsx_print.LANDSCAPE_MM / xlsx_print.MIN_SCALE
    last_fitted = xlsx_print.plan(_widths_for(limit))
    assert last_fitted.fit and last_fitted.points >= 9
    beyond = xlsx_print.plan(_widths_for(limit + 5))
    assert not beyond.fit and beyond.scale == 82 and beyond.points >= 9


@pytest.mark.parametrize("mm", [50, 150, 185, 186, 250, 300, 331, 335, 400, 600, 1200])
def test_no_layout_prints_below_9_points(mm):
    assert xlsx_print.plan(_widths_for(mm)).points >= 9


def test_the_key_columns_repeated_are_the_leading_identifying_ones():
    headers = ["序号", "户编号", "户主", "乡镇", *[f"列{i}" for i in range(20)]]
    layout = xlsx_print.plan([6, 10, 10, 10, *[14] * 20], headers)
    assert not layout.fit and layout.key_columns == 3
    assert (
        xlsx_print.plan(
            [6, 60, 10, *[14] * 20], ["序号", "户编号", "户主", *["x"] * 20]
        ).key_columns
        == 1
    )


def test_values_that_must_not_break():
    for value in (ID, PHONE, "H0009", "2023年2月22日", "2023-02-22", "QS2023001", "0520220002"):
        assert xlsx_print.unbreakable_units(value) >= len(value), value
    for value in ("城关镇王庄村", "家庭年人均纯收入5,279元，低于低保标准", "王 五"):
        assert xlsx_print.unbreakable_units(value) == 0, value


# ------------------------------------------------------------------------------ one workbook
def _print_titles(ws) -> tuple[str | None, str | None]:
    strip = lambda v: v.replace("$", "") if v else v  # noqa: E731
    return strip(ws.print_title_rows), strip(ws.print_title_cols)


def test_a_wide_list_prints_at_9_points_with_its_key_columns_on_every_page(tmp_path):
    columns = [Column("序号", 6, "int"), Column("户编号", 8), Column("姓名", 8)]
    columns += [Column(f"第{i}项数据（元/年）", 10, "money") for i in range(21)]
    rows = [[i, f"H{i:04d}", "王五", *[1000.5] * 21] for i in range(1, 40)]
    path = write_table_workbook(
        tmp_path / "wide.xlsx",
        [Sheet("台账", columns, rows, title="宽表", note="说明")],
        footer="数据来源",
    )
    ws = openpyxl.load_workbook(path)["台账"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale == 82
    rows_repeated, cols_repeated = _print_titles(ws)
    assert rows_repeated == "3:3" and cols_repeated == "A:C"  # the header row; 序号, 户编号, 姓名
    assert ws.print_area == "'台账'!$A$3:$X$42"  # the merged title row is not printed …
    assert (
        "宽表" in ws.oddHeader.center.text and "说明" in ws.oddHeader.center.text
    )  # … it heads each page
    assert "&P" in ws.oddFooter.right.text and "数据来源" in ws.oddFooter.left.text
    assert ws.HeaderFooter.scaleWithDoc is False  # the small print keeps its 9 pt at 82 %
    assert ws.oddFooter.left.size == 9 and ws.oddHeader.center.size >= 9
    # "第0项数据（元/年）" is two lines in a 10-wide column: the header row is that high
    assert ws.row_dimensions[3].height >= 2 * LINE_POINTS


def test_a_narrow_list_fits_the_portrait_width(tmp_path):
    columns = [Column("序号", 6, "int"), Column("户编号", 6), Column("证件号码", 8), Column("联系电话", 8),
               Column("日期", 8, "cndate")]  # fmt: skip
    import datetime as dt

    rows = [[1, "H0009", ID, PHONE, dt.date(2023, 2, 22)]]
    path = write_table_workbook(tmp_path / "n.xlsx", [Sheet("名单", columns, rows, title="名单")])
    ws = openpyxl.load_workbook(path)["名单"]
    assert ws.page_setup.orientation == "portrait" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
    assert _print_titles(ws)[0] == "1:2"  # title and header on every page
    width = _widths(ws)
    assert width[2] >= 5 + 1.5 and width[3] >= 18 + 1.5 and width[4] >= 12 + 1.5
    assert width[5] >= 14.5  # 2023年2月22日: 7 digits and three characters of width 2, on one line
    assert ws.row_dimensions[3].height is None  # nothing wraps: no height written


def test_the_note_under_the_title_is_body_size_and_wraps_over_the_table(tmp_path):
    note = "检查标准：" + "劝返不少于3次，仍未返校的报县联合劝返工作组；" * 6
    columns = [Column("序号", 6, "int"), Column("户编号", 8), Column("姓名", 8), Column("问题", 30)]
    path = write_table_workbook(tmp_path / "n.xlsx", [Sheet("名单", columns, [[1, "H0001", "王五", "无"]],
                                                            title="名单", note=note)])  # fmt: skip
    ws = openpyxl.load_workbook(path)["名单"]
    assert ws["A2"].value == note and "A2:D2" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].font.sz == 11 and ws["A2"].alignment.wrap_text
    assert ws.row_dimensions[2].height >= 3 * LINE_POINTS  # 270 characters over 52 units: 6 lines


def test_an_empty_list_says_none(tmp_path):
    columns = [Column("户编号", 10), Column("户主", 10), Column("问题", 30)]
    path = write_table_workbook(tmp_path / "e.xlsx", [Sheet("名单", columns, [], title="名单")])
    ws = openpyxl.load_workbook(path)["名单"]
    assert ws["A3"].value == "无" and "A3:C3" in {str(r) for r in ws.merged_cells.ranges}


# ------------------------------------------------------------------------------ every workbook
@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("print")
    exe = shutil.which("reportgen")
    cmd = [exe] if exe else [sys.executable, "-m", "reportgen"]
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_DB"}
    done = subprocess.run([*cmd, "demo", "--out", "out"], cwd=folder, capture_output=True, text=True,
                          env=env, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder / "out"


def _widths(ws) -> dict[int, float]:
    """Column (1-based) → width as given to the writer, expanding the ranges openpyxl keeps under
    their first letter (the file stores a width with the cell padding added: 5 pixels of 7)."""
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.min and dim.width:
            for c in range(dim.min, (dim.max or dim.min) + 1):
                out[c] = dim.width - 5 / 7
    return out


def _sheet_points(ws) -> float:
    given = _widths(ws)
    widths = [given.get(c, 8.43) for c in range(1, ws.max_column + 1)]
    total = sum(xlsx_print.column_mm(w) for w in widths)
    room = (
        xlsx_print.LANDSCAPE_MM
        if ws.page_setup.orientation == "landscape"
        else xlsx_print.PORTRAIT_MM
    )
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        return 11 * min(1.0, room / total)
    return 11 * (ws.page_setup.scale or 100) / 100


def _header_row(ws) -> int:
    rows = (ws.print_title_rows or "").replace("$", "")
    return int(rows.split(":")[-1])


def test_every_workbook_the_demo_makes_prints_readably(demo_out):
    books = sorted(demo_out.rglob("*.xlsx"))
    assert len(books) > 40
    problems = []
    for path in books:
        name = path.relative_to(demo_out)
        for ws in openpyxl.load_workbook(path).worksheets:
            where = f"{name} / {ws.title}"
            if _sheet_points(ws) < 8.9:
                problems.append(f"{where}: prints at {_sheet_points(ws):.1f} pt")
            if not ws.print_title_rows:
                problems.append(f"{where}: header rows not repeated")
                continue
            if "&P" not in (ws.oddFooter.right.text or "") + (ws.oddFooter.center.text or ""):
                problems.append(f"{where}: no page numbers")
            small = [
                p.size
                for p in (ws.oddFooter.left, ws.oddFooter.right, ws.oddHeader.center)
                if p.text and p.size
            ]
            if ws.HeaderFooter.scaleWithDoc is not False or any(size < 9 for size in small):
                problems.append(f"{where}: header/footer below 9 pt")
            head = _header_row(ws)
            widths = _widths(ws)
            headers = [c.value for c in ws[head] if c.value]
            for cell in ws[head]:
                if isinstance(cell.value, str):
                    width = widths.get(cell.column, 8.43)
                    need = text_lines(cell.value, width) * LINE_POINTS
                    if need > (ws.row_dimensions[head].height or LINE_POINTS) + 0.1:
                        problems.append(f"{where}: header “{cell.value}” cut")
            data = list(ws.iter_rows(min_row=head + 1, values_only=True))
            if headers and not any(any(v not in (None, "") for v in r) for r in data):
                problems.append(f"{where}: an empty list without “无”")
            for row in ws.iter_rows(min_row=head + 1):
                for cell in row:
                    units = xlsx_print.unbreakable_units(cell.value)
                    width = widths.get(cell.column, 8.43)
                    if units > width + 0.01 and ws.cell(head, cell.column).value:
                        problems.append(
                            f"{where}: {cell.coordinate} “{cell.value}” breaks in a {width:g} column"
                        )
                        break
    assert not problems, "\n".join(problems[:30])


def test_the_self_check_list_reads_well(demo_out):
    path = next((demo_out / "自查报告").glob("*自查问题清单.xlsx"))
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets[2:]:
        headers = [c.value for c in ws[3]]
        assert headers.count("户编号") <= 1, ws.title  # a household's key is its 户编号, once
        assert "与上次自查相比" in headers or ws.title == "已整改", ws.title
    summary = wb["汇总"]
    for row in summary.iter_rows(min_row=4, max_row=summary.max_row - 1):
        text = row[7].value or ""  # 政策依据: long, wrapped
        lines = text_lines(text, _widths(summary)[8])
        if lines > 1:
            assert (summary.row_dimensions[row[0].row].height or 0) >= lines * LINE_POINTS, row[
                1
            ].value
    import zipfile

    chart = zipfile.ZipFile(path).read("xl/charts/chart1.xml").decode()
    assert '<c:tickLblSkip val="1"/>' in chart  # every rule labelled
    assert re.search(r'<c:majorUnit val="\d+"/>', chart)  # whole-number steps, never 0.5


def _word_heights(pdf: Path) -> list[float]:
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    return [
        float(b) - float(a)
        for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', html)
    ]


@pytest.mark.skipif(
    not shutil.which("soffice") or not shutil.which("pdftotext"),
    reason="needs LibreOffice and poppler",
)
def test_the_widest_list_prints_at_9_points_in_libreoffice(demo_out, tmp_path):
    """The 24-column 控辍保学台账 as LibreOffice prints it: body words about 9 pt high or more (it
    printed at about 5 pt when fitted to one page width)."""
    ledger = next((demo_out / "控辍保学").glob("控辍保学台账_*.xlsx"))
    shutil.copy(ledger, tmp_path / "ledger.xlsx")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "ledger.xlsx")],
                   capture_output=True, timeout=300, check=True)  # fmt: skip
    heights = _word_heights(tmp_path / "ledger.pdf")
    assert len(heights) > 100
    assert statistics.median(heights) >= 8.5, statistics.median(heights)
