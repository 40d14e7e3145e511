"""The import problem list as an .xlsx a clerk can work through and fix the input from.

Written by the engine's list writer (engine/xlsx_list.py), the one path every data workbook takes:
a bad value such as `=HYPERLINK("http://…")` is shown as the text it is, never as a live formula,
and a control character in it is shown as [U+0007] so that the clerk can find it.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.engine.xlsx_list import Column, Sheet, write_table_workbook
from reportgen.engine.xmltext import visible
from reportgen.errors import Problem

HEADERS = ("序号", "文件", "工作表", "行", "列", "问题", "值")
WIDTHS = (7, 36, 14, 7, 20, 70, 26)
_KINDS = ("int", "text", "text", "int", "text", "text", "text")


def _text(value: object) -> str:
    return visible("" if value is None else str(value))


def write_problems_xlsx(problems: list[Problem], target: Path) -> None:
    rows = (
        [n, _text(p.file), _text(p.sheet), p.row, _text(p.column), _text(p.problem), _text(p.value)]
        for n, p in enumerate(problems, start=1)
    )
    columns = [Column(h, w, k) for h, w, k in zip(HEADERS, WIDTHS, _KINDS, strict=True)]
    write_table_workbook(target, [Sheet("导入问题", columns, rows, landscape=True)])
