"""The self-check's problem list (.xlsx): a summary sheet, problems by township and rule with a
native Excel chart (XlsxWriter chart object, not a picture), one sheet per rule with findings
(named by the rule's title; its code is a column of the summary), and the problems resolved since
the previous self-check.

The list is the report's attachment and goes up with it: ID numbers in it are masked by default
(`ids.selfcheck_list`); 户编号, 学籍号 and 项目编号 are written as they are, so that each finding
can still be found in the national system and fixed. With `full_ids` the ID numbers are full, for
a county that keeps the list as its internal working copy.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from reportgen.documents.report_blocks import mask_ids
from reportgen.engine import cndate, xlsx_print
from reportgen.engine.xlsx_bulk import LINE_POINTS, BulkSheet, text_lines

if TYPE_CHECKING:
    from reportgen.documents.selfcheck import SelfCheck

FIXED_CREATED = dt.datetime(2023, 1, 1)
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
ENTITY_NAMES = {"household": "户", "person": "人员", "student": "学生", "project": "项目",
                "dropout_case": "辍学个案", "township": "乡镇"}  # fmt: skip
OTHER_AREA = "其他（未定位到乡镇）"


def sheet_name(text: str, used: set[str]) -> str:
    """A worksheet name Excel accepts: no []:*?/\\, at most 31 characters, unique (case-insensitive)."""
    base = (text.translate(_BAD_SHEET_CHARS).strip("' ") or "Sheet")[:31]
    candidate, i = base, 2
    while candidate.lower() in used:
        suffix = f"_{i}"
        candidate = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(candidate.lower())
    return candidate


class _Book:
    """Formats shared by every sheet: 宋体 11, bordered cells, grey bold header, A4 print setup."""

    def __init__(self, path: Path, footer: str, full_ids: bool = False) -> None:
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                  "strings_to_urls": False})  # fmt: skip
        self.wb.set_properties(
            {"created": FIXED_CREATED, "author": "reportgen", "comments": footer}
        )
        self.footer = footer
        self.full_ids = full_ids
        self.used: set[str] = set()
        self.sheets: list[tuple[BulkSheet, list[str], str, str, bool]] = []
        base = {"font_name": "宋体", "font_size": 11, "border": 1, "valign": "vcenter"}
        self.title = self.wb.add_format(
            {"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        self.note = self.wb.add_format(
            {"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"}
        )
        self.head = self.wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9D9D9"}
        )
        self.text = self.wb.add_format({**base, "text_wrap": True})
        self.center = self.wb.add_format({**base, "align": "center"})
        self.int = self.wb.add_format({**base, "num_format": "0", "align": "center"})
        self.total = self.wb.add_format({**base, "bold": True, "num_format": "0", "align": "center"})  # fmt: skip

    def sheet(
        self,
        name: str,
        title: str,
        note: str,
        columns: Sequence[tuple[str, float]],
        *,
        landscape: bool = False,
    ):
        ws = self.wb.add_worksheet(sheet_name(name, self.used), worksheet_class=BulkSheet)
        for i, (_, width) in enumerate(columns):
            ws.set_column(i, i, width)
        ws.widths = [width for _, width in columns]  # for the wrapped rows' heights
        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, max(len(columns) - 1, 1), title, self.title)
        xlsx_print.note_row(ws, 1, note, [w for _, w in columns], self.note)
        for i, (header, _) in enumerate(columns):
            ws.write_string(2, i, header, self.head)
        ws.freeze_panes(3, 0)
        self.sheets.append((ws, [h for h, _ in columns], title, note, landscape))
        return ws

    def row(self, ws, r: int, values: list[Any], kinds: str) -> None:
        """kinds: one letter per value — t text, c centred text, i integer. A row whose wrapped
        text takes more than one line gets its height (viewers do not all grow it themselves)."""
        lines = max((text_lines(str(v), w) for v, k, w in zip(values, kinds, ws.widths)
                     if k == "t" and isinstance(v, str) and v), default=1)  # fmt: skip
        if lines > 1:
            ws.set_row(r, lines * LINE_POINTS)
        for c, v in enumerate(values):  # codes the columns must fit on one line (BulkSheet.widen)
            units = xlsx_print.unbreakable_units(v)
            if units > ws.unbreakable.get(c, 0):
                ws.unbreakable[c] = units
        for c, (v, k) in enumerate(zip(values, kinds)):
            if k == "i":
                ws.write_number(r, c, int(v or 0), self.int)
            elif v is None or v == "":
                ws.write_blank(r, c, None, self.text)
            else:
                ws.write_string(r, c, str(v), self.center if k == "c" else self.text)

    def rows(self, ws: BulkSheet, first: int, rows: Iterable[Sequence[Any]], kinds: str) -> None:
        """Many rows from row `first` down, below everything written with `row` (same cells)."""
        formats = {"i": ("int", self.int), "c": ("text", self.center), "t": ("text", self.text)}
        ws.add_rows(first, rows, [formats[k] for k in kinds])

    def ids(self, text: str) -> str:
        """`text` with its ID numbers as the list shows them (masked unless full_ids)."""
        return text if self.full_ids else mask_ids(text)

    def close(self) -> None:
        """Each sheet's print set-up (engine/xlsx_print.py), from its widths once the rows have
        widened the columns that hold IDs and dates, then the file."""
        for ws, headers, title, note, landscape in self.sheets:
            widths = ws.widen(ws.widths or [])
            xlsx_print.header_height(ws, 2, headers, widths)
            xlsx_print.apply(ws, widths, headers, title_rows=(0, 2), header_rows=(2, 2), title=title,
                             footer=self.footer, last_row=ws.dim_rowmax or 2, note=note,
                             landscape=landscape)  # fmt: skip
        self.wb.close()


def write_problem_list(
    path: Path, report: SelfCheck, policy, *, footer: str, full_ids: bool = False
) -> Path:
    """Write the problem list atomically (a temporary file in the same folder, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        book = _Book(tmp, footer, full_ids)
        _summary(book, report, policy)
        _by_area(book, report)
        for r in report.rules:
            if report.of_rule(r.id):
                _rule_sheet(book, report, r, policy.text("source.name"))
        if report.comparison.resolved_items:
            _resolved(book, report)
        book.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _note(report: SelfCheck, book: _Book) -> str:
    prev = report.comparison.previous_label
    return (
        f"检查日：{cndate(report.as_of)}；"
        + (f"对比上次自查：{prev}" if prev else "无上次自查可对比")
        + ("；含完整证件号码，请妥善保管" if book.full_ids else "；证件号码已遮挡")
    )


def _summary(book: _Book, report: SelfCheck, policy) -> None:
    c = report.comparison
    # narrow enough to print on one landscape page width at 9 pt (engine/xlsx_print): the long
    # texts (问题, 政策依据) wrap instead
    columns = [("序号", 6), ("规则编号", 15), ("问题", 22), ("方面", 10), ("严重程度", 9), ("对象", 8),
               (f"{policy.text('source.name')}章节", 13), ("政策依据", 24), ("问题数", 8), ("新增", 6), ("仍未整改", 9), ("已整改", 8),
               ("明细工作表", 12)]  # fmt: skip
    ws = book.sheet(
        "汇总",
        f"{report.name}{report.quarter.label}自查问题汇总",
        _note(report, book),
        columns,
        landscape=True,
    )
    sheets = _rule_sheet_names(report)
    r = 3
    for i, rule in enumerate(report.rules, start=1):
        n = len(report.of_rule(rule.id))
        values = [i, rule.id, rule.title, rule.group, rule.severity, ENTITY_NAMES.get(rule.entity, rule.entity),
                  rule.seed, rule.basis_text(policy), n, c.new[rule.id], c.persisting[rule.id], c.resolved[rule.id],
                  sheets.get(rule.id, "")]  # fmt: skip
        book.row(ws, r, values, "icttcctti" + "iii" + "t")
        r += 1
    ws.write_string(r, 0, "合计", book.head)
    for col in range(1, 8):
        ws.write_blank(r, col, None, book.head)
    for col, counter in zip(range(8, 12), (None, c.new, c.persisting, c.resolved)):
        total = len(report.found) if counter is None else sum(counter.values())
        ws.write_number(r, col, total, book.total)
    ws.write_blank(r, 12, None, book.head)
    ws.autofilter(2, 0, r - 1, len(columns) - 1)


def _rule_sheet_names(report: SelfCheck) -> dict[str, str]:
    """The sheet name each rule with findings gets (computed the same way the sheets are added)."""
    used = {"汇总", "按乡镇统计"}
    names = {}
    for r in report.rules:
        if report.of_rule(r.id):
            names[r.id] = sheet_name(r.title, used)
    return names


def _area_label(report: SelfCheck, f) -> str:
    if report.figures.area_level == "村":
        return next(
            (a.name for a in report.figures.areas if a.code == f.village),
            OTHER_AREA.replace("乡镇", "村"),
        )
    return report.township_names.get(f.township, OTHER_AREA)


def _by_area(book: _Book, report: SelfCheck) -> None:
    """Problems by rule (rows) and township or village (columns), with a stacked bar chart of the
    same table: one bar per rule, one colour per township."""
    level = report.figures.area_level
    hit = [r for r in report.rules if report.of_rule(r.id)]
    areas = [a.name for a in report.figures.areas]
    counts: dict[tuple[str, str], int] = {}
    for f in report.found:
        key = (_area_label(report, f), f.rule)
        counts[key] = counts.get(key, 0) + 1
    areas += sorted({a for a, _ in counts if a not in areas})
    columns = [("规则编号", 15), ("问题", 40)] + [(a, 10) for a in areas] + [("合计", 8)]
    ws = book.sheet("按乡镇统计", f"{report.name}{report.quarter.label}自查问题分{level}统计", _note(report, book),
                    columns, landscape=True)  # fmt: skip
    first = 3
    rows = [(r.id, r.title) for r in hit] or [("", "（未发现问题）")]
    for i, (rule_id, title) in enumerate(rows):
        numbers = [counts.get((a, rule_id), 0) for a in areas]
        values: list[Any] = [rule_id, title, *numbers, sum(numbers)]
        book.row(ws, first + i, values, "ct" + "i" * (len(values) - 2))
    last = first + len(rows) - 1
    total_row = last + 1
    ws.write_string(total_row, 0, "合计", book.head)
    ws.write_blank(total_row, 1, None, book.head)
    by_area = [sum(counts.get((a, r.id), 0) for r in hit) for a in areas]
    for c, total in enumerate([*by_area, sum(by_area)], start=2):
        ws.write_number(total_row, c, total, book.total)
    chart = book.wb.add_chart({"type": "bar", "subtype": "stacked"})
    name = ws.get_name()
    for c, area in enumerate(areas, start=2):
        chart.add_series({"name": area, "categories": [name, first, 1, last, 1],
                          "values": [name, first, c, last, c], "gap": 50})  # fmt: skip
    if not areas:  # no places at all: chart the totals so the sheet still has its chart
        chart.add_series({"name": "合计", "categories": [name, first, 1, last, 1],
                          "values": [name, first, len(columns) - 1, last, len(columns) - 1]})  # fmt: skip
    chart.set_title(
        {"name": f"自查问题数（按规则、{level}）", "name_font": {"name": "黑体", "size": 14}}
    )
    # every rule labelled (a category axis otherwise skips labels when they crowd), and whole
    # numbers on the count axis (an automatic axis of small counts steps by 0.5)
    most = max((len(report.of_rule(r.id)) for r in hit), default=0)  # the longest bar
    chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"name": "宋体", "size": 9}})
    chart.set_x_axis({"name": "问题数", "major_gridlines": {"visible": True}, "min": 0, "num_format": "0",
                      "major_unit": max(1, -(-most // 10)), "num_font": {"name": "宋体", "size": 9}})  # fmt: skip
    chart.set_legend({"position": "top", "font": {"name": "宋体", "size": 10}})
    chart.set_size({"width": 900, "height": max(300, 120 + 24 * len(rows))})
    ws.set_h_pagebreaks([total_row + 1])  # the chart prints on a page of its own
    ws.insert_chart(total_row + 2, 0, chart)


def _rule_sheet(book: _Book, report: SelfCheck, rule, source: str) -> None:
    """One rule's sheet; `source` names the pack's source document before the rule's section."""
    items = report.of_rule(rule.id)
    key_header = {"household": "户编号", "person": "证件号码", "student": "学籍号", "project": "项目编号",
                  "dropout_case": "学籍号", "township": "区划代码"}.get(rule.entity, "编号")  # fmt: skip
    own = key_header == "户编号"  # the key is the household: no second 户编号 column
    columns = [("序号", 6), ("乡镇", 10), ("地点/学校", 22), (key_header, 21 if not own else 10), ("名称", 12),
               *([] if own else [("户编号", 10)]), ("问题说明", 60), ("与上次自查相比", 16)]  # fmt: skip
    note = f"{rule.id}｜{rule.group}｜{rule.severity}｜{source} {rule.seed}｜共{len(items)}条｜{_note(report, book)}"
    ws = book.sheet(rule.title, rule.title, note, columns, landscape=True)
    names = report.township_names
    book.rows(ws, 3, (
        [i, names.get(f.township, ""), f.place, book.ids(f.key), f.name,
         *([] if own else [f.household or ""]), book.ids(f.detail), report.status(f)]
        for i, f in enumerate(items, start=1)
    ), "icccc" + ("" if own else "c") + "tc")  # fmt: skip
    ws.autofilter(2, 0, 2 + len(items), len(columns) - 1)


def _resolved(book: _Book, report: SelfCheck) -> None:
    c = report.comparison
    titles = {r.id: r.title for r in report.rules}
    columns = [("序号", 6), ("规则编号", 15), ("问题", 34), ("编号", 21), ("名称", 14)]
    ws = book.sheet(
        "已整改",
        f"上次自查（{c.previous_label}）发现、本次已整改的问题",
        _note(report, book),
        columns,
    )
    book.rows(ws, 3, (
        [i, rule_id, titles.get(rule_id, rule_id), book.ids(key), name or ""]
        for i, (rule_id, key, name) in enumerate(sorted(c.resolved_items), start=1)
    ), "icccc")  # fmt: skip
