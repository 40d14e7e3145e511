"""Styled list workbooks from code (rosters, ledgers, problem lists), streamed with XlsxWriter constant memory."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from reportgen.engine import xlsx_print
from reportgen.engine.xlsx_bulk import BulkSheet
from reportgen.engine.xmltext import clean, drop_surrogates, verify_package

FIXED_CREATED = dt.datetime(2023, 1, 1, 0, 0, 0)
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    """One column: header text, width in characters, and how values are shown.

    kind: 'text' (default), 'int', 'number' (2 decimals), 'money' (#,##0.00), 'wan' (万元, 4 decimals),
    'date' (yyyy-mm-dd), 'cndate' (2023年9月1日 as text).
    """

    header: str
    width: float = 12
    kind: str = "text"


@dataclass
class Sheet:
    """One worksheet: a title line, optional small-print note under it, a header row and the rows."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    title: str | None = None
    note: str | None = None
    landscape: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


_FORMATS = {
    "int": "0",
    "number": "0.00",
    "money": "#,##0.00",
    "wan": "#,##0.0000",
    "date": "yyyy-mm-dd",
}


def _sheet_name(name: str, used: set[str]) -> str:
    base = (clean(str(name)).translate(_BAD_SHEET_CHARS).strip("'") or "Sheet")[:31]
    candidate, i = base, 2
    while candidate.lower() in used:
        suffix = f"_{i}"
        candidate = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(candidate.lower())
    return candidate


def write_table_workbook(
    path: str | os.PathLike, sheets: Sequence[Sheet], *, footer: str | None = None
) -> Path:
    """Write list sheets to `path` (atomically): bold header, column widths (widened to fit IDs,
    phones and dates on one line), frozen header, autofilter, "无" in an empty list, and the A4
    print set-up of engine/xlsx_print.py (orientation and scale from the widths, text ≥ 9 pt,
    repeated header rows, page numbers); `footer` (e.g. data source and generation date) is
    printed small at the bottom left of every page. Rows go through a
    temporary file as ready XML (engine/xlsx_bulk.py), so 150,000-row lists stay at a few tens of
    MB. Output is byte-identical for identical input. Text is always a text cell (never a formula,
    whatever it starts with); control characters are written as Excel writes them (_xHHHH_), and
    removed from the sheet names and the footer (engine/xmltext.py).
    """
    footer = clean(footer) if footer else footer
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    wb = xlsxwriter.Workbook(
        str(tmp),
        {
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        wb.set_properties(
            {"created": FIXED_CREATED, "author": "reportgen", "comments": footer or ""}
        )
        wb.formats[0].set_font_name("宋体")
        wb.formats[0].set_font_size(11)
        base = {"font_name": "宋体", "font_size": 11, "border": 1, "valign": "vcenter"}
        title_fmt = wb.add_format(
            {"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        note_fmt = wb.add_format(
            {"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"}
        )
        head_fmt = wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9D9D9"}
        )
        none_fmt = wb.add_format({**base, "align": "center"})
        fmts = {kind: wb.add_format({**base, "num_format": nf}) for kind, nf in _FORMATS.items()}
        fmts["text"] = wb.add_format({**base, "text_wrap": True})
        fmts["cndate"] = fmts["text"]
        used: set[str] = set()
        for sheet in sheets:
            ws = wb.add_worksheet(_sheet_name(sheet.name, used), worksheet_class=BulkSheet)
            ncols = len(sheet.columns)
            widths = [col.width for col in sheet.columns]
            headers = [col.header for col in sheet.columns]
            for i, width in enumerate(widths):
                ws.set_column(i, i, width)
            r = 0
            if sheet.title:
                ws.set_row(r, 28)
                if ncols > 1:
                    ws.merge_range(r, 0, r, ncols - 1, drop_surrogates(sheet.title), title_fmt)
                else:
                    ws.write_string(r, 0, drop_surrogates(sheet.title), title_fmt)
                r += 1
            if sheet.note:
                xlsx_print.note_row(ws, r, drop_surrogates(sheet.note), widths, note_fmt)
                r += 1
            header_row = r
            for i, col in enumerate(sheet.columns):
                ws.write_string(r, i, drop_surrogates(col.header), head_fmt)
            ws.freeze_panes(header_row + 1, 0)
            r += 1
            columns = [(c.kind, fmts.get(c.kind, fmts["text"])) for c in sheet.columns]
            r = ws.add_rows(r, sheet.rows, columns, widths)
            if r == header_row + 1:  # an empty list says so, in print too
                ws.add_rows(r, [["无"]], [("text", none_fmt)] * ncols)
                if ncols > 1:  # the cells are the bulk row's; this adds the merge
                    ws.merge_range(r, 0, r, ncols - 1, "无", none_fmt)
                r += 1
            widths = ws.widen(widths)
            xlsx_print.header_height(ws, header_row, headers, widths)
            xlsx_print.apply(ws, widths, headers, title_rows=(0, header_row) if header_row else None,
                             header_rows=(header_row, header_row), title=sheet.title or sheet.name,
                             footer=footer, last_row=r - 1, note=sheet.note, landscape=sheet.landscape)  # fmt: skip
            ws.autofilter(header_row, 0, max(r - 1, header_row), max(ncols - 1, 0))
        wb.close()
        verify_package(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
