"""Word sub-documents: the body of another .docx where `{{p 附件|subdoc }}` stands (docxtpl's
Subdoc), looking as it did: its styles, lists, pictures and links come along.

This module is what templates and the writer see: the `Subdoc` value, the `subdoc` filter, and
`place_subdocs`, which checks where each inserted body landed once the part has rendered.
subdoc_source.py reads a sub-document (once per file version); subdoc_merge.py adds what it
needs to each output file.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape as _escape

import jinja2
from jinja2 import nodes
from markupsafe import Markup

from reportgen.engine.assets import resolve_asset
from reportgen.engine.sink import current_sink
from reportgen.errors import TemplateError

# Around an inserted body until the writer has checked where it landed (`place_subdocs`).
_START = "\ue000rg-subdoc:"
_START_END = "\ue001"
_END = "\ue000rg-subdoc-end\ue001"
_PLACED = re.compile("\ue000rg-subdoc:([^\ue001]*)\ue001(.*?)\ue000rg-subdoc-end\ue001", re.S)


# ------------------------------------------------------------------ the value and the filter
@dataclass(frozen=True)
class Subdoc:
    """Another Word document (.docx path or bytes) inserted where `{{p x }}` stands.

    From Python put `Subdoc("附件一.docx")` in the context (a path given by code is used as it
    is); a template names files with `{{p "附件一.docx"|subdoc }}` or `{{p r.附件|subdoc }}`,
    looked up in the allowed folders only (assets.py). Picklable (worker processes).
    """

    source: str | os.PathLike | bytes
    name: str = ""

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if isinstance(self.source, bytes):
            return f"子文档数据（{len(self.source)} 字节）"
        return str(self.source)

    def __html__(self) -> str:
        insert = getattr(current_sink.get(), "subdoc_xml", None)
        return insert(self) if insert is not None else ""

    def __str__(self) -> str:
        raise ValueError(
            "子文档只能单独插入一段：在 Word 模板里写 {{p 附件|subdoc }}，单独占一段，"
            "不能和文字拼接，也不能用在 Excel 模板里"
        )


@jinja2.pass_context  # never run while compiling: Jinja folds filters of constants
def subdoc(context: Any, value: Any) -> Any:
    """`{{p "附件一.docx"|subdoc }}`, `{{p r.附件|subdoc }}`: the body of that .docx (a file in the
    allowed folders, or a Subdoc) replaces the paragraph. Blank: the paragraph goes."""
    if isinstance(value, jinja2.Undefined):
        value = str(value)  # a missing variable: the usual error ('' in templates check)
    insert = getattr(current_sink.get(), "subdoc_xml", None)
    if insert is None:
        return ""  # no Word file being written (templates check): nothing read
    return Markup(insert(value))


def as_subdoc(value: Any) -> Subdoc | None:
    """A Subdoc for a template value: a file name (allowed folders only), bytes or a Subdoc;
    None when blank. ValueError (Chinese, naming the value) otherwise."""
    if isinstance(value, Subdoc):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bytes | bytearray):
        return Subdoc(bytes(value))
    if isinstance(value, str | os.PathLike):
        try:
            return Subdoc(resolve_asset(value, "子文档"), name=str(value).strip())
        except TemplateError as err:
            raise ValueError(err.message) from None  # the render adds the template line
    raise ValueError(f"子文档应写 .docx 文件名，现在是 {type(value).__name__}：“{value}”")


def marked(label: str, xml: str) -> str:
    """An inserted body, marked until `place_subdocs` has checked where it landed."""
    return _START + _escape(label).replace("\ue001", "") + _START_END + xml + _END


# ------------------------------------------------------------------ where it landed
_P_OPEN = re.compile(r"<w:p[\s>/]")
_CELL_END = re.compile(r"\s*</w:tc>")
_ENDS_WITH_P = re.compile(r"(?:</w:p>|<w:p/>)\s*$")


def _in_paragraph(xml: str, at: int) -> bool:
    start = -1
    for m in _P_OPEN.finditer(xml, max(0, xml.rfind("</w:p>", 0, at)), at):
        start = m.start()
    if start < 0:
        return False
    if xml[xml.index(">", start) - 1] == "/":  # <w:p/> or <w:p …/>
        return False
    box = xml.rfind("<w:txbxContent", start, at)  # a text box's own paragraphs are blocks
    return box < 0 or xml.rfind("</w:txbxContent>", box, at) >= 0


def place_subdocs(xml: str, sect_pr: str = "") -> str:
    """A rendered body with each inserted sub-document unmarked: refused when it sits inside a
    paragraph (written `{{ x|subdoc }}` among text instead of `{{p x|subdoc }}`); its tables and
    pictures narrowed to the cell or the text width of `sect_pr` when wider; a table cell it ends
    gets the closing paragraph Word requires."""
    if _START not in xml:
        return xml
    out, pos = [], 0
    for m in _PLACED.finditer(xml):
        label = html.unescape(m.group(1))
        if _in_paragraph(xml, m.start()):
            raise TemplateError(
                f"子文档“{label}”要单独占一段：请把标签写成 {{{{p …|subdoc }}}}（以 {{{{p 开头），"
                "并在 Word 里让它单独成为一段，前后不要有别的文字"
            )
        inner = m.group(2)
        cell = _cell_width(xml, m.start())
        width = cell - 2 * _CELL_MARGIN if cell else _text_width(sect_pr)
        if width and width > 0:
            inner = _fit(inner, width)
        if _CELL_END.match(xml, m.end()) and not _ENDS_WITH_P.search(inner):
            inner += "<w:p/>"
        out += [xml[pos : m.start()], inner]
        pos = m.end()
    out.append(xml[pos:])
    return "".join(out)


_CELL_MARGIN = 108  # twips: Word's default left and right cell margins
_TC_TOKEN = re.compile(r"<w:tc[\s>]|</w:tc>")
_TCW = re.compile(r"<w:tcW\b[^>]*/>")
_TBL_TOKEN = re.compile(r"<w:tbl[\s>]|</w:tbl>")
_WIDTHS = re.compile(r"<w:(?:gridCol|tcW|tblW|tblInd)\b[^>]*/>")
_W_ATTR = re.compile(r'(\bw:w=")(\d+)(")')
_INLINE = re.compile(r"<wp:inline\b.*?</wp:inline>", re.S)
_EXTENT = re.compile(r'(<(?:wp:extent|a:ext)\b[^>]*?\bcx=")(\d+)("[^>]*?\bcy=")(\d+)(")')


def _dxa(el: str) -> int | None:
    m = _W_ATTR.search(el)
    return int(m.group(2)) if m and ('w:type="dxa"' in el or "w:type" not in el) else None


def _cell_width(xml: str, at: int) -> int | None:
    """Width (twips) of the table cell holding position `at`, if it is in one and says it."""
    depth = 0
    for m in reversed(list(_TC_TOKEN.finditer(xml, 0, at))):
        if m.group(0) == "</w:tc>":
            depth += 1
        elif depth:
            depth -= 1
        else:
            pr_end = xml.find("</w:tcPr>", m.start(), at)
            tcw = _TCW.search(xml, m.start(), pr_end) if pr_end > 0 else None
            return _dxa(tcw.group(0)) if tcw else None
    return None


def _text_width(sect_pr: str) -> int | None:
    size = re.search(r'<w:pgSz\b[^>]*?\bw:w="(\d+)"', sect_pr)
    if not size:
        return None
    margins = sum(
        int(m.group(1)) if m else 1800
        for m in (
            re.search(rf'<w:pgMar\b[^>]*?\bw:{side}="(-?\d+)"', sect_pr)
            for side in ("left", "right")
        )
    )
    return int(size.group(1)) - margins


def _fit(inner: str, width: int) -> str:
    """Tables and inline pictures at the top of `inner` narrowed to `width` twips when wider
    (a wide attachment in a narrow cell, a landscape page in a portrait template)."""
    out, pos, depth, start = [], 0, 0, 0
    for m in _TBL_TOKEN.finditer(inner):
        if m.group(0) != "</w:tbl>":
            start = m.start() if depth == 0 else start
            depth += 1
            continue
        depth -= 1
        if depth:
            continue
        table = inner[start : m.end()]
        grid = table[: table.find("</w:tblGrid>")]
        total = sum(
            int(found.group(2))
            for col in re.findall(r"<w:gridCol\b[^>]*/>", grid)
            for found in [_W_ATTR.search(col)]
            if found
        )
        if total > width:
            factor = width / total

            def scale(el: re.Match, factor=factor) -> str:
                text = el.group(0)
                if _dxa(text) is None:
                    return text
                return _W_ATTR.sub(
                    lambda w: f"{w.group(1)}{round(int(w.group(2)) * factor)}{w.group(3)}", text
                )

            out += [inner[pos:start], _WIDTHS.sub(scale, table)]
            pos = m.end()
    out.append(inner[pos:])
    inner = "".join(out)
    limit = width * 635  # EMU per twip

    def picture(m: re.Match) -> str:
        pic = m.group(0)
        ext = _EXTENT.search(pic)
        if not ext or int(ext.group(2)) <= limit:
            return pic
        factor = limit / int(ext.group(2))
        return _EXTENT.sub(
            lambda e: (
                f"{e.group(1)}{round(int(e.group(2)) * factor)}{e.group(3)}{round(int(e.group(4)) * factor)}{e.group(5)}"
            ),
            pic,
        )

    return _INLINE.sub(picture, inner) if "<wp:inline" in inner else inner


def subdoc_tag_problems(tree, source: str, in_body: bool) -> list[tuple[int, str]]:
    """(line, message) for `subdoc` used where a render would refuse it: among text in a
    paragraph (not `{{p … }}`), or in a header, footer or footnote. `tree`: ENV.parse(source)."""
    if tree is None:
        return []
    lines = source.split("\n")
    found = []
    for node in tree.find_all(nodes.Filter):
        if node.name != "subdoc":
            continue
        if not in_body:
            found.append(
                (node.lineno, "子文档（subdoc）只能插在正文里，不能插在页眉、页脚或脚注里")
            )
        elif 0 < node.lineno <= len(lines) and "<w:t" in lines[node.lineno - 1]:
            found.append(
                (
                    node.lineno,
                    "子文档要单独占一段：请把标签写成 {{p 附件|subdoc }}（以 {{p 开头），"
                    "并在 Word 里让它单独成为一段，前后不要有别的文字",
                )
            )
    return found


__all__ = [
    "Subdoc",
    "as_subdoc",
    "marked",
    "place_subdocs",
    "subdoc",
    "subdoc_tag_problems",
]
