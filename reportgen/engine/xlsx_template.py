"""Excel templates: `{{ }}` in cells, `{%tr for %}` rows and `{%tr for %}` … `{%tr endfor %}` blocks
that grow (nested, and `{%tr if %}` groups), keeping styles, merges and what refers to the rows."""

from __future__ import annotations

import copy
import functools
import os
import re
from pathlib import Path
from typing import Any

import jinja2
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.merge import MergedCellRange

from reportgen.engine.environment import (
    TEXT_ENV,
    SecurityError,
    chinese_syntax_error,
    fullwidth_tag,
    refuse_fullwidth_tags,
    unsafe_accesses,
    unsafe_template_error,
)
from reportgen.engine.filters import MoneyText
from reportgen.engine.ooxml import normalize_zip
from reportgen.engine.xlsx_blocks import (
    Blocks,
    Layout,
    Scope,
    is_tr_cell,
    layout_problems,
    variable_problems,
)
from reportgen.engine.xlsx_refs import Formula
from reportgen.engine.xmltext import clean, excel_text, verify_package
from reportgen.errors import TemplateError

_ONLY_EXPR = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.S)
_ROWS = re.compile(r"^\$?(\d+):\$?(\d+)$")
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
FIXED_TIME = b"2023-01-01T00:00:00Z"
MAX_FORMULA = 8192  # characters Excel allows in a formula


def _is_templated(value: Any) -> bool:
    # Full-width ｛｛ ｝｝ count too: they are refused, never written out as they are.
    return isinstance(value, str) and (
        "{{" in value or "{%" in value or fullwidth_tag(value) is not None
    )


def _chart_series(chart) -> list:
    """The series of a chart and of the charts combined with it (`bar + line`)."""
    series = list(getattr(chart, "series", []) or [])
    for other in getattr(chart, "_charts", []) or []:
        if other is not chart:
            series += list(getattr(other, "series", []) or [])
    return series


def _chart_refs(chart):
    for series in _chart_series(chart):
        for source in (series.val, series.cat, series.xVal, series.yVal, series.tx):
            for kind in ("numRef", "strRef", "multiLvlStrRef"):
                ref = getattr(source, kind, None) if source is not None else None
                if ref is not None and ref.f:
                    yield ref


def _defined_names(wb):
    yield from wb.defined_names.values()
    for ws in wb.worksheets:
        yield from ws.defined_names.values()


