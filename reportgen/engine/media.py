"""Pictures and hyperlinks in Word parts: the Image value and its size, the `image` and `link`
filters, and where their XML goes once the part they print in has rendered.

A filter cannot write a picture or a link by itself: both need a relationship in the part being
written (current_sink, see sink.py). What they print is a marker; the writer replaces each marker
after the part renders (`place_inline`), inside the run the tag sat in, so the text after it
keeps the run's formatting and the link text takes the run's font and size.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as _escape

import jinja2

from reportgen.engine.assets import resolve_asset
from reportgen.engine.ooxml import EMU_PER_MM
from reportgen.engine.ooxml import escape as xml_text
from reportgen.engine.ooxml_order import ordered_inner
from reportgen.engine.sink import current_sink
from reportgen.errors import TemplateError

FORMATS = "PNG、JPEG、GIF 或 BMP"
_DEFAULT_DPI = 96
_MAX_MM = 2000  # larger than any page: a size beyond it is a typo (cm or px written as mm)


# ------------------------------------------------------------------ picture bytes and sizes
def picture_size(data: bytes) -> tuple[str, int, int]:
    """(extension, width px, height px) of PNG or JPEG bytes, read from the header alone.
    ValueError for anything else (see `as_png_or_jpeg`)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        if w and h:
            return "png", w, h
    elif data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                raise ValueError("JPEG 文件已损坏")
            marker = data[i + 1]
            if marker == 0xFF:  # fill byte
                i += 1
                continue
            if marker in (0x01, *range(0xD0, 0xD8)):  # no length
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            # SOF0…SOF15 carry the size (C4, C8, CC are other markers)
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                if w and h:
                    return "jpeg", w, h
                break
            i += 2 + length
    raise ValueError(f"不是 {FORMATS} 图片（无法读出图片大小）")


def as_png_or_jpeg(data: bytes) -> bytes:
    """PNG and JPEG as they are; GIF and BMP (read by Pillow) as PNG, which every Word, WPS and
    LibreOffice shows. ValueError (Chinese) for anything else, or a file Pillow cannot read."""
    try:
        picture_size(data)
        return data
    except ValueError:
        pass
    if data[:6] not in (b"GIF87a", b"GIF89a") and data[:2] != b"BM":
        raise ValueError(f"不是 {FORMATS} 图片")
    try:
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as img:
            img.seek(0)  # an animated GIF prints its first frame
            out = io.BytesIO()
            converted = img.convert("RGBA" if "transparency" in img.info else "RGB")
            converted.save(out, "PNG", dpi=img.info.get("dpi", (_DEFAULT_DPI, _DEFAULT_DPI)))
    except ImportError:
        raise ValueError(
            "GIF、BMP 图片需要 Pillow（pip install Pillow），或请换成 PNG、JPEG"
        ) from None
    except Exception:  # noqa: BLE001 - Pillow's many errors for a damaged file
        raise ValueError(f"图片已损坏，无法读取（应是 {FORMATS} 图片）") from None
    return out.getvalue()


def picture_dpi(data: bytes) -> float:
    """Dots per inch recorded in the picture (Pillow reads PNG pHYs, JFIF and EXIF); 96 when it
    records none or an implausible value."""
    try:
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as img:
            dpi = img.info.get("dpi")
    except Exception:  # noqa: BLE001 - Pillow missing or unreadable: the usual screen resolution
        return _DEFAULT_DPI
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return _DEFAULT_DPI
    return value if 20 <= value <= 4800 else _DEFAULT_DPI


def fit_extent(
    px: tuple[int, int],
    width_mm: float | None,
    height_mm: float | None,
    natural_mm: Callable[[], tuple[float, float]],
    max_width_mm: float | None = None,
) -> tuple[int, int]:
    """(cx, cy) in EMU: both sides given → exactly; one → the other from the aspect ratio;
    neither → `natural_mm()` (size from the picture's DPI), shrunk to `max_width_mm`."""
    w_px, h_px = px
    if width_mm and height_mm:
        w, h = width_mm, height_mm
    elif width_mm:
        w, h = width_mm, width_mm * h_px / w_px
    elif height_mm:
        w, h = height_mm * w_px / h_px, height_mm
    else:
        w, h = natural_mm()
        if max_width_mm and w > max_width_mm:
            w, h = max_width_mm, h * max_width_mm / w
    return max(1, round(w * EMU_PER_MM)), max(1, round(h * EMU_PER_MM))


