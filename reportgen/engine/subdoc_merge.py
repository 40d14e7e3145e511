"""What the sub-documents inserted into one output file add to it (subdoc.py): styles the
template lacks, lists with new ids that restart at every insertion, pictures and links, and a
style for an attachment's own default text. The writer puts them into the file when it closes.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import posixpath
import re
import weakref
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape as _escape

from lxml import etree

from reportgen.engine.ooxml_order import normalize
from reportgen.engine.subdoc import as_subdoc, marked
from reportgen.engine.subdoc_source import (
    FIRST_LINE,
    HANGING,
    PLACEHOLDER,
    THEME_SLOTS,
    W_NS,
    Source,
    base_formatting,
    load,
    part_rels,
    read_styles,
    style_lists,
    theme_fonts,
    without_declarations,
    without_known_declarations,
)

_W = "{" + W_NS + "}"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."

# What "not set" means, to undo a template default the sub-document does not have.
_RESET_ATTRS = {
    ("pPr", "spacing"): {
        "before": "0",
        "after": "0",
        "line": "240",
        "lineRule": "auto",
        "beforeLines": "0",
        "afterLines": "0",
        "beforeAutospacing": "0",
        "afterAutospacing": "0",
    },
    ("pPr", "ind"): dict.fromkeys(
        (
            "left",
            "start",
            "right",
            "end",
            "firstLine",
            "hanging",
            "leftChars",
            "startChars",
            "rightChars",
            "endChars",
            "firstLineChars",
            "hangingChars",
        ),
        "0",
    ),
    ("rPr", "rFonts"): {
        "ascii": "Times New Roman",
        "hAnsi": "Times New Roman",
        "cs": "Times New Roman",
        "eastAsia": "宋体",
    },
}
_RESET_VALUE = {
    ("pPr", "jc"): "left",
    ("rPr", "sz"): "20",
    ("rPr", "szCs"): "20",
    ("rPr", "kern"): "0",
    ("rPr", "color"): "auto",
    ("rPr", "u"): "none",
    ("rPr", "spacing"): "0",
    ("rPr", "w"): "100",
    ("rPr", "position"): "0",
    ("rPr", "highlight"): "none",
}


def _signature(props: tuple[dict, dict]) -> tuple:
    """Comparable form of (rPr, pPr) properties (namespace declarations aside)."""
    return tuple(
        tuple(
            sorted(
                (n, without_declarations(etree.tostring(e, encoding="unicode", with_tail=False)))
                for n, e in part.items()
            )
        )
        for part in props
    )


def _slot_attrs(el) -> list[str]:
    """Attributes an element sets, in its order; rFonts by slot (ascii for ascii or asciiTheme)."""
    slots = dict(THEME_SLOTS)
    return list(
        dict.fromkeys(slots.get(k.rsplit("}", 1)[-1], k.rsplit("}", 1)[-1]) for k in el.attrib)
    )


def _default_style(src_base, tpl_base, style_id: str, name: str) -> str:
    """A paragraph style that looks like the sub-document's default text under the template:
    its docDefaults + Normal, plus "not set" for what only the template's defaults set."""
    st = etree.Element(_W + "style", nsmap={"w": W_NS})
    st.set(_W + "type", "paragraph")
    st.set(_W + "customStyle", "1")
    st.set(_W + "styleId", style_id)
    etree.SubElement(st, _W + "name").set(_W + "val", name)
    for container, own, theirs in (
        ("pPr", src_base[1], tpl_base[1]),
        ("rPr", src_base[0], tpl_base[0]),
    ):
        props = {n: copy.deepcopy(e) for n, e in own.items()}
        for prop, el in theirs.items():
            reset = _RESET_ATTRS.get((container, prop))
            mine = props.get(prop)
            if reset is not None:
                have = set(_slot_attrs(mine)) if mine is not None else set()
                if prop == "ind":
                    have |= (
                        HANGING if have & FIRST_LINE else FIRST_LINE if have & HANGING else set()
                    )
                missing = {a: reset[a] for a in _slot_attrs(el) if a in reset and a not in have}
                if missing:
                    target = mine if mine is not None else etree.Element(_W + prop)
                    for attr, value in missing.items():
                        target.set(_W + attr, value)
                    props[prop] = target
            elif mine is None:
                unset = _RESET_VALUE.get((container, prop))
                if unset is None and set(el.attrib) <= {_W + "val"}:
                    if el.get(_W + "val", "1") in ("1", "true", "on"):
                        unset = "0"  # an on/off property the template turns on
                if unset is not None:
                    props[prop] = etree.Element(_W + prop)
                    props[prop].set(_W + "val", unset)
        if props:
            holder = etree.SubElement(st, _W + container)
            for el in props.values():
                holder.append(el)
    normalize(st)
    return without_declarations(etree.tostring(st, encoding="unicode", with_tail=False))


