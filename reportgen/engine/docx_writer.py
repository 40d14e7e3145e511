"""Stream many rendered records into one .docx: static parts once, body XML straight into the zip."""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.engine.docx_template import WordTemplate
from reportgen.engine.environment import current_sink
from reportgen.engine.ooxml import EMU_PER_MM, zip_info
from reportgen.engine.xmltext import verify_package
from reportgen.errors import RenderError

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


@dataclass(frozen=True)
class Image:
    """A picture for one record (e.g. a household's QR code): PNG or JPEG bytes shown `width_mm` wide.

    Put it in the context and write `{{ qr }}` in the template (inside a paragraph); it becomes an
    inline picture. Picklable, so it can travel to worker processes.
    """

    data: bytes
    width_mm: float
    height_mm: float | None = None
    name: str = "图片"

    def __html__(self) -> str:
        sink = current_sink.get()
        return sink.image_xml(self) if sink is not None else ""

    def size_px(self) -> tuple[int, int]:
        d = self.data
        if d[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">II", d[16:24])
        if d[:2] == b"\xff\xd8":
            i = 2
            while i < len(d) - 9:
                if d[i] != 0xFF:
                    i += 1
                    continue
                marker = d[i + 1]
                length = struct.unpack(">H", d[i + 2 : i + 4])[0]
                if marker in (0xC0, 0xC1, 0xC2):
                    h, w = struct.unpack(">HH", d[i + 5 : i + 9])
                    return w, h
                i += 2 + length
        raise ValueError("图片只支持 PNG 或 JPEG")

    @property
    def extension(self) -> str:
        return "png" if self.data[:4] == b"\x89PNG" else "jpeg"


def png_from_matrix(matrix: list[list[bool]], scale: int = 4) -> bytes:
    """A black-and-white PNG from a boolean matrix (True = black), without any imaging library."""
    rows = []
    for line in matrix:
        px = b"".join(b"\x00" if cell else b"\xff" for cell in line for _ in range(scale))
        rows.extend([b"\x00" + px] * scale)
    width = len(matrix[0]) * scale
    height = len(matrix) * scale

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def qr_image(text: str, width_mm: float = 25, name: str = "二维码") -> Image:
    """A QR code (qrcode library, quiet zone included) as an Image for a template."""
    import qrcode

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return Image(png_from_matrix(code.get_matrix()), width_mm, name=name)


def _inline_drawing(rid: str, docpr: int, cx: int, cy: int, name: str) -> str:
    return (
        '</w:t></w:r><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{docpr}" name="{name} {docpr}"/>'
        '<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="0" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
        '</wp:inline></w:drawing></w:r><w:r><w:t xml:space="preserve">'
    )


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
    at = _AFTER_PG_NUM.search(sect).start()
    return sect[:at] + f'<w:pgNumType{attrs} w:start="1"/>' + sect[at:]


def _section_break(sect_pr: str) -> str:
    # A section per record restarts page numbers at 1 (for multi-page records such as archives).
    return f"<w:p><w:pPr>{section_break_sect_pr(sect_pr)}</w:pPr></w:p>"


