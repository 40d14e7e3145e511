"""Reading a Word document for insertion as a sub-document (subdoc.py): its body made ready once
per file version, with placeholders where every output file or every insertion needs its own
ids (styles and links per file, lists and picture ids per insertion), and what it takes from its
styles, lists and theme to look as it did.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import posixpath
import re
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from reportgen.engine.ooxml import NS
from reportgen.engine.ooxml_order import normalize

W_NS = NS["w"]
_W = "{" + W_NS + "}"
_R = "{" + NS["r"] + "}"
_DOC_PR = "{" + NS["wp"] + "}docPr"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_THEME_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

# A value that differs per file (S style, R relationship) or per insertion (N list, D picture id).
PLACEHOLDER = re.compile("\ue000rg([SRND])(\\d+)\ue001")
_OLD_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: Word 97-2003 .doc, .wps…

# What a sub-document may bring besides text: pictures and links. Anything else would need parts
# of its own (a chart's workbook, an embedded object's program) and is refused, named.
_UNSUPPORTED = {
    "chart": "图表",
    "chartUserShapes": "图表",
    "diagramData": "SmartArt 图形",
    "diagramLayout": "SmartArt 图形",
    "diagramQuickStyle": "SmartArt 图形",
    "diagramColors": "SmartArt 图形",
    "oleObject": "嵌入的对象（如 Excel 表格、公式编辑器对象）",
    "package": "嵌入的文件（如 Excel 表格）",
    "aFChunk": "嵌入的其他文档",
    "control": "控件",
    "video": "视频",
    "audio": "音频",
}
# Dropped: their targets (comments, footnotes, bookmarks' names) do not come along.
_DROP = tuple(
    _W + n
    for n in (
        "proofErr",
        "lastRenderedPageBreak",
        "bookmarkStart",
        "bookmarkEnd",
        "commentRangeStart",
        "commentRangeEnd",
        "commentReference",
        "footnoteReference",
        "endnoteReference",
    )
)
_DROP_ATTRS = tuple(
    _W + a for a in ("rsidR", "rsidRPr", "rsidRDefault", "rsidP", "rsidTr", "rsidDel", "rsidSect")
) + tuple("{" + NS["w14"] + "}" + a for a in ("paraId", "textId"))
THEME_SLOTS = (
    ("asciiTheme", "ascii"),
    ("hAnsiTheme", "hAnsi"),
    ("eastAsiaTheme", "eastAsia"),
    ("cstheme", "cs"),
)
# Media extension by content type (the writer names media parts; these need no new Default).
_EXT_BY_TYPE = {"image/png": "png", "image/jpeg": "jpeg"}


# ------------------------------------------------------------------ reading a sub-document
@dataclass
class Style:
    kind: str  # paragraph, character, table, numbering
    name: str
    element: Any
    default: bool


@dataclass
class Source:
    """A sub-document prepared for insertion (shared by every file that inserts it: read only)."""

    key: tuple
    label: str
    digest: str
    pieces: list[str]  # top-level body elements, placeholders in, namespace declarations out
    prefixes: dict[str, str]  # prefix -> namespace the body's XML relies on
    style_refs: list[str]  # S placeholder -> style id
    rels: list[tuple[str, str, bool, bytes | None, str]]  # R -> (type, target, external, data, ext)
    num_refs: list[str]  # N placeholder -> numId
    styles: dict[str, Style]
    defaults: dict[str, str]  # style type -> default style id
    base: tuple[dict, dict]  # (rPr, pPr) of docDefaults + default paragraph style, fonts resolved
    abstracts: dict[str, Any]
    nums: dict[str, Any]
    has_docpr: bool


_SOURCES: OrderedDict[tuple, Source] = OrderedDict()
_MAX_SOURCES = 16


def load(source: bytes | str | os.PathLike, label: str) -> Source:
    """The prepared sub-document (bytes or a .docx path; `label` names it in messages), read and
    parsed once per content or per path and modification time."""
    if isinstance(source, bytes):
        data = source
        key: tuple = ("bytes", hashlib.sha1(data).hexdigest())
    else:
        path = Path(source)
        try:
            st = path.stat()
        except OSError:
            raise ValueError(f"找不到子文档“{label}”") from None
        key = ("path", str(path.resolve()), st.st_mtime_ns, st.st_size)
        data = b""
    found = _SOURCES.get(key)
    if found is not None:
        _SOURCES.move_to_end(key)
        return found
    if not data:
        try:
            data = path.read_bytes()
        except OSError as err:
            raise ValueError(f"无法读取子文档“{label}”：{err.strerror or err}") from None
    prepared = _prepare(data, label, key)
    _SOURCES[key] = prepared
    if len(_SOURCES) > _MAX_SOURCES:
        _SOURCES.popitem(last=False)
    return prepared


def _entries(data: bytes, label: str) -> dict[str, bytes]:
    if data[:8] == _OLD_DOC:
        raise ValueError(
            f"子文档“{label}”是旧版 Word 格式（.doc）：请用 Word 或 WPS 打开它，"
            "另存为“Word 文档（*.docx）”后再插入"
        )
    if data[:2] != b"PK":
        raise ValueError(f"子文档“{label}”不是 Word 文档（.docx）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as err:
        raise ValueError(f"子文档“{label}”已损坏，无法打开（{err}）") from None


def _xml(entries: dict[str, bytes], name: str, label: str):
    try:
        return etree.fromstring(entries[name])
    except etree.XMLSyntaxError as err:
        raise ValueError(f"子文档“{label}”已损坏（{name} 不是有效的 XML：{err}）") from None


def part_rels(entries: dict[str, bytes], part: str, label: str) -> dict[str, tuple[str, str, bool]]:
    """rId -> (type, target part or address, external) of `part`'s relationships."""
    folder, base = posixpath.split(part)
    name = posixpath.join(folder, "_rels", base + ".rels")
    out: dict[str, tuple[str, str, bool]] = {}
    if name not in entries:
        return out
    for rel in _xml(entries, name, label).iter(_PKG_REL):
        target = rel.get("Target", "")
        external = rel.get("TargetMode") == "External"
        if not external:
            target = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
        out[rel.get("Id", "")] = (rel.get("Type", ""), target, external)
    return out


