"""A Word template compiled once: static parts kept as bytes, body and headers/footers as Jinja templates."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from lxml import etree

from reportgen.engine.docx_repair import (
    fix_dynamic_grids,
    fix_empty_header_footer,
    fix_empty_tables,
    line_texts,
    table_logic,
    to_jinja_source,
)
from reportgen.engine.environment import (
    ENV,
    PARAGRAPH_MARK,
    SecurityError,
    current_sink,
    fullwidth_tag,
    resolve_paragraph_marks,
    unsafe_template_error,
)
from reportgen.engine.ooxml_order import W_NS, normalize
from reportgen.errors import TemplateError

_REL_OFFICE_DOC = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
_REL_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_REL_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
_REL_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_REL_ENDNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes"
# document properties (docxtpl renders the core ones; here core, extended and custom alike)
_REL_PROPERTIES = {
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties": "文档属性（标题、作者等）",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties": "文档属性（单位、经理等）",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties": "自定义文档属性",
}
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# a footnote or endnote reference in the body: its id becomes per record in a print file
_NOTE_REF = re.compile(r'(<w:(?:footnote|endnote)Reference\b[^>]*?\bw:id=")(\d+)(")')
_NOTE_ID = re.compile(rb'<w:(?:footnote|endnote)\b[^>]*?\bw:id="(-?\d+)"')
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_BODY_OPEN = re.compile(r"<w:body\b[^>]*>")
_NEEDED_NS = {
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


@dataclass(frozen=True)
class TemplateIssue:
    """One problem `templates check` found: kind is 'syntax', 'unknown', 'unsafe' (reaches for
    program internals; the sandbox refuses it), 'xml' or 'lost' (text a {%p/tr/tc %} tag's
    paragraph, row or cell holds would be dropped)."""

    kind: str
    message: str
    part: str = ""
    line: int | None = None
    context: str = ""

    def __str__(self) -> str:
        where = f"{self.part} 第{self.line}行" if self.line else self.part
        text = f"[{where}] {self.message}" if where else self.message
        if self.context:
            text += f"\n    模板内容：{self.context}"
        return text


def _context_around(lines: list[str], lineno: int | None) -> str:
    if not lineno:
        return ""
    picked = [s for s in lines[max(0, lineno - 2) : lineno + 1] if s]
    return " ⏎ ".join(picked)[:300]


class _Part:
    """One templated XML part (body or header/footer) with its Jinja source kept for messages."""

    def __init__(
        self,
        source: str,
        part: str,
        strict: bool = True,
        template: str = "",
        *,
        plain: bool = False,
    ) -> None:
        """plain: a document-properties part, where data text cannot hold Word breaks or tabs."""
        self.source = source
        self.part = part
        self.plain = plain
        self.template_name = template
        self.lines = line_texts(source)
        self.error: jinja2.TemplateSyntaxError | None = None
        self.template: jinja2.Template | None = None
        try:
            code = ENV.compile(source, name=part, filename=part)
        except jinja2.TemplateSyntaxError as err:
            if strict:
                raise TemplateError(self.syntax_message(err)) from None
            self.error = err
            return
        self.template = ENV.template_class.from_code(ENV, code, ENV.make_globals(None))

    def syntax_message(self, err: jinja2.TemplateSyntaxError) -> str:
        return f"模板标签有误（{self.part} 第{err.lineno}行）：{_explain(err.message or '')}；模板内容：{_context_around(self.lines, err.lineno)}"

    def render(self, ctx: dict[str, Any]) -> str:
        if self.template is None:
            # a part with a syntax error, read with strict=False by `check` (which renders none)
            assert self.error is not None
            raise TemplateError(self.syntax_message(self.error))
        try:
            xml = self.template.render(ctx)
        except TemplateError:
            raise
        except Exception as err:  # noqa: BLE001 - any error in user data or template becomes one message
            lineno = _template_lineno(self.part)
            where = (
                f"（{self.part} 第{lineno}行，模板内容：{_context_around(self.lines, lineno)}）"
                if lineno
                else ""
            )
            if isinstance(err, SecurityError):
                raise unsafe_template_error(
                    err, self.template_name, where or f"（{self.part}）"
                ) from None
            raise TemplateError(f"{_explain(str(err))}{where}") from err
        if self.plain:  # a property is one line of text: breaks and tabs become spaces
            return _WORD_BREAKS.sub(" ", xml)
        # \a in data (a new paragraph) needs the paragraph around it: resolved on the whole part.
        return resolve_paragraph_marks(xml) if PARAGRAPH_MARK in xml else xml


_WORD_BREAKS = re.compile(
    r'</w:t><w:(?:br|tab)(?: w:type="page")?/><w:t xml:space="preserve">|' + PARAGRAPH_MARK
)


def _template_lineno(filename: str) -> int | None:
    tb = sys.exc_info()[2]
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


_MESSAGES = (
    (
        "unexpected end of template",
        "模板意外结束，可能有未闭合的 {% for %} / {% if %}（缺少 endfor / endif）",
    ),
    ("unexpected '}'", "多余的 “}”"),
    ("unexpected char", "无法识别的字符"),
    ("Encountered unknown tag", "无法识别的标签"),
    ("expected token 'end of print statement'", "{{ }} 标签没有正确闭合"),
    ("expected token 'end of statement block'", "{% %} 标签没有正确闭合"),
    ("unexpected end of print statement", "{{ }} 标签内容为空或不完整"),
    ("no filter named", "没有这个过滤器"),
)


def _explain(message: str) -> str:
    for needle, chinese in _MESSAGES:
        if needle in message:
            return f"{chinese}（{message}）"
    return message


def _rels_targets(xml: bytes, base: str) -> list[tuple[str, str, str]]:
    """(Id, Type, part name) for each relationship; targets resolved against `base` folder."""
    out = []
    for rel in etree.fromstring(xml).iter(_PKG_REL):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        name = (
            target.lstrip("/")
            if target.startswith("/")
            else os.path.normpath(os.path.join(base, target)).replace(os.sep, "/")
        )
        out.append((rel.get("Id", ""), rel.get("Type", ""), name))
    return out


class WordTemplate:
    """A .docx template parsed, repaired and compiled once; render its body for any number of records."""

    def __init__(
        self, path: str | os.PathLike, name: str | None = None, *, strict: bool = True
    ) -> None:
        """strict=False keeps going past tag errors (each part's `error`) so `check` can list them all."""
        self.path = Path(path)
        self.name = name or self.path.stem
        try:
            data = self.path.read_bytes()
            with zipfile.ZipFile(self.path) as zf:
                self.entries: dict[str, bytes] = {
                    i.filename: zf.read(i.filename) for i in zf.infolist()
                }
        except (OSError, zipfile.BadZipFile) as err:
            raise TemplateError(f"无法打开 Word 模板 {self.path}：{err}") from None
        self.sha256 = hashlib.sha256(data).hexdigest()
        # level -> part name -> (deflated bytes, crc32, size): filled by the writer, reused per file
        self.compressed_cache: dict[int, dict[str, tuple[bytes, int, int]]] = {}
        self.main_part = "word/document.xml"
        for _, rtype, name in _rels_targets(self.entries.get("_rels/.rels", b"<r/>"), ""):
            if rtype == _REL_OFFICE_DOC:
                self.main_part = name
        if self.main_part not in self.entries:
            raise TemplateError(f"{self.path.name} 不是有效的 Word 文档（缺少 {self.main_part}）")
        folder = os.path.dirname(self.main_part)
        self.rels_part = f"{folder}/_rels/{os.path.basename(self.main_part)}.rels"
        rels = _rels_targets(self.entries.get(self.rels_part, b"<r/>"), folder)
        self.rel_ids = {rid for rid, _, _ in rels}
        self.hf_parts = [
            name
            for _, rtype, name in rels
            if rtype in (_REL_HEADER, _REL_FOOTER) and name in self.entries
        ]
        # footnotes, endnotes and document properties are rendered when they hold a tag
        self.note_parts = [
            name
            for _, rtype, name in rels
            if rtype in (_REL_FOOTNOTES, _REL_ENDNOTES) and _has_tag(self.entries.get(name))
        ]
        self.property_parts = {
            name: _REL_PROPERTIES[rtype]
            for _, rtype, name in _rels_targets(self.entries.get("_rels/.rels", b"<r/>"), "")
            if rtype in _REL_PROPERTIES and _has_tag(self.entries.get(name))
        }

        self._normalize_static_parts()
        # part name -> (level, statements, tags as written, dropped text, line in to_jinja_source's
        # output); the offset turns that line into the line of the part's own source.
        self._lost: dict[str, list[tuple[str, str, str, str, int]]] = {}
        self._line_offset: dict[str, int] = {}
        self.prefix, body_src, self.sect_pr, self.suffix, max_bm = self._split_main()
        self.bookmark_stride = max_bm + 1
        self.dynamic_grids = 'rgdyn="' in body_src
        self.row_logic, self.cell_logic = table_logic(body_src)
        label = self.path.name
        # A print file gives every record its own footnotes: the body's references and the
        # notes' ids move by `note_stride` per record (PrintFileWriter.note_id).
        self.note_stride = 1
        if self.note_parts:
            ids = [
                int(m.group(1)) for n in self.note_parts for m in _NOTE_ID.finditer(self.entries[n])
            ]
            self.note_stride = max(ids, default=0) + 1
            body_src = _NOTE_REF.sub(
                lambda m: m.group(1) + "{{ _rg_note(" + m.group(2) + ") }}" + m.group(3), body_src
            )
        self.body = _Part(body_src, "正文", strict, label)
        self.headers_footers = {
            name: _Part(self._hf_source(name), _hf_label(name), strict, label)
            for name in self.hf_parts
        }
        self.notes = {
            name: _Part(self._hf_source(name), _note_label(name), strict, label)
            for name in self.note_parts
        }
        self.properties = {
            name: _Part(_property_source(self.entries[name]), what, strict, label, plain=True)
            for name, what in self.property_parts.items()
        }
        # lost text, and {% vm %} / {% hm %} outside a loop: both listed by `templates check`
        self.lost_text = self._lost_issues() + [
            issue for part in self.parts() for issue in _loop_outside_for(part)
        ]
        lost = [i for i in self.lost_text if i.kind == "lost"]
        if strict and lost:
            raise TemplateError(
                f"Word 模板 {label} 有文字会在生成时丢失：\n" + "\n".join(str(i) for i in lost)
            )
        if strict and len(lost) < len(self.lost_text):
            raise TemplateError(
                f"Word 模板 {label} 的标签用错了地方：\n"
                + "\n".join(str(i) for i in self.lost_text if i.kind != "lost")
            )
        if strict:
            # Tags in footnotes, comments or properties would be printed as typed: refused here
            # as `templates check` reports them, never left literal in a document.
            unrendered = unrendered_part_issues(self)
            if unrendered:
                raise TemplateError(
                    f"Word 模板 {label} 有不会被填写的标签：\n"
                    + "\n".join(str(i) for i in unrendered)
                )

    def _lost_issues(self) -> list[TemplateIssue]:
        """Text next to a {%p/tr/tc %} tag that rendering would drop (docxtpl drops it silently)."""
        issues = []
        for key, part in [
            (self.main_part, self.body),
            *self.headers_footers.items(),
            *self.notes.items(),
        ]:
            for level, _stmts, written, text, line in self._lost.get(key, []):
                lineno = line + self._line_offset.get(key, 0) if line else None
                where, fix = _LOST_WHERE.get(level, _LOST_WHERE["r"])
                message = (
                    f"标签“{written}”所在的{where}还有别的内容“{text[:60]}”：生成时整个{where}"
                    f"会换成这个标签，这些文字会丢失。请{fix}"
                )
                issues.append(
                    TemplateIssue(
                        "lost", message, part.part, lineno, _context_around(part.lines, lineno)
                    )
                )
        return issues

    def _split_main(self) -> tuple[str, str, str, str, int]:
        try:
            src, max_bm = to_jinja_source(
                self.entries[self.main_part], self._lost.setdefault(self.main_part, [])
            )
        except etree.XMLSyntaxError as err:
            raise TemplateError(f"Word 模板 {self.path.name} 的正文 XML 已损坏：{err}") from None
        m = _BODY_OPEN.search(src)
        end = src.rfind("</w:body>")
        if not m or end < 0:
            raise TemplateError(f"Word 模板 {self.path.name} 没有正文（w:body）")
        prefix = src[: m.end()]
        self._line_offset[self.main_part] = -prefix.count("\n")
        for prefix_ns, uri in _NEEDED_NS.items():
            if f"xmlns:{prefix_ns}=" not in prefix:
                prefix = prefix.replace(
                    "<w:document ", f'<w:document xmlns:{prefix_ns}="{uri}" ', 1
                )
        body = src[m.end() : end]
        sect = ""
        start = body.rfind("<w:sectPr")
        if start >= 0:
            close = body.find("</w:sectPr>", start)
            if close >= 0:
                end_at = close + len("</w:sectPr>")
            else:  # an empty <w:sectPr/>
                gt = body.find(">", start)
                end_at = gt + 1 if gt > 0 and body[gt - 1] == "/" else -1
            if end_at > 0 and body[end_at:].strip() == "":
                sect = body[start:end_at]
                body = body[:start]
        return _XML_DECL + prefix, body, sect, src[end:], max_bm

    def _hf_source(self, name: str) -> str:
        """Jinja source of a header, footer, footnotes or endnotes part."""
        try:
            src, _ = to_jinja_source(self.entries[name], self._lost.setdefault(name, []))
            self._line_offset[name] = _XML_DECL.count("\n")
        except etree.XMLSyntaxError as err:
            what = "脚注/尾注" if name in self.note_parts else "页眉/页脚"
            raise TemplateError(f"Word 模板 {self.path.name} 的{what} XML 已损坏：{err}") from None
        return _XML_DECL + src

    def _normalize_static_parts(self) -> None:
        """Styles, settings, numbering… copied into every output: children in schema order."""
        for name, data in self.entries.items():
            if (
                not name.endswith(".xml")
                or name == self.main_part
                or name in self.hf_parts
                or name in self.note_parts
            ):
                continue
            if f"{W_NS}".encode() not in data[:2000]:
                continue
            try:
                root = etree.fromstring(data)
            except etree.XMLSyntaxError:
                continue  # `templates check` and Word report it; not ours to guess at
            if root.tag.startswith("{" + W_NS + "}") and normalize(root):
                self.entries[name] = etree.tostring(
                    root, xml_declaration=True, encoding="UTF-8", standalone=True
                )

    def render_body(self, ctx: dict[str, Any]) -> str:
        """One record's body XML (paragraphs and tables, no sectPr)."""
        xml = self.body.render(ctx)
        if self.dynamic_grids:
            xml = fix_dynamic_grids(xml)
        if self.row_logic or self.cell_logic:
            xml = fix_empty_tables(xml, self.row_logic, self.cell_logic)
        return xml

    def render_part(self, name: str, ctx: dict[str, Any]) -> str:
        return fix_empty_header_footer(self.headers_footers[name].render(ctx))

    def render_note_part(self, name: str, ctx: dict[str, Any]) -> str:
        return self.notes[name].render(ctx)

    def render_property_part(self, name: str, ctx: dict[str, Any]) -> str:
        return self.properties[name].render(ctx)

    def parts(self) -> list[_Part]:
        """Every rendered part: body, headers/footers, footnotes/endnotes, document properties."""
        return [
            self.body,
            *self.headers_footers.values(),
            *self.notes.values(),
            *self.properties.values(),
        ]

    def variables(self) -> set[str]:
        """Top-level names the template uses (excluding loop variables and set names)."""
        from jinja2 import meta

        names: set[str] = set()
        for part in self.parts():
            names |= meta.find_undeclared_variables(ENV.parse(part.source))
        return names


def _loop_outside_for(part: _Part) -> list[TemplateIssue]:
    """`loop` used where no for loop is running: what {% vm %} / {% hm %} become (docx_repair's
    _cell_tags) needs the {%tr for %} / {%tc for %} that repeats their cell."""
    if part.template is None or "loop." not in part.source:
        return []
    from jinja2 import nodes

    found: list[int] = []

    def visit(node, in_for: bool) -> None:
        if isinstance(node, nodes.For):
            for child in (node.target, node.iter, node.test):
                if child is not None:
                    visit(child, in_for)
            for child in node.body:
                visit(child, True)
            for child in node.else_:
                visit(child, in_for)
            return
        if isinstance(node, nodes.Name) and node.name == "loop" and not in_for:
            found.append(node.lineno)
        for child in node.iter_child_nodes():
            visit(child, in_for)

    visit(ENV.parse(part.source), False)
    return [
        TemplateIssue(
            "syntax",
            "{% vm %}（纵向合并）、{% hm %}（横向合并）和 loop 只能用在循环里：{% vm %} 写在 "
            "{%tr for %} 与 {%tr endfor %} 之间的行里，{% hm %} 写在 {%tc for %} 与 {%tc endfor %} "
            "之间的单元格里",
            part.part,
            line,
            _context_around(part.lines, line),
        )
        for line in sorted(set(found))
    ]


# Where a level tag's text is lost, and the fix, in the words of someone editing in Word.
_LOST_WHERE = {
    "p": ("段落", "把 {%p %} 标签单独写在一段里（在标签前后按回车，文字留在上一段或下一段）"),
    "tr": ("表格行", "让这一行只写 {%tr %} 标签（文字移到上一行或下一行）"),
    "tc": ("单元格", "让这个单元格只写 {%tc %} 标签（文字移到别的单元格）"),
    "r": ("文字块", "把 {%r %} 标签单独放在一个文字块里（和旁边的文字、图片分开）"),
}


def _hf_label(name: str) -> str:
    base = os.path.basename(name)
    return ("页眉 " if base.startswith("header") else "页脚 ") + base


def _note_label(name: str) -> str:
    base = os.path.basename(name)
    return ("尾注 " if base.startswith("endnote") else "脚注 ") + base


_TAG_BYTES = re.compile(rb"\{\{|\{%|\{#")


def _has_tag(data: bytes | None) -> bool:
    return data is not None and _TAG_BYTES.search(data) is not None


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_XML_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def _property_source(data: bytes) -> str:
    """A document-properties part as Jinja source: its XML as it is, tags unescaped (Word and
    WPS store `{{ a > 1 }}` as `{{ a &gt; 1 }}`) and their smart quotes made straight."""

    def tag(m: re.Match) -> str:
        text = m.group(0)
        for entity, char in _XML_ENTITIES:
            text = text.replace(entity, char)
        return text.translate(_QUOTES)

    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", tag, data.decode("utf-8"), flags=re.S)


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int, name: str | None) -> WordTemplate:
    return WordTemplate(path, name)


