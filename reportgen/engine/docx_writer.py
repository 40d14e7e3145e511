"""Stream many rendered records into one .docx: static parts once, body XML straight into the zip."""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol, cast

from lxml import etree

from reportgen.engine.assets import asset_roots
from reportgen.engine.docx_template import WordTemplate, _hf_label, _rels_targets
from reportgen.engine.environment import ENV, STANDARD_NAMES, current_sink
from reportgen.engine.media import (
    INLINE,
    INLINE_END,
    USES_LINK,
    Image,
    Inline,
    as_png_or_jpeg,
    drawing_xml,
    hyperlink_style,
    hyperlink_xml,
    picture_size,
    place_inline,
    png_from_matrix,
    qr_image,
    text_width_mm,
    with_hyperlink_style,
)
from reportgen.engine.ooxml import escape as xml_text
from reportgen.engine.ooxml import zip_info
from reportgen.engine.pictures import PictureSwap, Replacement, replace_pictures
from reportgen.engine.subdoc import place_subdocs
from reportgen.engine.subdoc_merge import SubdocMerge
from reportgen.engine.xmltext import verify_package
from reportgen.errors import RenderError, TemplateError

_FLUSH_BYTES = 1 << 18
_PAGE_BREAK_P = (
    '<w:p><w:pPr><w:pageBreakBefore/><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    '<w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>'
)
# The first paragraph of a record and its pPr (if any).
_FIRST_P = re.compile(r"^(\s*<w:p(?:\s[^>]*?)?(?<!/)>\s*)(<w:pPr>|<w:pPr/>)?")
_EMPTY_FIRST_P = re.compile(r"^(\s*<w:p(?:\s[^>]*?)?)\s*/>")
# CT_PPrBase: only pStyle, keepNext and keepLines come before pageBreakBefore.
_BEFORE_PAGE_BREAK = re.compile(r"(?:<w:(?:pStyle|keepNext|keepLines)\b[^>]*/>)*")
_PAGE_BREAK_BEFORE = re.compile(r"<w:pageBreakBefore\b[^>]*/>")
# CT_SectPr: the children that follow w:pgNumType.
_AFTER_PG_NUM = re.compile(
    r"<w:(?:cols|formProt|vAlign|noEndnote|titlePg|textDirection|bidi|rtlGutter|docGrid|"
    r"printerSettings|sectPrChange)\b|</w:sectPr>"
)
_PG_NUM = re.compile(r"<w:pgNumType\b([^>]*?)\s*/>")


def add_page_break_before(xml: str) -> str:
    """Make a rendered record start on a new page without adding a line anywhere.

    w:pageBreakBefore goes into the first paragraph's pPr after w:pStyle, w:keepNext and
    w:keepLines (schema order); a record that starts with a table gets a tiny paragraph instead.
    """
    m = _FIRST_P.match(xml)
    if not m:
        empty = _EMPTY_FIRST_P.match(xml)
        if empty:
            return (
                empty.group(1) + "><w:pPr><w:pageBreakBefore/></w:pPr></w:p>" + xml[empty.end() :]
            )
        return _PAGE_BREAK_P + xml
    head, ppr = m.group(1), m.group(2)
    rest = xml[m.end() :]
    if ppr is None or ppr == "<w:pPr/>":
        return head + "<w:pPr><w:pageBreakBefore/></w:pPr>" + rest
    lead = _BEFORE_PAGE_BREAK.match(rest)
    assert lead is not None  # a (...)* run always matches
    at = lead.end()
    existing = _PAGE_BREAK_BEFORE.match(rest, at)
    if existing:  # keep the place, but make sure it is on (it may say w:val="0")
        return head + ppr + rest[:at] + "<w:pageBreakBefore/>" + rest[existing.end() :]
    return head + ppr + rest[:at] + "<w:pageBreakBefore/>" + rest[at:]


def section_break_sect_pr(sect_pr: str) -> str:
    """The template's sectPr with page numbers restarting at 1, w:pgNumType in its schema place."""
    if not sect_pr:
        return '<w:sectPr><w:pgNumType w:start="1"/></w:sectPr>'
    old = _PG_NUM.search(sect_pr)
    attrs = re.sub(r'\s+w:start="[^"]*"', "", old.group(1)) if old else ""
    sect = sect_pr[: old.start()] + sect_pr[old.end() :] if old else sect_pr
    if sect.endswith("/>") and "</w:sectPr>" not in sect:  # <w:sectPr/>
        sect = sect[:-2] + "></w:sectPr>"
    after = _AFTER_PG_NUM.search(sect)
    assert after is not None  # sect ends with </w:sectPr> by now
    at = after.start()
    return sect[:at] + f'<w:pgNumType{attrs} w:start="1"/>' + sect[at:]


_SECT_P = re.compile(r"<w:p><w:pPr>(<w:sectPr\b.*?(?:</w:sectPr>|<w:sectPr/>))</w:pPr></w:p>", re.S)
_P_OPEN = re.compile(r"<w:p(?:\s[^>]*)?>")


def _sect_into_last_paragraph(xml: str, sect: str) -> bytes | None:
    """`xml` (a record) with `sect` in its last paragraph's pPr (that paragraph then ends the
    section, no empty paragraph needed), or None when the record does not end in a plain paragraph."""
    body = xml.rstrip()
    if not body.endswith("</w:p>"):
        return None
    start = max(body.rfind("<w:p>"), body.rfind("<w:p "))
    para = body[start:] if start >= 0 else ""
    m = _P_OPEN.match(para)
    if (
        not m
        or para.count("</w:p>") != 1
        or any(t in para for t in ("<w:txbxContent", "<w:pPrChange", "<w:sectPr"))
    ):
        return None
    rest = para[m.end() :]
    if rest.startswith("<w:pPr/>"):
        rest = f"<w:pPr>{sect}</w:pPr>" + rest[len("<w:pPr/>") :]
    elif rest.startswith("<w:pPr>"):
        close = rest.find("</w:pPr>")  # sectPr is the last child of pPr (no pPrChange here)
        rest = rest[:close] + sect + rest[close:]
    else:
        rest = f"<w:pPr>{sect}</w:pPr>" + rest
    return (body[:start] + m.group(0) + rest + xml[len(body) :]).encode("utf-8")