# ------------------------------------------------------------------ one output file
@dataclass(frozen=True)
class _Parts:
    """Where the template keeps its styles and lists (read once per template)."""

    styles: str | None
    numbering: str | None
    theme: str | None
    prefixes: dict[str, str]  # namespace declarations of the main part's root


_PARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _template_parts(tpl) -> _Parts:
    parts = _PARTS.get(tpl)
    if parts is None:
        rels = part_rels(tpl.entries, tpl.main_part, tpl.path.name)
        of = {typ.rsplit("/", 1)[-1]: t for typ, t, ext in rels.values() if not ext}
        decls = dict(re.findall(r'\sxmlns:([\w.-]+)="([^"]*)"', tpl.prefix))
        parts = _Parts(
            of.get("styles") if of.get("styles") in tpl.entries else None,
            of.get("numbering") if of.get("numbering") in tpl.entries else None,
            of.get("theme") if of.get("theme") in tpl.entries else None,
            decls,
        )
        _PARTS[tpl] = parts
    return parts


@dataclass
class _FilePlan:
    """One sub-document in one output file: its body with the file's style and relationship ids,
    and a w:num per list to copy for every insertion (its lists restart each time)."""

    body: str
    restarts: list[str]  # N placeholder -> <w:num w:numId="{id}">…</w:num>


@dataclass
class _Merged:
    """The template's styles and lists as the file will have them (read on the first insertion)."""

    style_ids: set[str]
    by_name: dict[tuple[str, str], str]
    defaults: dict[str, str]
    base: tuple[dict, dict]
    styles_ns: dict[str, str]
    numbering_ns: dict[str, str]
    max_num: int
    max_abstract: int


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _template_state(tpl) -> _Merged:
    """The template's styles and lists as a file starts with them (read once per template)."""
    state = _STATES.get(tpl)
    if state is not None:
        return state
    parts = _template_parts(tpl)
    theme = theme_fonts(tpl.entries, parts.theme, tpl.path.name)
    root = etree.fromstring(tpl.entries[parts.styles]) if parts.styles else None
    styles, defaults = read_styles(root, theme)  # (theme fonts resolved in this parsed copy)
    by_name: dict[tuple[str, str], str] = {}
    for sid, st in styles.items():
        if st.name:
            by_name.setdefault((st.kind, st.name.lower()), sid)
    numbering = etree.fromstring(tpl.entries[parts.numbering]) if parts.numbering else None

    def ids(tag: str, attr: str) -> list[int]:
        found = numbering.iter(_W + tag) if numbering is not None else ()
        return [int(v) for el in found if (v := el.get(_W + attr) or "").isdigit()]

    def declared(root) -> dict[str, str]:
        return {p or "": u for p, u in root.nsmap.items()} if root is not None else {"w": W_NS}

    state = _Merged(
        style_ids=set(styles),
        by_name=by_name,
        defaults=defaults,
        base=base_formatting(root, styles.get(defaults.get("paragraph", "")), theme),
        styles_ns=declared(root),
        numbering_ns=declared(numbering),
        max_num=max(ids("num", "numId"), default=0),
        max_abstract=max(ids("abstractNum", "abstractNumId"), default=-1),
    )
    _STATES[tpl] = state
    return state


