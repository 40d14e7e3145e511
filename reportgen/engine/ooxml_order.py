"""Child order of WordprocessingML containers (ECMA-376 transitional), and a checker and fixer for it.

Microsoft Word validates the order of the children of xsd:sequence containers (w:pPr, w:rPr,
w:sectPr, w:tblPr, w:style, w:settings…): an element out of place or a second w:ind makes Word
report "unreadable content", although LibreOffice and WPS read such a file without a word.

`SEQUENCES` lists, per container (local name in the w: namespace), the children in schema order.
A slot is a name or a tuple of names that share one position (an xsd:choice); a name ending in
"*" may repeat; "..." stands for every other w: child (e.g. the runs after w:pPr). Children in
other namespaces (w14:, mc:…) and w: names a container does not list are ignored by the check and
stay next to the element before them when sorting.

Where one local name is used with different content models (w:rPr of a run and of a paragraph
mark, w:pPr of a paragraph and of a style) the sequence is the union, in the order the schema
gives both. w:rPr (EG_RPrBase) and w:trPr (CT_TrPrBase) are xsd:choice groups in the
transitional schema but sequences in the strict one and in ECMA-376 1st edition; they are kept
in that canonical order, which is the order Word itself writes.

    check_order(xml_bytes) -> list of messages (empty: every known container is in order)
    normalize(element)     -> sorts known children in place, merges duplicate leaf elements
    ordered_inner(container, inner_xml) -> the same for an XML fragment (builders)
    check_tables(xml_bytes), check_package(path) -> structure Word needs besides order
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + W_NS + "}"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
ANY = "..."

# -- CT_PPrBase, CT_PPr ---------------------------------------------------------------------------
PPR_BASE = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
)  # fmt: skip
PPR = (*PPR_BASE, "rPr", "sectPr", "pPrChange")

# -- EG_RPrBase; CT_ParaRPr adds the paragraph-mark revision marks in front ----------------------
RPR_BASE = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
    "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color",
    "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd",
    "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
)  # fmt: skip
RPR = ("ins", "del", "moveFrom", "moveTo", *RPR_BASE, "rPrChange")

# -- CT_SectPr: EG_HdrFtrReferences (any order among themselves), EG_SectPrContents ------------
SECT_PR = (
    ("headerReference*", "footerReference*"), "footnotePr", "endnotePr", "type", "pgSz", "pgMar",
    "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote",
    "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange",
)  # fmt: skip

# -- tables ----------------------------------------------------------------------------------------
TBL_PR = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
    "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar",
    "tblLook", "tblCaption", "tblDescription", "tblPrChange",
)  # fmt: skip
TBL_PR_EX = (
    "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar",
    "tblLook", "tblPrExChange",
)  # fmt: skip
TR_PR = (
    "cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
    "tblHeader", "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange",
)  # fmt: skip
TC_PR = (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
    "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
    ("cellIns", "cellDel", "cellMerge"), "tcPrChange",
)  # fmt: skip
TBL_BORDERS = ("top", "start", "left", "bottom", "end", "right", "insideH", "insideV")
TC_BORDERS = (*TBL_BORDERS, "tl2br", "tr2bl")
CELL_MAR = ("top", "start", "left", "bottom", "end", "right")

# -- styles ----------------------------------------------------------------------------------------
STYLE = (
    "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority",
    "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose",
    "personalReply", "rsid", "pPr", "rPr", "tblPr", "trPr", "tcPr", "tblStylePr*",
)  # fmt: skip

# -- settings (CT_Settings) and CT_Compat ----------------------------------------------------------
SETTINGS = (
    "writeProtection",
    "view",
    "zoom",
    "removePersonalInformation",
    "removeDateAndTime",
    "doNotDisplayPageBoundaries",
    "displayBackgroundShape",
    "printPostScriptOverText",
    "printFractionalCharacterWidth",
    "printFormsData",
    "embedTrueTypeFonts",
    "embedSystemFonts",
    "saveSubsetFonts",
    "saveFormsData",
    "mirrorMargins",
    "alignBordersAndEdges",
    "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter",
    "gutterAtTop",
    "hideSpellingErrors",
    "hideGrammaticalErrors",
    "activeWritingStyle*",
    "proofState",
    "formsDesign",
    "attachedTemplate",
    "linkStyles",
    "stylePaneFormatFilter",
    "stylePaneSortMethod",
    "documentType",
    "mailMerge",
    "revisionView",
    "trackRevisions",
    "doNotTrackMoves",
    "doNotTrackFormatting",
    "documentProtection",
    "autoFormatOverride",
    "styleLockTheme",
    "styleLockQFSet",
    "defaultTabStop",
    "autoHyphenation",
    "consecutiveHyphenLimit",
    "hyphenationZone",
    "doNotHyphenateCaps",
    "showEnvelope",
    "summaryLength",
    "clickAndTypeStyle",
    "defaultTableStyle",
    "evenAndOddHeaders",
    "bookFoldRevPrinting",
    "bookFoldPrinting",
    "bookFoldPrintingSheets",
    "drawingGridHorizontalSpacing",
    "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery",
    "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin",
    "drawingGridHorizontalOrigin",
    "drawingGridVerticalOrigin",
    "doNotShadeFormData",
    "noPunctuationKerning",
    "characterSpacingControl",
    "printTwoOnOne",
    "strictFirstAndLastChars",
    "noLineBreaksAfter",
    "noLineBreaksBefore",
    "savePreviewPicture",
    "doNotValidateAgainstSchema",
    "saveInvalidXml",
    "ignoreMixedContent",
    "alwaysShowPlaceholderText",
    "doNotDemarcateInvalidXml",
    "saveXmlDataOnly",
    "useXSLTWhenSaving",
    "saveThroughXslt",
    "showXMLTags",
    "alwaysMergeEmptyNamespace",
    "updateFields",
    "hdrShapeDefaults",
    "footnotePr",
    "endnotePr",
    "compat",
    "docVars",
    "rsids",
    "attachedSchema*",
    "themeFontLang",
    "clrSchemeMapping",
    "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures",
    "forceUpgrade",
    "captions",
    "readModeInkLockDown",
    "smartTagType*",
    "shapeDefaults",
    "doNotEmbedSmartTags",
    "decimalSymbol",
    "listSeparator",
)  # fmt: skip  (m:mathPr after rsids and sl:schemaLibrary after smartTagType are not w: names)
COMPAT = (
    "useSingleBorderforContiguousCells", "wpJustification", "noTabHangInd", "noLeading",
    "spaceForUL", "noColumnBalance", "balanceSingleByteDoubleByteWidth", "noExtraLineSpacing",
    "doNotLeaveBackslashAlone", "ulTrailSpace", "doNotExpandShiftReturn", "spacingInWholePoints",
    "lineWrapLikeWord6", "printBodyTextBeforeHeader", "printColBlack", "wpSpaceWidth",
    "showBreaksInFrames", "subFontBySize", "suppressBottomSpacing", "suppressTopSpacing",
    "suppressSpacingAtTopOfPage", "suppressTopSpacingWP", "suppressSpBfAfterPgBrk",
    "swapBordersFacingPages", "convMailMergeEsc", "truncateFontHeightsLikeWP6", "mwSmallCaps",
    "usePrinterMetrics", "doNotSuppressParagraphBorders", "wrapTrailSpaces",
    "footnoteLayoutLikeWW8", "shapeLayoutLikeWW8", "alignTablesRowByRow", "forgetLastTabAlignment",
    "adjustLineHeightInTable", "autoSpaceLikeWord95", "noSpaceRaiseLower",
    "doNotUseHTMLParagraphAutoSpacing", "layoutRawTableWidth", "layoutTableRowsApart",
    "useWord97LineBreakRules", "doNotBreakWrappedTables", "doNotSnapToGridInCell",
    "selectFldWithFirstOrLastChar", "applyBreakingRules", "doNotWrapTextWithPunct",
    "doNotUseEastAsianBreakRules", "useWord2002TableStyleRules", "growAutofit", "useFELayout",
    "useNormalStyleForList", "doNotUseIndentAsNumberingTabStop", "useAltKinsokuLineBreakRules",
    "allowSpaceOfSameStyleInTable", "doNotSuppressIndentation", "doNotAutofitConstrainedTables",
    "autofitToFirstFixedWidthCell", "underlineTabInNumList", "displayHangulFixedWidth",
    "splitPgBreakAndParaMark", "doNotVertAlignCellWithSp", "doNotBreakConstrainedForcedTable",
    "doNotVertAlignInTxbx", "useAnsiKerningPairs", "cachedColBalance", "compatSetting*",
)  # fmt: skip

# -- numbering -------------------------------------------------------------------------------------
LVL = (
    "start", "numFmt", "lvlRestart", "pStyle", "isLgl", "suff", "lvlText", "lvlPicBulletId",
    "legacy", "lvlJc", "pPr", "rPr",
)  # fmt: skip

_SDT_TYPES = (
    "equation", "comboBox", "date", "docPartObj", "docPartList", "dropDownList", "picture",
    "richText", "text", "citation", "group", "bibliography",
)  # fmt: skip

SEQUENCES: dict[str, tuple[Any, ...]] = {
    "pPr": PPR,
    "rPr": RPR,
    "sectPr": SECT_PR,
    "tblPr": TBL_PR,
    "tblPrEx": TBL_PR_EX,
    "trPr": TR_PR,
    "tcPr": TC_PR,
    "tbl": ("tblPr", "tblGrid", ("tr*", "customXml*", "sdt*")),
    "tblGrid": ("gridCol*", "tblGridChange"),
    "tr": ("tblPrEx", "trPr", ("tc*", "customXml*", "sdt*")),
    "tc": ("tcPr", ANY),
    "p": ("pPr", ANY),
    "r": ("rPr", ANY),
    "body": (ANY, "sectPr"),
    "document": ("background", "body"),
    "tblBorders": TBL_BORDERS,
    "tcBorders": TC_BORDERS,
    "pBdr": ("top", "left", "bottom", "right", "between", "bar"),
    "pgBorders": ("top", "left", "bottom", "right"),
    "tblCellMar": CELL_MAR,
    "tcMar": CELL_MAR,
    "numPr": ("ilvl", "numId", "numberingChange", "ins"),
    "tabs": ("tab*",),
    "cols": ("col*",),
    "styles": ("docDefaults", "latentStyles", "style*"),
    "docDefaults": ("rPrDefault", "pPrDefault"),
    "rPrDefault": ("rPr",),
    "pPrDefault": ("pPr",),
    "latentStyles": ("lsdException*",),
    "style": STYLE,
    "tblStylePr": ("pPr", "rPr", "tblPr", "trPr", "tcPr"),
    "settings": SETTINGS,
    "compat": COMPAT,
    # CT_FtnProps in w:sectPr, CT_FtnDocProps (with the separator references) in w:settings
    "footnotePr": ("pos", "numFmt", "numStart", "numRestart", "footnote*"),
    "endnotePr": ("pos", "numFmt", "numStart", "numRestart", "endnote*"),
    "docVars": ("docVar*",),
    "rsids": ("rsidRoot", "rsid*"),
    "fonts": ("font*",),
    "font": (
        "altName",
        "panose1",
        "charset",
        "family",
        "notTrueType",
        "pitch",
        "sig",
        "embedRegular",
        "embedBold",
        "embedItalic",
        "embedBoldItalic",
    ),  # fmt: skip
    "numbering": ("numPicBullet*", "abstractNum*", "num*", "numIdMacAtCleanup"),
    "abstractNum": (
        "nsid",
        "multiLevelType",
        "tmpl",
        "name",
        "styleLink",
        "numStyleLink",
        "lvl*",
    ),  # fmt: skip
    "num": ("abstractNumId", "lvlOverride*"),
    "lvlOverride": ("startOverride", "lvl"),
    "lvl": LVL,
    "sdt": ("sdtPr", "sdtEndPr", "sdtContent"),
    "sdtPr": (
        "rPr",
        "alias",
        "tag",
        "id",
        "lock",
        "placeholder",
        "temporary",
        "showingPlcHdr",
        "dataBinding",
        "label",
        "tabIndex",
        _SDT_TYPES,
    ),  # fmt: skip
}

# Duplicates of these are merged attribute by attribute (a later value wins) by `normalize`.
MERGE_DUPLICATES = frozenset({"ind", "spacing"})


@functools.cache
def _slots(container: str) -> tuple[dict[str, int], frozenset[str], int | None]:
    """(name -> slot index, repeatable names, slot of "..." or None) for a container."""
    index: dict[str, int] = {}
    repeat: set[str] = set()
    any_slot = None
    for i, slot in enumerate(SEQUENCES[container]):
        for name in slot if isinstance(slot, tuple) else (slot,):
            if name == ANY:
                any_slot = i
                continue
            if name.endswith("*"):
                name = name[:-1]
                repeat.add(name)
            index[name] = i
    return index, frozenset(repeat), any_slot


def _local(el) -> str | None:
    """Local name of a w: element, None for other namespaces, comments and PIs."""
    tag = el.tag
    if isinstance(tag, str) and tag.startswith(_W):
        return tag[len(_W) :]
    return None


def _slot_of(child, container: str) -> int | None:
    name = _local(child)
    if name is None:
        return None
    index, _, any_slot = _slots(container)
    slot = index.get(name)
    return any_slot if slot is None else slot


def _describe(el) -> str:
    """A readable path such as w:styles/w:style[@styleId='a-title']/w:pPr or w:body/w:p[3]/w:pPr."""
    parts = []
    while el is not None:
        tag = el.tag
        name = "w:" + tag[len(_W) :] if tag.startswith(_W) else etree.QName(tag).localname
        style_id = el.get(_W + "styleId")
        parent = el.getparent()
        if style_id is not None:
            name += f"[@styleId='{style_id}']"
        elif parent is not None:
            same = [c for c in parent if c.tag == tag]
            if len(same) > 1:
                name += f"[{same.index(el) + 1}]"
        parts.append(name)
        el = parent
    return "/".join(reversed(parts))


def container_issues(el) -> list[str]:
    """Messages for one element whose children are out of order or duplicated ([] if fine)."""
    container = _local(el)
    if container not in SEQUENCES:
        return []
    index, repeat, _ = _slots(container)
    issues = []
    seen: dict[str, int] = {}
    last_slot, last_name = -1, ""
    for child in el:
        slot = _slot_of(child, container)
        if slot is None:
            continue
        name = _local(child) or ""
        if name in index and name not in repeat:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] == 2:
                issues.append(f"{_describe(el)}: duplicate w:{name}")
        if slot < last_slot:
            issues.append(f"{_describe(el)}: w:{name} must come before w:{last_name}")
        elif slot > last_slot:
            last_slot, last_name = slot, name
    return issues


def _parse(xml: bytes | str):
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(xml, parser)


def check_order(xml_bytes: bytes | str) -> list[str]:
    """Every container in the part whose known children are out of schema order or duplicated."""
    root = _parse(xml_bytes)
    issues: list[str] = []
    for el in root.iter(_W + "*"):
        if _local(el) in SEQUENCES:
            issues.extend(container_issues(el))
    return issues


def _merge_into(keep, dup) -> None:
    for key, value in dup.attrib.items():
        keep.set(key, value)


def _normalize_one(el) -> bool:
    container = _local(el) or ""
    index, repeat, _ = _slots(container)
    children = list(el)
    if not children:
        return False
    changed = False
    # Duplicated leaf elements: merge attributes into the first one (later values win).
    first: dict[str, Any] = {}
    for child in children:
        name = _local(child)
        if name is None or name not in index or name in repeat:
            continue
        if name not in first:
            first[name] = child
            continue
        keep = first[name]
        if len(keep) or len(child) or (name not in MERGE_DUPLICATES and (keep.text or child.text)):
            continue  # elements with content are left for check_order to report
        _merge_into(keep, child)
        _remove_keep_tail(child)
        changed = True
    children = list(el)
    # Stable sort: elements the sequence does not know travel with the known element before them.
    groups: list[tuple[int, list]] = []
    lead: list = []
    for child in children:
        slot = _slot_of(child, container)
        if slot is None:
            (groups[-1][1] if groups else lead).append(child)
        else:
            groups.append((slot, [child]))
    ordered = sorted(groups, key=lambda g: g[0])
    if [g[1][0] for g in ordered] == [g[1][0] for g in groups]:
        return changed
    text = el.text
    for child in children:
        el.remove(child)
    for child in lead + [c for _, members in ordered for c in members]:
        el.append(child)
    el.text = text
    return True


def _remove_keep_tail(child) -> None:
    parent = child.getparent()
    if child.tail:
        prev = child.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + child.tail
        else:
            parent.text = (parent.text or "") + child.tail
    parent.remove(child)


def normalize(element) -> bool:
    """Put the children of every known container under `element` (inclusive) in schema order.

    The sort is stable; unknown children keep their place after the element before them.
    Duplicated leaf elements (two w:ind, two w:spacing…) are merged into the first one, attributes
    of the later one winning. Returns True when anything changed.
    """
    changed = False
    for el in list(element.iter(_W + "*")):
        if _local(el) in SEQUENCES:
            changed |= _normalize_one(el)
    return changed


_NS_DECL = (
    f'xmlns:w="{W_NS}" xmlns:r="{_R_NS}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
)
_WRAP_OPEN = re.compile(r"^<w:(\w+)[^>]*?(/?)>")


@functools.lru_cache(maxsize=4096)
def ordered_inner(container: str, inner_xml: str) -> str:
    """The children XML of a `w:<container>` (prefix w:, as builders write it) in schema order."""
    if not inner_xml or "<" not in inner_xml:
        return inner_xml
    el = _parse(f"<w:{container} {_NS_DECL}>{inner_xml}</w:{container}>")
    if not normalize(el):
        return inner_xml
    out = etree.tostring(el, encoding="unicode")
    m = _WRAP_OPEN.match(out)
    assert m is not None  # tostring of the element just parsed starts with its own tag
    if m.group(2):
        return ""
    return out[m.end() : -len(f"</w:{container}>")]


# ----------------------------------------------------------------------------------------------
# Structure Word needs besides order: tables and the package.


def _row_columns(tr) -> int:
    cols = 0
    for child in tr:
        name = _local(child)
        if name == "trPr":
            for k in ("gridBefore", "gridAfter"):
                g = child.find(_W + k)
                if g is not None:
                    cols += int(g.get(_W + "val", "0") or 0)
        elif name == "tc":
            span = child.find(f"{_W}tcPr/{_W}gridSpan")
            cols += int(span.get(_W + "val", "1") or 1) if span is not None else 1
    return cols


def check_tables(xml_bytes: bytes | str) -> list[str]:
    """Tables without w:tblGrid, with fewer grid columns than their widest row, or without rows;
    cells without a paragraph (Word needs at least one block, ending with a w:p)."""
    root = _parse(xml_bytes)
    issues = []
    for tbl in root.iter(_W + "tbl"):
        where = _describe(tbl)
        grid = tbl.find(_W + "tblGrid")
        rows = tbl.findall(_W + "tr")
        if tbl.find(_W + "tblPr") is None:
            issues.append(f"{where}: no w:tblPr")
        if grid is None:
            issues.append(f"{where}: no w:tblGrid")
        if not rows:
            issues.append(f"{where}: no w:tr")
        widest = max((_row_columns(tr) for tr in rows), default=0)
        if grid is not None:
            n = len(grid.findall(_W + "gridCol"))
            if n != widest and rows:
                issues.append(f"{where}: {n} w:gridCol but the widest row has {widest} columns")
    for tc in root.iter(_W + "tc"):
        blocks = [c for c in tc if _local(c) not in (None, "tcPr")]
        if not blocks or _local(blocks[-1]) != "p":
            issues.append(f"{_describe(tc)}: a table cell must end with a w:p")
    return issues


_CT_DEFAULT = f"{{{_CT_NS}}}Default"
_CT_OVERRIDE = f"{{{_CT_NS}}}Override"
_REL = f"{{{_PKG_RELS_NS}}}Relationship"
_R_ATTRS = tuple(f"{{{_R_NS}}}{a}" for a in ("id", "embed", "link", "pict", "dm", "lo", "qs", "cs"))


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
# Relationship type (last segment) -> the content type its target must have.
_REL_CONTENT_TYPES = {
    "styles": _WML + "styles+xml",
    "settings": _WML + "settings+xml",
    "fontTable": _WML + "fontTable+xml",
    "webSettings": _WML + "webSettings+xml",
    "numbering": _WML + "numbering+xml",
    "header": _WML + "header+xml",
    "footer": _WML + "footer+xml",
    "footnotes": _WML + "footnotes+xml",
    "endnotes": _WML + "endnotes+xml",
    "comments": _WML + "comments+xml",
    "theme": "application/vnd.openxmlformats-officedocument.theme+xml",
    "core-properties": "application/vnd.openxmlformats-package.core-properties+xml",
    "extended-properties": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
}
_MAIN_CONTENT_TYPES = {
    _WML + "document.main+xml",
    _WML + "template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}


def check_package(path: str | os.PathLike, *, order: bool = True) -> list[str]:
    """Problems Word would report in a .docx: malformed XML, parts without a content type,
    relationships to missing parts, r:id references missing from a part's relationships,
    missing core/app properties, tables Word cannot lay out, and (order=True) children out of
    schema order."""
    issues: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = [i.filename for i in zf.infolist() if not i.filename.endswith("/")]
        data = {n: zf.read(n) for n in names}
    if len(set(n.lower() for n in names)) != len(names):
        issues.append("zip: two entries differ only in case")
    trees = {}
    for name in names:
        if name.endswith((".xml", ".rels")):
            try:
                trees[name] = _parse(data[name])
            except etree.XMLSyntaxError as err:
                issues.append(f"{name}: not well-formed: {err}")
    ct = trees.get("[Content_Types].xml")
    if ct is None:
        return [*issues, "[Content_Types].xml missing"]
    defaults: dict[str, str] = {}
    for d in ct.iter(_CT_DEFAULT):
        ext = d.get("Extension", "").lower()
        if ext in defaults:
            issues.append(f"[Content_Types].xml: two Default entries for .{ext}")
        defaults[ext] = d.get("ContentType", "")
    overrides: dict[str, str] = {}
    for o in ct.iter(_CT_OVERRIDE):
        part = o.get("PartName", "").lstrip("/").lower()
        overrides[part] = o.get("ContentType", "")
        if part not in {n.lower() for n in names}:
            issues.append(f"[Content_Types].xml: Override for missing part /{part}")
    for name in names:
        if name == "[Content_Types].xml":
            continue
        ext = name.rsplit(".", 1)[-1].lower() if "." in posixpath.basename(name) else ""
        if name.lower() not in overrides and ext not in defaults:
            issues.append(f"{name}: no content type in [Content_Types].xml")

    def content_type(part: str) -> str:
        ext = part.rsplit(".", 1)[-1].lower() if "." in posixpath.basename(part) else ""
        return overrides.get(part.lower(), defaults.get(ext, ""))

    main = None
    rel_types: dict[str, set[str]] = {}
    for name in names:
        if not name.endswith(".rels") or name not in trees:
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")])
        ids: set[str] = set()
        for rel in trees[name].iter(_REL):
            rid = rel.get("Id", "")
            if rid in ids:
                issues.append(f"{name}: duplicate relationship Id {rid}")
            ids.add(rid)
            rel_types.setdefault(source, set()).add(rel.get("Type", "").rsplit("/", 1)[-1])
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            resolved = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            if resolved not in data:
                issues.append(f"{name}: relationship {rid} points to missing part {resolved}")
                continue
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            want = _REL_CONTENT_TYPES.get(kind)
            have = content_type(resolved)
            if name == "_rels/.rels" and kind == "officeDocument":
                main = resolved
                if have not in _MAIN_CONTENT_TYPES:
                    issues.append(f"{resolved} is the main document but has content type {have}")
            elif want is not None and have != want:
                issues.append(f"{resolved} is the {kind} part but has content type {have}")
            elif kind == "image" and not have.startswith("image/"):
                issues.append(f"{resolved} is an image but has content type {have}")
        if source in trees:
            used = set()
            for el in trees[source].iter():
                if isinstance(el.tag, str):
                    used |= {el.get(a) for a in _R_ATTRS if el.get(a) is not None}
            for rid in sorted(used - ids):
                issues.append(f"{source}: r:id {rid} has no relationship in {name}")
    for name, tree in trees.items():
        if name.endswith(".xml") and name not in ("[Content_Types].xml",):
            has_rid = any(
                isinstance(el.tag, str) and any(el.get(a) for a in _R_ATTRS) for el in tree.iter()
            )
            if has_rid and _rels_name(name) not in data:
                issues.append(f"{name}: uses r:id but has no {_rels_name(name)}")
    if main is None:
        issues.append("_rels/.rels: no officeDocument relationship")
    root_types = rel_types.get("", set())
    for kind in ("core-properties", "extended-properties"):
        if kind not in root_types:
            issues.append(f"_rels/.rels: no {kind} relationship")
    if "docProps/core.xml" in trees:
        issues += _check_core(trees["docProps/core.xml"])
    if "docProps/app.xml" in trees:
        issues += _check_app(trees["docProps/app.xml"])
    for name, tree in trees.items():
        if name.startswith("word/") and name.endswith(".xml"):
            issues += [f"{name}: {m}" for m in _tables_in(tree)]
            if order:
                issues += [f"{name}: {m}" for m in _order_in(tree)]
    return issues


def _tables_in(tree) -> list[str]:
    return check_tables(etree.tostring(tree)) if tree.find(f".//{_W}tbl") is not None else []


def _order_in(tree) -> Iterable[str]:
    for el in tree.iter(_W + "*"):
        if _local(el) in SEQUENCES:
            yield from container_issues(el)


_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_W3CDTF = re.compile(r"^\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?)?)?$")


def _check_core(core) -> list[str]:
    """OPC core properties: each element at most once, dates typed dcterms:W3CDTF and valid."""
    issues = []
    seen = set()
    for el in core:
        if not isinstance(el.tag, str):
            continue
        if el.tag in seen:
            issues.append(f"docProps/core.xml: {etree.QName(el).localname} twice")
        seen.add(el.tag)
        if el.tag in (f"{{{_DCTERMS}}}created", f"{{{_DCTERMS}}}modified"):
            if el.get(_XSI_TYPE) != "dcterms:W3CDTF":
                issues.append(f"docProps/core.xml: {etree.QName(el).localname} needs xsi:type")
            if not _W3CDTF.match((el.text or "").strip()):
                issues.append(f"docProps/core.xml: {etree.QName(el).localname} is not W3CDTF")
        if el.get("{http://www.w3.org/XML/1998/namespace}lang") is not None:
            issues.append("docProps/core.xml: xml:lang is not allowed on core properties")
    return issues


def _check_app(app) -> list[str]:
    """Word rejects an AppVersion that is not XX.YYYY."""
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    version = app.find(ns + "AppVersion")
    if version is not None and not re.fullmatch(r"\d\d\.\d{4}", (version.text or "").strip()):
        return [f"docProps/app.xml: AppVersion {version.text!r} is not XX.YYYY"]
    return []


__all__ = [
    "MERGE_DUPLICATES",
    "SEQUENCES",
    "check_order",
    "check_package",
    "check_tables",
    "container_issues",
    "normalize",
    "ordered_inner",
]