class TemplateBook:
    """A template workbook read once: each sheet's repeat structure, every formula and other
    reference planned against it, and everything render refuses (`templates check` lists the
    same problems, named by the template's own sheet!cell)."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.blocks = {ws.title.casefold(): Blocks(ws) for ws in wb.worksheets}
        self.problems: list[str] = []
        for ws in wb.worksheets:
            blocks = self.blocks[ws.title.casefold()]
            self.problems += blocks.problems
            if not blocks.broken:
                self.problems += variable_problems(ws, blocks)
                self.problems += layout_problems(ws, blocks)
        self.moves = any(b.has_repeats for b in self.blocks.values())
        self.cells: dict[str, dict[tuple[int, int], Formula]] = {}
        self.homes: dict[int, Scope] = {}  # id(conditional format / validation) → its home scope
        self.rules: dict[int, list[Formula]] = {}  # id(rule) → its formulas
        self.validations: dict[int, tuple[Formula | None, Formula | None]] = {}
        self.names: list[tuple[Any, Formula]] = []
        self.charts: list[tuple[Any, Formula]] = []
        if self.moves and not any(b.broken for b in self.blocks.values()):
            self._plan()

    def _formula(self, text, own, origin, mode, where, cells=None) -> Formula:
        f = Formula(text, own, origin, self.blocks, mode, where, cells)
        self.problems += f.problems
        return f

    def _plan(self) -> None:
        for ws in self.wb.worksheets:
            blocks = self.blocks[ws.title.casefold()]
            cells = self.cells.setdefault(ws.title, {})
            for (r, c), cell in sorted(ws._cells.items()):
                value = cell._value
                if cell.data_type == "f" and isinstance(value, str) and value.startswith("="):
                    where = f"{ws.title}!{cell.coordinate} 的公式"
                    f = self._formula(value, blocks, blocks.scope_at(r), "cell", where)
                    if not f.static:
                        cells[(r, c)] = f
            for cf in ws.conditional_formatting:
                home, rows = self._home(blocks, cf.sqref)
                self.homes[id(cf)] = home
                where = f"{ws.title}!{cf.sqref} 的条件格式公式"
                for rule in cf.rules:
                    self.rules[id(rule)] = [
                        self._formula(f, blocks, home, "rule", where, rows) for f in rule.formula
                    ]
            for dv in ws.data_validations.dataValidation:
                home, rows = self._home(blocks, dv.sqref)
                self.homes[id(dv)] = home
                where = f"{ws.title}!{dv.sqref} 的数据验证公式"
                self.validations[id(dv)] = tuple(  # type: ignore[assignment]
                    self._formula(f, blocks, home, "rule", where, rows) if f else None
                    for f in (dv.formula1, dv.formula2)
                )
            for chart in ws._charts:
                for ref in _chart_refs(chart):
                    where = f"“{ws.title}”上图表的数据区域"
                    self.charts.append((ref, self._formula(ref.f, None, None, "chart", where)))
        for defined in _defined_names(self.wb):
            if defined.attr_text:
                where = f"名称“{defined.name}”（公式 → 名称管理器）"
                f = self._formula(defined.attr_text, None, None, "name", where)
                self.names.append((defined, f))

    @staticmethod
    def _home(blocks: Blocks, sqref) -> tuple[Scope, tuple[int, int] | None]:
        """The scope a conditional format or validation is made once per copy of, and its rows."""
        ranges = [CellRange(str(r)) for r in sqref.ranges]
        if not ranges:
            return blocks.root, None
        lo = min(r.min_row for r in ranges)
        hi = max(r.max_row for r in ranges)
        return blocks.home(lo, hi, rows=False), (lo, hi)


@functools.lru_cache(maxsize=1024)
def _compiled_expr(expr: str):
    return TEXT_ENV.compile_expression(expr, undefined_to_none=False)


@functools.lru_cache(maxsize=1024)
def _compiled_text(text: str):
    return TEXT_ENV.from_string(text)


def _eval_cell(value: str, ctx: dict[str, Any], where: str, template: str = "") -> Any:
    """A cell that is just `{{ expr }}` keeps the value's type (number, date); otherwise text."""
    try:
        refuse_fullwidth_tags(value)
        m = _ONLY_EXPR.match(value)
        if m:
            result = _compiled_expr(m.group("expr").strip())(ctx)
            if isinstance(result, jinja2.Undefined):
                str(result)  # raises the undefined-name message
            return result
        return _compiled_text(value).render(ctx)
    except jinja2.TemplateSyntaxError as err:
        err = chinese_syntax_error(err, value)  # a lone {{ expr }} is not parsed as a template
        raise TemplateError(
            f"Excel 模板 {where} 的标签有误：{err.message}（单元格内容：{value}）"
        ) from None
    except TemplateError:
        raise
    except SecurityError as err:
        raise unsafe_template_error(
            err, template or "Excel 模板", f"（{where}，单元格内容：{value}）"
        ) from None
    except Exception as err:  # noqa: BLE001 - user data/template problem, located to the cell
        raise TemplateError(f"Excel 模板 {where}：{err}（单元格内容：{value}）") from err


# A text a spreadsheet would take for a formula if typed in (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t=", "\t+", "\t-", "\t@", "\r=", "\r+", "\r-", "\r@")


