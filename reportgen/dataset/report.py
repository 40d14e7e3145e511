"""The import problem list as an .xlsx a clerk can work through and fix the input from."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from reportgen.errors import Problem

HEADERS = ("序号", "文件", "工作表", "行", "列", "问题", "值")
WIDTHS = (7, 36, 14, 7, 20, 70, 26)


def write_problems_xlsx(problems: list[Problem], target: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导入问题")
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    ws.print_options.gridLines = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = "1:1"
    from openpyxl.cell import WriteOnlyCell

    head = []
    for text in HEADERS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
        head.append(cell)
    ws.append(head)
    for n, p in enumerate(problems, start=1):
        ws.append([n, p.file, p.sheet, p.row, p.column, p.problem, p.value])
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=target.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
