"""Repeat blocks of Excel templates: which rows repeat (a `{%tr for %}` row; `{%tr for %}` …
`{%tr endfor %}` and `{%tr if %}` … `{%tr endif %}` blocks, nested), what render refuses about them,
where each template row lands in the output, and how a reference to template rows reads there."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from openpyxl.utils import get_column_letter

from reportgen.engine.environment import TEXT_ENV
from reportgen.errors import TemplateError

_TR_START = re.compile(r"\{%-?\s*tr\b")
_TR_TAG = re.compile(r"\{%-?\s*tr\b(?P<body>(?:(?!%\}).)*?)-?%\}", re.S)
_FOR = re.compile(
    r"for\s+(?P<target>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)?)\s+in\s+(?P<expr>.+)", re.S
)
_COND = re.compile(r"(?P<kw>if|elif)\s+(?P<expr>.+)", re.S)
_KEYWORDS = ("endfor", "if", "elif", "else", "endif")
MAX_ROW = 1048576  # Excel's last row


@dataclass(frozen=True)
class Marker:
    """A `{%tr … %}` tag in a template row. `row` is the one-row form: the tag starts a cell that
    has more content (or other cells of the row have), and that one row repeats."""

    kind: str  # "row", "for", "endfor", "if", "elif", "else", "endif"
    row: int
    column: int
    tag: str
    end: int  # where the tag ends in its cell: the one-row form's own content follows
    target: str = ""
    expr: str = ""

    @property
    def cell(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clip(text: str, n: int = 30) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _scan(ws) -> tuple[dict[int, Marker], list[str]]:
    """The marker of each row that has one, and what is wrong with the `{%tr %}` tags."""
    tagged: dict[int, list] = {}
    for (r, _c), cell in ws._cells.items():
        if isinstance(cell.value, str) and _TR_START.search(cell.value):
            tagged.setdefault(r, []).append(cell)
    if not tagged:
        return {}, []
    row_cells: dict[int, list] = {}
    for (r, _c), cell in ws._cells.items():
        if r in tagged:
            row_cells.setdefault(r, []).append(cell)
    markers: dict[int, Marker] = {}
    problems: list[str] = []
    for r in sorted(tagged):
        tags, broken = [], None
        for cell in sorted(tagged[r], key=lambda c: c.column):
            for start in _TR_START.finditer(cell.value):
                m = _TR_TAG.match(cell.value, start.start())
                if m is None:
                    broken = cell
                else:
                    tags.append((cell, m))
        if broken is not None:
            problems.append(
                f"{ws.title}!{broken.coordinate} 的“{_clip(broken.value)}”：{{%tr … %}} 标签没有闭合"
                "（缺少 %}），请补全"
            )
            continue
        if len(tags) > 1:
            listed = "、".join(f"{c.coordinate}“{m.group(0)}”" for c, m in tags)
            problems.append(
                f"{ws.title}!{tags[0][0].coordinate} 所在的第{r}行有 {len(tags)} 个 {{%tr %}} 标签（{listed}）："
                "一行只能有一个。多行重复区的开始 {%tr for … %} 和结束 {%tr endfor %} 各自单独占一行"
            )
            continue
        cell, m = tags[0]
        where = f"{ws.title}!{cell.coordinate}"
        body = m.group("body").strip()
        before, after = cell.value[: m.start()], cell.value[m.end() :]
        others = [
            c
            for c in sorted(row_cells[r], key=lambda c: c.column)
            if c is not cell and not _blank(c.value)
        ]
        alone = not before.strip() and not after.strip() and not others
        fm = _FOR.fullmatch(body)
        if fm:
            if before.strip():
                problems.append(
                    f"{where} 的“{_clip(cell.value)}”：{{%tr for … %}} 要写在单元格的开头"
                    "（重复行：写在这一行第一个单元格开头，后面紧跟这一格的内容；多行重复区：单独占一行）"
                )
                continue
            kind = "for" if alone else "row"
            markers[r] = Marker(
                kind, r, cell.column, m.group(0), m.end(), fm["target"], fm["expr"].strip()
            )
            continue
        cm = _COND.fullmatch(body)
        keyword = cm["kw"] if cm else body
        if keyword not in _KEYWORDS:
            problems.append(
                f"{where} 的“{m.group(0)}”：Excel 模板不认识这个 {{%tr %}} 标签，只能用 "
                "{%tr for … %}、{%tr endfor %}、{%tr if … %}、{%tr elif … %}、{%tr else %}、{%tr endif %}"
            )
            continue
        if not alone:
            lost = (
                f"同一格里的“{_clip((before + after).strip())}”"
                if (before + after).strip()
                else f"同一行的“{_clip(others[0].value)}”（{ws.title}!{others[0].coordinate}）"
            )
            problems.append(
                f"{where} 的“{m.group(0)}”要单独占一行：生成时这一行整行删去，{lost}会丢失。"
                "请把这些内容移到别的行，这一行只留这个标签"
            )
            continue
        markers[r] = Marker(
            keyword, r, cell.column, m.group(0), m.end(), expr=cm["expr"].strip() if cm else ""
        )
    return markers, problems


def is_tr_cell(value: Any) -> bool:
    return isinstance(value, str) and _TR_START.search(value) is not None


class Scope:
    """The root of a sheet, a one-row repeat ("row"), a block ("for") or one branch of an
    `{%tr if %}` group ("if"). `open`/`close` are its marker rows (a "row" scope: its row)."""

    __slots__ = ("kind", "open", "close", "parent", "marker", "branches", "id", "depth")

    def __init__(self, kind: str, marker: Marker, parent: Scope | None = None) -> None:
        self.kind = kind
        self.open: int = marker.row
        self.close: int = marker.row
        self.parent = parent
        self.marker = marker
        self.branches: list[Scope] = [self]
        self.id = 0
        self.depth: int = 0 if parent is None else parent.depth + 1

    @property
    def first(self) -> int:
        return self.open if self.kind == "row" else self.open + 1

    @property
    def last(self) -> int:
        return self.close if self.kind == "row" else self.close - 1

    @property
    def repeats(self) -> bool:
        return self.kind in ("row", "for")

    @property
    def span(self) -> tuple[int, int]:
        """Its rows with the markers; for an if branch, the whole if … endif group."""
        return self.branches[0].open, self.branches[-1].close

    @property
    def names(self) -> list[str]:
        """The names its `{%tr for %}` gives each item (none for root and if branches)."""
        target = self.marker.target
        return [n.strip() for n in target.split(",")] if target else []

    def below(self, other: Scope) -> bool:
        """Strictly inside `other`."""
        s: Scope | None = self.parent
        while s is not None:
            if s is other:
                return True
            s = s.parent
        return False

    def describe(self, title: str) -> str:
        if self.kind == "row":
            return f"“{title}”第{self.open}行的重复行"
        if self.kind == "for":
            return f"“{title}”第{self.open}行 {self.marker.tag} 到第{self.close}行 {{%tr endfor %}} 的重复区"
        head = self.branches[0]
        return f"“{title}”第{head.open}行 {head.marker.tag} 到第{self.branches[-1].close}行 {{%tr endif %}} 的条件区"


class Blocks:
    """The repeat structure of one template sheet, and what render refuses about it."""

    def __init__(self, ws) -> None:
        self.title = ws.title
        self.max_row = max(ws.max_row, max(ws.row_dimensions, default=0))
        self.markers, self.problems = _scan(ws)
        self.root = Scope("root", Marker("root", 0, 0, "", 0))
        self.root.close = self.max_row + 1
        self.scopes = [self.root]
        self.starts: dict[int, Scope] = {}  # row → the scope (an if group's first branch) it opens
        self._inner: dict[int, Scope] = {}
        self._build()
        self.broken = bool(self.problems)
        for s in self.scopes[1:]:  # outer before inner: the innermost wins
            for r in range(s.first, s.last + 1):
                self._inner[r] = s

    def _where(self, m: Marker) -> str:
        return f"{self.title}!{m.cell}"

    def _build(self) -> None:
        stack = [self.root]

        def add(kind: str, m: Marker, parent: Scope) -> Scope:
            s = Scope(kind, m, parent)
            s.id = len(self.scopes)
            self.scopes.append(s)
            return s

        for r in sorted(self.markers):
            m, top = self.markers[r], stack[-1]
            where = self._where(m)
            if m.kind == "row":
                self.starts[r] = add("row", m, top)
            elif m.kind in ("for", "if"):
                s = add(m.kind, m, top)
                self.starts[r] = s
                stack.append(s)
            elif m.kind in ("elif", "else"):
                if top.kind != "if" or top.marker.kind == "else":
                    self.problems.append(
                        f"{where} 的“{m.tag}”前面没有与它配对的 {{%tr if … %}}"
                        + (
                            "（同一组里 {%tr else %} 之后不能再有 elif/else）"
                            if top.kind == "if"
                            else ""
                        )
                        + "：请删去它，或在前面单独一行写 {%tr if 条件 %}"
                    )
                    continue
                top.close = r
                s = add("if", m, top.parent or self.root)
                s.branches = top.branches
                s.branches.append(s)
                stack[-1] = s
            else:  # endfor, endif
                want = "for" if m.kind == "endfor" else "if"
                if top.kind != want:
                    opener = "{%tr for … %}" if want == "for" else "{%tr if … %}"
                    if top.kind in ("for", "if"):
                        head = top.branches[0]
                        self.problems.append(
                            f"{where} 的“{m.tag}”与第{head.open}行的“{head.marker.tag}”不配对："
                            f"{head.marker.tag} 要用 {{%tr end{top.kind} %}} 结束"
                        )
                    else:
                        hint = (
                            "；一行的重复行（{%tr for … %} 后面紧跟这一格的内容）不写 {%tr endfor %}"
                            if want == "for"
                            else ""
                        )
                        self.problems.append(
                            f"{where} 的“{m.tag}”前面没有与它配对的 {opener}{hint}。"
                            f"多行重复区要用单独一行的 {opener} 开始、单独一行的“{m.tag}”结束；"
                            "不需要时请删去这个标签"
                        )
                    continue
                top.close = r
                stack.pop()
        for s in stack[:0:-1]:
            head = s.branches[0]
            end = "{%tr endfor %}" if s.kind == "for" else "{%tr endif %}"
            self.problems.append(
                f"{self._where(head.marker)} 的“{head.marker.tag}”开始了一个多行"
                f"{'重复区' if s.kind == 'for' else '条件区'}，但下面没有 {end}："
                f"请在这一区最后一行的下一行单独写 {end}"
            )
            s.close = self.max_row + 1

    # -- structure queries ------------------------------------------------------------------

    def scope_at(self, row: int) -> Scope:
        """The innermost scope a row is in (a block's marker rows: the block's parent)."""
        return self._inner.get(row, self.root)

    @property
    def has_repeats(self) -> bool:
        return len(self.scopes) > 1

    def blocks(self) -> list[Scope]:
        """Each `for` block and each if group (its first branch)."""
        return [
            s for s in self.scopes[1:] if s.kind == "for" or (s.kind == "if" and s.branches[0] is s)
        ]

    def home(self, r1: int, r2: int, rows: bool = True) -> Scope:
        """The innermost scope whose rows hold all of r1..r2 (a one-row repeat too when `rows`)."""
        s = self.scope_at(r1)
        while s.parent is not None and not (
            s.first <= r1 and r2 <= s.last and (rows or s.kind != "row")
        ):
            s = s.parent
        return s

    def crossing(self, r1: int, r2: int) -> Scope | None:
        """The block a row range cuts across: neither outside it, nor around all of it, nor inside
        one of its bodies (rows of markers only: dropped with them, not a cut)."""
        if all(r in self.markers and self.markers[r].kind != "row" for r in range(r1, r2 + 1)):
            return None
        for b in self.blocks():
            lo, hi = b.span
            if r2 < lo or r1 > hi or (r1 <= lo and hi <= r2):
                continue
            if any(br.first <= r1 and r2 <= br.last for br in b.branches):
                continue
            return b
        return None

    def many(self, scope: Scope, row: int) -> Scope | None:
        """The repeat that makes `row` come out many times within one instance of `scope`."""
        s = self.scope_at(row)
        found = None
        while s is not scope and s.parent is not None:
            if s.repeats:
                found = s
            s = s.parent
        return found

    def gaps(self, scope: Scope, a: int, b: int) -> Scope | None:
        """A repeat inside `scope` whose rows a..b cover only in part: a..b then comes out as
        separate pieces (one per copy)."""
        for s in self.scopes[1:]:
            if s.repeats and s.below(scope):
                first, last = self._content(s)
                if last >= a and first <= b and not (a <= first and last <= b):
                    return s
        return None

    def _content(self, s: Scope) -> tuple[int, int]:
        """A scope's body without the tag rows at its ends (they make no output rows)."""
        first, last = s.first, s.last
        while first < last and first in self.markers and self.markers[first].kind != "row":
            first += 1
        while last > first and last in self.markers and self.markers[last].kind != "row":
            last -= 1
        return first, last

    def legacy_row(self, scope: Scope, row: int) -> bool:
        """A one-row repeat outside any block, read from outside it: its first item (as always)."""
        s = self.scope_at(row)
        return scope.parent is None and s.kind == "row" and s.parent is self.root


