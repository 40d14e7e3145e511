"""Turn a Word part edited by a person into Jinja source: join split tags, fix quotes, lift {%p/tr/tc/r %}."""

from __future__ import annotations

import copy
import re

from lxml import etree

from reportgen.engine.ooxml import NS, W
from reportgen.engine.ooxml_order import normalize

_TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# docxtpl's level tags: the level letters follow the brace directly (`{%tr `, `{{p `, `{{r `).
# `{#p … #}`, `{#tr … #}`, `{#tc … #}` (docxtpl's comment tags) remove their paragraph, row or
# cell; there is no run-level comment, as in docxtpl.
_LEVEL_RE = re.compile(
    r"\{%(tr|tc|p|r)\s+(.*?)%\}|\{\{(tr|tc|p|r)\s+(.*?)\}\}|\{#(tr|tc|p)\s+(.*?)#\}", re.S
)
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " ", "\u3000": " "}
)
_PLACEHOLDER = "{urn:reportgen:jinja}s"
_LOST_MARK = "\ue000rg-lost-{}\ue001"  # private-use characters: never in a template's text
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# Attributes Word adds for its own bookkeeping; dropping them keeps repeated bodies small and
# avoids duplicate paragraph ids when a body is repeated.
_DROP_ATTRS = tuple(
    f"{{{NS['w']}}}{a}"
    for a in ("rsidR", "rsidRPr", "rsidRDefault", "rsidP", "rsidTr", "rsidDel", "rsidSect")
) + (f"{{{NS['w14']}}}paraId", f"{{{NS['w14']}}}textId")


def _nearest_p(el):
    parent = el.getparent()
    while parent is not None and parent.tag != W + "p":
        parent = parent.getparent()
    return parent


def _clean(root) -> None:
    for el in list(root.iter(W + "proofErr", W + "lastRenderedPageBreak")):
        el.getparent().remove(el)
    gone_ids = set()
    for el in list(root.iter(W + "bookmarkStart")):
        if el.get(W + "name") == "_GoBack":
            gone_ids.add(el.get(W + "id"))
            el.getparent().remove(el)
    for el in list(root.iter(W + "bookmarkEnd")):
        if el.get(W + "id") in gone_ids:
            el.getparent().remove(el)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in _DROP_ATTRS:
            if attr in el.attrib:
                del el.attrib[attr]


def _join_split_tags(root) -> None:
    """Move every tag's characters into the w:t where the tag starts (per paragraph)."""
    for p in root.iter(W + "p"):
        ts = [t for t in p.iter(W + "t") if _nearest_p(t) is p]
        if not ts:
            continue
        texts = [t.text or "" for t in ts]
        full = "".join(texts)
        if "{" not in full:
            continue
        owner = [i for i, s in enumerate(texts) for _ in s]
        spans = [(m.start(), m.end()) for m in _TAG_RE.finditer(full)]
        if not spans:
            continue
        chars = list(full)
        for s, e in spans:
            first = owner[s]
            for k in range(s, e):
                owner[k] = first
            fixed = full[s:e].translate(_QUOTES)
            chars[s:e] = list(fixed)
        new = [""] * len(ts)
        for k, ch in enumerate(chars):
            new[owner[k]] += ch
        tagged = {owner[s] for s, _ in spans}
        for i, t in enumerate(ts):
            if new[i] != texts[i] or i in tagged:
                t.text = new[i]
                if i in tagged:
                    t.set(_XML_SPACE, "preserve")
            if not t.text:
                r = t.getparent()
                r.remove(t)
                if r.tag == W + "r" and all(c.tag == W + "rPr" for c in r):
                    r.getparent().remove(r)


# docxtpl's run-level tags (`{%r if x %}`, `{{r rich }}`): the run holding one is replaced whole.
_RUN_TAG_RE = re.compile(r"\{%r\s.*?%\}|\{\{r\s.*?\}\}", re.S)