def _set(cell, value: Any) -> None:
    """A value from data into a cell: a number, date or bool as it is; text always a text cell,
    never a formula (`=HYPERLINK(…)` from data stays the text the clerk typed, marked with a quote
    prefix so that editing it in Excel keeps it text), control characters as Excel writes them
    (_xHHHH_, as the list workbooks do: openpyxl refuses them raw)."""
    from decimal import Decimal

    if isinstance(value, MoneyText):
        # `{{ x|money }}` alone in a cell: the amount as a number (SUM adds it up), shown as
        # 1,250.00 by a number format, unless the template cell has a number format of its own.
        cell.value = float(value.amount) if value.amount % 1 else int(value.amount)
        if cell.number_format == "General":
            cell.number_format = value.number_format
        return
    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, str):
        value = excel_text(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
        return
    cell.value = value


def _instances(layout: Layout, scope: Scope) -> list[tuple]:
    return [()] if scope.parent is None else layout.instances.get(scope.id, [])


def _pieces(ranges, layout: Layout, inst: tuple) -> list[str]:
    """Cell ranges (a conditional format's, a validation's) where their rows went in `inst`."""
    out = []
    for r in ranges:
        cr = CellRange(str(r))
        for lo, hi in layout.runs(cr.min_row, cr.max_row, inst):
            out.append(
                CellRange(min_col=cr.min_col, max_col=cr.max_col, min_row=lo, max_row=hi).coord
            )
    return out


def _hull(ref: str, layout: Layout) -> str | None:
    """One range over all the rows a range's rows went to (filters, tables, print areas)."""
    cr = CellRange(ref)
    runs = layout.runs(cr.min_row, cr.max_row, ())
    if not runs:
        return None
    return CellRange(
        min_col=cr.min_col, max_col=cr.max_col, min_row=runs[0][0], max_row=runs[-1][1]
    ).coord


def _place_cells(ws, book: TemplateBook, layouts, layout: Layout, template: str) -> None:
    """Every output row from its template row: the first copy keeps the template's cell objects
    (comments, links), later copies get new cells with the same style; tags are filled with the
    row's context and formulas written for the row's place."""
    formulas = book.cells.get(ws.title, {})
    markers = layout.blocks.markers
    rows: dict[int, list] = {}
    for (r, _c), cell in ws._cells.items():
        rows.setdefault(r, []).append(cell)
    specs: dict[int, list[tuple]] = {}
    placed: dict[tuple[int, int], Any] = {}
    for n, t in enumerate(layout.tpl, start=1):
        spec = specs.get(t)
        first = spec is None
        if first:
            m = markers.get(t)
            spec = []
            for cell in sorted(rows.get(t, ()), key=lambda c: c.column):
                value = cell._value
                if m is not None and m.kind == "row" and m.column == cell.column:
                    value = value[m.end :] or None
                merged = isinstance(cell, MergedCell)
                style = copy.copy(cell._style)  # before the first copy's money format lands
                spec.append((cell, cell.column, value, cell.data_type, style, merged))
            specs[t] = spec
        if not spec:
            continue
        path, local, blank = layout.paths[n - 1], layout.ctxs[n - 1], n in layout.blank
        for cell, col, value, dtype, style, merged in spec:
            if first:
                c = cell
                c.row = n
                if c.hyperlink is not None:
                    c.hyperlink.ref = c.coordinate
            else:
                c = MergedCell(ws, n, col) if merged else Cell(ws, row=n, column=col)
                # types-openpyxl names the cells' `_style` slot without declaring its type
                c._style = copy.copy(style)  # type: ignore[union-attr]
                if cell.hyperlink is not None:  # a link in a repeated row: in every copy
                    c.hyperlink = copy.copy(cell.hyperlink)
                    c.hyperlink.ref = c.coordinate
            placed[(n, col)] = c
            if merged:
                continue
            if dtype == "f" and isinstance(value, str):
                f = formulas.get((t, col))
                c._value = value if f is None else _checked(f.render(layouts, path), ws, col, t)
                c.data_type = "f"
            elif _is_templated(value):
                if blank:
                    c._value, c.data_type = None, "n"
                else:
                    where = f"{ws.title}!{get_column_letter(col)}{t}"
                    _set(c, _eval_cell(value, local, where, template))
            else:
                c._value, c.data_type = value, dtype
    ws._cells = placed


def _checked(formula: str, ws, col: int, t: int) -> str:
    if len(formula) > MAX_FORMULA:
        raise TemplateError(
            f"Excel 模板 {ws.title}!{get_column_letter(col)}{t} 的公式生成后有 {len(formula)} 个字符，"
            f"超过 Excel 的上限 {MAX_FORMULA}（引用的重复区分成了太多块）。请改用包住整个重复区的区域，"
            "例如 SUBTOTAL(9,D4:D20)：它合计时会跳过区域里用 SUBTOTAL 算出的小计"
        )
    return formula


def _place_rows(ws, layout: Layout) -> None:
    """Row heights and other row formats follow their rows, copied for each copy."""
    dims = ws.row_dimensions
    old = dict(dims)
    dims.clear()
    seen: set[int] = set()
    for n, t in enumerate(layout.tpl, start=1):
        d = old.get(t)
        if d is None:
            continue
        if t in seen:
            d = copy.copy(d)
        seen.add(t)
        d.index = n
        dims[n] = d


def _place_merges(ws, layout: Layout) -> None:
    """A merge is made once per copy of the repeat it lies in; one over a repeat's rows (a name
    merged down beside its households) stretches over all of its copies."""
    blocks, markers = layout.blocks, layout.blocks.markers
    old = sorted(ws.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col))
    ws.merged_cells = MultiCellRange()
    for mr in old:
        r1, r2 = mr.min_row, mr.max_row
        if all(r in markers and markers[r].kind != "row" for r in range(r1, r2 + 1)):
            continue
        for inst in _instances(layout, blocks.home(r1, r2)):
            runs = layout.runs(r1, r2, inst)
            if not runs:
                continue
            lo, hi = runs[0][0], runs[-1][1]
            if lo == hi and mr.min_col == mr.max_col:
                continue
            coord = f"{get_column_letter(mr.min_col)}{lo}:{get_column_letter(mr.max_col)}{hi}"
            ws.merged_cells.ranges.add(MergedCellRange(ws, coord))
            if hi - lo != r2 - r1:  # stretched: the rows it now covers show only its first cell
                for r in range(lo, hi + 1):
                    for c in range(mr.min_col, mr.max_col + 1):
                        cell = ws._cells.get((r, c))
                        if (r, c) != (lo, mr.min_col) and type(cell) is Cell:
                            covered = MergedCell(ws, r, c)
                            # (types-openpyxl: `_style` slot undeclared, as above)
                            covered._style = copy.copy(cell._style)  # type: ignore[attr-defined]
                            ws._cells[(r, c)] = covered