def variable_problems(ws, blocks: Blocks) -> list[str]:
    """Cells that use a repeat's variable but are not inside that repeat: they would not repeat."""
    from jinja2 import meta

    owners: dict[str, Scope] = {}
    for repeat in blocks.scopes[1:]:
        if repeat.repeats:
            for name in repeat.names:
                owners.setdefault(name, repeat)
    if not owners:
        return []
    problems: list[str] = []
    for (r, _c), cell in sorted(ws._cells.items()):
        value = cell.value
        if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
            continue
        m = blocks.markers.get(r)
        if m is not None and m.column == cell.column:  # a marker's list or condition, and the
            value = ("{{ " + m.expr + " }}" if m.expr else "") + value[m.end :]  # cell's own rest
        elif is_tr_cell(value):
            continue
        try:
            used = meta.find_undeclared_variables(TEXT_ENV.parse(value))
        except jinja2.TemplateSyntaxError:
            continue  # reported as a syntax problem
        visible: set[str] = set()
        s: Scope | None = blocks.scope_at(r)
        while s is not None:
            visible.update(s.names)
            s = s.parent
        for name in sorted((used & set(owners)) - visible):
            owner = owners[name]
            where = f"{ws.title}!{cell.coordinate}"
            if owner.kind == "row":
                problems.append(
                    f"{where} 用到了重复行变量“{name}”，但这一格不在重复行（第{owner.open}行）里，"
                    f"不会按每一项重复。请把这一格的内容移到第{owner.open}行的单元格里（一格内可以换行）；"
                    "每一项要占几行时，用单独一行的 {%tr for … %} 和单独一行的 {%tr endfor %} 把这几行围起来"
                )
            else:
                problems.append(
                    f"{where} 用到了重复区变量“{name}”，但这一格不在{owner.describe(ws.title)}里，"
                    "不会按每一项重复。请把这一格移进重复区，或者不用这个变量"
                )
    return problems


