"""Excel templates: `{{ }}` in cells and `{%tr for x in xs %}` rows that grow, keeping styles and formulas."""

from __future__ import annotations

import copy
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.formula.tokenizer import Tokenizer
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

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
from reportgen.engine.xmltext import clean, excel_text, verify_package
from reportgen.errors import TemplateError

# A row whose first templated cell starts with this marker repeats once per item.
ROW_MARKER = re.compile(
    r"^\s*\{%\s*tr\s+for\s+(?P<target>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)?)\s+in\s+(?P<expr>.+?)\s*%\}",
    re.S,
)
_ONLY_EXPR = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.S)
_REF = re.compile(
    r"^(?P<c1>\$?[A-Za-z]{1,3})(?P<d1>\$?)(?P<r1>\d+)(?::(?P<c2>\$?[A-Za-z]{1,3})(?P<d2>\$?)(?P<r2>\d+))?$"
)
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
FIXED_TIME = b"2023-01-01T00:00:00Z"


@dataclass(frozen=True)
class Region:
    """A repeating row found in a template sheet."""

    sheet: str
    row: int
    target: str
    expr: str


def _is_templated(value: Any) -> bool:
    # Full-width ｛｛ ｝｝ count too: they are refused, never written out as they are.
    return isinstance(value, str) and (
        "{{" in value or "{%" in value or fullwidth_tag(value) is not None
    )


# `{%tr endfor %}` or another `{%tr …%}` that is not a repeat-row marker (Word's two-tag form).
_STRAY_TR = re.compile(r"\{%-?\s*tr\b")


def repeat_block_problems(ws) -> list[str]:
    """What render would refuse or get wrong about repeat rows, named by TEMPLATE cell: a repeat
    block written over more than one row (`{%tr endfor %}`, or a row variable used in a cell
    outside its repeat row). Render refuses the same list before filling anything."""
    from jinja2 import meta

    targets: dict[str, int] = {}
    for region in find_regions(ws):
        for name in region.target.split(","):
            targets.setdefault(name.strip(), region.row)
    problems: list[str] = []
    region_rows = set(targets.values())
    for cells in ws.iter_rows():
        for cell in cells:
            if not _is_templated(cell.value) or ROW_MARKER.match(cell.value):
                continue
            where = f"{ws.title}!{cell.coordinate}"
            if _STRAY_TR.search(cell.value):
                problems.append(
                    f"{where} 的“{cell.value.strip()}”：Excel 模板的重复区只有一行（写 {{%tr for … %}} 的那一行），"
                    "不写 {%tr endfor %}，也不支持多行一组。请删去这个标签，把每项要写的内容都放在重复行里"
                    "（一格内可以换行）"
                )
                continue
            if cell.row in region_rows or not targets:
                continue
            try:
                used = meta.find_undeclared_variables(TEXT_ENV.parse(cell.value))
            except jinja2.TemplateSyntaxError:
                continue  # reported as a syntax problem
            for name in sorted(used & set(targets)):
                problems.append(
                    f"{where} 用到了重复行变量“{name}”，但这一格不在重复行（第{targets[name]}行）里："
                    "Excel 模板的重复区只能是一行，其它行不会按每一项重复。"
                    f"请把这一格的内容移到第{targets[name]}行的单元格里（一格内可以换行）"
                )
    return problems


def find_regions(ws) -> list[Region]:
    regions = []
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                m = ROW_MARKER.match(cell.value)
                if m:
                    regions.append(Region(ws.title, cell.row, m.group("target"), m.group("expr")))
                    break
    return regions


def _shift_ref(ref: str, row: int, delta: int) -> str:
    sheet = ""
    if "!" in ref:
        sheet, ref = ref.rsplit("!", 1)
        sheet += "!"
    m = _REF.match(ref)
    if not m:
        return sheet + ref
    r1 = int(m.group("r1"))
    if m.group("r2") is None:
        new = r1 + delta if r1 > row else r1
        return f"{sheet}{m.group('c1')}{m.group('d1')}{new}"
    r2 = int(m.group("r2"))
    n1 = r1 + delta if r1 > row else r1
    n2 = r2 + delta if r2 >= row else r2  # a range ending on the region row stretches over it
    return f"{sheet}{m.group('c1')}{m.group('d1')}{n1}:{m.group('c2')}{m.group('d2')}{n2}"


def _sheet_of(ref: str) -> str | None:
    """The sheet a reference names (`'明细'!C3` → 明细, quotes undone), None when it names none."""
    if "!" not in ref:
        return None
    sheet = ref.rsplit("!", 1)[0]
    if len(sheet) >= 2 and sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet


def shift_formula(
    formula: str, row: int, delta: int, sheet_title: str, formula_sheet: str | None = ""
) -> str:
    """References to sheet `sheet_title` after `row` move by `delta`; ranges that end on or after
    `row` stretch by `delta`. A reference without a sheet name belongs to `formula_sheet` (the sheet
    the formula is on; "" = `sheet_title` itself; None = no sheet, e.g. a defined name: left alone).
    Excel compares sheet names case-insensitively."""
    if formula_sheet == "":
        formula_sheet = sheet_title
    target = sheet_title.casefold()
    tok = Tokenizer(formula)
    changed = False
    for item in tok.items:
        if item.type == "OPERAND" and item.subtype == "RANGE":
            sheet = _sheet_of(item.value)
            if sheet is None:
                sheet = formula_sheet
            if sheet is None or sheet.casefold() != target:
                continue
            new = _shift_ref(item.value, row, delta)
            if new != item.value:
                item.value = new
                changed = True
    return tok.render() if changed else formula


def _shift_sqref(ranges, row: int, delta: int) -> str:
    """A conditional format's or data validation's cells: areas below `row` move down, areas that
    cover `row` (a single cell on it included) stretch over the rows the repeat row grew into."""
    out = []
    for r in ranges:
        cr = CellRange(str(r))
        if cr.min_row > row:
            cr.shift(0, delta)
        elif cr.max_row >= row:
            cr.expand(down=delta)
        out.append(cr.coord)
    return " ".join(out)


def _shift_bare(
    value: str | None, row: int, delta: int, sheet_title: str, formula_sheet: str | None
) -> str | None:
    """A formula stored without `=` (defined name, validation list, conditional-format rule)."""
    if not value or not isinstance(value, str):
        return value
    return shift_formula("=" + value, row, delta, sheet_title, formula_sheet)[1:]


def _shift_workbook(ws, row: int, delta: int) -> None:
    """What refers to rows of `ws` from elsewhere follows them: formulas on other sheets
    (`=SUM(明细!C3:C3)` → `=SUM(明细!C3:C12)`), defined names (workbook and sheet scope), and
    data-validation lists."""
    wb = ws.parent
    for other in wb.worksheets:
        if other is ws:
            continue
        for cells in other.iter_rows():
            for cell in cells:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    cell.value = shift_formula(cell.value, row, delta, ws.title, other.title)
        for dv in other.data_validations.dataValidation:
            dv.formula1 = _shift_bare(dv.formula1, row, delta, ws.title, other.title)
            dv.formula2 = _shift_bare(dv.formula2, row, delta, ws.title, other.title)
    for sheet in wb.worksheets:  # chart data: a series over the repeat row covers every item
        for chart in sheet._charts:
            for series in _chart_series(chart):
                for source in (series.val, series.cat, series.xVal, series.yVal, series.tx):
                    for kind in ("numRef", "strRef", "multiLvlStrRef"):
                        ref = getattr(source, kind, None) if source is not None else None
                        if ref is not None and ref.f:
                            ref.f = _shift_chart_ref(ref.f, row, delta, ws.title)
    scopes = [wb.defined_names, *(sheet.defined_names for sheet in wb.worksheets)]
    for names in scopes:
        for defined in names.values():
            defined.attr_text = _shift_bare(defined.attr_text, row, delta, ws.title, None)


def _shift_chart_ref(f: str, row: int, delta: int, sheet_title: str) -> str:
    """A chart's data reference: like a formula, except that a single cell on the repeat row
    (`'明细'!$C$3`, the one item of the template) grows into the column of all items."""
    tok = Tokenizer("=" + f)
    for item in tok.items:
        if item.type == "OPERAND" and item.subtype == "RANGE" and "!" in item.value:
            if (_sheet_of(item.value) or "").casefold() != sheet_title.casefold():
                continue
            sheet, ref = item.value.rsplit("!", 1)
            m = _REF.match(ref)
            if m and m.group("r2") is None and int(m.group("r1")) == row:
                item.value = f"{sheet}!{ref}:{ref}"
    return shift_formula(tok.render(), row, delta, sheet_title, None)[1:]


def _chart_series(chart) -> list:
    """The series of a chart and of the charts combined with it (`bar + line`)."""
    series = list(getattr(chart, "series", []) or [])
    for other in getattr(chart, "_charts", []) or []:
        if other is not chart:
            series += list(getattr(other, "series", []) or [])
    return series


def _shift_drawings(ws, row: int, delta: int) -> None:
    """Pictures (a seal) and charts anchored on or below the repeat row move down with the rows
    (openpyxl anchors count rows from 0); those above stay."""
    from openpyxl.utils.cell import coordinate_from_string

    for item in [*ws._images, *ws._charts]:
        anchor = item.anchor
        if isinstance(anchor, str):  # "C20", as ws.add_image(img, "C20") leaves it
            col, r = coordinate_from_string(anchor)
            if r >= row:
                item.anchor = f"{col}{r + delta}"
            continue
        start = getattr(anchor, "_from", None)
        if start is None or start.row < row - 1:
            continue  # above the repeat row, or an absolute position
        start.row += delta
        end = getattr(anchor, "to", None)
        if end is not None:
            end.row += delta