@dataclass(frozen=True)
class Image:
    """A picture for one record (a photo, a QR code): PNG or JPEG bytes.

    `width_mm` and/or `height_mm`: one given, the other follows the picture's aspect ratio; both,
    exactly that box; neither, the picture's own size from its DPI (at most the text width). Put it
    in the context and write `{{ qr }}` in the template, or `{{ r.照片|image(width_mm=30) }}` with a
    file name. Picklable, so it can travel to worker processes.
    """

    data: bytes
    width_mm: float | None = None
    height_mm: float | None = None
    name: str = "图片"

    def __post_init__(self) -> None:
        for label, value in (("width_mm", self.width_mm), ("height_mm", self.height_mm)):
            if value is not None and not (
                isinstance(value, int | float) and not isinstance(value, bool) and 0 < value
            ):
                raise ValueError(f"图片的 {label} 应是大于 0 的毫米数，现在是“{value}”")

    def __html__(self) -> str:
        sink = current_sink.get()
        return sink.image_xml(self) if sink is not None else ""

    def __str__(self) -> str:
        # str() is what joining with text or an Excel cell would print: bytes, never useful
        raise ValueError(
            "图片只能单独写在 Word 模板的 {{ }} 里（正文、表格或页眉页脚），"
            "不能和文字拼接，也不能用在 Excel 模板里"
        )

    def size_px(self) -> tuple[int, int]:
        _, w, h = picture_size(self.data)
        return w, h

    @property
    def extension(self) -> str:
        return picture_size(self.data)[0]

    def extent_emu(self, max_width_mm: float | None = None) -> tuple[int, int]:
        """(cx, cy) of the picture on the page (see the class docstring)."""

        def natural() -> tuple[float, float]:
            dpi = picture_dpi(self.data)
            w, h = self.size_px()
            return w * 25.4 / dpi, h * 25.4 / dpi

        return fit_extent(self.size_px(), self.width_mm, self.height_mm, natural, max_width_mm)


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


def load_picture(value: Any, what: str = "图片") -> Image:
    """An Image from bytes, an open file, an Image, or a file path (trusted: given by the person
    running the command, not by a template). TemplateError naming the value when it is not a picture."""
    if isinstance(value, Image):
        return value
    if hasattr(value, "read"):  # an open file, io.BytesIO
        value = value.read()
    if isinstance(value, bytes | bytearray | memoryview):
        data, label, name = bytes(value), f"{what}数据（{len(value)} 字节）", "图片"
    elif isinstance(value, str | os.PathLike):
        path = Path(value)
        label, name = f"{what}文件 {path}", path.stem or "图片"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise TemplateError(f"找不到{what}文件：{path}") from None
        except OSError as err:
            raise TemplateError(f"无法读取{what}文件 {path}：{err.strerror or err}") from None
    else:
        raise TemplateError(f"{what}应是图片文件或图片数据，现在是 {type(value).__name__}")
    try:
        return Image(as_png_or_jpeg(data), name=name)
    except ValueError as err:
        raise TemplateError(f"{label}：{err}") from None