class SubdocMerge:
    """What the sub-documents inserted into one output file add to it: styles the template lacks,
    lists (copied with new ids, restarting at every insertion), pictures and links.

    Styles are matched by name (what Word shows; ids differ between Word languages): a style the
    template has keeps the template's definition. The sub-document's default text (docDefaults and
    Normal) gets a style of its own, "附件正文", when it differs from the template's, so an
    attachment keeps its fonts, size and spacing."""

    def __init__(self, template, first_record_num: int | None = None) -> None:
        """`first_record_num`: the first numId of the template's per-record lists, which take the
        even offsets from it; inserted lists then take the odd ones (neither count is known
        before the file ends)."""
        self.template = template
        self._first_record_num = first_record_num
        self._merged: _Merged | None = None
        self._plans: dict[tuple, _FilePlan] = {}
        self._styles: list[str] = []
        self._abstracts: list[str] = []
        self._nums: list[str] = []
        self._abstract_map: dict[tuple, str] = {}
        self._num_map: dict[tuple, str] = {}
        self._carried: dict[tuple, str] = {}
        self._types: dict[str, str] = {}  # media extension -> content type
        self._next_num = 0
        self._num_step = 1
        self._next_abstract = 0

    # -- inserting
    def insert(self, value: Any, sink, part: str) -> str:
        """The marked body of the sub-document `value` for the part being rendered."""
        sub = as_subdoc(value)
        label = sub.label if sub is not None else ""
        if part != self.template.main_part:
            raise ValueError(
                f"子文档“{label}”只能插在正文里（包括正文的表格），不能插在页眉、页脚或脚注里"
            )
        if sub is None:
            return marked(label, "")
        src = load(sub.source, label)
        plan = self._plans.get(src.key)
        if plan is None:
            plan = self._plans[src.key] = self._plan(src, sink)
        xml = plan.body
        if plan.restarts or src.has_docpr:
            ids = []
            for num in plan.restarts:
                ids.append(str(self._num_id()))
                self._nums.append(num.replace("{id}", ids[-1]))
            xml = PLACEHOLDER.sub(
                lambda m: ids[int(m.group(2))] if m.group(1) == "N" else str(sink.next_docpr()),
                xml,
            )
        return marked(label, xml)

    def _plan(self, src: Source, sink) -> _FilePlan:
        smap: dict[str, str | None] = {}
        styles = [self._style(src, sid, smap) or "" for sid in src.style_refs]
        rels = []
        for typ, target, external, data, ext in src.rels:
            if external:
                rels.append(sink.add_external(target, typ))
            else:
                name, ctype = ext.split("\0")
                if name not in ("png", "jpeg") and ctype:
                    self._types.setdefault(name, ctype)
                rels.append(sink.add_media(data, name))
        restarts = [self._restart(src, num, smap) for num in src.num_refs]
        extra = "".join(
            f' xmlns:{p}="{_escape(u, {chr(34): "&quot;"})}"'
            for p, u in src.prefixes.items()
            if _template_parts(self.template).prefixes.get(p) != u
        )
        body = (
            "".join(
                re.sub(r"^<([\w.:-]+)", lambda m: m.group(0) + extra, p, count=1)
                for p in src.pieces
            )
            if extra
            else "".join(src.pieces)
        )

        def fill(m: re.Match) -> str:
            kind, k = m.group(1), int(m.group(2))
            if kind == "S":
                return _escape(styles[k], {'"': "&quot;"})
            if kind == "R":
                return rels[k]
            return m.group(0)

        return _FilePlan(PLACEHOLDER.sub(fill, body), restarts)

    # -- styles
    def _merge_state(self) -> _Merged:
        if self._merged is None:
            first = _template_state(self.template)
            # this file's copy: styles added to it are known by id and name from now on
            self._merged = dataclasses.replace(
                first, style_ids=set(first.style_ids), by_name=dict(first.by_name)
            )
            if self._first_record_num is not None:
                self._next_num, self._num_step = self._first_record_num + 1, 2
            else:
                self._next_num, self._num_step = self._merged.max_num + 1, 1
            self._next_abstract = self._merged.max_abstract + 1
        return self._merged

    def _new_style_id(self, wanted: str) -> str:
        merged = self._merge_state()
        sid, n = wanted, 1
        while sid in merged.style_ids:
            n += 1
            sid = f"{wanted}{n}"
        merged.style_ids.add(sid)
        return sid

    def _default_text_style(self, src: Source) -> str | None:
        """The template's default paragraph style, or the sub-document's own default text."""
        merged = self._merge_state()
        if _signature(src.base) == _signature(merged.base) and "paragraph" in merged.defaults:
            return merged.defaults["paragraph"]
        key = _signature(src.base)
        if key not in self._carried:
            n = len(self._carried) + 1
            sid = self._new_style_id("rgSubdocNormal")
            name = "附件正文" if n == 1 else f"附件正文 {n}"
            while ("paragraph", name.lower()) in merged.by_name:
                n += 1
                name = f"附件正文 {n}"
            merged.by_name[("paragraph", name.lower())] = sid
            self._styles.append(_default_style(src.base, merged.base, sid, name))
            self._carried[key] = sid
        return self._carried[key]

    def _style(self, src: Source, sid: str | None, smap: dict[str, str | None]) -> str | None:
        """The file's id for sub-document style `sid` (copied the first time when needed)."""
        if sid is None:
            return None
        if sid in smap:
            return smap[sid]
        st = src.styles.get(sid)
        if st is None:
            smap[sid] = None
            return None
        merged = self._merge_state()
        if st.kind == "paragraph" and sid == src.defaults.get("paragraph"):
            smap[sid] = self._default_text_style(src)
            return smap[sid]
        found = merged.by_name.get((st.kind, st.name.lower())) if st.name else None
        if found is None and st.default:
            found = merged.defaults.get(st.kind)
        if found is not None:
            smap[sid] = found  # the template's (or an earlier sub-document's) definition
            return found
        out = self._new_style_id(sid)
        smap[sid] = out
        if st.name:
            merged.by_name[(st.kind, st.name.lower())] = out
        el = copy.deepcopy(st.element)
        el.set(_W + "styleId", out)
        el.attrib.pop(_W + "default", None)
        for rsid in el.findall(_W + "rsid"):
            el.remove(rsid)
        for tag in ("basedOn", "link", "next"):
            ref = el.find(_W + tag)
            if ref is not None:
                target = self._style(src, ref.get(_W + "val"), smap)
                if target:
                    ref.set(_W + "val", target)
                else:
                    el.remove(ref)
        if st.kind == "paragraph" and el.find(_W + "basedOn") is None:
            # no parent: under the template it would take the template's defaults
            base = self._default_text_style(src)
            if base and base in self._carried.values():
                etree.SubElement(el, _W + "basedOn").set(_W + "val", base)
        for num_id in el.iter(_W + "numId"):
            num = num_id.get(_W + "val", "0")
            num_id.set(_W + "val", self._file_num(src, num, smap) if num in src.nums else "0")
        normalize(el)
        self._styles.append(
            without_known_declarations(
                etree.tostring(el, encoding="unicode", with_tail=False), merged.styles_ns
            )
        )
        return out

    # -- lists
    def _num_id(self) -> int:
        self._merge_state()
        n = self._next_num
        self._next_num += self._num_step
        return n

    def _abstract(self, src: Source, abs_id: str, smap) -> str | None:
        """The file's abstractNumId for the sub-document's (copied once, with a new nsid so Word
        does not join it to a template list)."""
        key = (src.key, abs_id)
        if key in self._abstract_map:
            return self._abstract_map[key]
        abstract = src.abstracts.get(abs_id)
        if abstract is None:
            return None
        out = str(self._next_abstract)
        self._next_abstract += 1
        self._abstract_map[key] = out
        el = copy.deepcopy(abstract)
        el.set(_W + "abstractNumId", out)
        nsid = el.find(_W + "nsid")
        if nsid is not None:
            nsid.set(
                _W + "val", hashlib.sha1(f"{src.digest}:{abs_id}".encode()).hexdigest()[:8].upper()
            )
        for ref in [
            *el.iter(_W + "pStyle"),
            *el.findall(_W + "styleLink"),
            *el.findall(_W + "numStyleLink"),
        ]:
            target = self._style(src, ref.get(_W + "val"), smap)
            if target:
                ref.set(_W + "val", target)
            else:
                ref.getparent().remove(ref)
        self._abstracts.append(
            without_known_declarations(
                etree.tostring(el, encoding="unicode", with_tail=False),
                self._merge_state().numbering_ns,
            )
        )
        return out

    def _file_num(self, src: Source, num: str, smap) -> str:
        """A w:num for a list a copied style carries (one per file: a style has one list)."""
        key = (src.key, num)
        if key not in self._num_map:
            element = src.nums[num]
            abs_el = element.find(_W + "abstractNumId")
            abstract = self._abstract(
                src, abs_el.get(_W + "val") if abs_el is not None else "", smap
            )
            nid = str(self._num_id())
            self._num_map[key] = nid
            if abstract is None:
                return "0"
            overrides = "".join(
                without_known_declarations(
                    etree.tostring(o, encoding="unicode", with_tail=False),
                    self._merge_state().numbering_ns,
                )
                for o in element.findall(_W + "lvlOverride")
            )
            self._nums.append(
                f'<w:num w:numId="{nid}"><w:abstractNumId w:val="{abstract}"/>{overrides}</w:num>'
            )
        return self._num_map[key]

    def _levels(self, src: Source, abs_id: str | None, depth: int = 0) -> dict[str, str]:
        """ilvl -> start of a sub-document list (following w:numStyleLink to the style's list)."""
        abstract = src.abstracts.get(abs_id or "")
        if abstract is None or depth > 3:
            return {}
        levels = {}
        for lvl in abstract.findall(_W + "lvl"):
            start = lvl.find(_W + "start")
            levels[lvl.get(_W + "ilvl", "0")] = (
                start.get(_W + "val", "0") if start is not None else "0"
            )
        link = abstract.find(_W + "numStyleLink")
        if not levels and link is not None:
            linked = style_lists(src.styles).get(link.get(_W + "val", ""))
            num = src.nums.get(linked[0]) if linked else None
            target = num.find(_W + "abstractNumId") if num is not None else None
            if target is not None:
                return self._levels(src, target.get(_W + "val"), depth + 1)
        return levels

    def _restart(self, src: Source, num: str, smap) -> str:
        """A w:num ("{id}" for its numId) of the sub-document's list `num` whose levels start
        where the sub-document's do: each insertion counts from its own beginning."""
        element = src.nums[num]
        abs_el = element.find(_W + "abstractNumId")
        abs_id = abs_el.get(_W + "val") if abs_el is not None else None
        abstract = self._abstract(src, abs_id or "", smap)
        if abstract is None:
            return '<w:num w:numId="{id}"><w:abstractNumId w:val="0"/></w:num>'
        levels = self._levels(src, abs_id) or {str(i): "1" for i in range(9)}
        overrides = {o.get(_W + "ilvl", "0"): o for o in element.findall(_W + "lvlOverride")}
        parts = [f'<w:num w:numId="{{id}}"><w:abstractNumId w:val="{abstract}"/>']
        for ilvl in sorted({*levels, *overrides}, key=lambda s: int(s) if s.isdigit() else 0):
            start, lvl_xml = levels.get(ilvl, "0"), ""
            old = overrides.get(ilvl)
            if old is not None:
                so = old.find(_W + "startOverride")
                start = so.get(_W + "val", start) if so is not None else start
                lvl = old.find(_W + "lvl")
                if lvl is not None:
                    lvl_xml = without_known_declarations(
                        etree.tostring(lvl, encoding="unicode", with_tail=False),
                        self._merge_state().numbering_ns,
                    )
            parts.append(
                f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/>{lvl_xml}</w:lvlOverride>'
            )
        parts.append("</w:num>")
        return "".join(parts)

    # -- closing the file
    def deferred_parts(self) -> set[str]:
        """Template parts the writer must leave for `final_parts` (written when the file closes)."""
        parts = _template_parts(self.template)
        return {p for p in (parts.styles, parts.numbering) if p}

    def final_parts(self, numbering: bytes | None = None) -> list[tuple[str, bytes, bool]]:
        """(part, data, unchanged) for styles and numbering; `numbering`: the numbering part as
        the writer made it (per-record lists), else the template's."""
        tpl, parts = self.template, _template_parts(self.template)
        out = []
        if parts.styles:
            data = tpl.entries[parts.styles]
            if self._styles:
                data = _insert_before(data, b"</w:styles>", "".join(self._styles).encode("utf-8"))
            out.append((parts.styles, data, not self._styles))
        elif self._styles:
            out.append((self._new_part("styles"), _new_root("styles", self._styles), False))
        if parts.numbering:
            data = numbering if numbering is not None else tpl.entries[parts.numbering]
            if self._abstracts or self._nums:
                data = _with_lists(data, self._abstracts, self._nums)
            out.append((parts.numbering, data, numbering is None and not self._nums))
        elif self._nums:
            out.append(
                (
                    self._new_part("numbering"),
                    _new_root("numbering", self._abstracts + self._nums),
                    False,
                )
            )
        return out

    def _new_part(self, kind: str) -> str:
        folder = posixpath.dirname(self.template.main_part)
        name = posixpath.join(folder, f"{kind}.xml")
        while name in self.template.entries:
            name = name.replace(".xml", "_rg.xml")
        return name

    def _created(self) -> list[tuple[str, str]]:
        parts = _template_parts(self.template)
        out = []
        if not parts.styles and self._styles:
            out.append(("styles", self._new_part("styles")))
        if not parts.numbering and self._nums:
            out.append(("numbering", self._new_part("numbering")))
        return out

    def content_types(self, ct: bytes) -> bytes:
        """[Content_Types].xml with the sub-documents' picture formats and new parts."""
        text = ct.decode("utf-8")
        extra = []
        for ext, ctype in sorted(self._types.items()):
            if not re.search(rf"""Extension=["']{re.escape(ext)}["']""", text, re.I):
                extra.append(f'<Default Extension="{ext}" ContentType="{_escape(ctype)}"/>')
        for kind, name in self._created():
            extra.append(f'<Override PartName="/{name}" ContentType="{_WML}{kind}+xml"/>')
        if not extra:
            return ct
        return text.replace("</Types>", "".join(extra) + "</Types>").encode("utf-8")

    def main_rels(self, rels: bytes) -> bytes:
        """The main part's relationships with the styles/numbering parts made for sub-documents."""
        created = self._created()
        if not created:
            return rels
        here = posixpath.dirname(self.template.main_part)
        extra = "".join(
            f'<Relationship Id="rIdRgSubdoc{kind.title()}" Type="{_RT}{kind}" '
            f'Target="{posixpath.relpath(name, here or ".")}"/>'
            for kind, name in created
        )
        return rels.replace(b"</Relationships>", extra.encode("utf-8") + b"</Relationships>")