def layout_problems(ws, blocks: Blocks) -> list[str]:
    """Merged cells, Excel tables and pictures that cannot follow the blocks they touch."""
    if blocks.broken or not blocks.blocks():
        return []
    problems: list[str] = []
    for mr in sorted(ws.merged_cells.ranges, key=lambda m: (m.min_row, m.min_col)):
        b = blocks.crossing(mr.min_row, mr.max_row)
        if b is not None:
            problems.append(
                f"{ws.title}!{get_column_letter(mr.min_col)}{mr.min_row}：合并单元格 {mr.coord} 跨过了"
                f"{b.describe(ws.title)}的边界。重复区里的行按每一项复制，这个合并无法照样复制。"
                "请让合并单元格完全在区里、完全在区外，或者包住整个区（连同开始和结束标签那两行）"
            )
    for table in ws.tables.values():
        from openpyxl.worksheet.cell_range import CellRange

        cr = CellRange(table.ref)
        for b in blocks.blocks():
            lo, hi = b.span
            if cr.max_row >= lo and cr.min_row <= hi:
                problems.append(
                    f"{ws.title}!{table.ref}：Excel 表格“{table.displayName}”（插入 → 表格）与"
                    f"{b.describe(ws.title)}重叠，表格里不能有按组重复或删去的行。请把表格转换为普通区域"
                    "（表格设计 → 转换为区域），或者只在一行的重复行上使用表格"
                )
                break
    for item in [*ws._images, *ws._charts]:
        row = anchor_row(item.anchor)
        if row is None:
            continue
        for b in blocks.blocks():
            lo, hi = b.span
            if lo < row < hi:
                kind = "图表" if item in ws._charts else "图片"
                problems.append(
                    f"{ws.title}!{get_column_letter(anchor_col(item.anchor))}{row}：{kind}放在"
                    f"{b.describe(ws.title)}里，不会按每一项复制。请把它移到区外（上方或下方）"
                )
                break
    return problems


