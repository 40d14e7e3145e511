"""How a list sheet prints on A4: orientation, scale, the rows and columns repeated on every page,
the header and footer — decided once, from the columns' widths, for every .xlsx reportgen writes.

Fitting a wide table to one page width is what spreadsheets do by default, and what made a
24-column 控辍保学台账 print at about 5 pt. Here a sheet is fitted to the page width only while its
text stays at about 9 pt or more (`MIN_SCALE` of the 11-point body); a wider table prints at that
scale in landscape, its columns continuing on following pages (left to right, then down), each
page repeating the header rows and the columns that say whose row it is (序号, 户编号, 姓名 …).

Widths are Excel's character units; a column `w` wide is `int(w * 7 + 0.5) + 5` pixels at 96 dpi
(the default font's digit is 7 px wide), which is how Excel and LibreOffice lay it out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MARGIN_IN = 0.5  # left and right
PORTRAIT_MM = 210 - 2 * MARGIN_IN * 25.4
LANDSCAPE_MM = 297 - 2 * MARGIN_IN * 25.4
BODY_POINTS = 11
MIN_POINTS = 9
MIN_SCALE = 0.82  # 11 pt × 0.82 = 9.0 pt
# headers of the columns that identify a row, repeated on every page when the columns continue
KEY_HEADERS = ("序号", "户编号", "户主", "户主姓名", "姓名", "学籍号", "学生姓名", "项目编号", "项目名称",
               "规则编号", "乡镇", "村", "学校")  # fmt: skip
# values that must not break inside: codes and numbers (户编号, 证件号码, 学籍号, phones with a
# hyphen, amounts) and dates, written or as 2023年9月1日
UNBREAKABLE = re.compile(
    r"^(?:[0-9A-Za-z][0-9A-Za-z\-./:*_()（）]{0,39}|\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{4}-\d{1,2}-\d{1,2})$"
)


# A wrapped cell's lines, for the row height: in 11-point 宋体 a Chinese character takes about two
# units of column width and a Latin one about one; a line is 14.25 points high. Viewers do not
# all grow such rows themselves (LibreOffice printed the 2-line cells of a roster over the next
# row), so rows with wrapped text get their height written.
LINE_POINTS = 14.25


def text_lines(text: str, width: float) -> int:
    """Lines `text` takes in a wrapped cell `width` units wide (estimated on the safe side)."""
    room = max(width - 1.5, 1.0)  # the cell's padding
    lines = 0
    for part in text.split("\n"):
        units = (len(part.encode("utf-8", "surrogatepass")) + len(part)) / 2  # CJK 2, ASCII 1
        lines += max(1, -int(-units // room))
    return lines


def column_mm(width: float) -> float:
    """Printed width (mm, at 100 %) of a column `width` character units wide."""
    return (int(width * 7 + 0.5) + 5) * 25.4 / 96


def text_units(text: str) -> float:
    """Width of `text` in character units: a CJK (or full-width) character 2, anything else 1."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)


def unbreakable_units(value: object) -> float:
    """Width a value needs on one line if it must not break (0 for text that may wrap)."""
    if isinstance(value, str) and UNBREAKABLE.match(value):
        return text_units(value) + 1.5  # the cell's padding
    return 0.0


@dataclass(frozen=True)
class Layout:
    """landscape; `fit`: fitted to one page width (scale ≥ MIN_SCALE); else printed at `scale` %
    with the first `key_columns` columns repeated on the pages the other columns continue on."""

    landscape: bool
    fit: bool
    scale: int
    key_columns: int
    total_mm: float

    @property
    def points(self) -> float:
        """The body text's printed size."""
        room = LANDSCAPE_MM if self.landscape else PORTRAIT_MM
        factor = min(1.0, room / self.total_mm) if self.fit else self.scale / 100
        return BODY_POINTS * factor


