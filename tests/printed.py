"""Generated documents read back as values, for tests that compare what is printed with the data:
Chinese dates and amounts, list sheets as dicts, a .docx body in order, the small print, and a
collector that reports every disagreement at once (document · who · what: printed, expected)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

# ------------------------------------------------------------------------------- normalisers
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def cn_date(text: str) -> dt.date:
    """'2023年9月1日' → date (the first Chinese date in the text)."""
    m = CN_DATE.search(text)
    assert m, f"no Chinese date in {text!r}"
    return dt.date(*map(int, m.groups()))


def as_date(value) -> dt.date | None:
    """An Excel cell or a printed text as a date; blank, '—' and '＿' lines as None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if value is None or isinstance(value, dt.date):
        return value
    return cn_date(value) if CN_DATE.search(str(value)) else None


def money(value) -> Decimal:
    """'1,250' / '312.50元' / 1250.0 → Decimal, compared by value (1250 == 1250.00)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).replace(",", "").removesuffix("元").strip() or "0")


def wan(value) -> Decimal:
    """An amount in 万元 as the data hold it: 4 decimals."""
    return money(value or 0).quantize(Decimal("0.0001"))


def masked(id_number: str) -> str:
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def text(value) -> str:
    return "" if value is None else str(value)


class Disagreements:
    """Every difference found, reported together: document · who · what: printed, expected."""

    def __init__(self):
        self.items: list[str] = []

    def same(self, doc: str, who: str, what: str, printed, expected) -> bool:
        if printed == expected:
            return True
        shown = f"printed {printed!r}, expected {expected!r}"
        if isinstance(printed, list | set) and isinstance(expected, list | set):
            try:  # long lists: say what differs
                extra = sorted((Counter(printed) - Counter(expected)).elements())
                missing = sorted((Counter(expected) - Counter(printed)).elements())
                shown = f"printed only {extra!r}, expected only {missing!r}"
                if not extra and not missing:
                    shown = "the same items in another order"
            except TypeError:
                pass
        self.items.append(f"{doc} · {who} · {what}: {shown}")
        return False

    def about(self, doc: str, who: str) -> Callable[[str, object, object], bool]:
        """same() for one document and one household / student / project."""
        return lambda what, printed, expected: self.same(doc, who, what, printed, expected)

    def add(self, message: str) -> None:
        self.items.append(message)

    def check(self) -> None:
        items = list(dict.fromkeys(self.items))  # a household's fact repeats on each member's row
        assert not items, f"{len(items)} disagreement(s):\n" + "\n".join(items[:60])


# ------------------------------------------------------------------------------- reading documents
@cache
def workbook_rows(path: Path, sheet: str | None = None) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    rows = [
        tuple(r) for r in (wb[sheet] if sheet else wb.worksheets[0]).iter_rows(values_only=True)
    ]
    wb.close()
    return rows


HEADS = ("序号", "学籍号", "户编号", "学校", "规则编号", "乡镇", "指标")


def records(path: Path, sheet: str | None = None) -> list[dict]:
    """A list sheet's data rows as dicts by header (the first row starting 序号, 学籍号, …); a
    repeated header keeps its first column (the problem list's key and household are both 户编号)."""
    rows = workbook_rows(path, sheet)
    start = next(i for i, r in enumerate(rows) if r and r[0] in HEADS)
    head = rows[start]
    data = rows[start + 1 :]
    if len(data) == 1 and data[0][0] == "无" and not any(data[0][1:]):
        return []  # an empty list prints “无” (engine/xlsx_list.py)
    return [dict(reversed(list(zip(head, r)))) | {"_cells": r} for r in data]


@cache
def docx_blocks(path: Path) -> list[tuple[str, object]]:
    """The body in order: ("p", text) and ("t", [[cell text, …], …])."""
    doc = Document(path)
    out: list[tuple[str, object]] = []
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(("p", Paragraph(child, doc).text))
        elif tag == "tbl":
            out.append(("t", [[c.text for c in row.cells] for row in Table(child, doc).rows]))
    return out


def paragraphs(path: Path) -> list[str]:
    return [b for kind, b in docx_blocks(path) if kind == "p"]


def tables(path: Path) -> list[list[list[str]]]:
    return [b for kind, b in docx_blocks(path) if kind == "t"]


def table_starting(path: Path, *head: str) -> list[list[str]]:
    """The table whose header row starts with `head` (a header printed on two lines, 学生 / 姓名,
    is read as one: engine/official_table breaks headers that do not fit their column)."""
    return next(t for t in tables(path) if tuple(h.replace("\n", "") for h in t[0][: len(head)]) == head)


@cache
def small_print(path: Path) -> str:
    """All a reader sees: a .docx's body, headers and footers; an .xlsx's cells, page footers and
    properties."""
    if path.suffix == ".xlsx":
        wb = load_workbook(path)
        parts = [text(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r]
        for ws in wb.worksheets:
            parts += [text(getattr(ws.oddFooter, p).text) for p in ("left", "center", "right")]
        return "\n".join([*parts, text(wb.properties.description), text(wb.properties.title)])
    doc = Document(path)
    parts = [doc.element.body, *(part._element for s in doc.sections for part in
             (s.header, s.footer, s.first_page_header, s.first_page_footer))]  # fmt: skip
    return "\n".join("".join(t.text or "" for t in p.iter() if t.tag.endswith("}t")) for p in parts)


def closing_period(path: Path, label: str) -> tuple[dt.date, dt.date, int]:
    """A notice's '公示期：2023年9月1日至2023年9月5日（共5天）。' → (start, end, days)."""
    line = next(p for p in paragraphs(path) if p.startswith(f"{label}："))
    m = re.match(rf"{label}：(.+?)至(.+?)（共(\d+)天）", line)
    assert m, line
    return cn_date(m.group(1)), cn_date(m.group(2)), int(m.group(3))
