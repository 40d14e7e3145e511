"""Many list rows into an XlsxWriter worksheet as ready cell XML.

XlsxWriter spends most of a long list in its per-cell path (`write_string`, then `_write_cell` at
close): 0.49 s for a 10,000-student roster, 2.9 s for a county's 60,000 self-check findings. A
`BulkSheet` takes the list rows with `add_rows` and writes them itself, as XlsxWriter writes
inline strings (control characters as _xHHHH_, markup escaped, xml:space for edge spaces) and
numbers (%.16G), with the formats' own style indexes; a string is always an inline string, never a
formula, and lone surrogates (no encoding can write them) are dropped and counted (xmltext.py); everything else on the sheet (title, header,
merges, print setup, autofilter, charts) stays XlsxWriter's. The rows wait in a temporary file,
so memory does not grow with the list.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from xlsxwriter.utility import _datetime_to_excel_datetime, xl_col_to_name
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

from reportgen.engine.xlsx_print import LINE_POINTS, text_lines, unbreakable_units
from reportgen.engine.xmltext import drop_surrogates

_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_CHUNK = 2000  # rows per write to the temporary file
_NUMERIC = frozenset(("int", "number"))
_EXACT = 10**15  # integers below this are written by %.16G exactly as str() writes them


def text_xml(value: str) -> str:
    """`<t>…</t>` of an inline string as XlsxWriter writes it (at most 32,767 characters)."""
    value = drop_surrogates(value)[:32767]
    if _NEEDS_ESCAPE.search(value):
        value = XMLwriter._escape_control_characters(value)
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(value) else ""
    return f"<t{space}>{value}</t>"


def _cell(head: str, v: Any, kind: str) -> str:
    """One cell; `head` is `<c r="B5" s="3"`. Blank for None and ''. kind: int / number / date
    (numbers and dates as numbers), cndate (dates as 2023年9月1日), text; a bool is 是/否, a date
    outside a date column is written as 2023年9月1日."""
    if v is None or v == "":
        return head + "/>"
    if type(v) is str and kind != "cndate":
        if _NEEDS_ESCAPE.search(v) or v[0].isspace() or v[-1].isspace() or len(v) > 32767:
            return f'{head} t="inlineStr"><is>{text_xml(v)}</is></c>'
        return f'{head} t="inlineStr"><is><t>{v}</t></is></c>'
    if kind == "cndate" or (isinstance(v, dt.date) and kind != "date"):
        from reportgen.engine.filters import cndate

        return f'{head} t="inlineStr"><is>{text_xml(cndate(v))}</is></c>'
    if isinstance(v, bool):
        return f'{head} t="inlineStr"><is><t>{"是" if v else "否"}</t></is></c>'
    if isinstance(v, (int, float, Decimal)) and kind != "text":
        return f"{head}><v>{float(v):.16G}</v></c>"
    if isinstance(v, dt.date):  # a date column
        if not isinstance(v, dt.datetime):
            v = dt.datetime(v.year, v.month, v.day)
        return f"{head}><v>{_datetime_to_excel_datetime(v, False, False):.16G}</v></c>"
    return f'{head} t="inlineStr"><is>{text_xml(str(v))}</is></c>'


class BulkSheet(Worksheet):
    """A worksheet (`add_worksheet(name, worksheet_class=BulkSheet)`, not in constant-memory mode)
    whose list rows come from `add_rows`, below every cell written one by one."""

    # XlsxWriter's used range (Worksheet has no type information; these are its attributes)
    dim_rowmin: int | None
    dim_rowmax: int | None
    dim_colmin: int | None
    dim_colmax: int | None

    def __init__(self) -> None:
        super().__init__()
        self._bulk: IO[str] | None = None  # temporary file of <row> XML
        self._bulk_first = -1
        self.widths: list[float] | None = None  # the columns' widths, if add_rows is not given them
        # per column, the widest value that must not break inside (engine/xlsx_print.py)
        self.unbreakable: dict[int, float] = {}

    def add_rows(
        self,
        first: int,
        rows: Iterable[Sequence[Any]],
        columns: Sequence[tuple[str, Any]],
        widths: Sequence[float] | None = None,
    ) -> int:
        """Rows from 0-based row `first` down, one cell per column: (kind, XlsxWriter format);
        missing values are blank cells with the column's format. `widths`: the columns' widths,
        to give rows whose wrapped text takes more than one line their height. Returns the next
        free row."""
        if self._bulk is None:
            self._bulk = tempfile.TemporaryFile("w+", encoding="utf-8")
            self._bulk_first = first
        bulk = self._bulk
        # per column: `<c r="B`, `" s="3"`, kind, the rest of a plain inline string's head (None
        # where strings are not written as they are) and whether integers are written as numbers
        cols = []
        for c, (kind, fmt) in enumerate(columns):
            style = f'" s="{fmt._get_xf_index()}"'
            text = f'{style} t="inlineStr"><is><t>' if kind != "cndate" else None
            cols.append((f'<c r="{xl_col_to_name(c)}', style, kind, text, kind in _NUMERIC))
        widths = widths or self.widths
        wrapped = [
            (c, widths[c])
            for c, (kind, fmt) in enumerate(columns)
            if widths and c < len(widths) and fmt.text_wrap
        ]
        width = len(cols)
        search = _NEEDS_ESCAPE.search
        # text and date columns: (column, width, a numeric date column, wrapped); per row, a
        # value that must not break (engine/xlsx_print.UNBREAKABLE: a code, a number, a date)
        # widens its column (`self.unbreakable`, applied by `widen`), any other text that does not
        # fit gives the row its lines. Cheap tests first: most values fit their column whatever
        # they are, and only ASCII text or a date can be unbreakable.
        need = self.unbreakable
        wrap = {c for c, _ in wrapped}
        texts = [(c, (widths[c] if widths and c < len(widths) else 8.43), kind == "date", c in wrap)
                 for c, (kind, _) in enumerate(columns) if kind in ("text", "cndate", "date")]  # fmt: skip
        r, chunk = first, []
        for values in rows:
            n = str(r + 1)
            if len(values) < width:
                values = [*values, *[None] * (width - len(values))]
            lines = 1
            for c, room, numeric_date, wraps in texts:
                v = values[c]
                if not v:
                    continue
                if type(v) is str:
                    if len(v) * 2 + 1.5 <= room and "\n" not in v:
                        continue  # one line whatever it is
                    wide = max(room, need.get(c, 0))
                    if v.isascii():
                        if len(v) + 1.5 <= wide and "\n" not in v:
                            continue  # one line in the column as it is (widened or not)
                        units = unbreakable_units(v)
                    elif "年" in v and len(v) <= 14:
                        units = unbreakable_units(v)  # perhaps a date written out
                    else:
                        units = 0.0
                    if units:
                        if units > wide:
                            need[c] = units
                    elif wraps:
                        lines = max(lines, text_lines(v, room))
                elif isinstance(v, dt.date):  # yyyy-mm-dd, or 2023年9月1日 as text
                    wide = max(room, need.get(c, 0))
                    if wide < 18.5:  # 2023年12月31日 fits from there on
                        # yyyy-mm-dd, or the width of 2023年9月1日 (three CJK characters, 2 each)
                        units = 11.5 if numeric_date else 13.5 + (v.month > 9) + (v.day > 9)
                        if units > wide:
                            need[c] = units
            if lines > 1:
                cells = [f'<row r="{n}" ht="{lines * LINE_POINTS:g}" customHeight="1">']
            else:
                cells = [f'<row r="{n}">']
            # the common cases first, as _cell writes them: a plain string, a small integer
            for (ref, style, kind, text, numeric), v in zip(cols, values):
                t = type(v)
                if t is str:
                    if (
                        v
                        and text is not None
                        and not search(v)
                        and not v[0].isspace()
                        and not v[-1].isspace()
                        and len(v) <= 32767
                    ):
                        cells.append(f"{ref}{n}{text}{v}</t></is></c>")
                        continue
                elif t is int and numeric and -_EXACT < v < _EXACT:
                    cells.append(f"{ref}{n}{style}><v>{v}</v></c>")  # as %.16G writes it
                    continue
                cells.append(_cell(f"{ref}{n}{style}", v, kind))
            cells.append("</row>")
            chunk.append("".join(cells))
            r += 1
            if len(chunk) >= _CHUNK:
                bulk.write("".join(chunk))
                chunk.clear()
        bulk.write("".join(chunk))
        if r > first:
            self.dim_rowmax = max(self.dim_rowmax or 0, r - 1)
            self.dim_colmax = max(self.dim_colmax or 0, width - 1)
            if self.dim_rowmin is None:
                self.dim_rowmin, self.dim_colmin = first, 0
        return r

    def widen(self, widths: Sequence[float]) -> list[float]:
        """`widths` with each column widened to its widest unbreakable value (IDs, phones,
        dates: `add_rows` notes them), set on the sheet; returns the widths the sheet now has."""
        out = list(widths)
        for c, units in self.unbreakable.items():
            if c < len(out) and units > out[c]:
                out[c] = units
                self.set_column(c, c, units)
        return out

    def _write_rows(self) -> None:
        if self._bulk is None:
            return super()._write_rows()
        last = self.dim_rowmax
        self.dim_rowmax = self._bulk_first - 1
        try:
            super()._write_rows()  # the cells written one by one, all above the list rows
        finally:
            self.dim_rowmax = last
        self._bulk.seek(0)
        shutil.copyfileobj(self._bulk, self.fh)
        self._bulk.close()
        self._bulk = None
