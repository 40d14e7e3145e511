"""The list a 公文 prints (the built-in 公文 template's `table`): column widths from the values.

A list in a notice or a report is read on paper, so a value never breaks inside itself: a name, a
户编号, a count such as 4人, an amount or a date stays on one line; only free text (风险类型, a
school's name, a project's content) wraps. `fit_table` measures every value and gives each column
the room its longest unbreakable line needs (a header may take two lines, broken where it reads well: 风险发现 / 日期), the free-text columns
what is left. When that does not fit the 156 mm text width in 12 pt (表格文字), date ranges
break after 至; then the table is set in 五号 (10.5 pt), and then dates break after 年 (2023年 /
9月1日), column by column: a deliberate break between the parts of a date, never inside a number.
A table that cannot fit even so is a programming error (too many columns for a portrait 公文),
raised, not printed cut.

The widths are measured for the widest faces that stand in (digits and Latin letters 0.66 em,
Chinese 1 em), so they hold under the project's fonts and a fallback set.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Sequence

from reportgen.engine import officialdoc as od

TEXT_TWIPS = od.A4_OFFICIAL.text_width_twips
PADDING_TWIPS = 2 * 108 + 30  # the cell's left and right margins (a-tbl-normal), borders, rounding
WRAP_MIN_EM = 4.0  # a free-text column is at least four characters wide
# digits and Latin letters: 0.5 em in Times New Roman, 0.64 in DejaVu Serif, which stands in for it
# where Times is not installed (LibreOffice on a bare Linux)
LATIN_EM = 0.66
AUTOSPACE_EM = 0.25
RANGE = re.compile(r"(\d{1,2}日)至(\d{4}年)")
YEAR = re.compile(r"(\d{4}年)(\d{1,2}月)")


def em(text: str) -> float:
    """Width of one line of `text` in em: Chinese and full-width 1, the rest LATIN_EM, and
    AUTOSPACE_EM where Chinese meets a digit or letter (Word, WPS and LibreOffice put a gap there:
    2023 年 9 月 1 日)."""
    wide = [unicodedata.east_asian_width(ch) in "WF" for ch in text]
    gaps = sum(1 for a, b in zip(wide, wide[1:]) if a != b)
    return sum(1.0 if w else LATIN_EM for w in wide) + gaps * AUTOSPACE_EM


def break_dates(value: str, level: int) -> str:
    """`value` with date ranges broken after 至 (level ≥ 1) and dates after 年 (level 2)."""
    if level >= 1:
        value = RANGE.sub(r"\1至\n\2", value)
    if level >= 2:
        value = YEAR.sub(r"\1\n\2", value)
    return value


def split_header(header: str) -> list[str]:
    """A header's two lines where it must wrap: before （单位） or 日期, else in the middle."""
    for mark in ("（", "日期"):
        at = header.find(mark)
        if 0 < at:
            return [header[:at], header[at:]]
    half = math.ceil(len(header) / 2)
    return [header[:half], header[half:]] if len(header) > 1 else [header]


def _header_em(header: str) -> float:
    """A header may take two lines: the wider of them."""
    return max(em(x) for x in split_header(header))


def _minimum(header: str, values: list[str], wrap: bool) -> tuple[float, float]:
    """(least, natural) width in em of a column: its longest unbreakable line (or four characters
    of free text) and what it takes unwrapped."""
    if wrap:
        low = max(_header_em(header), WRAP_MIN_EM)
        high = max([em(header), *(em(v.replace("\n", "")) for v in values)])
    else:
        low = max([_header_em(header), *(em(line) for v in values for line in v.split("\n"))])
        high = max(low, em(header))
    return low, max(low, high)


def _widths(columns: Sequence[str], cells: Sequence[Sequence[str]], wrap: Collection[int],
            points: float) -> list[int] | None:  # fmt: skip
    """Twips per column summing to the text width, or None when the unbreakable lines do not fit."""
    scale = points * 20  # twips per em
    sizes = [_minimum(h, [r[i] for r in cells], i in wrap) for i, h in enumerate(columns)]
    minimum = [low * scale + PADDING_TWIPS for low, _ in sizes]
    natural = [high * scale + PADDING_TWIPS for _, high in sizes]
    spare = TEXT_TWIPS - sum(minimum)
    if spare < 0:
        return None
    # first what each column would like (headers on one line, free text unwrapped), in proportion;
    # what is still left goes to the free-text columns (or to all when there are none)
    wanted = sum(n - m for n, m in zip(natural, minimum))
    share = min(1.0, spare / wanted) if wanted else 0.0
    widths = [m + (n - m) * share for n, m in zip(natural, minimum)]
    rest = TEXT_TWIPS - sum(widths)
    takers = [i for i in range(len(columns)) if i in wrap] or list(range(len(columns)))
    for i in takers:
        widths[i] += rest / len(takers)
    out = [math.ceil(w) for w in widths]  # never below a minimum: the rounding comes off the
    slack = [w - m for w, m in zip(out, minimum)]  # column with the most room to spare
    out[slack.index(max(slack))] -= sum(out) - TEXT_TWIPS
    return out


def _longest(cells: list[list[str]], i: int) -> tuple[float, int]:
    """Column `i`'s longest line (em) and most lines in a cell."""
    lines = [r[i].split("\n") for r in cells]
    return max((em(x) for ls in lines for x in ls), default=0.0), max(
        (len(ls) for ls in lines), default=1
    )


def _attempts(rows: list[list[str]], count: int):
    """The cells to try, in order of preference: as they are; date ranges broken after 至; then
    one column's dates after 年 at a time, the column first that gains most width per line added
    (a single date before a range, which would take four lines)."""
    yield rows
    cells = [[break_dates(v, 1) for v in r] for r in rows]
    yield cells
    while True:
        best = None
        for i in range(count):
            changed = [[break_dates(v, 2) if j == i else v for j, v in enumerate(r)] for r in cells]
            if changed == cells:
                continue
            (was, lines), (now, more) = _longest(cells, i), _longest(changed, i)
            gain = (was - now) / max(more - lines, 1)
            if best is None or gain > best[0]:
                best = (gain, changed)
        if best is None:
            return
        cells = best[1]
        yield cells


def fit_table(caption: str, columns: Sequence[str], rows: Sequence[Sequence[object]], *,
              wrap: Collection[int] = ()) -> dict:  # fmt: skip
    """The 公文 template's `table`: caption, columns, rows (dates broken where they must be),
    widths in twips and `small` (五号) when 12 pt does not fit. `wrap`: indexes of the columns of
    free text that may wrap; every other value keeps each of its lines whole."""
    text_rows = [["" if v is None else str(v) for v in r] for r in rows]
    for points, attempts in ((od.TABLE_TEXT[0], 2), (od.TABLE_TEXT_SMALL[0], None)):
        for n, cells in enumerate(_attempts(text_rows, len(columns))):
            if attempts is not None and n >= attempts:
                break
            widths = _widths(columns, cells, wrap, points)
            if widths is not None:
                scale = points * 20
                heads = [h if em(h) * scale + PADDING_TWIPS <= w else "\n".join(split_header(h))
                         for h, w in zip(columns, widths)]  # fmt: skip
                return {"caption": caption, "columns": heads, "rows": cells,
                        "widths": widths, "small": points < od.TABLE_TEXT[0]}  # fmt: skip
    raise ValueError(f"表格放不下 A4 纵向公文的版心：{'、'.join(columns)}")