def _isolate_run_tags(root) -> None:
    """Give every `{%r %}` / `{{r }}` tag a run of its own, as docxtpl's patch_xml does.

    Word, WPS and LibreOffice merge neighbouring runs with the same formatting on save, so
    `{%r endif %}{{ b.text }}` often share one w:r; replacing that run would drop `{{ b.text }}`.
    The run is cut around each tag: the text and other children (tabs, breaks) before and after
    stay in runs with the same w:rPr, so the text keeps its look.
    """
    for t in list(root.iter(W + "t")):
        text = t.text or ""
        if "{%r" not in text and "{{r" not in text:
            continue
        r = t.getparent()
        if r is None or r.tag != W + "r":
            continue  # _lift_levels reports a run tag outside a run as an ordinary tag
        pieces: list[tuple[bool, str]] = []
        pos = 0
        for m in _RUN_TAG_RE.finditer(text):
            if m.start() > pos:
                pieces.append((False, text[pos : m.start()]))
            pieces.append((True, m.group(0)))
            pos = m.end()
        if pos < len(text):
            pieces.append((False, text[pos:]))
        rpr = r.find(W + "rPr")
        others = [c for c in r if c is not rpr]
        if len(pieces) == 1 and pieces[0][0] and others == [t]:
            continue  # the tag is already alone in its run
        idx = others.index(t)

        def new_run(children, r=r, rpr=rpr):
            run = etree.Element(W + "r", attrib=dict(r.attrib))
            if rpr is not None:
                run.append(copy.deepcopy(rpr))
            for child in children:
                run.append(child)
            return run

        def new_t(value: str):
            el = etree.Element(W + "t")
            el.set(_XML_SPACE, "preserve")
            el.text = value
            return el

        runs = []
        group = list(others[:idx])
        for is_tag, value in pieces:
            if is_tag:
                if group:
                    runs.append(new_run(group))
                runs.append(new_run([new_t(value)]))
                group = []
            else:
                group.append(new_t(value))
        group += others[idx + 1 :]
        if group:
            runs.append(new_run(group))
        runs[-1].tail = r.tail
        parent = r.getparent()
        at = parent.index(r)
        parent.remove(r)
        for k, run in enumerate(runs):
            parent.insert(at + k, run)


# docxtpl's cell tags, written anywhere in a table cell's text:
#   {% colspan n %}   the cell spans n grid columns (w:gridSpan)
#   {% cellbg 'FF0000' %}  the cell's background (w:shd fill)
#   {% vm %}          in a {%tr for %} loop: the cell is merged vertically over all the loop's rows,
#                     its text shown once (first row)
#   {% hm %}          in a {%tc for %} loop: the cell is kept once and spans all the loop's columns
_CELL_TAG_RE = re.compile(r"\{%\s*(colspan|cellbg|vm|hm)\b\s*(.*?)\s*%\}", re.S)


def _tc_pr(tc):
    pr = tc.find(W + "tcPr")
    if pr is None:
        pr = etree.Element(W + "tcPr")
        tc.insert(0, pr)
    return pr


def _set_child(parent, name: str, attrs: dict[str, str]):
    for old in parent.findall(W + name):
        parent.remove(old)
    el = etree.SubElement(parent, W + name)
    for key, value in attrs.items():
        el.set(W + key, value)
    return el


def _holder(text: str):
    el = etree.Element(_PLACEHOLDER)
    el.text = text
    return el


def _cell_tags(root) -> None:
    """Turn docxtpl's {% colspan %} / {% cellbg %} / {% vm %} / {% hm %} into cell properties.

    The tag leaves the text; what it sets is a Jinja expression in the cell's properties, so it is
    evaluated per record (and per loop item). A tag outside a table cell is left for Jinja, which
    reports it as an unknown tag.
    """
    for t in list(root.iter(W + "t")):
        text = t.text or ""
        if "{%" not in text or not _CELL_TAG_RE.search(text):
            continue
        tc = t.getparent()
        while tc is not None and tc.tag != W + "tc":
            tc = tc.getparent()
        if tc is None:
            continue
        found = list(_CELL_TAG_RE.finditer(text))
        left = _CELL_TAG_RE.sub("", text)
        pr = _tc_pr(tc)
        for m in found:
            kind, arg = m.group(1), m.group(2).strip()
            if kind == "colspan":
                _set_child(pr, "gridSpan", {"val": "{{ " + arg + " }}"})
                _mark_dynamic_grid(tc)
            elif kind == "cellbg":
                _set_child(
                    pr, "shd", {"val": "clear", "color": "auto", "fill": "{{ " + arg + " }}"}
                )
            elif kind == "vm":
                _set_child(
                    pr,
                    "vMerge",
                    {"val": "{% if loop.first %}restart{% else %}continue{% endif %}"},
                )
                # as docxtpl: the text of the run holding the tag is shown in the first row only
                left = "{% if loop.first %}" + left + "{% endif %}" if left else left
            elif kind == "hm":
                span = pr.find(W + "gridSpan")
                if span is not None and (span.get(W + "val") or "").isdigit():
                    span.set(W + "val", "{{ " + span.get(W + "val") + " * loop.length }}")
                else:
                    _set_child(pr, "gridSpan", {"val": "{{ loop.length }}"})
                # the loop repeats the cell: keep its first copy only
                tc.addprevious(_holder("{% if loop.first %}"))
                after = _holder("{% endif %}")
                after.tail, tc.tail = tc.tail, None
                tc.addnext(after)
                _mark_dynamic_grid(tc)
        normalize(pr)
        t.text = left
        t.set(_XML_SPACE, "preserve")