def plan(
    widths: Sequence[float], headers: Sequence[str] = (), *, landscape: bool = False
) -> Layout:
    """Portrait when the table fits the portrait width (unless `landscape` is asked for),
    landscape fitted to the width while the text stays ≥ MIN_POINTS, else landscape at MIN_SCALE
    with the key columns repeated."""
    total = sum(column_mm(w) for w in widths) or 1.0
    if total <= PORTRAIT_MM and not landscape:
        return Layout(False, True, 100, 0, total)
    if total * MIN_SCALE <= LANDSCAPE_MM:
        return Layout(True, True, 100, 0, total)
    keys = 0
    for h in headers:  # leading identifying columns, at most 3 and a third of the page
        if h not in KEY_HEADERS or keys == 3:
            break
        if sum(column_mm(w) for w in widths[: keys + 1]) * MIN_SCALE > LANDSCAPE_MM / 3:
            break
        keys += 1
    return Layout(True, False, round(MIN_SCALE * 100), keys, total)


def header_height(ws, row: int, headers: Sequence[str], widths: Sequence[float]) -> None:
    """Give a header row whose wrapped headers take more than one line the height they need (a
    header is never cut: "应享金额（元/年）" in a narrow column is two lines)."""
    lines = max((text_lines(h, w) for h, w in zip(headers, widths)), default=1)
    if lines > 1:
        ws.set_row(row, lines * LINE_POINTS + 2)


def note_row(ws, row: int, note: str, widths: Sequence[float], fmt) -> None:
    """The small print under a title (检查标准, 数据说明): merged over the table, wrapped, in the body's
    size (it prints at 9 pt or more at any scale `plan` chooses) and as high as its lines."""
    if len(widths) > 1:
        ws.merge_range(row, 0, row, len(widths) - 1, note, fmt)
    else:
        ws.write_string(row, 0, note, fmt)
    lines = text_lines(note, sum(widths))
    if lines > 1:
        ws.set_row(row, lines * LINE_POINTS)


def apply(
    ws,
    widths: Sequence[float],
    headers: Sequence[str],
    *,
    title_rows: tuple[int, int] | None,
    header_rows: tuple[int, int],
    title: str | None,
    footer: str | None,
    last_row: int,
    note: str | None = None,
    landscape: bool = False,
) -> Layout:
    """Print set-up of an XlsxWriter worksheet whose columns have `widths`: A4, the orientation and
    scale of `plan`, the header rows (and the title rows, when the table is fitted to the width)
    repeated on every page, page numbers and `footer` in the footer. When the columns continue on
    other pages, the key columns are repeated too, and the title rows are left out of the print
    area (a merged title would be cut between pages): the title and `note` print in the page
    header instead."""
    layout = plan(widths, headers, landscape=landscape)
    ws.set_paper(9)
    ws.set_landscape() if layout.landscape else ws.set_portrait()
    ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=0.75, bottom=0.75)
    first, last = header_rows
    if layout.fit:
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(title_rows[0] if title_rows else first, last)
    else:
        ws.set_print_scale(layout.scale)
        ws.print_across()
        ws.repeat_rows(first, last)
        if layout.key_columns:
            ws.repeat_columns(0, layout.key_columns - 1)
        ws.print_area(first, 0, max(last_row, last), max(len(widths) - 1, 0))
        head = "&C&12" + title.replace("&", "&&") if title else ""
        if note and len(head) + len(note) < 240:  # Excel's limit is 255 characters
            head += ("\n" if head else "&C") + "&9" + note.replace("&", "&&")
        if head:  # header and footer print at their own size, not scaled with the sheet
            ws.set_header(head, {"margin": 0.2, "scale_with_doc": False})
    pages = "第 &P 页 共 &N 页"
    foot = f"&L&9{footer.replace('&', '&&')}&R&9{pages}" if footer else f"&C&9{pages}"
    ws.set_footer(foot, {"scale_with_doc": False})
    return layout