def _insert_before(data: bytes, closing: bytes, extra: bytes) -> bytes:
    at = data.rfind(closing)
    return data[:at] + extra + data[at:] if at >= 0 else data


_NUM_OPEN = re.compile(rb"<w:num[\s>]")


def _with_lists(data: bytes, abstracts: list[str], nums: list[str]) -> bytes:
    """numbering.xml with `abstracts` after the last w:abstractNum and `nums` after the last
    w:num (CT_Numbering: every w:abstractNum before every w:num, w:numIdMacAtCleanup last)."""
    if abstracts:
        m = _NUM_OPEN.search(data)
        at = m.start() if m else data.find(b"<w:numIdMacAtCleanup")
        if at < 0:
            at = data.rfind(b"</w:numbering>")
        data = data[:at] + "".join(abstracts).encode("utf-8") + data[at:]
    if nums:
        at = data.rfind(b"</w:num>")
        at = at + len(b"</w:num>") if at >= 0 else data.find(b"<w:numIdMacAtCleanup")
        if at < 0:
            at = data.rfind(b"</w:numbering>")
        data = data[:at] + "".join(nums).encode("utf-8") + data[at:]
    return data


def _new_root(kind: str, children: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:{kind} xmlns:w="{W_NS}">{"".join(children)}</w:{kind}>'
    ).encode()


__all__ = ["SubdocMerge"]