def _section_break(sect_pr: str) -> str:
    # A section per record restarts page numbers at 1 (for multi-page records such as archives).
    return f"<w:p><w:pPr>{section_break_sect_pr(sect_pr)}</w:pPr></w:p>"


# ------------------------------------------------------------------ per-record lists and headers
_REL_NUMBERING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"
_REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
_REL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_HF_CONTENT_TYPE = {
    "header": "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
    "footer": "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NUM_ID = re.compile(r'(<w:numId w:val=")(\d+)(")')
_P_STYLE = re.compile(r'<w:pStyle w:val="([^"]*)"')
# A pPr without a nested pPr (w:pPrChange): its children are searched for w:pStyle / w:numPr.
_PPR = re.compile(r"<w:pPr>((?:(?!</?w:pPr\b).)*?)</w:pPr>", re.S)
# CT_PPrBase: the children that come before w:numPr.
_BEFORE_NUM_PR = re.compile(
    r"(?:<w:(?:pStyle|keepNext|keepLines|pageBreakBefore|framePr|widowControl)\b[^>]*/>)*"
)
_HF_REF = re.compile(r'(<w:(?:header|footer)Reference\b[^>]*?\br:id=")([^"]*)(")')
_CONTINUOUS = re.compile(r'<w:type w:val="continuous"\s*/>')
_PG_START = re.compile(r'(<w:pgNumType\b[^>]*?)\s+w:start="[^"]*"')


@dataclass(frozen=True)
class _Numbering:
    """How each record restarts the template's automatic lists (computed once per template).

    Record k > 0 gets its own w:num for every list the body uses: the same w:abstractNum with
    every level's start overridden, so its list counts from 1 again instead of going on from the
    previous record's last item (issue 18 item 5).
    """

    part: str
    used: tuple[str, ...]  # numIds the body refers to, directly or through a paragraph style
    first_new: int  # the first numId free for new w:num elements
    num_xml: dict[str, str]  # numId -> new <w:num> with "{id}" in place of its numId
    styles: dict[str, tuple[str, str]]  # numbered style id -> (numId, ilvl), for body styles

    def new_id(self, record: int, num_id: str) -> str:
        # even offsets from first_new: the odd ones are the lists of sub-documents (subdoc.py)
        return str(self.first_new + 2 * ((record - 1) * len(self.used) + self.used.index(num_id)))

    def restart(self, xml: str, record: int) -> str:
        """Record `record`'s body with its lists pointing at that record's own w:num elements."""
        if record == 0:
            return xml
        ids = {n: self.new_id(record, n) for n in self.used}
        xml = _NUM_ID.sub(lambda m: m.group(1) + ids.get(m.group(2), m.group(2)) + m.group(3), xml)
        if not self.styles:
            return xml

        def style_list(m: re.Match) -> str:
            inner = m.group(1)
            style = _P_STYLE.match(inner)
            if not style or style.group(1) not in self.styles or "<w:numPr" in inner:
                return m.group(0)
            num_id, ilvl = self.styles[style.group(1)]
            lead = _BEFORE_NUM_PR.match(inner)
            assert lead is not None  # a (...)* run always matches
            at = lead.end()
            num_pr = f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{ids[num_id]}"/></w:numPr>'
            return f"<w:pPr>{inner[:at]}{num_pr}{inner[at:]}</w:pPr>"

        return _PPR.sub(style_list, xml)

    def numbering_xml(self, original: bytes, records: int) -> bytes:
        """numbering.xml with the w:num elements of records 1…records-1 after the existing ones
        (CT_Numbering: every w:abstractNum before every w:num, w:numIdMacAtCleanup last)."""
        extra = "".join(
            self.num_xml[n].replace("{id}", self.new_id(k, n))
            for k in range(1, records)
            for n in self.used
        ).encode("utf-8")
        if not extra:
            return original
        at = original.rfind(b"</w:num>")
        at = at + len(b"</w:num>") if at >= 0 else original.find(b"<w:numIdMacAtCleanup")
        if at < 0:
            at = original.rfind(b"</w:numbering>")
        return original[:at] + extra + original[at:]


def _style_numbering(styles: bytes | None) -> dict[str, tuple[str, str]]:
    """Paragraph style id -> (numId, ilvl) of its list, following w:basedOn."""
    if not styles:
        return {}
    try:
        root = etree.fromstring(styles)
    except etree.XMLSyntaxError:
        return {}
    own: dict[str, tuple[str | None, str | None]] = {}
    based: dict[str, str] = {}
    for st in root.iter(f"{_W}style"):
        sid = st.get(f"{_W}styleId")
        if not sid:
            continue
        base = st.find(f"{_W}basedOn")
        if base is not None:
            based[sid] = base.get(f"{_W}val", "")
        num_pr = st.find(f"{_W}pPr/{_W}numPr")
        if num_pr is not None:
            nid = num_pr.find(f"{_W}numId")
            lvl = num_pr.find(f"{_W}ilvl")
            own[sid] = (
                nid.get(f"{_W}val") if nid is not None else None,
                lvl.get(f"{_W}val") if lvl is not None else None,
            )
    out: dict[str, tuple[str, str]] = {}
    for sid in {*own, *based}:
        num_id = ilvl = None
        seen: set[str] = set()
        s: str | None = sid
        while s and s not in seen and (num_id is None or ilvl is None):
            seen.add(s)
            n, lv = own.get(s, (None, None))
            num_id = num_id if num_id is not None else n
            ilvl = ilvl if ilvl is not None else lv
            s = based.get(s)
        if num_id and num_id != "0":
            out[sid] = (num_id, ilvl or "0")
    return out


def _numbering_plan(tpl: WordTemplate) -> _Numbering | None:
    folder = os.path.dirname(tpl.main_part)
    rels = _rels_targets(tpl.entries.get(tpl.rels_part, b"<r/>"), folder)
    part = next((n for _, t, n in rels if t == _REL_NUMBERING and n in tpl.entries), None)
    if part is None:
        return None
    source = tpl.body.source
    styles_part = next((n for _, t, n in rels if t == _REL_STYLES), None)
    styles = _style_numbering(tpl.entries.get(styles_part)) if styles_part else {}
    body_styles = {s: v for s, v in styles.items() if f'<w:pStyle w:val="{s}"' in source}
    direct = set(_NUM_ID_ANY.findall(source))
    if not direct and not body_styles:
        return None
    try:
        root = etree.fromstring(tpl.entries[part])
    except etree.XMLSyntaxError:
        return None
    abstracts = {a.get(f"{_W}abstractNumId"): a for a in root.iter(f"{_W}abstractNum")}
    nums = {n.get(f"{_W}numId"): n for n in root.iter(f"{_W}num")}
    used = sorted(({*direct, *(v[0] for v in body_styles.values())} - {"0"}) & set(nums), key=int)
    if not used:
        return None
    num_xml = {}
    for nid in used:
        num = nums[nid]
        abs_el = num.find(f"{_W}abstractNumId")
        abs_id = abs_el.get(f"{_W}val") if abs_el is not None else None
        num_xml[nid] = _restart_num(num, abstracts, nums, styles, abs_id)
    body_styles = {s: v for s, v in body_styles.items() if v[0] in used}
    max_id = max(int(n) for n in nums if n and n.isdigit())
    return _Numbering(part, tuple(used), max_id + 1, num_xml, body_styles)


_NUM_ID_ANY = re.compile(r'<w:numId w:val="(\d+)"')


def _levels(abs_id, abstracts, nums, styles, depth=0) -> dict[str, str]:
    """ilvl -> start value of an abstract list (following w:numStyleLink to the style's list)."""
    abstract = abstracts.get(abs_id)
    if abstract is None or depth > 3:
        return {}
    levels = {}
    for lvl in abstract.findall(f"{_W}lvl"):
        start = lvl.find(f"{_W}start")
        levels[lvl.get(f"{_W}ilvl", "0")] = start.get(f"{_W}val", "0") if start is not None else "0"
    link = abstract.find(f"{_W}numStyleLink")
    if not levels and link is not None:
        linked = styles.get(link.get(f"{_W}val", ""))
        num = nums.get(linked[0]) if linked else None
        target = num.find(f"{_W}abstractNumId") if num is not None else None
        if target is not None:
            return _levels(target.get(f"{_W}val"), abstracts, nums, styles, depth + 1)
    return levels


def _restart_num(num, abstracts, nums, styles, abs_id) -> str:
    """A copy of w:num `num` (numId "{id}") whose every level starts again."""
    levels = _levels(abs_id, abstracts, nums, styles) or {str(i): "1" for i in range(9)}
    overrides = {o.get(f"{_W}ilvl", "0"): o for o in num.findall(f"{_W}lvlOverride")}
    parts = [f'<w:num w:numId="{{id}}"><w:abstractNumId w:val="{abs_id}"/>']
    for ilvl in sorted({*levels, *overrides}, key=lambda s: int(s) if s.isdigit() else 0):
        start = levels.get(ilvl, "0")
        lvl_xml = ""
        old = overrides.get(ilvl)
        if old is not None:
            so = old.find(f"{_W}startOverride")
            if so is not None:
                start = so.get(f"{_W}val", start)
            lvl = old.find(f"{_W}lvl")
            if lvl is not None:
                lvl_xml = _plain_xml(lvl)
        parts.append(
            f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/>{lvl_xml}</w:lvlOverride>'
        )
    parts.append("</w:num>")
    return "".join(parts)


def _plain_xml(el) -> str:
    """An element serialized without namespace declarations (numbering.xml's root declares them)."""
    text = etree.tostring(el, encoding="unicode")
    return re.sub(r'\sxmlns(?::\w+)?="[^"]*"', "", text)


@dataclass(frozen=True)
class _Plan:
    numbering: _Numbering | None
    # header/footer part -> names it uses besides the standard ones (_meta…): record variables
    hf_vars: dict[str, tuple[str, ...]]
    hf_rid: dict[str, str]  # header/footer part -> its relationship id in the main part
    # document-properties part -> record variables it shows (one copy per file: must not vary)
    prop_vars: dict[str, tuple[str, ...]]
    link_style: str | None  # the Hyperlink character style's id
    patched: dict[str, bytes]  # static parts written changed (styles.xml with a Hyperlink style)
    text_width_mm: float | None  # the widest a picture of its own size may be
    rel_ids: frozenset[str]  # every relationship id in the template (new ones must differ)


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plan(tpl: WordTemplate) -> _Plan:
    plan = _PLANS.get(tpl)
    if plan is None:
        from jinja2 import meta

        known = STANDARD_NAMES | set(ENV.globals)
        hf_vars = {}
        for name, part in tpl.headers_footers.items():
            if part.template is None:
                continue
            used = meta.find_undeclared_variables(ENV.parse(part.source)) - known
            if used:
                hf_vars[name] = tuple(sorted(used))
        folder = os.path.dirname(tpl.main_part)
        rels = _rels_targets(tpl.entries.get(tpl.rels_part, b"<r/>"), folder)
        hf_rid = {n: rid for rid, _, n in rels if n in tpl.hf_parts}
        prop_vars = {}
        for name, part in tpl.properties.items():
            if part.template is not None:
                used = meta.find_undeclared_variables(ENV.parse(part.source)) - known
                prop_vars[name] = tuple(sorted(used))
        styles = next((n for _, t, n in rels if t == _REL_STYLES), None)
        rel_ids = frozenset(
            rid
            for name, data in tpl.entries.items()
            if name.endswith(".rels")
            for rid in re.findall(rb'\bId="([^"]*)"', data)
        )
        link_style = hyperlink_style(tpl.entries.get(styles) if styles else None)
        patched: dict[str, bytes] = {}
        parts = [tpl.body, *tpl.headers_footers.values(), *tpl.notes.values()]
        if styles and link_style is None and b"</w:styles>" in tpl.entries.get(styles, b""):
            if any(USES_LINK.search(p.source) for p in parts):
                patched[styles], link_style = with_hyperlink_style(tpl.entries[styles])
        plan = _Plan(
            _numbering_plan(tpl),
            hf_vars,
            hf_rid,
            prop_vars,
            link_style,
            patched,
            text_width_mm(tpl.sect_pr),
            frozenset(r.decode("utf-8", "replace") for r in rel_ids),
        )
        _PLANS[tpl] = plan
    return plan


def record_header_footer_variables(tpl: WordTemplate) -> dict[str, tuple[str, ...]]:
    """Header/footer part -> the record variables it shows (anything but _meta and the like).

    A print file gives such a template a new section whenever these render differently for the
    next record, so every page shows its own record's header and footer."""
    return dict(_plan(tpl).hf_vars)


class PrintFileWriter:
    """Writes one .docx from a compiled template, one record after another.

    `page_break` is 'page' (next record starts on a new page) or 'section' (a new section per
    record, page numbers restart) or 'none' (records follow each other).

    Headers and footers that show only _meta (or nothing) are rendered once. One that shows a
    record variable (`{{ name }}`) is rendered for every record; whenever it comes out
    different from the previous record's, the record starts a new section with its own copy of
    the part, so every page shows its own record's header (records of one school share one).
    With 'none' that is impossible (no page break between records) and the record is refused.
    Automatic lists (numbering.xml) restart at 1 in every record.
    """

    def __init__(
        self,
        template: WordTemplate,
        path: str | os.PathLike,
        *,
        page_break: str = "page",
        compresslevel: int = 6,
        inspect: Callable[[str], None] | None = None,
        pictures: Mapping[str, Any] | None = None,
    ) -> None:
        """`inspect` sees every rendered part's XML (record bodies, headers, footers) before it is
        written and may raise to refuse the record (e.g. the privacy check of public notices).
        `pictures` replaces template pictures by name (pictures.py): name -> Image, bytes or a
        file path; a record's own `_pictures` (file names in the allowed folders) replace pictures
        of the body for that record."""
        if page_break not in ("page", "section", "none"):
            raise ValueError(f"page_break: {page_break!r}")
        self.template = template
        self.path = Path(path)
        self.page_break = page_break
        self.compresslevel = compresslevel
        self.inspect = inspect
        self.count = 0
        # the package and its main part, open from the first add() to close()
        self._zf: zipfile.ZipFile | None = None
        self._doc: IO[bytes] | None = None
        self._buf: list[bytes] = []
        self._buf_len = 0
        self._docpr = 0
        self._record_index = 0
        # sha1 -> (rId, media path, (offset, size) in the spool): pictures wait on disk, not in
        # memory, until close() writes them (a photo per record would fill the memory)
        self._media: dict[str, tuple[str, str, tuple[int, int]]] = {}
        self._spool: Any = None
        # part being rendered -> sha1 of the pictures it shows (each part has its own .rels)
        self._part = template.main_part
        self._used: dict[str, dict[str, None]] = {}
        self._plan = _plan(template)
        # sub-documents ({{p x|subdoc }}): the styles, lists and pictures they add (subdoc.py)
        numbering = self._plan.numbering
        self._subdocs = SubdocMerge(template, numbering.first_new if numbering else None)
        self._subdoc_placed = False  # set by subdoc_xml while the record being added renders
        # record header/footer parts: template part -> (part now shown, its rId, XML, first docPr)
        self._hf_now: dict[str, tuple[str, str, bytes, int]] = {}
        self._hf_added: list[tuple[str, str, str, bytes]] = []  # (template part, part, rId, XML)
        self._hf_pending: list[str] = []  # rendered for the record being added: for `inspect`
        # footnotes/endnotes with tags: part -> first record's XML, and every record's notes
        self._note_xml: dict[str, bytes] = {}
        self._notes: dict[str, list[bytes]] = {}
        self._props: dict[str, str] = {}  # document properties, rendered for the first record
        self._sections = 1
        self._external: dict[str, tuple[str, str, str]] = {}  # key -> (rId, type, target)
        self._inline: list[Inline] = []  # pictures and links waiting for their part to render
        # template pictures shown replaced: for every record (`pictures`), for one (`_pictures`)
        self._swap = PictureSwap(template, pictures, self._media_key)

    # -- sink interface used by templates while a record renders
    def next_docpr(self) -> int:
        self._docpr += 1
        return self._docpr

    def bookmark_id(self, n: int) -> int:
        return self._record_index * self.template.bookmark_stride + n

    def subdoc_xml(self, value: Any) -> str:
        """The body of sub-document `value` (a file name, bytes or subdoc.Subdoc), its styles,
        lists, pictures and links added to this file; `place_subdocs` checks where it landed."""
        self._subdoc_placed = True
        return self._subdocs.insert(value, self, self._part)

    def note_id(self, n: int) -> int:
        return self._record_index * self.template.note_stride + n

    def add_media(self, data: bytes, extension: str, key: str | None = None) -> str:
        """Relationship id, in the part being rendered, of a media part holding `data` (one media
        part per distinct content in the file)."""
        key, rid = self._media_key(data, extension, key)
        self._used.setdefault(self._part, {})[key] = None
        return rid

    def _media_key(self, data: bytes, extension: str, key: str | None = None) -> tuple[str, str]:
        """(key, rId) of a media part holding `data`, added to the file if new (not yet shown)."""
        key = key or hashlib.sha1(data).hexdigest()
        if key not in self._media:
            n = len(self._media) + 1
            path = f"media/rg_image{n}.{extension}"
            folder = os.path.dirname(self.template.main_part)
            while f"{folder}/{path}" in self.template.entries:  # an output used as a template
                path = path.replace(".", "x.", 1)
            if self._spool is None:
                self._spool = tempfile.TemporaryFile()
            at = self._spool.seek(0, os.SEEK_END)
            self._spool.write(data)
            self._media[key] = (self._new_rid(f"Img{n}"), path, (at, len(data)))
        return key, self._media[key][0]

    def add_external(self, target: str, rel_type: str = _REL_HYPERLINK) -> str:
        """Relationship id, in the part being rendered, of an external target (a web address):
        one relationship per target and type in the file."""
        key = f"\0{rel_type} {target}"
        if key not in self._external:
            rid = self._new_rid(f"Link{len(self._external) + 1}")
            self._external[key] = (rid, rel_type, target)
        self._used.setdefault(self._part, {})[key] = None
        return self._external[key][0]

    def _new_rid(self, name: str) -> str:
        rid = f"rIdRg{name}"
        while rid in self._plan.rel_ids:
            rid += "x"
        return rid

    def _pending(self, obj: Inline) -> str:
        self._inline.append(obj)
        return f"{INLINE}{len(self._inline) - 1}{INLINE_END}"

    def image_xml(self, image: Image) -> str:
        try:
            ext = picture_size(image.data)[0]
        except ValueError:  # GIF, BMP given from Python: as PNG
            image = Image(as_png_or_jpeg(image.data), image.width_mm, image.height_mm, image.name)
            ext = "png"
        rid = self.add_media(image.data, ext)
        cx, cy = image.extent_emu(self._plan.text_width_mm)
        docpr = self.next_docpr()
        return self._pending(Inline(lambda rpr: drawing_xml(rid, docpr, cx, cy, image.name), ""))

    def link_xml(self, link) -> str:
        rid = self.add_external(link.url)
        text, style = str(link), self._plan.link_style
        return self._pending(
            Inline(lambda rpr: hyperlink_xml(rid, text, rpr, style), text, is_link=True)
        )

    def _rendered(self, xml: str, record_pictures: dict[str, Replacement] | None = None) -> str:
        """A rendered part with its pictures and links in place and template pictures replaced."""
        if self._inline:
            xml = place_inline(xml, self._inline)
            self._inline.clear()
        wanted = {**self._swap.all, **record_pictures} if record_pictures else self._swap.all
        if wanted and "<w:drawing" in xml:
            xml, used = replace_pictures(xml, wanted)
            for name in used:
                self._used.setdefault(self._part, {})[wanted[name].key] = None
        return xml

    # -- writing
    def render(self, ctx: dict[str, Any]) -> str:
        """Render one record's body XML (page/section break included) without writing it."""
        token = current_sink.set(self)
        new_hf = None
        try:
            self._record_index = self.count
            own = ctx.get("_pictures") if isinstance(ctx, dict) else None
            own = self._swap.for_record(own) if own is not None else None
            self._subdoc_placed = False
            xml = self._rendered(self.template.render_body(ctx), own)
            if self._subdoc_placed:  # only a record that inserted one scans its body for it
                xml = place_subdocs(xml, self.template.sect_pr)
            if self._hf_now and self.count and self._zf is not None:
                new_hf = self._next_header_footer(ctx)
        finally:
            current_sink.reset(token)
        if self._plan.numbering is not None:
            xml = self._plan.numbering.restart(xml, self.count)
        if not self.count:
            return xml
        if new_hf is not None:
            # The section that ends here (the previous record's) keeps the parts shown so far.
            ended = self._sect_pr_now()
            self._switch_header_footer(new_hf)
            xml = self._with_hf_refs(xml)  # a template with sections inside its body
            if self.page_break == "section":
                return _section_break(ended) + xml
            # add() moves it into the previous record's last paragraph when it can (no extra line)
            return f"<w:p><w:pPr>{ended}</w:pPr></w:p>" + xml
        if self.page_break == "page":
            return add_page_break_before(self._with_hf_refs(xml))
        if self.page_break == "section":
            return _section_break(self._sect_pr_now()) + self._with_hf_refs(xml)
        return self._with_hf_refs(xml)

    # -- headers and footers that show record variables
    def _render_hf(self, ctx: dict[str, Any], names: dict[str, str]) -> dict[str, tuple[str, int]]:
        """Render the record header/footer parts as `names` (template part -> output part):
        template part -> (XML, first docPr id)."""
        out = {}
        try:
            for orig, name in names.items():
                self._part = name
                first = self._docpr
                out[orig] = (self._rendered(self.template.render_part(orig, ctx)), first)
        finally:
            self._part = self.template.main_part
        return out

    def _next_header_footer(self, ctx: dict[str, Any]):
        """This record's header/footer parts when they differ from the ones shown now, else None."""
        start = self._docpr
        same = True
        for orig, (_name, _rid, xml, first) in self._hf_now.items():
            self._docpr = first  # same picture ids as the part shown now, to compare the text
            self._part = "\0trial"
            try:
                trial = self._rendered(self.template.render_part(orig, ctx))
            finally:
                self._part = self.template.main_part
                self._used.pop("\0trial", None)
            if trial.encode("utf-8") != xml:
                same = False
                break
        self._docpr = start
        if same:
            return None
        if self.page_break == "none":
            names = "”、“".join(v for vs in self._plan.hf_vars.values() for v in vs)
            where = "、".join(_hf_label(p) for p in self._plan.hf_vars)
            raise RenderError(
                f"{where}里的“{names}”和上一条记录不同，但打印文件的记录之间不分页，"
                "页眉页脚无法按记录显示：请把这些内容写到正文里，或让每条记录从新的一页开始"
            )
        n = len(self._hf_added) // max(1, len(self._hf_now)) + 1
        copies = {}
        for orig in self._hf_now:
            stem, ext = posixpath.splitext(orig)
            copies[orig] = f"{stem}_rg{n}{ext}"
        rendered = self._render_hf(ctx, copies)
        self._hf_pending = [xml for xml, _ in rendered.values()]
        return {
            orig: (copies[orig], f"rIdRgHf{n}_{i}", xml.encode("utf-8"), first)
            for i, (orig, (xml, first)) in enumerate(rendered.items(), start=1)
        }

    def _switch_header_footer(self, new_hf) -> None:
        for orig, (name, rid, xml, first) in new_hf.items():
            self._hf_now[orig] = (name, rid, xml, first)
            self._hf_added.append((orig, name, rid, xml))
        self._sections += 1

    def _hf_rids(self) -> dict[str, str]:
        """Template rId -> rId of the part shown now (only the record header/footer parts)."""
        rid = self._plan.hf_rid
        return {rid[o]: now[1] for o, now in self._hf_now.items() if o in rid and now[0] != o}

    def _with_hf_refs(self, xml: str) -> str:
        rids = self._hf_rids() if self._hf_added else {}
        if not rids or "Reference" not in xml:
            return xml
        return _HF_REF.sub(
            lambda m: m.group(1) + rids.get(m.group(2), m.group(2)) + m.group(3), xml
        )

    def _sect_pr_now(self) -> str:
        """The template's sectPr for the section being written (its own header/footer parts)."""
        sect = self.template.sect_pr
        if not self._hf_added:
            return sect
        sect = self._with_hf_refs(sect)
        sect = _CONTINUOUS.sub("", sect)  # every record section starts on a new page
        if self.page_break == "page" and self._sections > 1:
            sect = _PG_START.sub(r"\1", sect)  # page numbers go on, as in one section
        return sect or "<w:sectPr/>"

    def add(self, ctx: dict[str, Any]) -> None:
        if self._zf is None:
            self._open(ctx)
        self._hf_pending = []
        sections = self._sections
        xml = self.render(ctx)
        if self.template.note_parts or self.template.property_parts:
            self._render_notes_and_properties(ctx)
        if self.inspect is not None:
            for part in self._hf_pending:
                self.inspect(part)
            self.inspect(xml)
        if self._sections != sections and self.page_break == "page" and self._buf:
            m = _SECT_P.match(xml)
            assert m is not None  # render put the ended section's paragraph first
            last = _sect_into_last_paragraph(self._buf[-1].decode("utf-8"), m.group(1))
            if last is not None:
                self._buf_len += len(last) - len(self._buf[-1])
                self._buf[-1] = last
                xml = xml[m.end() :]
        self._write(xml.encode("utf-8"))
        self.count += 1

    def _write(self, data: bytes) -> None:
        self._buf.append(data)
        self._buf_len += len(data)
        if self._buf_len >= _FLUSH_BYTES and len(self._buf) > 1:
            # the last record stays, so that a section break can still go into its last paragraph
            last = self._buf.pop()
            self._main_part().write(b"".join(self._buf))
            self._buf = [last]
            self._buf_len = len(last)

    def _open(self, first_ctx: dict[str, Any]) -> None:
        tpl = self.template
        self.path.parent.mkdir(parents=True, exist_ok=True)
        zf = self._zf = zipfile.ZipFile(
            self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel
        )
        token = current_sink.set(self)
        rendered_hf = {}
        try:
            for name in tpl.hf_parts:
                self._part = name
                first = self._docpr
                xml = self._rendered(tpl.render_part(name, first_ctx))
                if self.inspect is not None:
                    self.inspect(xml)
                rendered_hf[name] = xml.encode("utf-8")
                if name in self._plan.hf_vars:
                    self._hf_now[name] = (
                        name,
                        self._plan.hf_rid.get(name, ""),
                        rendered_hf[name],
                        first,
                    )
        finally:
            self._part = tpl.main_part
            current_sink.reset(token)
        # A header/footer with a picture needs the picture in its own relationships part.
        hf_rels = {_rels_part(name): name for name in self._used}
        skip = {tpl.main_part, tpl.rels_part, "[Content_Types].xml", *hf_rels}
        skip |= {*tpl.note_parts, *tpl.property_parts}  # written by close(), rendered
        if self._plan.numbering is not None:
            skip.add(self._plan.numbering.part)  # written by close(): a w:num per record
        # [Content_Types].xml, styles and lists: written by close(), with what sub-documents add
        skip |= self._subdocs.deferred_parts()
        for name, data in tpl.entries.items():
            if name in skip:
                continue
            if name in rendered_hf:
                self._put(name, rendered_hf[name])
            else:
                self._put_static(name, data)
        for rels_name, part in hf_rels.items():
            self._put(rels_name, self._rels_with_images(tpl.entries.get(rels_name), part))
        self._doc = zf.open(zip_info(tpl.main_part, self.compresslevel), "w")
        self._doc.write(tpl.prefix.encode("utf-8"))

    def _package(self) -> zipfile.ZipFile:
        """The package being written (from the first add() to close())."""
        assert self._zf is not None, "written only between the first add() and close()"
        return self._zf

    def _main_part(self) -> IO[bytes]:
        """The main part being written (from the first add() to close())."""
        assert self._doc is not None, "written only between the first add() and close()"
        return self._doc

    def _put(self, name: str, data: bytes) -> None:
        self._package().writestr(zip_info(name, self.compresslevel), data)

    def _put_static(self, name: str, data: bytes) -> None:
        """Static parts (styles, fonts, theme…) are deflated once per template, then copied raw."""
        cache = self.template.compressed_cache.setdefault(self.compresslevel, {})
        if name not in cache:
            comp = zlib.compressobj(self.compresslevel, zlib.DEFLATED, -15)
            cache[name] = (
                comp.compress(data) + comp.flush(),
                zlib.crc32(data) & 0xFFFFFFFF,
                len(data),
            )
        if not write_precompressed(
            self._package(), zip_info(name, self.compresslevel), *cache[name]
        ):
            self._put(name, data)

    def _rels_with_images(self, rels: bytes | None, part: str) -> bytes:
        """`part`'s relationships plus one for each picture it shows (targets relative to it)
        and each external target (link) it uses."""
        folder = os.path.dirname(self.template.main_part)
        here = os.path.dirname(part)
        used = self._used.get(part, {})
        media = [
            (rid, posixpath.relpath(posixpath.join(folder, path), here or "."), data)
            for key in used
            if key in self._media
            for rid, path, data in [self._media[key]]
        ]
        return _with_image_rels(
            rels, media, [self._external[k] for k in used if k in self._external]
        )

    def close(self) -> int:
        """Finish the file; returns the number of records written (0: nothing was written)."""
        if self._zf is None:
            return 0
        zf, tpl = self._zf, self.template
        self._write((self._sect_pr_now() + tpl.suffix).encode("utf-8"))
        main = self._main_part()
        main.write(b"".join(self._buf))
        self._buf.clear()
        main.close()
        folder = os.path.dirname(tpl.main_part)
        shown = {key for used in self._used.values() for key in used}
        for key, (_rid, part, (at, size)) in self._media.items():
            if key in shown:
                self._spool.seek(at)
                self._put(f"{folder}/{part}", self._spool.read(size))
        main_rels = self._rels_with_images(tpl.entries.get(tpl.rels_part), tpl.main_part)
        if self._hf_now:
            main_rels = self._write_record_header_footers(main_rels)
        else:
            ct = _with_image_types(tpl.entries.get("[Content_Types].xml", b""))
            self._put("[Content_Types].xml", self._subdocs.content_types(ct))
        self._put(tpl.rels_part, self._subdocs.main_rels(main_rels))
        for name in tpl.note_parts:
            self._put(name, _joined_notes(self._note_xml[name], self._notes[name]))
            if name in self._used:
                self._put(
                    _rels_part(name),
                    self._rels_with_images(tpl.entries.get(_rels_part(name)), name),
                )
        for name, xml in self._props.items():
            self._put(name, xml.encode("utf-8"))
        numbering = self._plan.numbering
        lists = (
            numbering.numbering_xml(tpl.entries[numbering.part], self.count) if numbering else None
        )
        for name, data, unchanged in self._subdocs.final_parts(lists):  # styles, numbering
            if name in self._plan.patched:  # with the Hyperlink style links use (media.py)
                # unchanged: the template's, patched once; else the sub-documents' styles too
                if unchanged:
                    data = self._plan.patched[name]
                else:
                    data = with_hyperlink_style(data, self._plan.link_style)[0]
            (self._put_static if unchanged else self._put)(name, data)
        zf.close()
        self._zf = None
        if self._spool is not None:
            self._spool.close()
        verify_package(self.path)
        return self.count

    def _render_notes_and_properties(self, ctx: dict[str, Any]) -> None:
        """This record's footnotes/endnotes (ids moved by `note_id`, as the body's references)
        and, once per file, the document properties: one copy for the whole file, so a
        property that would read differently for this record than for the first is refused."""
        tpl = self.template
        token = current_sink.set(self)
        try:
            self._record_index = self.count
            for name in tpl.note_parts:
                self._part = name
                xml = self._rendered(tpl.render_note_part(name, ctx))
                if self.inspect is not None:
                    self.inspect(xml)
                data = xml.encode("utf-8")
                if not self.count:
                    self._note_xml[name] = data
                self._notes.setdefault(name, []).extend(
                    _record_notes(data, self.count * tpl.note_stride)
                )
            for name in tpl.property_parts:
                if self.count and not self._plan.prop_vars.get(name):
                    continue  # shows nothing of the record: the first rendering holds
                xml = tpl.render_property_part(name, ctx)
                if not self.count:
                    self._props[name] = xml
                elif xml != self._props[name]:
                    shown = "、".join(self._plan.prop_vars[name])
                    raise TemplateError(
                        f"{tpl.properties[name].part}里的标签（用到 {shown}）在第{self.count + 1}条记录"
                        "填出来与第1条不同，而一个文件只有一份文档属性：请只用这个文件里各条记录"
                        "都相同的变量（如学校、村）或 _meta，记录自己的内容请写在正文或页眉页脚里"
                    )
        finally:
            self._part = tpl.main_part
            current_sink.reset(token)

    def _write_record_header_footers(self, main_rels: bytes) -> bytes:
        """Write the records' own header/footer parts (with their relationships) and
        [Content_Types].xml; returns the main part's relationships with one for each part."""
        tpl = self.template
        here = os.path.dirname(tpl.main_part)
        rels, types = [], []
        for orig, name, rid, xml in self._hf_added:
            self._put(name, xml)
            own = tpl.entries.get(_rels_part(orig))
            if own is not None or name in self._used:
                self._put(_rels_part(name), self._rels_with_images(own, name))
            kind = "header" if posixpath.basename(orig).startswith("header") else "footer"
            rels.append(
                f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/'
                f'2006/relationships/{kind}" Target="{posixpath.relpath(name, here or ".")}"/>'
            )
            types.append(f'<Override PartName="/{name}" ContentType="{_HF_CONTENT_TYPE[kind]}"/>')
        ct = self._subdocs.content_types(
            _with_image_types(tpl.entries.get("[Content_Types].xml", b""))
        )
        if types:
            ct = ct.replace(b"</Types>", "".join(types).encode("utf-8") + b"</Types>")
        self._put("[Content_Types].xml", ct)
        if rels:
            main_rels = main_rels.replace(
                b"</Relationships>", "".join(rels).encode("utf-8") + b"</Relationships>"
            )
        return main_rels

    def abort(self) -> None:
        """Drop a half-written file."""
        try:
            if self._doc is not None:
                self._doc.close()
        except Exception:  # noqa: BLE001 - the file is being thrown away anyway
            pass
        if self._zf is not None:
            try:
                self._zf.close()
            except Exception:  # noqa: BLE001
                pass
        self._zf = None
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _record_notes(xml: bytes, offset: int) -> list[bytes]:
    """A rendered footnotes/endnotes part's own notes (not the separators), ids moved by offset."""
    out = []
    for note in etree.fromstring(xml):
        if note.get(_W + "type") not in (None, "normal"):
            continue
        note.set(_W + "id", str(int(note.get(_W + "id", "0")) + offset))
        out.append(etree.tostring(note, encoding="utf-8"))
    return out


def _joined_notes(first: bytes, notes: list[bytes]) -> bytes:
    """The first record's part (separators, namespaces) holding every record's notes."""
    root = etree.fromstring(first)
    for note in list(root):
        if note.get(_W + "type") in (None, "normal"):
            root.remove(note)
    for note in notes:
        root.append(etree.fromstring(note))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


class _ZipInternals(Protocol):
    """The ZipFile internals writestr itself uses (stable from Python 3.10 to 3.13), which the
    standard library's type stubs leave out (the private ones) or declare optional (fp, None once
    closed)."""

    fp: IO[bytes]
    filelist: list[zipfile.ZipInfo]
    NameToInfo: dict[str, zipfile.ZipInfo]
    start_dir: int
    _didModify: bool

    def _writecheck(self, zinfo: zipfile.ZipInfo) -> None: ...


def write_precompressed(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, compressed: bytes, crc: int, size: int
) -> bool:
    """Append an already-deflated member (what ZipFile.writestr does after compressing).

    Uses ZipFile internals that are stable from Python 3.10 to 3.13; returns False when they are
    missing so the caller falls back to writestr.
    """
    if (
        not all(
            hasattr(package, a)
            for a in ("fp", "filelist", "NameToInfo", "start_dir", "_writecheck")
        )
        or package.fp is None
    ):
        return False
    zf = cast(_ZipInternals, package)
    if size >= zipfile.ZIP64_LIMIT or len(compressed) >= zipfile.ZIP64_LIMIT:
        return False
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = size
    info.compress_size = len(compressed)
    info.CRC = crc
    zf._writecheck(info)
    zf._didModify = True
    info.header_offset = zf.fp.tell()
    zf.fp.write(info.FileHeader(False))
    zf.fp.write(compressed)
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info
    zf.start_dir = zf.fp.tell()
    return True


def _rels_part(name: str) -> str:
    folder, base = posixpath.split(name)
    return posixpath.join(folder, "_rels", base + ".rels")


def _with_image_types(ct: bytes) -> bytes:
    text = ct.decode("utf-8")
    for ext, mime in (("png", "image/png"), ("jpeg", "image/jpeg")):
        # Extensions match case-insensitively; a second Default for "PNG" breaks the package.
        if not re.search(rf"""Extension=["']{ext}["']""", text, re.I):
            text = text.replace(
                "</Types>", f'<Default Extension="{ext}" ContentType="{mime}"/></Types>'
            )
    return text.encode("utf-8")


def _with_image_rels(rels: bytes | None, media, external=()) -> bytes:
    text = (
        rels
        or b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    ).decode("utf-8")
    extra = "".join(
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{part}"/>'
        for rid, part, _ in media
    ) + "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{xml_text(target).replace(chr(34), "&quot;")}" TargetMode="External"/>'
        for rid, kind, target in external
    )
    if extra:
        text = text.replace("</Relationships>", extra + "</Relationships>")
    return text.encode("utf-8")


def write_print_file(
    template: WordTemplate,
    records,
    path: str | os.PathLike,
    *,
    page_break: str = "page",
    compresslevel: int = 6,
    pictures: Mapping[str, Any] | None = None,
) -> int:
    """All records into one .docx at `path` (written in place; see batch.py for atomic writes).
    `pictures`: template pictures replaced by name (PrintFileWriter). File names in templates
    and records (`image`, `_pictures`) are looked up in the template's folder as well as in any
    folder already allowed (assets.asset_roots)."""
    writer = PrintFileWriter(
        template, path, page_break=page_break, compresslevel=compresslevel, pictures=pictures
    )
    try:
        with asset_roots(template.path.parent):
            for ctx in records:
                writer.add(ctx)
        return writer.close()
    except BaseException:
        writer.abort()
        raise


__all__ = [
    "Image",
    "PrintFileWriter",
    "RenderError",
    "add_page_break_before",
    "png_from_matrix",
    "qr_image",
    "write_print_file",
]