def _shift_below(ws, row: int, delta: int) -> None:
    """Move everything below `row` down by `delta` rows: cells, heights, merges, formulas, print area."""
    if delta == 0:
        return
    max_row, max_col = ws.max_row, ws.max_column
    if max_row > row:
        ws.move_range(f"A{row + 1}:{get_column_letter(max_col)}{max_row}", rows=delta)
    dims = {r: d for r, d in ws.row_dimensions.items() if r > row}
    for r in dims:
        del ws.row_dimensions[r]
    for r, d in sorted(dims.items(), reverse=True):
        d.index = r + delta
        ws.row_dimensions[r + delta] = d
    for mr in ws.merged_cells.ranges:
        if mr.min_row > row:
            mr.shift(0, delta)
        elif mr.min_row < row <= mr.max_row:
            mr.expand(down=delta)
    for cells in ws.iter_rows():
        for cell in cells:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.value = shift_formula(cell.value, row, delta, ws.title)
    if ws.print_area:
        areas = [
            _shift_ref(a.replace("'", "").split("!")[-1].replace("$", ""), row, delta)
            for a in _print_areas(ws)
        ]
        ws.print_area = areas
    if len(ws.conditional_formatting):
        from openpyxl.formatting.formatting import ConditionalFormattingList

        shifted = ConditionalFormattingList()
        for cf in ws.conditional_formatting:
            sqref = _shift_sqref(cf.sqref.ranges, row, delta)
            for rule in cf.rules:
                rule.formula = [_shift_bare(f, row, delta, ws.title, "") for f in rule.formula]
                shifted.add(sqref, rule)
        ws.conditional_formatting = shifted
    for dv in ws.data_validations.dataValidation:
        dv.sqref = MultiCellRange(_shift_sqref(dv.sqref.ranges, row, delta))
        dv.formula1 = _shift_bare(dv.formula1, row, delta, ws.title, "")
        dv.formula2 = _shift_bare(dv.formula2, row, delta, ws.title, "")
    if ws.auto_filter.ref:
        ws.auto_filter.ref = _shift_sqref([ws.auto_filter.ref], row, delta)
    for table in ws.tables.values():  # an Excel table (插入 → 表格) over the repeat row grows
        table.ref = _shift_sqref([table.ref], row, delta)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = table.ref
    _shift_drawings(ws, row, delta)
    _shift_workbook(ws, row, delta)


def _print_areas(ws) -> list[str]:
    value = ws.print_area
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return list(value or [])


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


def _expand_region(
    ws, region_row: int, target: str, items: list[Any], ctx: dict[str, Any], template: str = ""
) -> int:
    """Fill the region with items; returns how many rows it now takes."""
    template_cells = []
    for cell in ws[region_row]:
        value = cell.value
        if isinstance(value, str):
            value = ROW_MARKER.sub("", value, count=1)
        template_cells.append((cell.column, value, copy.copy(cell._style), cell.data_type))
    row_merges = [mr for mr in ws.merged_cells.ranges if mr.min_row == mr.max_row == region_row]
    height = ws.row_dimensions[region_row].height if region_row in ws.row_dimensions else None
    n = max(len(items), 1)
    _shift_below(ws, region_row, n - 1)
    names = [t.strip() for t in target.split(",")]
    for i in range(n):
        r = region_row + i
        if i < len(items):
            item = items[i]
            local = dict(ctx)
            if len(names) == 1:
                local[names[0]] = item
            else:
                for k, v in zip(names, item, strict=False):
                    local[k] = v
            local["loop"] = {
                "index": i + 1,
                "index0": i,
                "first": i == 0,
                "last": i == len(items) - 1,
                "length": len(items),
            }
        for col, value, style, dtype in template_cells:
            cell = ws.cell(row=r, column=col)
            cell._style = copy.copy(style)
            if isinstance(cell, MergedCell):
                continue  # covered by a merge: only its borders matter
            where = f"{ws.title}!{get_column_letter(col)}{region_row}"
            if i >= len(items):
                cell.value = None if _is_templated(value) else value
            elif dtype == "f" and isinstance(value, str) and value.startswith("="):
                origin = f"{get_column_letter(col)}{region_row}"
                cell.value = (
                    Translator(value, origin=origin).translate_formula(
                        f"{get_column_letter(col)}{r}"
                    )
                    if i
                    else value
                )
            elif _is_templated(value):
                _set(cell, _eval_cell(value, local, where, template))
            else:
                cell.value = value
        if i and height is not None:
            ws.row_dimensions[r].height = height
        if i:
            for mr in row_merges:
                ws.merge_cells(
                    CellRange(min_col=mr.min_col, max_col=mr.max_col, min_row=r, max_row=r).coord
                )
    return n