def _lift_levels(root, lost: list[tuple[str, str, str, str, int]] | None = None) -> None:
    """`{%tr for x in y %}` in a cell: the whole w:tr becomes `{% for x in y %}` (likewise tc, p, r).

    Text in that element besides its level tags would be dropped with it: each case is appended
    to `lost` as (level, statements, the tags as written, dropped text, 0) so the template can be
    refused, not rendered short; the holder carries a marker that `to_jinja_source` turns into
    the line number.
    """
    for level in ("tr", "tc", "p", "r"):
        tag = W + level
        while True:
            target = None
            for t in root.iter(W + "t"):
                text = t.text or ""
                for m in _LEVEL_RE.finditer(text):
                    if _level_of(m) == level:
                        target = t
                        break
                if target is not None:
                    break
            if target is None:
                break
            anc = target.getparent()
            while anc is not None and anc.tag != tag:
                anc = anc.getparent()
            if anc is None:
                # No enclosing element of that level: treat as an ordinary tag so Jinja reports it.
                target.text = _LEVEL_RE.sub(lambda m: _plain(m), target.text or "")
                continue
            text = "".join(x.text or "" for x in anc.iter(W + "t"))
            found = [m for m in _LEVEL_RE.finditer(text) if _level_of(m) == level]
            stmts = [_plain(m) for m in found]
            left = text
            for m in reversed(found):
                left = left[: m.start()] + left[m.end() :]
            marker = None
            # a comment tag removes its element on purpose: what it holds is meant to go
            commented = all(m.group(5) for m in found)
            if lost is not None and not commented and left.translate(_QUOTES).strip():
                written = " ".join(m.group(0) for m in found)
                marker = _LOST_MARK.format(len(lost))
                lost.append((level, "".join(stmts), written, left.strip(), 0))
            if level == "tc":
                _mark_dynamic_grid(anc)
            holder = etree.Element(_PLACEHOLDER)
            holder.text = "".join(stmts)
            if marker is not None:
                holder.text += marker
            holder.tail = anc.tail
            anc.getparent().replace(anc, holder)


def _mark_dynamic_grid(tc) -> None:
    """A table whose columns come from a {%tc for %} loop gets its w:tblGrid rebuilt after rendering."""
    tbl = tc.getparent()
    while tbl is not None and tbl.tag != W + "tbl":
        tbl = tbl.getparent()
    grid = tbl.find(W + "tblGrid") if tbl is not None else None
    if grid is not None and grid.get("rgdyn") is None:
        total = sum(int(g.get(W + "w", "0") or 0) for g in grid.findall(W + "gridCol"))
        grid.set("rgdyn", str(total))


_DYN_GRID = re.compile(r'<w:tblGrid rgdyn="(\d+)"(?:/>|>.*?</w:tblGrid>)', re.S)
# What decides a table's column count, one nesting level at a time.
_GRID_TOKEN = re.compile(
    r'<w:tbl[\s>]|</w:tbl>|<w:tr[\s>/]|<w:tc[\s>/]|<w:gridSpan w:val="(\d+)"'
    r'|<w:grid(?:Before|After) w:val="(\d+)"'
)


_TCW_DXA = re.compile(r'<w:tcW w:w="(\d+)" w:type="dxa"/>')


def _first_row_widths(xml: str, pos: int) -> list[int]:
    """The dxa widths (w:tcW) of the cells of the first row after `pos`, when it has no nested
    table; [] otherwise."""
    start = xml.find("<w:tr", pos)
    end = xml.find("</w:tr>", start)
    if start < 0 or end < 0:
        return []
    row = xml[start:end]
    if "<w:tbl>" in row or "<w:tbl " in row:
        return []
    return [int(w) for w in _TCW_DXA.findall(row)]