# ------------------------------------------------------------------ the filters
def _size_arg(label: str, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not 0 < number <= _MAX_MM:
        raise ValueError(f"image 过滤器的 {label} 应是大于 0 的毫米数（如 30），现在是“{value}”")
    return number


# Both filters take the render context only so that Jinja never runs them while compiling:
# `{{ "印章.png"|image }}` must read its file when a record renders, not print "" for ever.
@jinja2.pass_context
def image(_ctx, value: Any, width_mm: Any = None, height_mm: Any = None, **unknown: Any) -> Any:
    """`{{ r.照片|image(width_mm=30) }}`: the picture a value names (a file in the allowed folders,
    see assets.py) or holds (an Image, bytes), `width_mm` wide / `height_mm` high. Blank → nothing."""
    if unknown:
        raise ValueError(
            f"image 过滤器没有参数“{'”、“'.join(unknown)}”：可用的参数是 width_mm（宽，毫米）"
            "和 height_mm（高，毫米），如 image(width_mm=30)"
        )
    width, height = _size_arg("width_mm", width_mm), _size_arg("height_mm", height_mm)
    if isinstance(value, jinja2.Undefined):
        value = str(value)  # a missing variable: the usual error (or '' in templates check)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if not _ctx.eval_ctx.autoescape:  # the text environment: Excel cells
        raise ValueError("image 过滤器只能用在 Word 模板里（Excel 模板里的图片请直接放在模板上）")
    if current_sink.get() is None:
        return ""  # no file being written (templates check): nothing to show, no file read
    if isinstance(value, str | os.PathLike):
        try:
            path = resolve_asset(value, "图片")
        except TemplateError as err:
            # raised as a plain error so that the render names the template line
            raise ValueError(err.message) from None
        try:
            picture = load_picture(path)
        except TemplateError as err:
            raise ValueError(err.message.replace(str(path), f"“{value}”")) from None
    else:
        try:
            picture = load_picture(value)
        except TemplateError as err:
            raise ValueError(err.message) from None
    if width is None and height is None:
        width, height = picture.width_mm, picture.height_mm
    return Image(picture.data, width, height, picture.name)


LINK_SCHEMES = ("http", "https", "mailto")


def check_url(url: str) -> str:
    """`url` if a template may link to it (http, https or mailto), else ValueError (Chinese)."""
    shown = url if len(url) <= 80 else url[:77] + "…"
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise ValueError(f"链接“{shown}”里有空格或控制字符：请检查这个网址")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError(f"链接“{shown}”不是有效的网址") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise ValueError(
            f"链接“{shown}”不是完整的网址：请写成 https://… 或 http://…（电子邮箱写成 mailto:…）"
        )
    if scheme not in LINK_SCHEMES:
        raise ValueError(
            f"链接“{shown}”不能使用：只允许 http://、https:// 和 mailto: 开头的地址"
            f"（{scheme}: 的链接可能运行程序或打开本机文件）"
        )
    if scheme != "mailto" and not parts.netloc:
        raise ValueError(f"链接“{shown}”缺少网站地址（应写成 https://网站/…）")
    if scheme == "mailto" and not parts.path:
        raise ValueError(f"链接“{shown}”缺少邮箱地址（应写成 mailto:名字@网站）")
    return url


class Link(str):
    """What `link` returns: the text shown (its str value, so an Excel cell shows the text) and
    the address; in a Word part it becomes a w:hyperlink (the sink adds the relationship)."""

    url: str

    def __new__(cls, text: str, url: str) -> Link:
        self = super().__new__(cls, text)
        self.url = url
        return self

    def __reduce__(self):
        return Link, (str(self), self.url)

    def __html__(self) -> str:
        sink = current_sink.get()
        return sink.link_xml(self) if sink is not None else xml_text(str(self))


@jinja2.pass_context
def link(_ctx, value: Any, text: Any = None, **unknown: Any) -> Any:
    """`{{ r.网址|link }}` shows the address, `{{ r.网址|link("显示文字") }}` the text; both link
    to the address (http, https, mailto only). A blank address shows the text alone."""
    if unknown:
        raise ValueError(
            f"link 过滤器没有参数“{'”、“'.join(unknown)}”：它只有一个参数，显示的文字，"
            '如 link("点击查看")'
        )
    if isinstance(value, jinja2.Undefined):
        value = str(value)
    url = "" if value is None else str(value).strip()
    shown = "" if text is None else str(text)
    if not url:
        return shown
    return Link(shown or url, check_url(url))


MEDIA_FILTERS = {"image": image, "link": link}

# Arguments each filter takes, for `templates check` (positional count, keyword names).
FILTER_ARGS = {"image": (2, ("width_mm", "height_mm")), "link": (1, ("text",))}


def filter_usage_problems(tree: jinja2.nodes.Template) -> list[tuple[int, str]]:
    """(line, message) for `image` / `link` calls a render would refuse whatever the data:
    unknown or too many arguments, a size that is no positive number, a constant address that
    is not allowed."""
    from jinja2 import nodes

    found = []
    for node in tree.find_all(nodes.Filter):
        if node.name not in FILTER_ARGS:
            continue
        most, names = FILTER_ARGS[node.name]
        # jinja2 declares a filter's kwargs as Pair nodes; its parser makes Keyword nodes
        kwargs = cast("list[nodes.Keyword]", node.kwargs)
        wrong = [k.key for k in kwargs if k.key not in names]
        if wrong:
            found.append(
                (node.lineno, f"{node.name} 过滤器没有参数“{'”、“'.join(wrong)}”"
                 f"（可用：{'、'.join(names)}）")
            )  # fmt: skip
        if len(node.args) > most:
            found.append((node.lineno, f"{node.name} 过滤器最多有 {most} 个参数"))
        try:
            if node.name == "image":
                args = dict(zip(names, node.args, strict=False))
                args.update({k.key: k.value for k in kwargs})
                for key, arg in args.items():
                    if isinstance(arg, nodes.Const) and key in names:
                        _size_arg(key, arg.value)
            elif isinstance(node.node, nodes.Const) and isinstance(node.node.value, str):
                if node.node.value.strip():
                    check_url(node.node.value.strip())
        except ValueError as err:
            found.append((node.lineno, str(err)))
    return found


# ------------------------------------------------------------------ placing the XML
INLINE = "\ue0f0"  # + the object's number + INLINE_END: a picture or link waiting for its place
INLINE_END = "\ue0f1"
_INLINE = re.compile("\ue0f0(\\d+)\ue0f1")
_LINK_RPR_DROP = re.compile(
    r"<w:(?:rStyle|color|u)\b[^>]*/>|<w:rPrChange\b.*?</w:rPrChange>|<w:rPrChange\b[^>]*/>", re.S
)
# A run left holding no text by a cut (its w:rPr has no nested w:rPr: no tracked change)
_EMPTY_RUN = re.compile(
    r'<w:r>(?:<w:rPr>(?:(?!</?w:rPr>|</w:r>).)*</w:rPr>)?<w:t xml:space="preserve"></w:t></w:r>'
)
_STYLE = re.compile(r"<w:style\b[^>]*>.*?</w:style>", re.S)
_HYPERLINK_NAMES = ("hyperlink", "超链接")


@dataclass(frozen=True)
class Inline:
    """A picture or link waiting for the part to finish rendering: `xml(rpr)` is its run-level
    XML given the children of the w:rPr of the run it sits in; `text` is what shows where no
    run-level element can go (in an attribute, a field code, another link)."""

    xml: Callable[[str], str]
    text: str
    is_link: bool = False


def drawing_xml(rid: str, docpr: int, cx: int, cy: int, name: str) -> str:
    """An inline picture's run."""
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    name = _escape(name, {'"': "&quot;"})
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{docpr}" name="{name} {docpr}"/>'
        f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="{a}" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        f'<a:graphic xmlns:a="{a}">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="0" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
        "</wp:inline></w:drawing></w:r>"
    )