def load_word_template(path: str | os.PathLike, name: str | None = None) -> WordTemplate:
    """Compiled template for a .docx path, cached per process (re-read when the file changes)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise TemplateError(f"找不到 Word 模板：{p}") from None
    return _load_cached(str(p.resolve()), st.st_mtime_ns, st.st_size, name)


__all__ = ["TemplateIssue", "WordTemplate", "current_sink", "load_word_template"]


# ------------------------------------------------------------------ parts never rendered
_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ANY_TAG = re.compile(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)|\{#.*?(?:#\}|$)")
# Parts copied into every output as they are: a tag there is never filled in.
_UNRENDERED = {
    "footnotes.xml": "脚注",
    "endnotes.xml": "尾注",
    "comments.xml": "批注",
    "core.xml": "文档属性（标题、作者等）",
    "app.xml": "文档属性",
    "custom.xml": "自定义文档属性",
}


def unrendered_part_issues(tpl: WordTemplate) -> list[TemplateIssue]:
    """Tags in parts the engine copies without rendering (footnotes, endnotes, comments,
    document properties…): they would be printed or kept exactly as typed."""
    rendered = {tpl.main_part, *tpl.hf_parts, *tpl.note_parts, *tpl.property_parts}
    issues: list[TemplateIssue] = []
    for name, data in sorted(tpl.entries.items()):
        if name in rendered or not name.endswith(".xml") or "/_rels/" in name:
            continue
        if b"{" not in data and "｛".encode() not in data and "％".encode() not in data:
            continue
        try:
            root = etree.fromstring(data)
        except etree.XMLSyntaxError:
            continue
        base = name.rsplit("/", 1)[-1]
        label = _UNRENDERED.get(base, f"文件内部的 {name}")
        paragraphs = list(root.iter(f"{_W_NS}p")) or [
            el for el in root.iter() if el.text and el.text.strip()
        ]
        for number, para in enumerate(paragraphs, start=1):
            text = (
                "".join(t.text or "" for t in para.iter(f"{_W_NS}t"))
                if para.tag == f"{_W_NS}p"
                else para.text
            )
            tag = _ANY_TAG.search(text or "")
            found = tag.group(0) if tag else fullwidth_tag(text or "")
            if not found:
                continue
            issues.append(
                TemplateIssue(
                    "syntax",
                    f"{label}中的标签不会被填写，会原样留在生成的文书里：“{found[:60]}”。"
                    "请把它移到正文或页眉页脚里，或删去",
                    f"{label}（{name}）",
                    number,
                    (text or "").strip()[:300],
                )
            )
    return issues