def _widest_row(xml: str, pos: int) -> int:
    """Grid columns of the widest row of the table whose rows start at `pos` (nested tables skipped)."""
    depth = 0
    rows: list[int] = []
    for tok in _GRID_TOKEN.finditer(xml, pos):
        text = tok.group(0)
        if text.startswith("</w:tbl"):
            if depth == 0:
                break
            depth -= 1
        elif text.startswith("<w:tbl"):
            depth += 1
        elif depth:
            continue
        elif text.startswith("<w:tr"):
            rows.append(0)
        elif rows and text.startswith("<w:tc"):
            rows[-1] += 1
        elif rows and tok.group(1):
            rows[-1] += int(tok.group(1)) - 1
        elif rows and tok.group(2):
            rows[-1] += int(tok.group(2))
    return max(rows, default=1) or 1


def fix_dynamic_grids(xml: str) -> str:
    """Give each marked table as many grid columns as its widest rendered row: the widths its
    first row's cells give (w:tcW in dxa, e.g. computed from the data's column widths), else equal.

    Word needs w:tblGrid to have a w:gridCol for every column a row uses (w:gridSpan, gridBefore
    and gridAfter included); rows of a {%tc %} table may differ in length.
    """

    def grid(m: re.Match) -> str:
        total = int(m.group(1))
        cols = _widest_row(xml, m.end())
        widths = _first_row_widths(xml, m.end())
        if len(widths) == cols and all(widths):  # the cells say their widths (e.g. from data)
            return (
                "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
            )
        width = total // cols
        return "<w:tblGrid>" + f'<w:gridCol w:w="{width}"/>' * cols + "</w:tblGrid>"

    return _DYN_GRID.sub(grid, xml)


_EMPTY_TC = re.compile(r"(</w:tcPr>|<w:tc>|<w:tc\s[^>]*?(?<!/)>)(\s*)</w:tc>")
_ROWLESS_TBL = re.compile(
    r"<w:tbl>(?:(?!<w:tbl>).)*?(?:</w:tblGrid>|<w:tblGrid/>)\s*</w:tbl>", re.S
)
# Compile-time hints: Jinja statements inside a table's rows / inside a cell.
_LOGIC_IN_ROWS = re.compile(r"(?:</w:tblGrid>|<w:tblGrid/>)(?:(?!</w:tbl>).)*?\{%", re.S)
_LOGIC_IN_CELL = re.compile(r"<w:tc[\s>](?:(?!</w:tc>).)*?\{%", re.S)


def table_logic(source: str) -> tuple[bool, bool]:
    """(rows may all disappear, a cell may lose all its paragraphs) for a part's Jinja source."""
    return bool(_LOGIC_IN_ROWS.search(source)), bool(_LOGIC_IN_CELL.search(source))


def _has_rowless_table(xml: str) -> bool:
    for end in ("</w:tblGrid>", "<w:tblGrid/>"):
        i = xml.find(end)
        while i >= 0:
            j = i + len(end)
            if xml[j : j + 64].lstrip().startswith("</w:tbl>"):
                return True
            i = xml.find(end, j)
    return False


def fix_empty_tables(xml: str, rows: bool = True, cells: bool = True) -> str:
    """What {%tr %} / {%p %} logic can leave behind and Word refuses to open: a table whose rows
    all went away is dropped (it shows nothing anyway), a cell whose paragraphs all went away gets
    an empty paragraph (a w:tc must end with a w:p). `rows`/`cells`: which to look for."""
    if rows and _has_rowless_table(xml):
        xml = _ROWLESS_TBL.sub("", xml)
    if cells:
        xml = _EMPTY_TC.sub(r"\1\2<w:p/></w:tc>", xml)
    return xml


_HF_END = re.compile(r"</w:(hdr|ftr)>\s*$")


def fix_empty_header_footer(xml: str) -> str:
    """A header or footer needs at least one paragraph (its {%p if %} may have removed them all)."""
    if "<w:p>" in xml or "<w:p " in xml or "<w:p/>" in xml or "<w:tbl" in xml:
        return xml
    return _HF_END.sub(lambda m: "<w:p/>" + m.group(0), xml)


def _level_of(m: re.Match) -> str:
    return m.group(1) or m.group(3) or m.group(5)


def _plain(m: re.Match) -> str:
    if m.group(1):
        return "{% " + m.group(2).strip() + " %}"
    if m.group(3):
        return "{{ " + m.group(4).strip() + " }}"
    return ""  # a comment: the paragraph, row or cell goes, nothing replaces it


