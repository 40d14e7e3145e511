"""References in Excel templates read in the output: an A1 reference to template rows becomes the
rows it covers once repeat blocks have grown (xlsx_blocks.Layout), with SUM-like functions taking
every copy of a repeat and a single cell inside a block refused where it would be ambiguous."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openpyxl.formula.tokenizer import Tokenizer, TokenizerError

from reportgen.engine.xlsx_blocks import Blocks, Layout, Path, Scope

# -- references ----------------------------------------------------------------------------

_A1 = re.compile(
    r"^(?P<c1>\$?[A-Za-z]{1,3})?(?P<d1>\$?)(?P<r1>\d+)"
    r"(?::(?P<c2>\$?[A-Za-z]{1,3})?(?P<d2>\$?)(?P<r2>\d+))?$"
)
# Functions that take any number of areas: a reference into a repeat becomes all its copies.
AGGREGATES = {"SUM", "COUNT", "COUNTA", "AVERAGE", "MAX", "MIN", "PRODUCT", "SUBTOTAL"}
# What an aggregate of nothing is (the rows of an empty block are gone).
_EMPTY = {"AVERAGE": "#DIV/0!"}
_SUBTOTAL_ERRORS = {1, 7, 8, 10, 11, 101, 107, 108, 110, 111}  # average, stdev, var: #DIV/0!
# Functions whose result over no rows is 0 (criteria and sizes come from the same rows).
_ZERO_WHEN_EMPTY = {"SUMIF", "SUMIFS", "COUNTIF", "COUNTIFS", "SUMPRODUCT", "COUNTBLANK"}
MAX_ARGS = 255  # Excel's limit on a function's arguments
AGG_NAMES = "SUM、COUNT、COUNTA、AVERAGE、MAX、MIN 或 SUBTOTAL"


@dataclass(frozen=True)
class Ref:
    """An A1 reference as written: `'明细'!$C$3:$C$12`, `C3`, `4:4`."""

    prefix: str  # "'明细'!" or ""
    sheet: str | None  # the sheet it names, quotes undone
    c1: str
    d1: str
    r1: int
    c2: str
    d2: str
    r2: int | None

    @classmethod
    def parse(cls, text: str) -> Ref | None:
        prefix, sheet, ref = "", None, text
        if "!" in text:
            sheet, ref = text.rsplit("!", 1)
            prefix = sheet + "!"
            if len(sheet) >= 2 and sheet.startswith("'") and sheet.endswith("'"):
                sheet = sheet[1:-1].replace("''", "'")
        m = _A1.match(ref)
        if not m:
            return None
        c1, c2, r2 = m["c1"], m["c2"], m["r2"]
        if r2 is None and c1 is None:
            return None  # a bare number
        if r2 is not None and (c1 is None) != (c2 is None):
            return None  # `A1:5`: not a reference
        return cls(prefix, sheet, c1 or "", m["d1"], int(m["r1"]), c2 or "", m["d2"] or "",
                   int(r2) if r2 is not None else None)  # fmt: skip

    @property
    def rows(self) -> tuple[int, int]:
        b = self.r1 if self.r2 is None else self.r2
        return (self.r1, b) if self.r1 <= b else (b, self.r1)

    def piece(self, lo: int, hi: int) -> str:
        if self.r2 is None and lo == hi:
            return f"{self.prefix}{self.c1}{self.d1}{lo}"
        c2, d2 = (self.c2, self.d2) if self.r2 is not None else (self.c1, self.d1)
        return f"{self.prefix}{self.c1}{self.d1}{lo}:{c2}{d2}{hi}"


@dataclass(frozen=True)
class Plan:
    """How one reference to template rows a..b of sheet `book` reads in the output, decided from
    the template alone: at which repeat level (`scope`), `$` rows pinned to the first copy (a
    formula inside its own repeat, as Excel's copy-down does), or a single cell's first copy."""

    book: Blocks
    a: int
    b: int
    scope: Scope
    pin: tuple[bool, bool] = (False, False)
    first_copy: bool = False

    def resolve(self, layout: Layout, path: Path) -> list[tuple[int, int]]:
        inst = path[: self.scope.depth]
        if self.pin[0] or self.pin[1]:
            first = (*inst[:-1], (inst[-1][0], 0))
            lo = layout.runs(self.a, self.b, first if self.pin[0] else inst)
            hi = layout.runs(self.a, self.b, first if self.pin[1] else inst)
            if not lo or not hi:
                return []
            return [(min(lo[0][0], hi[-1][1]), max(lo[0][0], hi[-1][1]))]
        runs = layout.runs(self.a, self.b, inst)
        if self.first_copy and runs:
            return [(runs[0][0], runs[0][0])]
        return runs


def plan_ref(book: Blocks, ref: Ref, origin: Scope | None, mode: str, aggregate: bool,
             whole: bool = False, cells: tuple[int, int] | None = None) -> tuple[Plan, str | None]:  # fmt: skip
    """A reference's plan, and "many"/"gaps" when the output could not hold it there.
    `origin`: the scope of the formula's own row on the same sheet (None: read from outside).
    `mode`: "cell" (a cell formula), "rule" (conditional format / validation over the rows
    `cells`: read relative to its first cell), "name" (a defined name), "chart" (chart data).
    `whole`: the reference is the entire formula (a name may then be several areas)."""
    a, b = ref.rows
    scope = origin or book.root
    while scope.parent is not None and not (scope.first <= a and b <= scope.last):
        scope = scope.parent
    if mode == "cell" and origin is not None and scope is origin and origin.repeats:
        pin = (
            bool(ref.d1) and book.scope_at(a) is scope,
            bool(ref.d2 if ref.r2 is not None else ref.d1) and book.scope_at(b) is scope,
        )
        if pin[0] or pin[1]:
            return Plan(book, a, b, scope, pin), None
    plan = Plan(book, a, b, scope)
    if ref.r2 is None and a in book.markers and book.markers[a].kind != "row":
        return plan, "marker"
    many = book.many(scope, a) if ref.r2 is None and not aggregate else None
    if many is not None:
        # a rule over the copies of the same repeat reads each copy's own cell, as Excel moves
        # a rule's relative references from its first cell
        own = (
            mode == "rule" and cells is not None and many.first <= cells[0] <= cells[1] <= many.last
        )
        if own or (mode != "chart" and book.legacy_row(scope, a)):
            return Plan(book, a, b, scope, first_copy=True), None
        if mode != "chart":
            return plan, "many"
    if book.gaps(scope, a, b) is not None and not aggregate and not (mode == "name" and whole):
        return plan, "gaps"
    return plan, None


class _Call:
    """A function call (`name` set) or a parenthesised group / array constant in a formula."""

    __slots__ = ("open", "name", "args", "close")

    def __init__(self, open_: str, name: str | None) -> None:
        self.open, self.name, self.close = open_, name, ""
        self.args: list[list[Any]] = [[]]


class Formula:
    """A template formula (cell, conditional format, validation, name or chart data) with its
    references planned once; `render(layouts, path)` writes it for one output place."""

    def __init__(self, text: str, own: Blocks | None, origin: Scope | None,
                 books: Mapping[str, Blocks], mode: str, where: str,
                 cells: tuple[int, int] | None = None) -> None:  # fmt: skip
        self.text = text  # as the user sees it: a cell's with "=", a name's or rule's without
        self.bare = not text.startswith("=")
        self.problems: list[str] = []
        self.slots: list[tuple[str, Ref, Plan]] = []
        self.flat: list[str | int] = ["="]
        try:
            items = Tokenizer("=" + text if self.bare else text).items
        except TokenizerError:
            if any(b.has_repeats for b in books.values()):
                self.problems.append(
                    f"{where}“{text}”无法解析，生成时不能随行调整，请在 Excel 里检查这个公式"
                )
            items = []
        pending: list[tuple[str, Ref, Blocks, Scope | None]] = []
        self.root = _Call("=", None)
        stack = [self.root]
        for tok in items:
            top, value = stack[-1], tok.value
            if tok.subtype == "OPEN" and tok.type in ("FUNC", "PAREN", "ARRAY"):
                name = value[:-1].upper().removeprefix("_XLFN.") if tok.type == "FUNC" else None
                call = _Call(value, name)
                top.args[-1].append(call)
                stack.append(call)
            elif (
                tok.subtype == "CLOSE" and tok.type in ("FUNC", "PAREN", "ARRAY") and len(stack) > 1
            ):
                top.close = value
                stack.pop()
            elif tok.type == "SEP" and tok.subtype == "ARG" and top.name:
                top.args.append([])
            else:
                ref = Ref.parse(value) if tok.type == "OPERAND" and tok.subtype == "RANGE" else None
                book = None
                if ref is not None:
                    book = own if ref.sheet is None else books.get(ref.sheet.casefold())
                if ref is not None and book is not None and book.has_repeats:
                    pending.append((value, ref, book, origin if book is own else None))
                    top.args[-1].append(len(pending) - 1)
                    self.flat.append(len(pending) - 1)
                    continue
                top.args[-1].append(value)
            self.flat.append(value)
        self._direct: dict[int, tuple[_Call, int]] = {}
        self._find_direct(self.root)
        whole = len(pending) == 1 and [x for x in self.flat if not str(x).isspace()] == ["=", 0]
        self.areas = mode == "name" and whole  # a defined name may be several areas
        self.args: dict[int, int] = {}  # aggregate slot → arguments of its call
        for i, (value, ref, book, start) in enumerate(pending):
            aggregate = self.aggregate(i)
            rows = cells if book is own else None
            plan, problem = plan_ref(book, ref, start, mode, aggregate, whole, rows)
            self.slots.append((value, ref, plan))
            if aggregate:
                self.args[i] = len(self._direct[i][0].args)
            if problem is not None:
                self.problems.append(self._message(problem, value, plan, mode, where))
        self.static = not self.slots

    def _find_direct(self, call: _Call) -> None:
        """Slots that are a whole argument of a function call: (the call, argument index)."""
        for i, arg in enumerate(call.args):
            items = [x for x in arg if not (isinstance(x, str) and x.isspace())]
            if call.name and len(items) == 1 and isinstance(items[0], int):
                self._direct[items[0]] = (call, i)
            for x in arg:
                if isinstance(x, _Call):
                    self._find_direct(x)

    def aggregate(self, i: int) -> bool:
        """Slot `i` is a whole argument of a function that takes any number of areas."""
        direct = self._direct.get(i)
        if direct is None:
            return False
        call, index = direct
        return call.name in AGGREGATES and not (call.name == "SUBTOTAL" and index == 0)

    def _message(self, problem: str, text: str, plan: Plan, mode: str, where: str) -> str:
        book = plan.book
        if problem == "marker":
            tag = book.markers[plan.a].tag
            return (
                f"{where}“{self.text}”引用了 {text}：“{book.title}”第{plan.a}行是 {tag} 标签行，"
                "生成时整行删去，这个引用会落空。请改为引用别的行"
            )
        if problem == "many":
            scope = book.many(plan.scope, plan.a) or plan.scope
            return (
                f"{where}“{self.text}”引用了 {text}：这一格在{scope.describe(book.title)}里，生成后有很多份，"
                f"不知道该用哪一份。要把每一份合起来，请把它写在 {AGG_NAMES} 的括号里（如 SUM({text})）；"
                "要用同一组里的那一格，请把公式放进同一个重复区"
            )
        scope = book.gaps(plan.scope, plan.a, plan.b) or plan.scope
        head = f"{where}“{self.text}”引用了 {text}：只包含{scope.describe(book.title)}的一部分行，生成后是互不相连的多块，"
        if mode == "chart":
            return (
                head
                + "图表的数据区域放不下。请让数据区域包住整个区，或把图表要用的数放在区外的一列里"
            )
        return head + (
            f"这里放不下。请把它写在 {AGG_NAMES} 的括号里（合计用 SUBTOTAL(9,…) 时会跳过其中的小计），"
            "或者让区域包住整个区"
        )

    def render(self, layouts: Mapping[str, Layout], path: Path = ()) -> str:
        """The formula for one output place; `path` is the place's repeat instance on the
        formula's own sheet (other sheets are read from outside their repeats)."""
        if self.static:
            return self.text
        out = self._render(layouts, path)
        return out[1:] if self.bare else out

    def _render(self, layouts: Mapping[str, Layout], path: Path) -> str:
        texts: dict[int, str | None] = {}
        grown: dict[int, int] = {}
        for i, (_value, ref, plan) in enumerate(self.slots):
            runs = plan.resolve(layouts[plan.book.title.casefold()], path)
            if not runs:
                texts[i] = None
                continue
            if len(runs) > 1 and i not in self.args and not self.areas:
                runs = [(runs[0][0], runs[-1][1])]  # planned to be one area: never a list here
            texts[i] = ",".join(ref.piece(lo, hi) for lo, hi in runs)
            if len(runs) > 1 and i in self.args:
                call = id(self._direct[i][0])
                grown[call] = grown.get(call, self.args[i]) + len(runs) - 1
        for i, text in texts.items():
            if (
                text is not None
                and i in self.args
                and grown.get(id(self._direct[i][0]), 0) > MAX_ARGS
            ):
                texts[i] = f"({text})"  # one union argument instead of too many
        if None in texts.values():
            return self._render_call(self.root, texts)
        return "".join(x if isinstance(x, str) else texts[x] or "" for x in self.flat)

    def _render_call(self, call: _Call, texts: dict[int, str | None]) -> str:
        """The slow way, when rows a reference needs are gone (an empty block): an aggregate
        drops the argument (all gone: the value of an empty aggregate), SUMIF and the like give
        0, anything else gets #REF! as in Excel after deleting the rows."""

        def item(x: Any) -> str:
            if isinstance(x, _Call):
                return self._render_call(x, texts)
            if isinstance(x, int):
                text = texts[x]
                return "#REF!" if text is None else text
            return x

        if call.name is None:
            return call.open + "".join(item(x) for arg in call.args for x in arg) + call.close
        kept, dropped = [], False
        for i, arg in enumerate(call.args):
            slot = next((x for x in arg if isinstance(x, int)), None)
            if slot is not None and texts[slot] is None and self._direct.get(slot) == (call, i):
                if call.name in _ZERO_WHEN_EMPTY:
                    return "0"
                if self.aggregate(slot):
                    dropped = True
                    continue
            kept.append("".join(item(x) for x in arg))
        if dropped and len(kept) == (1 if call.name == "SUBTOTAL" else 0):
            if call.name == "SUBTOTAL":
                try:
                    fn = int(float(kept[0]))
                except ValueError:
                    fn = 9
                return "#DIV/0!" if fn in _SUBTOTAL_ERRORS else "0"
            return _EMPTY.get(call.name, "0")
        return call.open + ",".join(kept) + call.close
