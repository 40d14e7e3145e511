"""Minimal WordprocessingML writing: namespaces, deterministic zips, and a small .docx package builder."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape as _escape

from reportgen.engine.ooxml_order import ordered_inner
from reportgen.engine.xmltext import clean


def escape(text: str) -> str:
    """Text for XML content: markup escaped, characters XML cannot hold removed (counted)."""
    return _escape(clean(text))


NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
W = "{" + NS["w"] + "}"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Every zip entry gets this timestamp, so the same content always gives the same bytes.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Twentieths of a point per millimetre.
TWIPS_PER_MM = 1440 / 25.4
EMU_PER_MM = 36000


def mm_to_twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


def zip_info(name: str, compresslevel: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    if compresslevel is not None:
        info._compresslevel = compresslevel  # type: ignore[attr-defined]  # honoured by ZipFile.open/writestr
    return info


def write_zip(
    path: str | os.PathLike, entries: Iterable[tuple[str, bytes]], compresslevel: int = 6
) -> None:
    """Write entries in the given order with fixed timestamps (byte-identical for identical input)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, data in entries:
            zf.writestr(zip_info(name, compresslevel), data)


def normalize_zip(
    path: str | os.PathLike, replace: dict[str, bytes] | None = None, compresslevel: int = 6
) -> None:
    """Rewrite a zip written by another library with fixed timestamps, keeping entry order."""
    replace = replace or {}
    with zipfile.ZipFile(path) as zf:
        entries = [
            (i.filename, replace.get(i.filename) or zf.read(i.filename)) for i in zf.infolist()
        ]
    tmp = Path(str(path) + ".norm.tmp")
    write_zip(tmp, entries, compresslevel)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# Small builders used by tools/build_templates.py, tests and benchmarks to author templates.


def t(text: str) -> str:
    """A w:t element, whitespace preserved."""
    return f'<w:t xml:space="preserve">{escape(text)}</w:t>'


def run(
    text: str = "",
    *,
    bold: bool = False,
    size_pt: float | None = None,
    font: str | None = None,
    raw: str = "",
    rpr_extra: str = "",
) -> str:
    """A w:r with optional bold / size / East Asian font; `raw` is inserted after the text.

    `rpr_extra` may hold any rPr children: they are put in schema order with the others.
    """
    rpr = ""
    if font:
        rpr += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>'
    if bold:
        rpr += "<w:b/><w:bCs/>"
    rpr += rpr_extra
    if size_pt:
        hp = round(size_pt * 2)
        rpr += f'<w:sz w:val="{hp}"/><w:szCs w:val="{hp}"/>'
    rpr = f"<w:rPr>{ordered_inner('rPr', rpr) if rpr_extra else rpr}</w:rPr>" if rpr else ""
    return f"<w:r>{rpr}{t(text) if text else ''}{raw}</w:r>"


def para(
    content: str | Sequence[str] = "",
    *,
    style: str | None = None,
    align: str | None = None,
    ppr_extra: str = "",
    **run_opts,
) -> str:
    """A w:p; `content` is plain text (one run) or a list of run XML strings.

    `ppr_extra` may hold any pPr children (w:ind, w:spacing, w:keepNext…): they are put in schema
    order with the style and alignment, and a w:ind or w:spacing given twice is merged.
    """
    ppr = ""
    if style:
        ppr += f'<w:pStyle w:val="{style}"/>'
    ppr += ppr_extra
    if align:
        ppr += f'<w:jc w:val="{align}"/>'
    ppr = f"<w:pPr>{ordered_inner('pPr', ppr) if ppr_extra else ppr}</w:pPr>" if ppr else ""
    if isinstance(content, str):
        runs = run(content, **run_opts) if content else ""
    else:
        runs = "".join(content)
    return f"<w:p>{ppr}{runs}</w:p>"


def cell(
    content: str | Sequence[str],
    width_twips: int,
    *,
    span: int = 1,
    shade: str | None = None,
    vmerge: str | None = None,
    **para_opts,
) -> str:
    """A w:tc holding one paragraph (text) or the given paragraphs (list of w:p XML)."""
    tcpr = (
        f'<w:tcW w:w="{width_twips}" w:type="dxa"/>'
        if width_twips
        else '<w:tcW w:w="0" w:type="auto"/>'
    )
    if span > 1:
        tcpr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge:
        tcpr += f'<w:vMerge w:val="{vmerge}"/>' if vmerge == "restart" else "<w:vMerge/>"
    if shade:
        tcpr += f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>'
    tcpr += '<w:vAlign w:val="center"/>'
    body = para(content, **para_opts) if isinstance(content, str) else "".join(content)
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body}</w:tc>"


def row(
    cells: Sequence[str],
    *,
    header: bool = False,
    height_twips: int | None = None,
    cant_split: bool = True,
) -> str:
    trpr = ""
    if cant_split:
        trpr += "<w:cantSplit/>"
    if height_twips:
        trpr += f'<w:trHeight w:val="{height_twips}"/>'
    if header:
        trpr += "<w:tblHeader/>"
    trpr = f"<w:trPr>{trpr}</w:trPr>" if trpr else ""
    return f"<w:tr>{trpr}{''.join(cells)}</w:tr>"