class PrintFileWriter:
    """Writes one .docx from a compiled template, one record after another.

    Headers and footers are rendered once, with the first record's context. `page_break` is
    'page' (next record starts on a new page) or 'section' (a new section per record, page
    numbers restart) or 'none' (records follow each other).
    """

    def __init__(
        self,
        template: WordTemplate,
        path: str | os.PathLike,
        *,
        page_break: str = "page",
        compresslevel: int = 6,
        inspect: Callable[[str], None] | None = None,
    ) -> None:
        """`inspect` sees every rendered part's XML (record bodies, headers, footers) before it is
        written and may raise to refuse the record (e.g. the privacy check of public notices)."""
        if page_break not in ("page", "section", "none"):
            raise ValueError(f"page_break: {page_break!r}")
        self.template = template
        self.path = Path(path)
        self.page_break = page_break
        self.compresslevel = compresslevel
        self.inspect = inspect
        self.count = 0
        self._zf: zipfile.ZipFile | None = None
        self._doc = None
        self._buf: list[bytes] = []
        self._buf_len = 0
        self._docpr = 0
        self._record_index = 0
        self._media: dict[str, tuple[str, str, bytes]] = {}  # sha1 -> (rId, media path, data)
        # part being rendered -> sha1 of the pictures it shows (each part has its own .rels)
        self._part = template.main_part
        self._used: dict[str, dict[str, None]] = {}

    # -- sink interface used by templates while a record renders
    def next_docpr(self) -> int:
        self._docpr += 1
        return self._docpr

    def bookmark_id(self, n: int) -> int:
        return self._record_index * self.template.bookmark_stride + n

    def image_xml(self, image: Image) -> str:
        key = hashlib.sha1(image.data).hexdigest()
        if key not in self._media:
            n = len(self._media) + 1
            self._media[key] = (f"rIdRgImg{n}", f"media/rg_image{n}.{image.extension}", image.data)
        rid = self._media[key][0]
        self._used.setdefault(self._part, {})[key] = None
        w_px, h_px = image.size_px()
        height_mm = image.height_mm or image.width_mm * h_px / w_px
        return _inline_drawing(
            rid,
            self.next_docpr(),
            round(image.width_mm * EMU_PER_MM),
            round(height_mm * EMU_PER_MM),
            image.name,
        )

    # -- writing
    def render(self, ctx: dict[str, Any]) -> str:
        """Render one record's body XML (page/section break included) without writing it."""
        token = current_sink.set(self)
        try:
            self._record_index = self.count
            xml = self.template.render_body(ctx)
        finally:
            current_sink.reset(token)
        if self.count and self.page_break == "page":
            xml = add_page_break_before(xml)
        elif self.count and self.page_break == "section":
            xml = _section_break(self.template.sect_pr) + xml
        return xml

    def add(self, ctx: dict[str, Any]) -> None:
        if self._zf is None:
            self._open(ctx)
        xml = self.render(ctx)
        if self.inspect is not None:
            self.inspect(xml)
        self._write(xml.encode("utf-8"))
        self.count += 1

    def _write(self, data: bytes) -> None:
        self._buf.append(data)
        self._buf_len += len(data)
        if self._buf_len >= _FLUSH_BYTES:
            self._doc.write(b"".join(self._buf))
            self._buf.clear()
            self._buf_len = 0

    def _open(self, first_ctx: dict[str, Any]) -> None:
        tpl = self.template
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._zf = zipfile.ZipFile(
            self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel
        )
        token = current_sink.set(self)
        rendered_hf = {}
        try:
            for name in tpl.hf_parts:
                self._part = name
                xml = tpl.render_part(name, first_ctx)
                if self.inspect is not None:
                    self.inspect(xml)
                rendered_hf[name] = xml.encode("utf-8")
        finally:
            self._part = tpl.main_part
            current_sink.reset(token)
        # A header/footer with a picture needs the picture in its own relationships part.
        hf_rels = {_rels_part(name): name for name in self._used}
        skip = {tpl.main_part, tpl.rels_part, "[Content_Types].xml", *hf_rels}
        self._put(
            "[Content_Types].xml", _with_image_types(tpl.entries.get("[Content_Types].xml", b""))
        )
        for name, data in tpl.entries.items():
            if name in skip:
                continue
            if name in rendered_hf:
                self._put(name, rendered_hf[name])
            else:
                self._put_static(name, data)
        for rels_name, part in hf_rels.items():
            self._put(rels_name, self._rels_with_images(tpl.entries.get(rels_name), part))
        self._doc = self._zf.open(zip_info(tpl.main_part, self.compresslevel), "w")
        self._doc.write(tpl.prefix.encode("utf-8"))

    def _put(self, name: str, data: bytes) -> None:
        self._zf.writestr(zip_info(name, self.compresslevel), data)

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
        if not write_precompressed(self._zf, zip_info(name, self.compresslevel), *cache[name]):
            self._put(name, data)

    def _rels_with_images(self, rels: bytes | None, part: str) -> bytes:
        """`part`'s relationships plus one for each picture it shows (targets relative to it)."""
        folder = os.path.dirname(self.template.main_part)
        here = os.path.dirname(part)
        media = [
            (rid, posixpath.relpath(posixpath.join(folder, path), here or "."), data)
            for key in self._used.get(part, {})
            for rid, path, data in [self._media[key]]
        ]
        return _with_image_rels(rels, media)

    def close(self) -> int:
        """Finish the file; returns the number of records written (0: nothing was written)."""
        if self._zf is None:
            return 0
        tpl = self.template
        self._write((tpl.sect_pr + tpl.suffix).encode("utf-8"))
        self._doc.write(b"".join(self._buf))
        self._buf.clear()
        self._doc.close()
        folder = os.path.dirname(tpl.main_part)
        for _rid, part, data in self._media.values():
            self._put(f"{folder}/{part}", data)
        self._put(
            tpl.rels_part, self._rels_with_images(tpl.entries.get(tpl.rels_part), tpl.main_part)
        )
        self._zf.close()
        self._zf = None
        verify_package(self.path)
        return self.count

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


def write_precompressed(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, compressed: bytes, crc: int, size: int
) -> bool:
    """Append an already-deflated member (what ZipFile.writestr does after compressing).

    Uses ZipFile internals that are stable from Python 3.10 to 3.13; returns False when they are
    missing so the caller falls back to writestr.
    """
    if not all(
        hasattr(zf, a) for a in ("fp", "filelist", "NameToInfo", "start_dir", "_writecheck")
    ):
        return False
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


def _with_image_rels(rels: bytes | None, media) -> bytes:
    text = (
        rels
        or b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    ).decode("utf-8")
    extra = "".join(
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{part}"/>'
        for rid, part, _ in media
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
) -> int:
    """All records into one .docx at `path` (written in place; see batch.py for atomic writes)."""
    writer = PrintFileWriter(template, path, page_break=page_break, compresslevel=compresslevel)
    try:
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