def anchor_row(anchor) -> int | None:
    """The 1-based row a picture or chart is anchored at (None: an absolute position)."""
    if isinstance(anchor, str):
        from openpyxl.utils.cell import coordinate_from_string

        return coordinate_from_string(anchor)[1]
    start = getattr(anchor, "_from", None)
    return None if start is None else start.row + 1


def anchor_col(anchor) -> int:
    if isinstance(anchor, str):
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

        return column_index_from_string(coordinate_from_string(anchor)[0])
    return anchor._from.col + 1


# -- expansion -----------------------------------------------------------------------------

Path = tuple  # ((scope id, iteration), …) from the outermost repeat or branch inwards


class Layout:
    """Where each template row of one sheet lands for one context: output row n (1-based) comes
    from template row `tpl[n-1]`, in repeat instance `paths[n-1]`, with context `ctxs[n-1]`."""

    def __init__(
        self,
        blocks: Blocks,
        ctx: dict[str, Any],
        evaluate: Callable[[str, dict[str, Any], str], Any],
    ) -> None:
        self.blocks = blocks
        self.tpl: list[int] = []
        self.paths: list[Path] = []
        self.ctxs: list[dict[str, Any]] = []
        self.blank: set[int] = set()  # a one-row repeat with no items keeps one empty row
        self.copies: dict[int, list[int]] = {}
        self.spans: dict[Path, tuple[int, int]] = {}
        self.instances: dict[int, list[Path]] = {}
        self.before: dict[int, int] = {}  # root-level template row → output rows above it
        self._evaluate = evaluate
        self._runs: dict[tuple, list[tuple[int, int]]] = {}
        self._walk(blocks.root, (), ctx)
        self.spans[()] = (1, len(self.tpl))
        self.delta = len(self.tpl) - blocks.max_row

    def _emit(self, t: int, path: Path, local: dict[str, Any]) -> int:
        self.tpl.append(t)
        self.paths.append(path)
        self.ctxs.append(local)
        n = len(self.tpl)
        self.copies.setdefault(t, []).append(n)
        return n

    def _items(self, scope: Scope, local: dict[str, Any]) -> list[Any]:
        where = f"{self.blocks.title}!{scope.marker.cell}"
        items = self._evaluate(scope.marker.expr, local, where)
        if items is None:
            return []
        try:
            return list(items)
        except TypeError:
            raise TemplateError(f"Excel 模板 {where}：{scope.marker.expr} 不是列表") from None

    @staticmethod
    def _item_ctx(scope: Scope, local: dict[str, Any], item: Any, i: int, n: int) -> dict[str, Any]:
        ctx = dict(local)
        names = scope.names
        if len(names) == 1:
            ctx[names[0]] = item
        else:
            for k, v in zip(names, item, strict=False):
                ctx[k] = v
        ctx["loop"] = {
            "index": i + 1,
            "index0": i,
            "revindex": n - i,
            "revindex0": n - i - 1,
            "first": i == 0,
            "last": i == n - 1,
            "length": n,
        }
        return ctx

    def _instance(self, scope: Scope, path: Path, local: dict[str, Any]) -> None:
        start = len(self.tpl) + 1
        self._walk(scope, path, local)
        self.spans[path] = (start, len(self.tpl))
        self.instances.setdefault(scope.id, []).append(path)

    def _walk(self, scope: Scope, path: Path, local: dict[str, Any]) -> None:
        starts, markers = self.blocks.starts, self.blocks.markers
        t, last = scope.first, scope.last
        while t <= last:
            if not path:
                self.before[t] = len(self.tpl)
            child = starts.get(t)
            if child is None:
                if t not in markers:
                    self._emit(t, path, local)
                t += 1
                continue
            if child.kind == "row":
                items = self._items(child, local)
                if not items:
                    p = (*path, (child.id, 0))
                    n = self._emit(t, p, local)
                    self.blank.add(n)
                    self.spans[p] = (n, n)
                    self.instances.setdefault(child.id, []).append(p)
                ids = self.instances.setdefault(child.id, [])
                for i, item in enumerate(items):
                    p = (*path, (child.id, i))
                    n = self._emit(t, p, self._item_ctx(child, local, item, i, len(items)))
                    self.spans[p] = (n, n)
                    ids.append(p)
                t += 1
                continue
            if child.kind == "for":
                items = self._items(child, local)
                for i, item in enumerate(items):
                    p = (*path, (child.id, i))
                    sub = self._item_ctx(child, local, item, i, len(items))
                    self._instance(child, p, sub)
            else:
                for branch in child.branches:
                    if branch.marker.kind == "else" or self._true(branch, local):
                        p = (*path, (branch.id, 0))
                        self._instance(branch, p, local)
                        break
            t = child.span[1] + 1
            if not path:
                self.before[t - 1] = len(self.tpl)

    def _true(self, branch: Scope, local: dict[str, Any]) -> bool:
        where = f"{self.blocks.title}!{branch.marker.cell}"
        value = self._evaluate(branch.marker.expr, local, where)
        try:
            return bool(value)
        except Exception as err:  # noqa: BLE001 - a data value that has no truth
            raise TemplateError(f"Excel 模板 {where}：{err}（{branch.marker.tag}）") from err

    # -- where template rows went -----------------------------------------------------------

    def rows_in(self, t: int, path: Path) -> list[int]:
        """Output rows made from template row `t` inside repeat instance `path`."""
        rows = self.copies.get(t)
        if rows is None:
            return [t + self.delta] if t > self.blocks.max_row else []
        if not path:
            return rows
        span = self.spans.get(path)
        if span is None:
            return []
        lo, hi = span
        if len(rows) == 1:
            return rows if lo <= rows[0] <= hi else []
        return rows[bisect_left(rows, lo) : bisect_right(rows, hi)]

    def runs(self, a: int, b: int, path: Path) -> list[tuple[int, int]]:
        """Output rows made from template rows a..b inside `path`, as runs (first, last)."""
        key = (a, b, path)
        hit = self._runs.get(key)
        if hit is not None:
            return hit
        top = self.blocks.max_row
        if a == b:
            rows = self.rows_in(a, path)
        else:
            rows = []
            for t in range(a, min(b, top) + 1):
                rows += self.rows_in(t, path)
            rows.sort()
        out: list[tuple[int, int]] = []
        for r in rows:
            if out and out[-1][1] + 1 == r:
                out[-1] = (out[-1][0], r)
            else:
                out.append((r, r))
        if b > top and a != b:  # rows below the template's last: they move with it
            lo = max(a, top + 1) + self.delta
            hi = MAX_ROW if b == MAX_ROW else min(b + self.delta, MAX_ROW)
            if out and out[-1][1] + 1 >= lo:
                out[-1] = (out[-1][0], hi)
            elif lo <= hi:
                out.append((lo, hi))
        if len(self._runs) < 100_000:
            self._runs[key] = out
        return out

    def position(self, t: int) -> int:
        """The output row something anchored at root-level template row `t` moves to: its row,
        a one-row repeat's last item, the row after a block's markers."""
        if t > self.blocks.max_row:
            return t + self.delta
        while t not in self.before and t > 1:
            t -= 1
        return self.before.get(t, 0) + max(len(self.copies.get(t, ())), 1)

    def first_position(self, t: int) -> int:
        if t > self.blocks.max_row:
            return t + self.delta
        while t not in self.before and t > 1:
            t -= 1
        return self.before.get(t, 0) + 1