def _prepare(data: bytes, label: str, key: tuple) -> Source:
    entries = _entries(data, label)
    main = next(
        (
            t
            for typ, t, _ in part_rels(entries, "", label).values()
            if typ == _RT + "officeDocument"
        ),
        "word/document.xml",
    )
    if main not in entries:
        kind = (
            "Excel 表格"
            if "xl/workbook.xml" in entries
            else "PowerPoint 演示文稿"
            if "ppt/presentation.xml" in entries
            else ""
        )
        raise ValueError(
            f"子文档“{label}”是{kind}，不是 Word 文档"
            if kind
            else f"子文档“{label}”不是 Word 文档（.docx）：里面没有正文"
        )
    root = _xml(entries, main, label)
    body = root.find(_W + "body")
    if root.tag != _W + "document" or body is None:
        raise ValueError(f"子文档“{label}”不是 Word 文档（.docx）：里面没有正文")
    if _needs_canonical(root):
        root = _canonical(root)
        body = root.find(_W + "body")
    rels = part_rels(entries, main, label)
    part_of = {typ.rsplit("/", 1)[-1]: t for typ, t, ext in rels.values() if not ext}
    theme = theme_fonts(entries, part_of.get("theme"), label)
    styles_root = (
        _xml(entries, part_of["styles"], label) if part_of.get("styles") in entries else None
    )
    styles, defaults = read_styles(styles_root, theme)
    numbering = (
        _xml(entries, part_of["numbering"], label) if part_of.get("numbering") in entries else None
    )
    abstracts = {
        a.get(_W + "abstractNumId"): a
        for a in (numbering.iter(_W + "abstractNum") if numbering is not None else ())
    }
    nums = {
        n.get(_W + "numId"): n
        for n in (numbering.iter(_W + "num") if numbering is not None else ())
    }
    source = Source(
        key=key,
        label=label,
        digest=hashlib.sha1(data).hexdigest(),
        pieces=[],
        prefixes={},
        style_refs=[],
        rels=[],
        num_refs=[],
        styles=styles,
        defaults=defaults,
        base=base_formatting(styles_root, styles.get(defaults.get("paragraph", "")), theme),
        abstracts=abstracts,
        nums=nums,
        has_docpr=False,
    )
    _clean(body)
    _section_breaks(body)
    _placeholders(body, source, rels, entries, _content_types(entries), theme)
    normalize(body)  # properties in schema order, as the template's own parts
    for child in body:
        if isinstance(child.tag, str):
            source.pieces.append(
                without_declarations(etree.tostring(child, encoding="unicode", with_tail=False))
            )
    text = "".join(source.pieces)
    for prefix, uri in body.nsmap.items():  # used in a name, or named by mc:Ignorable/Requires
        if prefix and re.search(rf'[<\s]{re.escape(prefix)}:|["\s]{re.escape(prefix)}["\s]', text):
            source.prefixes[prefix] = uri
    return source