def hyperlink_xml(rid: str, text: str, rpr: str, style_id: str | None) -> str:
    """A w:hyperlink holding one run: the enclosing run's formatting `rpr` (children of w:rPr),
    with the template's Hyperlink character style `style_id`, or blue and underlined without one."""
    inner = _LINK_RPR_DROP.sub("", rpr)
    if style_id:
        inner = f'<w:rStyle w:val="{_escape(style_id, {chr(34): "&quot;"})}"/>' + inner
    else:
        inner += '<w:color w:val="0563C1"/><w:u w:val="single"/>'
        if rpr:
            inner = ordered_inner("rPr", inner)
    return (
        '<w:hyperlink xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
        f' r:id="{rid}" w:history="1"><w:r><w:rPr>{inner}</w:rPr>'
        f'<w:t xml:space="preserve">{xml_text(text)}</w:t></w:r></w:hyperlink>'
    )


def hyperlink_style(styles_xml: bytes | None) -> str | None:
    """The styleId of the character style named Hyperlink (超链接) in styles.xml, if any."""
    if not styles_xml:
        return None
    text = styles_xml.decode("utf-8", "replace")
    for m in _STYLE.finditer(text):
        el = m.group(0)
        if 'w:type="character"' not in el[: el.find(">")]:
            continue
        name = re.search(r'<w:name w:val="([^"]*)"', el)
        sid = re.search(r'w:styleId="([^"]*)"', el[: el.find(">")])
        if name and sid and name.group(1).strip().lower() in _HYPERLINK_NAMES:
            return sid.group(1)
    return None


USES_LINK = re.compile(r"\|\s*link\b")
USES_MEDIA = re.compile(r"\|\s*(?:link|image)\b")