_UNESC = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))
_HOLDER_RE = re.compile(
    r"<(?:ns\d+|[A-Za-z0-9_]+):s xmlns:[A-Za-z0-9_]+=\"urn:reportgen:jinja\">(.*?)</[A-Za-z0-9_]+:s>",
    re.S,
)
_DOCPR_RE = re.compile(r'(<wp:docPr\b[^>]*?\bid=")\d+(")')
_BOOKMARK_RE = re.compile(r'(<w:bookmark(?:Start|End)\b[^>]*?\bw:id=")(\d+)(")')


def _unescape_tag(m: re.Match) -> str:
    text = m.group(0)
    for a, b in _UNESC:
        text = text.replace(a, b)
    return text


# docxtpl's paragraph merging (its template.py, patch_xml): `{%-` joins the tag to the text
# before it, `-%}` to the text after it, removing the XML between (paragraph and run ends and
# starts), so "甲 ⏎ {%- if x -%} ⏎ 乙" becomes one paragraph "甲乙" when x holds. Stricter than
# docxtpl's patterns, which also swallow text beside the tag and cross table cells (a corrupt
# document): only markup is removed, never text, and never a cell, row, table or control
# boundary; where no merge is possible the dash is Jinja's own whitespace control.
_NO_CROSS = (
    r"(?:(?!<w:t[ >]|</w:t>|\{%|\{\{|</?w:(?:tc|tr|tbl|sdt|sdtContent|body|txbxContent)\b).)*?"
)
_MERGE_BEFORE = re.compile(r"</w:t>" + _NO_CROSS + r"<w:t(?:\s[^>]*)?>\{%-", re.S)
_MERGE_AFTER = re.compile(r"-%\}</w:t>" + _NO_CROSS + r"<w:t(?:\s[^>]*)?>", re.S)


def _merge_paragraphs(text: str) -> str:
    text = _MERGE_BEFORE.sub("{%", text)
    return _MERGE_AFTER.sub("%}", text)


def to_jinja_source(
    xml: bytes, lost: list[tuple[str, str, str, str, int]] | None = None
) -> tuple[str, int]:
    """Repaired part XML as Jinja source (no XML declaration) and the highest bookmark id seen.

    `lost` (if given) receives the text a {%p/tr/tc %} tag's element held besides its tags,
    which rendering would drop (see `_lift_levels`), with the source line of its statement.

    Paragraph and table-row ends are followed by a newline so that a Jinja line number points
    at one paragraph of the template.
    """
    root = etree.fromstring(xml)
    _clean(root)
    normalize(root)  # properties in ECMA-376 order, as Word requires (WPS and editors may not)
    _join_split_tags(root)
    _isolate_run_tags(root)
    _cell_tags(root)
    _lift_levels(root, lost)
    text = etree.tostring(root, encoding="unicode")
    text = _HOLDER_RE.sub(lambda m: "\n" + m.group(1) + "\n", text)
    text = _TAG_RE.sub(_unescape_tag, text)
    if "{%-" in text or "-%}" in text:
        text = _merge_paragraphs(text)
    if "{_" in text or "_}" in text:
        # docxtpl's escapes print a tag's braces as typed: {_{ → {{, }_} → }}, {_% → {%, %_} → %}
        text = (
            text.replace("{_{", "{% raw %}{{{% endraw %}")
            .replace("{_%", "{% raw %}{%{% endraw %}")
            .replace("}_}", "}}")
            .replace("%_}", "%}")
        )
    max_bm = max((int(m.group(2)) for m in _BOOKMARK_RE.finditer(text)), default=-1)
    text = _DOCPR_RE.sub(lambda m: m.group(1) + "{{ _rg_docpr() }}" + m.group(2), text)
    text = _BOOKMARK_RE.sub(
        lambda m: m.group(1) + "{{ _rg_bm(" + m.group(2) + ") }}" + m.group(3), text
    )
    text = text.replace("</w:p>", "</w:p>\n").replace("</w:tr>", "</w:tr>\n")
    if lost and "\ue000" in text:
        for k, entry in enumerate(lost):
            at = text.find(_LOST_MARK.format(k))
            if at >= 0:
                lost[k] = (*entry[:4], text.count("\n", 0, at) + 1)
                text = text.replace(_LOST_MARK.format(k), "")
    return text, max_bm


_STRIP_TAGS = re.compile(r"<[^>]+>")


def line_texts(source: str) -> list[str]:
    """Visible text of each source line (what the clerk sees in Word), for error messages."""
    return [_STRIP_TAGS.sub("", line).strip() for line in source.split("\n")]