def _place_formats(ws, book: TemplateBook, layouts, layout: Layout) -> None:
    """Conditional formats and data validations cover the rows their cells went to; one set in a
    block is made once per copy, its formulas read in that copy."""
    if len(ws.conditional_formatting):
        shifted = ConditionalFormattingList()
        made: list[tuple[int, int, Any]] = []
        for cf in ws.conditional_formatting:
            used: set[int] = set()
            for k, inst in enumerate(_instances(layout, book.homes[id(cf)])):
                pieces = _pieces(cf.sqref.ranges, layout, inst)
                if not pieces:
                    continue
                for rule in cf.rules:
                    new = copy.copy(rule) if id(rule) in used else rule
                    used.add(id(rule))
                    new.formula = [f.render(layouts, inst) for f in book.rules[id(rule)]]
                    shifted.add(" ".join(pieces), new)
                    made.append((rule.priority or 0, k, new))
        for i, (_p, _k, rule) in enumerate(sorted(made, key=lambda x: (x[0], x[1])), start=1):
            rule.priority = i
        ws.conditional_formatting = shifted
    validations = []
    for dv in ws.data_validations.dataValidation:
        first = True
        f1, f2 = book.validations[id(dv)]
        ranges = list(dv.sqref.ranges)  # the template's: the first copy replaces dv.sqref
        for inst in _instances(layout, book.homes[id(dv)]):
            pieces = _pieces(ranges, layout, inst)
            if not pieces:
                continue
            new = dv if first else copy.copy(dv)
            first = False
            new.sqref = MultiCellRange(" ".join(pieces))
            if f1 is not None:
                new.formula1 = f1.render(layouts, inst)
            if f2 is not None:
                new.formula2 = f2.render(layouts, inst)
            validations.append(new)
    ws.data_validations.dataValidation = validations


def _place_sheet_ranges(ws, layout: Layout) -> None:
    """Filter, Excel tables, print areas and titles, frozen panes, pictures and charts."""
    if ws.auto_filter.ref:
        ws.auto_filter.ref = _hull(ws.auto_filter.ref, layout)
    for table in ws.tables.values():  # an Excel table (插入 → 表格) over a repeat row grows
        table.ref = _hull(table.ref, layout) or table.ref
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = table.ref
    if ws.print_area:
        areas = [
            _hull(a.replace("'", "").split("!")[-1].replace("$", ""), layout)
            for a in _print_areas(ws)
        ]
        ws.print_area = [a for a in areas if a]
    titles = ws.print_title_rows
    m = _ROWS.match(titles or "")
    if m:
        runs = layout.runs(int(m[1]), int(m[2]), ())
        if runs and (runs[0][0], runs[-1][1]) != (int(m[1]), int(m[2])):
            ws.print_title_rows = f"{runs[0][0]}:{runs[-1][1]}"
    if ws.freeze_panes:
        col, row = coordinate_from_string(ws.freeze_panes)
        if layout.first_position(row) != row:
            ws.freeze_panes = f"{col}{layout.first_position(row)}"
    for item in [*ws._images, *ws._charts]:
        anchor = item.anchor
        if isinstance(anchor, str):  # "C20", as ws.add_image(img, "C20") leaves it
            col, row = coordinate_from_string(anchor)
            item.anchor = f"{col}{layout.position(row)}"
            continue
        start = getattr(anchor, "_from", None)
        if start is None:
            continue  # an absolute position
        delta = layout.position(start.row + 1) - (start.row + 1)
        start.row += delta
        end = getattr(anchor, "to", None)
        if end is not None:
            end.row += delta