def with_hyperlink_style(styles_xml: bytes, sid: str | None = None) -> tuple[bytes, str]:
    """styles.xml with a Hyperlink character style added (blue, single underline, as Word's),
    and its styleId (`sid`, kept when the part already has it, or a new one). A link run needs a
    character style: LibreOffice's PDF export leaves out the links of runs without one, and Word
    lists it in the style gallery for the clerk to change."""
    if sid is not None and f'w:styleId="{sid}"'.encode() in styles_xml:
        return styles_xml, sid
    n = 1
    while sid is None or f'w:styleId="{sid}"'.encode() in styles_xml:
        n += 1
        sid = "Hyperlink" if n == 2 else f"Hyperlink{n - 1}"
    style = (
        f'<w:style w:type="character" w:styleId="{sid}"><w:name w:val="Hyperlink"/>'
        '<w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
        '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr></w:style>'
    ).encode()
    at = styles_xml.rfind(b"</w:styles>")
    if at < 0:
        raise ValueError("styles.xml")
    return styles_xml[:at] + style + styles_xml[at:], sid


def _rpr_inner(xml: str, at: int) -> str:
    """The children of the w:rPr starting at `at` ('' when there is none)."""
    if not xml.startswith("<w:rPr>", at):
        return ""
    depth, pos = 0, at
    while True:
        opened = xml.find("<w:rPr>", pos)
        closed = xml.find("</w:rPr>", pos)
        if closed < 0:
            return ""
        if 0 <= opened < closed:
            depth += 1
            pos = opened + 7
            continue
        depth -= 1
        pos = closed + 8
        if depth == 0:
            return xml[at + 7 : closed]


def _last(xml: str, i: int, *tags: str) -> int:
    return max(xml.rfind(t, 0, i) for t in tags)


def _placed(xml: str, i: int, obj: Inline) -> str:
    lt, gt = xml.rfind("<", 0, i), xml.rfind(">", 0, i)
    if lt > gt:  # inside a tag: an attribute (alt text, a field's instruction…)
        return _escape(obj.text, {'"': "&quot;"})
    r = _last(xml, i, "<w:r>", "<w:r ")
    if r > xml.rfind("</w:r>", 0, i):  # in a run
        t = _last(xml, i, "<w:t>", "<w:t ")
        if t < r or t < xml.rfind("</w:t>", 0, i):
            return obj.text  # in the run but not in its text (a field code…)
        if obj.is_link and xml.rfind("<w:hyperlink", 0, i) > xml.rfind("</w:hyperlink>", 0, i):
            return obj.text  # a link inside a link of the template: its text only
        rpr = _rpr_inner(xml, xml.index(">", r) + 1)
        keep = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
        return f'</w:t></w:r>{obj.xml(rpr)}<w:r>{keep}<w:t xml:space="preserve">'
    if _last(xml, i, "<w:p>", "<w:p ") > xml.rfind("</w:p>", 0, i):
        return obj.xml("")  # between runs ({{r x }})
    return f"<w:p>{obj.xml('')}</w:p>"  # between paragraphs ({{p x }})


def place_inline(xml: str, objects: list[Inline]) -> str:
    """`xml` with every marker of `objects` replaced by its XML, cut into the run it sits in."""
    out, pos = [], 0
    for m in _INLINE.finditer(xml):
        k = int(m.group(1))
        if k >= len(objects):
            continue  # the same characters typed in data: left as they are
        out.append(xml[pos : m.start()])
        out.append(_placed(xml, m.start(), objects[k]))
        pos = m.end()
    out.append(xml[pos:])
    return _EMPTY_RUN.sub("", "".join(out))  # what was before or after the tag in its run


def text_width_mm(sect_pr: str) -> float | None:
    """Page width minus the left and right margins of a w:sectPr, in millimetres."""
    size = re.search(r'<w:pgSz\b[^>]*?\bw:w="(\d+)"', sect_pr)
    if not size:
        return None
    margins = 0
    for side in ("left", "right"):
        m = re.search(rf'<w:pgMar\b[^>]*?\bw:{side}="(-?\d+)"', sect_pr)
        margins += int(m.group(1)) if m else 1800
    twips = int(size.group(1)) - margins
    return twips * 25.4 / 1440 if twips > 0 else None


__all__ = [
    "FORMATS",
    "INLINE",
    "INLINE_END",
    "Image",
    "Inline",
    "Link",
    "MEDIA_FILTERS",
    "USES_LINK",
    "USES_MEDIA",
    "as_png_or_jpeg",
    "check_url",
    "drawing_xml",
    "filter_usage_problems",
    "hyperlink_style",
    "hyperlink_xml",
    "image",
    "link",
    "load_picture",
    "picture_size",
    "place_inline",
    "png_from_matrix",
    "qr_image",
    "text_width_mm",
    "with_hyperlink_style",
]