def _needs_canonical(root) -> bool:
    """True when WordprocessingML is not written with the w: prefix (the writer relies on it)."""
    return any(el.prefix != "w" for el in root.iter(_W + "*"))


def _canonical(root):
    """A copy of `root` whose w:, r: and wp: elements and attributes use those prefixes."""
    nsmap = {"w": W_NS, "r": NS["r"], "wp": NS["wp"]}
    for prefix, uri in root.nsmap.items():
        if uri not in nsmap.values():
            nsmap[prefix if prefix and prefix not in nsmap else f"ns{len(nsmap)}"] = uri
    new = etree.Element(root.tag, nsmap=nsmap)

    def copy_into(src, parent) -> None:
        for child in src:
            if not isinstance(child.tag, str):
                continue
            el = etree.SubElement(parent, child.tag, attrib=dict(child.attrib))
            el.text, el.tail = child.text, child.tail
            copy_into(child, el)

    copy_into(root, new)
    return new


def _content_types(entries: dict[str, bytes]) -> tuple[dict[str, str], dict[str, str]]:
    """(extension -> content type, part -> content type) of a package."""
    try:
        root = etree.fromstring(entries.get("[Content_Types].xml", b"<Types/>"))
    except etree.XMLSyntaxError:
        return {}, {}
    defaults = {
        d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(_CT + "Default")
    }
    overrides = {
        o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
        for o in root.iter(_CT + "Override")
    }
    return defaults, overrides


def theme_fonts(entries: dict[str, bytes], part: str | None, label: str) -> dict[str, str]:
    """Theme font reference (minorEastAsia…) -> typeface, from a theme part."""
    if not part or part not in entries:
        return {}
    out = {}
    root = _xml(entries, part, label)
    for which in ("major", "minor"):
        font = root.find(f".//{_THEME_A}{which}Font")
        if font is None:
            continue

        def face(tag: str, font=font) -> str:
            el = font.find(_THEME_A + tag)
            return (el.get("typeface") or "") if el is not None else ""

        hans = next(
            (
                f.get("typeface", "")
                for f in font.findall(_THEME_A + "font")
                if f.get("script") == "Hans"
            ),
            "",
        )
        for slot, value in (
            ("Ascii", face("latin")),
            ("HAnsi", face("latin")),
            ("EastAsia", face("ea") or hans),
            ("Bidi", face("cs")),
        ):
            if value:
                out[which + slot] = value
    return out


def _resolve_theme(tree, theme: dict[str, str]) -> None:
    """Theme font references written as the typefaces the sub-document's theme gives them, so
    the text keeps its fonts under the template's theme."""
    if not theme:
        return
    for rf in tree.iter(_W + "rFonts"):
        for attr, plain in THEME_SLOTS:
            face = theme.get(rf.get(_W + attr, ""))
            if face:
                rf.set(_W + plain, face)
                del rf.attrib[_W + attr]


def read_styles(root, theme) -> tuple[dict[str, Style], dict[str, str]]:
    styles: dict[str, Style] = {}
    defaults: dict[str, str] = {}
    if root is None:
        return styles, defaults
    _resolve_theme(root, theme)
    for st in root.iter(_W + "style"):
        sid = st.get(_W + "styleId")
        if not sid:
            continue
        kind = st.get(_W + "type", "paragraph")
        name_el = st.find(_W + "name")
        default = st.get(_W + "default") in ("1", "true", "on")
        styles[sid] = Style(
            kind, name_el.get(_W + "val", "") if name_el is not None else "", st, default
        )
        if default and kind not in defaults:
            defaults[kind] = sid
    return styles, defaults


def _clean(body) -> None:
    for el in list(body.iter(*_DROP)):
        el.getparent().remove(el)
    for el in list(body.iter(_W + "sdtPr")):
        for sdt_id in el.findall(_W + "id"):  # ids unique per file: Word gives new ones
            el.remove(sdt_id)
    for el in body.iter():
        if isinstance(el.tag, str):
            for attr in _DROP_ATTRS:
                el.attrib.pop(attr, None)


