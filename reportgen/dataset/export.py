"""`reportgen data export`: the dataset written back in the import format (one sheet per table).

export → import into an empty database → export gives the same content: codes stay text, dates
are date cells, booleans 是/否, amounts numbers, unknown columns kept after the known ones.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import xlsxwriter

from reportgen.dataset import sheets as S
from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset
from reportgen.errors import DataError

FIXED_CREATED = dt.datetime(2023, 1, 1)


def export_xlsx(dataset: Dataset, target: str | Path) -> dict[str, int]:
    """Write every table to `target`; returns rows per sheet. Atomic: a temp file renamed at the end."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=target.parent)
    os.close(fd)
    counts: dict[str, int] = {}
    try:
        wb = xlsxwriter.Workbook(
            tmp,
            {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
        )
        wb.set_properties({"title": "reportgen 数据导出", "created": FIXED_CREATED})
        bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        text = wb.add_format({"num_format": "@"})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        with dataset.engine.connect() as conn:
            for spec in S.SHEETS:
                counts[spec.title] = _write_sheet(conn, wb, spec, bold, text, date)
        wb.close()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return counts


def _write_sheet(conn, wb, spec: S.SheetSpec, bold, text, date) -> int:
    table = TABLES[spec.table]
    extras: list[str] = []
    for (extra,) in conn.execute(sa.select(table.c.extra).where(table.c.extra.isnot(None))):
        for key in extra or {}:
            if key not in extras:
                extras.append(key)
    ws = wb.add_worksheet(spec.title)
    headers = [f.header for f in spec.fields] + extras
    for col, header in enumerate(headers):
        ws.write_string(0, col, header, bold)
        ws.set_column(col, col, max(10, len(header) * 2 + 2))
    ws.freeze_panes(1, 0)
    n = 0
    query = sa.select(table).order_by(*[table.c[k] for k in spec.key])
    for n, row in enumerate(conn.execute(query), start=1):
        for col, f in enumerate(spec.fields):
            value = row._mapping[f.name]
            _check_length(spec, row, f.header, value)
            _write_value(ws, n, col, f, value, text, date)
        for j, key in enumerate(extras):
            value = (row.extra or {}).get(key)
            if value not in (None, ""):
                _check_length(spec, row, key, value)
                ws.write_string(n, len(spec.fields) + j, str(value), text)
    return n


EXCEL_CELL_CHARS = 32_767


def _check_length(spec: S.SheetSpec, row, header: str, value) -> None:
    """Excel keeps at most 32,767 characters in a cell (XlsxWriter would cut the rest without a
    word): refuse, naming the record, rather than export a backup that re-imports different."""
    if isinstance(value, str) and len(value) > EXCEL_CELL_CHARS:
        key = "、".join(str(row._mapping[k]) for k in spec.key)
        raise DataError(
            f"无法导出：{spec.title} {key} 的“{header}”有 {len(value)} 个字符，超过 Excel 单元格上限"
            f" {EXCEL_CELL_CHARS}，导出会截断。请先缩短这一项（重新导入更正后的数据）再导出。"
        )


def _write_value(ws, r: int, c: int, f: S.Field, value, text, date) -> None:
    if value is None or value == "":
        return
    if f.kind == S.DATE:
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
    elif f.kind == S.BOOL:
        ws.write_string(r, c, "是" if value else "否")
    elif isinstance(value, Decimal):
        ws.write_number(r, c, float(value))
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, str(value), text)