def render_sheet(ws, ctx: dict[str, Any], template: str = "") -> None:
    """Fill one sheet; `template` (the file name) only names it in error messages."""
    done: set[int] = set()
    grown: list[tuple[int, int]] = []  # (output row of a repeat region, rows it added)
    offset = 0
    for region in find_regions(ws):
        row = region.row + offset
        where = f"{ws.title}!{row}行"
        items = _eval_cell("{{ " + region.expr + " }}", ctx, where, template)
        if items is None:
            items = []
        try:
            items = list(items)
        except TypeError:
            raise TemplateError(f"Excel 模板 {where}：{region.expr} 不是列表") from None
        n = _expand_region(ws, row, region.target, items, ctx, template)
        done.update(range(row, row + n))
        grown.append((row, n - 1))
        offset += n - 1

    def template_row(r: int) -> int:  # messages name the cell in the template, not in the output
        return r - sum(extra for start, extra in grown if r >= start + extra + 1)

    for cells in ws.iter_rows():
        for cell in cells:
            if cell.row not in done and _is_templated(cell.value):
                where = f"{ws.title}!{cell.column_letter}{template_row(cell.row)}"
                _set(cell, _eval_cell(cell.value, ctx, where, template))
    for attr in ("oddHeader", "oddFooter", "evenHeader", "evenFooter"):
        hf = getattr(ws, attr, None)
        for part in (hf.left, hf.center, hf.right) if hf is not None else ():
            if _is_templated(part.text):
                part.text = clean(str(_eval_cell(part.text, ctx, f"{ws.title} 页眉页脚", template)))


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
    for ws in wb.worksheets:
        problems = repeat_block_problems(ws)
        if problems:
            raise TemplateError(f"Excel 模板 {Path(template).name}：{problems[0]}")
    for ws in wb.worksheets:
        render_sheet(ws, context, Path(template).name)
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
    """(top-level names used, syntax problems, what the sandbox would refuse) for `templates check`."""
    from jinja2 import meta

    wb, lost = _load_template(template)
    names: set[str] = set()
    problems: list[str] = list(lost)
    unsafe: list[str] = []
    for ws in wb.worksheets:
        loop_vars: set[str] = set()
        for region in find_regions(ws):
            loop_vars |= {t.strip() for t in region.target.split(",")}
            try:
                names |= meta.find_undeclared_variables(TEXT_ENV.parse("{{ " + region.expr + " }}"))
            except jinja2.TemplateSyntaxError as err:
                err = chinese_syntax_error(err, region.expr)
                problems.append(f"{ws.title}!第{region.row}行 重复行标记有误：{err.message}")
        problems += repeat_block_problems(ws)
        for attr in ("oddHeader", "oddFooter", "evenHeader", "evenFooter"):
            hf = getattr(ws, attr, None)
            for part in (hf.left, hf.center, hf.right) if hf is not None else ():
                if _is_templated(part.text):
                    unsafe += _unsafe_problems(part.text, f"{ws.title} 页眉页脚")
        for cells in ws.iter_rows():
            for cell in cells:
                if not _is_templated(cell.value):
                    continue
                text = ROW_MARKER.sub("", cell.value, count=1)
                if _STRAY_TR.search(text) and not ROW_MARKER.match(cell.value):
                    continue  # reported by repeat_block_problems
                try:
                    used = meta.find_undeclared_variables(TEXT_ENV.parse(text))
                except jinja2.TemplateSyntaxError as err:
                    err = chinese_syntax_error(err, text)  # unknown filters: found after parsing
                    problems.append(
                        f"{ws.title}!{cell.coordinate} 标签有误：{err.message}（{cell.value}）"
                    )
                    continue
                unsafe += _unsafe_problems(cell.value, f"{ws.title}!{cell.coordinate}")
                names |= used - loop_vars - {"loop"}
    return names, problems, unsafe


def _unsafe_problems(text: str, where: str) -> list[str]:
    """What the sandbox would refuse in a cell (the repeat marker's list included)."""
    m = ROW_MARKER.match(text)
    source = ("{{ " + m.group("expr") + " }}" + text[m.end() :]) if m else text
    try:
        found = unsafe_accesses(source, TEXT_ENV)
    except jinja2.TemplateSyntaxError:
        return []  # reported as a syntax problem
    if not found:
        return []
    names = "”、“".join(dict.fromkeys(name for name, _ in found))
    return [
        f"{where} 不允许的写法：访问“{names}”是在取程序内部、可用来运行程序，生成时会被拒绝；"
        f"模板是文档，不是程序，请删去这个标签（{text}）"
    ]