def _print_areas(ws) -> list[str]:
    value = ws.print_area
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return list(value or [])


def _fill_in_place(ws, ctx: dict[str, Any], template: str) -> None:
    for cells in ws.iter_rows():
        for cell in cells:
            if _is_templated(cell.value):
                _set(cell, _eval_cell(cell.value, ctx, f"{ws.title}!{cell.coordinate}", template))


def _fill_header_footer(ws, ctx: dict[str, Any], template: str) -> None:
    for attr in ("oddHeader", "oddFooter", "evenHeader", "evenFooter"):
        hf = getattr(ws, attr, None)
        for part in (hf.left, hf.center, hf.right) if hf is not None else ():
            if _is_templated(part.text):
                part.text = clean(str(_eval_cell(part.text, ctx, f"{ws.title} 页眉页脚", template)))


def render_book(book: TemplateBook, ctx: dict[str, Any], template: str = "") -> None:
    """Fill every sheet; `template` (the file name) only names it in error messages."""
    wb = book.wb
    if not book.moves:  # nothing repeats: no row moves
        for ws in wb.worksheets:
            _fill_in_place(ws, ctx, template)
            _fill_header_footer(ws, ctx, template)
        return

    def evaluate(expr: str, local: dict[str, Any], where: str) -> Any:
        return _eval_cell("{{ " + expr + " }}", local, where, template)

    layouts = {key: Layout(blocks, ctx, evaluate) for key, blocks in book.blocks.items()}
    for ws in wb.worksheets:
        layout = layouts[ws.title.casefold()]
        _place_cells(ws, book, layouts, layout, template)
        _place_rows(ws, layout)
        _place_merges(ws, layout)
        _place_formats(ws, book, layouts, layout)
        _place_sheet_ranges(ws, layout)
        _fill_header_footer(ws, ctx, template)
    for ref, f in book.charts:
        ref.f = f.render(layouts)
    for defined, f in book.names:
        defined.attr_text = f.render(layouts)


_IMAGE_REL = re.compile(rb'Type="[^"]*/relationships/image"')
# A shape, text box, connector or group in a sheet drawing: openpyxl keeps only pictures and charts.
_SHAPE = re.compile(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)[\s>/]")


def _drawing_contents(template: str | os.PathLike) -> tuple[bool, bool]:
    """(has pictures — a seal, a logo; has shapes or text boxes) in the template's sheet drawings."""
    import zipfile

    pictures = shapes = False
    with zipfile.ZipFile(template) as zf:
        for name in zf.namelist():
            if name.startswith("xl/drawings/_rels/"):
                pictures = pictures or bool(_IMAGE_REL.search(zf.read(name)))
            elif name.startswith("xl/drawings/") and name.endswith(".xml"):
                shapes = shapes or bool(_SHAPE.search(zf.read(name)))
    return pictures, shapes