def table(
    rows: Sequence[str],
    widths_twips: Sequence[int],
    *,
    style: str | None = None,
    borders: bool = True,
    align: str = "center",
) -> str:
    tblpr = ""
    if style:
        tblpr += f'<w:tblStyle w:val="{style}"/>'
    tblpr += f'<w:tblW w:w="{sum(widths_twips)}" w:type="dxa"/><w:jc w:val="{align}"/>'
    if borders:
        b = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        tblpr += f"<w:tblBorders>{b}</w:tblBorders>"
    tblpr += '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_twips)
    return f"<w:tbl><w:tblPr>{tblpr}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def page_field_runs(size_pt: float = 14, font: str = "宋体") -> str:
    """Runs of a PAGE field (the current page number)."""
    return (
        run(raw='<w:fldChar w:fldCharType="begin"/>', size_pt=size_pt, font=font)
        + run(
            raw='<w:instrText xml:space="preserve"> PAGE </w:instrText>', size_pt=size_pt, font=font
        )
        + run(raw='<w:fldChar w:fldCharType="separate"/>', size_pt=size_pt, font=font)
        + run("1", size_pt=size_pt, font=font)
        + run(raw='<w:fldChar w:fldCharType="end"/>', size_pt=size_pt, font=font)
    )


_DOC_NS_DECL = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())


def document_xml(body: str, sect_pr: str) -> str:
    return f'{XML_DECL}<w:document {_DOC_NS_DECL} mc:Ignorable="w14"><w:body>{body}{sect_pr}</w:body></w:document>'


def hdr_ftr_xml(kind: str, body: str) -> str:
    """kind is 'hdr' or 'ftr'."""
    return f'{XML_DECL}<w:{kind} {_DOC_NS_DECL} mc:Ignorable="w14">{body}</w:{kind}>'


class DocxPackage:
    """Assemble a .docx from part XML strings; `save` is deterministic."""

    def __init__(
        self,
        body: str,
        sect_pr: str,
        *,
        styles: str,
        font_table: str,
        settings: str,
        title: str = "",
    ) -> None:
        self.body = body
        self.sect_pr = sect_pr
        self.styles = styles
        self.font_table = font_table
        self.settings = settings
        self.title = title
        self.headers: list[tuple[str, str, str]] = []  # (rId, part name, xml)
        self.footers: list[tuple[str, str, str]] = []

    def add_footer(self, body: str) -> str:
        """Adds a footer part and returns its relationship id for the sectPr."""
        rid = f"rIdFtr{len(self.footers) + 1}"
        self.footers.append((rid, f"footer{len(self.footers) + 1}.xml", hdr_ftr_xml("ftr", body)))
        return rid

    def add_header(self, body: str) -> str:
        rid = f"rIdHdr{len(self.headers) + 1}"
        self.headers.append((rid, f"header{len(self.headers) + 1}.xml", hdr_ftr_xml("hdr", body)))
        return rid

    def parts(self) -> list[tuple[str, bytes]]:
        hf = self.headers + self.footers
        overrides = "".join(
            f'<Override PartName="/word/{name}" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.{"header" if name.startswith("header") else "footer"}+xml"/>'
            for _, name, _ in hf
        )
        ct = (
            f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/>'
            '<Default Extension="jpeg" ContentType="image/jpeg"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
            '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
            '<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
            f"{overrides}"
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"
        )
        root_rels = (
            f'{XML_DECL}<Relationships xmlns="{REL_NS}">'
            f'<Relationship Id="rId1" Type="{RT}officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{RT}extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>"
        )
        doc_rels = (
            f'{XML_DECL}<Relationships xmlns="{REL_NS}">'
            f'<Relationship Id="rId1" Type="{RT}styles" Target="styles.xml"/>'
            f'<Relationship Id="rId2" Type="{RT}settings" Target="settings.xml"/>'
            f'<Relationship Id="rId3" Type="{RT}fontTable" Target="fontTable.xml"/>'
            + "".join(
                f'<Relationship Id="{rid}" Type="{RT}header" Target="{name}"/>'
                for rid, name, _ in self.headers
            )
            + "".join(
                f'<Relationship Id="{rid}" Type="{RT}footer" Target="{name}"/>'
                for rid, name, _ in self.footers
            )
            + "</Relationships>"
        )
        core = (
            f'{XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(self.title)}</dc:title><dc:creator>reportgen</dc:creator>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">2023-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2023-01-01T00:00:00Z</dcterms:modified>'
            "</cp:coreProperties>"
        )
        app = (
            f'{XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>reportgen</Application></Properties>"
        )
        parts = [
            ("[Content_Types].xml", ct),
            ("_rels/.rels", root_rels),
            ("docProps/core.xml", core),
            ("docProps/app.xml", app),
            ("word/document.xml", document_xml(self.body, self.sect_pr)),
            ("word/_rels/document.xml.rels", doc_rels),
            ("word/styles.xml", self.styles),
            ("word/settings.xml", self.settings),
            ("word/fontTable.xml", self.font_table),
        ]
        parts += [(f"word/{name}", xml) for _, name, xml in hf]
        return [(name, xml.encode("utf-8")) for name, xml in parts]

    def save(self, path: str | os.PathLike) -> None:
        write_zip(path, self.parts(), compresslevel=9)