def _section_breaks(body) -> None:
    """The sub-document's sections end: its final w:sectPr goes (the template's page setup
    holds), and a section break inside it becomes a page break unless it was continuous."""
    for sect in list(body.iter(_W + "sectPr")):
        parent = sect.getparent()
        parent.remove(sect)
        if parent is body or parent.tag != _W + "pPr":
            continue
        kind = sect.find(_W + "type")
        para = parent.getparent()
        if (kind is not None and kind.get(_W + "val") == "continuous") or para is None:
            continue
        after = para.getnext()
        while after is not None and after.tag not in (_W + "p", _W + "tbl", _W + "sdt"):
            after = after.getnext()
        if after is not None and after.tag == _W + "p":
            ppr = after.find(_W + "pPr")
            if ppr is None:
                ppr = etree.Element(_W + "pPr")
                after.insert(0, ppr)
            if ppr.find(_W + "pageBreakBefore") is None:
                etree.SubElement(ppr, _W + "pageBreakBefore")
        else:
            run = etree.SubElement(para, _W + "r")
            etree.SubElement(run, _W + "br").set(_W + "type", "page")


def style_lists(styles: dict[str, Style]) -> dict[str, tuple[str, str]]:
    """Paragraph style id -> (numId, ilvl) of the list it carries, following w:basedOn."""
    out = {}
    for sid in styles:
        num_id = ilvl = None
        seen: set[str] = set()
        s: str | None = sid
        while s and s in styles and s not in seen and (num_id is None or ilvl is None):
            seen.add(s)
            num_pr = styles[s].element.find(f"{_W}pPr/{_W}numPr")
            if num_pr is not None:
                n, lv = num_pr.find(_W + "numId"), num_pr.find(_W + "ilvl")
                num_id = num_id if num_id is not None or n is None else n.get(_W + "val")
                ilvl = ilvl if ilvl is not None or lv is None else lv.get(_W + "val")
            base = styles[s].element.find(_W + "basedOn")
            s = base.get(_W + "val") if base is not None else None
        if num_id and num_id != "0":
            out[sid] = (num_id, ilvl or "0")
    return out


def _placeholder(kind: str, refs: list, value: Any) -> str:
    if value not in refs:
        refs.append(value)
    return f"\ue000rg{kind}{refs.index(value)}\ue001"


def _placeholders(body, src: Source, rels, entries, types, theme) -> None:
    """Style, list, relationship and picture-id references replaced by placeholders; every
    paragraph names its style and list explicitly (so each insertion can restart its lists)."""
    _resolve_theme(body, theme)
    styles, default_p = src.styles, src.defaults.get("paragraph")
    lists = style_lists(styles)
    for p in body.iter(_W + "p"):
        ppr = p.find(_W + "pPr")
        ps = ppr.find(_W + "pStyle") if ppr is not None else None
        sid = ps.get(_W + "val") if ps is not None else None
        if sid not in styles or styles[sid].kind != "paragraph":
            sid = default_p
        if sid is None:
            if ps is not None:
                ppr.remove(ps)
            continue
        if ppr is None:
            ppr = etree.Element(_W + "pPr")
            p.insert(0, ppr)
        if ps is None:
            ps = etree.Element(_W + "pStyle")
            ppr.insert(0, ps)
        ps.set(_W + "val", _placeholder("S", src.style_refs, sid))
        if sid in lists:
            num_pr = ppr.find(_W + "numPr")
            if num_pr is None:
                num_pr = etree.SubElement(ppr, _W + "numPr")
            if num_pr.find(_W + "numId") is None:
                if num_pr.find(_W + "ilvl") is None:
                    etree.SubElement(num_pr, _W + "ilvl").set(_W + "val", lists[sid][1])
                etree.SubElement(num_pr, _W + "numId").set(_W + "val", lists[sid][0])
    for tag, kind in (("rStyle", "character"), ("tblStyle", "table")):
        for el in list(body.iter(_W + tag)):
            sid = el.get(_W + "val")
            if sid in styles and styles[sid].kind == kind:
                el.set(_W + "val", _placeholder("S", src.style_refs, sid))
            else:
                el.getparent().remove(el)  # a style the document does not define: its default
    for el in body.iter(_W + "numId"):
        num = el.get(_W + "val", "0")
        el.set(_W + "val", _placeholder("N", src.num_refs, num) if num in src.nums else "0")
    for el in body.iter(_DOC_PR):
        el.set("id", "\ue000rgD0\ue001")
        src.has_docpr = True
    defaults, overrides = types
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, rid in list(el.attrib.items()):
            if not attr.startswith(_R):
                continue
            rel = rels.get(rid)
            if rel is None:
                del el.attrib[attr]  # points nowhere already
                continue
            typ, target, external = rel
            kind = typ.rsplit("/", 1)[-1]
            if kind in _UNSUPPORTED:
                raise ValueError(
                    f"子文档“{src.label}”含有{_UNSUPPORTED[kind]}，暂时不能插入：请在 Word 里把它"
                    "复制后“选择性粘贴”为图片，保存后再用"
                )
            if kind not in ("image", "hyperlink"):
                raise ValueError(f"子文档“{src.label}”含有不能插入的内容（{kind}）")
            value: tuple
            if external:
                value = (typ, target, True, None, "")
            else:
                data = entries.get(target)
                if data is None:
                    raise ValueError(f"子文档“{src.label}”已损坏（缺少图片 {target}）")
                ext = posixpath.splitext(target)[1].lstrip(".").lower() or "bin"
                ctype = overrides.get(target) or defaults.get(ext, "")
                value = (typ, target, False, data, _EXT_BY_TYPE.get(ctype, ext) + "\0" + ctype)
            el.set(attr, _placeholder("R", src.rels, value))