def _load_template(template: str | os.PathLike):
    """(workbook, what would be lost from it). openpyxl drops pictures without a word when Pillow
    is not installed, and drops unreadable pictures or whole drawings with shapes with only a Python
    warning: each becomes a problem here, and render refuses rather than write a workbook without
    the seal."""
    import warnings

    from openpyxl.drawing.image import PILImage

    lost = []
    pictures, shapes = _drawing_contents(template)
    if shapes:
        lost.append(
            "模板里有形状、文本框或艺术字（例如用形状画的印章），生成的文件无法保留它们。"
            "请把它换成图片（另存为 PNG 后用“插入 → 图片”放回原处），或删去后再生成"
        )
    if PILImage is None and pictures:
        lost.append(
            "模板里有图片（例如印章、标志），但本机没有安装 Pillow，读取模板时图片会丢失。"
            "请先运行 pip install Pillow（reportgen 的依赖，重新安装 reportgen 也会装上），再生成"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wb = load_workbook(template)
    lost += [
        f"模板里的图形无法保留（{w.message}）：请把它换成 PNG 或 JPEG 图片后再生成"
        for w in caught
        if any(k in str(w.message) for k in ("image", "Shapes and drawings"))
    ]
    return wb, lost


def render_xlsx(
    template: str | os.PathLike, context: dict[str, Any], out_path: str | os.PathLike
) -> Path:
    """Render one workbook from an .xlsx template; written atomically and byte-identical for the same input."""
    try:
        wb, lost = _load_template(template)
    except Exception as err:  # noqa: BLE001 - any load failure is a broken template file
        raise TemplateError(f"无法打开 Excel 模板 {template}：{err}") from None
    if lost:
        raise TemplateError(f"Excel 模板 {Path(template).name}：{lost[0]}")
    book = TemplateBook(wb)
    if book.problems:
        raise TemplateError(f"Excel 模板 {Path(template).name}：{book.problems[0]}")
    render_book(book, context, Path(template).name)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        wb.save(tmp)
        fix_xlsx_timestamps(tmp)
        verify_package(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def fix_xlsx_timestamps(path: str | os.PathLike) -> None:
    """Fixed created/modified properties and zip times, so the same content gives the same bytes."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        core = zf.read("docProps/core.xml") if "docProps/core.xml" in zf.namelist() else None
    replace = {}
    if core is not None:
        replace["docProps/core.xml"] = _CORE_TIMES.sub(
            lambda m: m.group(1) + FIXED_TIME + m.group(3), core
        )
    normalize_zip(path, replace)


def xlsx_template_variables(
    template: str | os.PathLike,
) -> tuple[set[str], list[str], list[str]]:
    """(top-level names used, what render would refuse, what the sandbox would refuse) for
    `templates check`."""
    from jinja2 import meta

    wb, lost = _load_template(template)
    book = TemplateBook(wb)
    names: set[str] = set()
    problems: list[str] = list(lost)
    unsafe: list[str] = []
    for ws in wb.worksheets:
        blocks = book.blocks[ws.title.casefold()]
        loop_vars = {"loop"}
        for scope in blocks.scopes[1:]:
            loop_vars.update(scope.names)
        for attr in ("oddHeader", "oddFooter", "evenHeader", "evenFooter"):
            hf = getattr(ws, attr, None)
            for part in (hf.left, hf.center, hf.right) if hf is not None else ():
                if _is_templated(part.text):
                    unsafe += _unsafe_problems(part.text, f"{ws.title} 页眉页脚")
        for (r, _c), cell in sorted(ws._cells.items()):
            if not _is_templated(cell.value):
                continue
            where = f"{ws.title}!{cell.coordinate}"
            text = cell.value
            m = blocks.markers.get(r)
            if m is not None and m.column == cell.column:
                text = text[m.end :] if m.kind == "row" else ""
                if m.expr:
                    source = "{{ " + m.expr + " }}"
                    try:
                        used = meta.find_undeclared_variables(TEXT_ENV.parse(source))
                    except jinja2.TemplateSyntaxError as err:
                        err = chinese_syntax_error(err, m.expr)
                        problems.append(f"{where} 的“{m.tag}”标记有误：{err.message}")
                        continue
                    outer: set[str] = {"loop"}
                    s: Scope | None = blocks.scope_at(r)
                    while s is not None:  # a nested list (`v.households`) names its outer item
                        outer.update(s.names)
                        s = s.parent
                    names |= used - outer
                    unsafe += _unsafe_problems(source + text, where, cell.value)
            elif is_tr_cell(text):
                continue  # reported as a problem of the blocks
            try:
                used = meta.find_undeclared_variables(TEXT_ENV.parse(text))
            except jinja2.TemplateSyntaxError as err:
                err = chinese_syntax_error(err, text)  # unknown filters: found after parsing
                problems.append(f"{where} 标签有误：{err.message}（{cell.value}）")
                continue
            if m is None or m.column != cell.column:
                unsafe += _unsafe_problems(text, where, cell.value)
            names |= used - loop_vars
    problems += book.problems
    return names, problems, unsafe


def _unsafe_problems(source: str, where: str, shown: str | None = None) -> list[str]:
    """What the sandbox would refuse in a cell or a marker's expression."""
    try:
        found = unsafe_accesses(source, TEXT_ENV)
    except jinja2.TemplateSyntaxError:
        return []  # reported as a syntax problem
    if not found:
        return []
    names = "”、“".join(dict.fromkeys(name for name, _ in found))
    return [
        f"{where} 不允许的写法：访问“{names}”是在取程序内部、可用来运行程序，生成时会被拒绝；"
        f"模板是文档，不是程序，请删去这个标签（{shown or source}）"
    ]