_DECL = re.compile(r'\sxmlns(?::(?P<prefix>[\w.-]+))?="(?P<uri>[^"]*)"')


def without_declarations(xml: str) -> str:
    """`xml` without the namespace declarations lxml put on its first tag."""
    end = xml.index(">")
    return _DECL.sub("", xml[:end]) + xml[end:]


def without_known_declarations(xml: str, known: dict[str, str]) -> str:
    """`xml` without the declarations on its first tag that `known` (prefix -> URI) already makes."""
    end = xml.index(">")

    def drop(m: re.Match[str]) -> str:
        return "" if known.get(m["prefix"] or "") == m["uri"] else m.group(0)

    return _DECL.sub(drop, xml[:end]) + xml[end:]


# ------------------------------------------------------------------ default formatting
_MERGED = {"rFonts", "spacing", "ind", "lang"}
_SKIP_PROPS = {"rPr", "numPr", "pStyle", "sectPr", "pPrChange", "rPrChange", "rStyle"}
# What "not set" means, to undo a template default the sub-document does not have.
FIRST_LINE = {"firstLine", "firstLineChars"}
HANGING = {"hanging", "hangingChars"}


def _props(el) -> dict[str, Any]:
    """Local name -> element of a w:rPr / w:pPr's properties."""
    if el is None:
        return {}
    return {
        c.tag[len(_W) :]: c
        for c in el
        if isinstance(c.tag, str) and c.tag.startswith(_W) and c.tag[len(_W) :] not in _SKIP_PROPS
    }


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for name, el in top.items():
        if name in _MERGED and name in base:
            merged = copy.deepcopy(base[name])
            if name == "ind":
                drop = (
                    HANGING
                    if FIRST_LINE & _local_attrs(el)
                    else FIRST_LINE
                    if HANGING & _local_attrs(el)
                    else set()
                )
                for attr in drop:
                    merged.attrib.pop(_W + attr, None)
            for key, value in el.attrib.items():
                merged.set(key, value)
            out[name] = merged
        else:
            out[name] = el
    return out


def _local_attrs(el) -> set[str]:
    return {k.rsplit("}", 1)[-1] for k in el.attrib}


def base_formatting(styles_root, normal: Style | None, theme) -> tuple[dict, dict]:
    """(rPr, pPr) properties every paragraph without a style gets: docDefaults + Normal."""
    if styles_root is None:
        return {}, {}
    dd = styles_root.find(_W + "docDefaults")
    rpr = _props(dd.find(f"{_W}rPrDefault/{_W}rPr")) if dd is not None else {}
    ppr = _props(dd.find(f"{_W}pPrDefault/{_W}pPr")) if dd is not None else {}
    if normal is not None:
        rpr = _overlay(rpr, _props(normal.element.find(_W + "rPr")))
        ppr = _overlay(ppr, _props(normal.element.find(_W + "pPr")))
    return rpr, ppr


__all__ = [
    "FIRST_LINE",
    "HANGING",
    "PLACEHOLDER",
    "THEME_SLOTS",
    "W_NS",
    "Source",
    "Style",
    "base_formatting",
    "load",
    "part_rels",
    "read_styles",
    "style_lists",
    "theme_fonts",
    "without_declarations",
    "without_known_declarations",
]
