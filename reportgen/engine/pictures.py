"""Pictures already in a Word template (a seal, a logo) replaced by their name or alt text.

A clerk names a picture in Word's 选择窗格 (wp:docPr @name) or 替换文字 (@descr, @title); the
original file name Word keeps in pic:cNvPr @name also counts, as in docxtpl's replace_pic. The
replacement takes the template picture's place: it fits the template picture's box with its own
aspect ratio (never stretched, never larger), unless it brings its own size (Image.width_mm…).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.engine.assets import resolve_asset
from reportgen.engine.media import Image, fit_extent, load_picture
from reportgen.errors import TemplateError

_DRAWING = re.compile(r"<w:drawing\b[^>]*>.*?</w:drawing>", re.S)
_PIC = re.compile(r"<pic:pic\b.*?</pic:pic>", re.S)
_DOC_PR = re.compile(r"<wp:docPr\b([^>]*)>")
_C_NV_PR = re.compile(r"<pic:cNvPr\b([^>]*)>")
_LABEL = re.compile(r'\b(name|descr|title)="([^"]*)"')
_BLIP = re.compile(r"<a:blip\b[^>]*?(/?)>")
_EMBED = re.compile(r'\s(?:r:embed|r:link)="[^"]*"')
_SVG_EXT = re.compile(r'<a:ext uri="\{96DAC541-7B7A-43D3-8B79-37D633B846F1\}">.*?</a:ext>', re.S)
_EMPTY_EXT_LST = re.compile(r"<a:extLst>\s*</a:extLst>")
_EXTENT = re.compile(r'(<wp:extent\b[^>]*?\bcx=")(\d+)("[^>]*?\bcy=")(\d+)(")')
_XFRM_EXT = re.compile(
    r'(<a:xfrm\b[^>]*>.*?<a:ext\b[^>]*?\bcx=")(\d+)("[^>]*?\bcy=")(\d+)(")', re.S
)


def _labels(attrs: str) -> dict[str, str]:
    return {k: html.unescape(v).strip() for k, v in _LABEL.findall(attrs) if v.strip()}


@dataclass(frozen=True)
class TemplatePicture:
    """One picture of a template part: what it is called where a clerk sees it, and every label
    it answers to."""

    shown: str  # for messages: 选择窗格 name (替换文字)
    labels: frozenset[str]


def template_pictures(xml: str) -> list[TemplatePicture]:
    """Every picture in a part's XML (Jinja source or rendered)."""
    found = []
    for d in _DRAWING.finditer(xml):
        drawing = d.group(0)
        doc_pr = _DOC_PR.search(drawing)
        outer = _labels(doc_pr.group(1)) if doc_pr else {}
        for pic in _PIC.findall(drawing):
            own = _C_NV_PR.search(pic)
            inner = _labels(own.group(1)) if own else {}
            name = outer.get("name") or inner.get("name") or "（未命名）"
            alt = outer.get("descr") or outer.get("title")
            shown = f"{name}（替换文字：{alt}）" if alt and alt != name else name
            found.append(TemplatePicture(shown, frozenset({*outer.values(), *inner.values()})))
    return found


@dataclass(frozen=True)
class Replacement:
    """The picture that takes a template picture's place, under relationship id `rid`."""

    rid: str
    picture: Image
    key: str = ""  # the writer's media key (which media part the relationship points at)


def _resized(drawing: str, picture: Image) -> str:
    box = _EXTENT.search(drawing)
    if box is None:
        return drawing
    cx, cy = int(box.group(2)), int(box.group(4))
    px = picture.size_px()
    if picture.width_mm or picture.height_mm:
        new = fit_extent(px, picture.width_mm, picture.height_mm, lambda: (0.0, 0.0))
    else:  # fit the template's box, keeping the new picture's aspect ratio
        scale = min(cx / px[0], cy / px[1])
        new = (max(1, round(px[0] * scale)), max(1, round(px[1] * scale)))
        if abs(new[0] - cx) <= 1 and abs(new[1] - cy) <= 1:
            return drawing

    def size(m: re.Match) -> str:
        return f"{m.group(1)}{new[0]}{m.group(3)}{new[1]}{m.group(5)}"

    return _XFRM_EXT.sub(size, _EXTENT.sub(size, drawing, count=1), count=1)


def _new_blip(pic: str, rid: str) -> str:
    m = _BLIP.search(pic)
    if m is None:
        return pic
    tag = _EMBED.sub("", m.group(0))
    tag = tag.replace("<a:blip", f'<a:blip r:embed="{rid}"', 1)
    pic = pic[: m.start()] + tag + pic[m.end() :]
    # Word 365 keeps an SVG beside the PNG and shows the SVG: it would show the old picture
    return _EMPTY_EXT_LST.sub("", _SVG_EXT.sub("", pic))


def replace_pictures(xml: str, wanted: Mapping[str, Replacement]) -> tuple[str, set[str]]:
    """`xml` with each picture whose label is a key of `wanted` showing that replacement; and the
    keys used. A drawing holding one picture is resized (see the module docstring); in a group,
    only the picture is swapped and it fills its place in the group."""
    used: set[str] = set()

    def drawing(d: re.Match) -> str:
        text = d.group(0)
        doc_pr = _DOC_PR.search(text)
        outer = set(_labels(doc_pr.group(1)).values()) if doc_pr else set()
        pics = list(_PIC.finditer(text))
        single = len(pics) == 1 and "<wpg:" not in text
        out, pos, resize = [], 0, None
        for p in pics:
            own = _C_NV_PR.search(p.group(0))
            labels = outer | set(_labels(own.group(1)).values() if own else ())
            key = next((k for k in wanted if k in labels), None)
            if key is None:
                continue
            used.add(key)
            out += [text[pos : p.start()], _new_blip(p.group(0), wanted[key].rid)]
            pos = p.end()
            resize = wanted[key].picture if single else None
        if not out:
            return text
        text = "".join(out) + text[pos:]
        return _resized(text, resize) if resize is not None else text

    return _DRAWING.sub(drawing, xml), used


class PictureSwap:
    """Which template pictures a print file shows replaced: `all` for every record (the
    `pictures` given to the writer), `for_record` for one record (its `_pictures`).

    `media(data, extension)` adds a picture to the file and returns (its key, its rId)."""

    def __init__(
        self,
        template: Any,
        pictures: Mapping[str, Any] | None,
        media: Callable[[bytes, str], tuple[str, str]],
    ) -> None:
        self.template = template
        self._media = media
        self._files: dict[Path, Replacement] = {}  # records' `_pictures` files already read
        self._body: list[TemplatePicture] | None = None
        self.all: dict[str, Replacement] = {}
        if pictures:
            parts = [template.body, *template.headers_footers.values()]
            have = [p for part in parts for p in template_pictures(part.source)]
            self.all = self._named(pictures, have, f"模板“{template.path.name}”")

    def for_record(self, wanted: Any) -> dict[str, Replacement]:
        """A record's `_pictures`: body picture name -> file name (in the allowed folders, see
        assets.py), Image or bytes; blank keeps the template's picture."""
        if not isinstance(wanted, Mapping):
            raise TemplateError('记录的 _pictures 应写成 {"图片名称": "图片文件"}')
        chosen = {}
        for name, value in wanted.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if isinstance(value, str):
                path = resolve_asset(value, "图片")
                if path not in self._files:
                    if len(self._files) > 32:  # one seal for all records, or one per record
                        self._files.clear()
                    self._files[path] = self._replacement(path, str(name))
                value = self._files[path]
            chosen[str(name)] = value
        if not chosen:
            return {}
        if self._body is None:
            self._body = template_pictures(self.template.body.source)
        return self._named(chosen, self._body, "模板正文")

    def _named(
        self, pictures: Mapping[str, Any], have: list[TemplatePicture], where: str
    ) -> dict[str, Replacement]:
        missing = [n for n in pictures if not any(n in p.labels for p in have)]
        if missing:
            raise TemplateError(missing_picture_message(missing, have, where))
        return {name: self._replacement(value, name) for name, value in pictures.items()}

    def _replacement(self, value: Any, name: str) -> Replacement:
        if isinstance(value, Replacement):
            return value
        picture = load_picture(value, f"替换“{name}”的图片")
        key, rid = self._media(picture.data, picture.extension)
        return Replacement(rid, picture, key)


def missing_picture_message(names: list[str], pictures: list[TemplatePicture], where: str) -> str:
    """The Chinese message for picture names a template does not have, listing the ones it has."""
    have = list(dict.fromkeys(p.shown for p in pictures))
    listed = "：“" + "”、“".join(have) + "”" if have else "：没有"
    return (
        f"{where}里没有名为“{'”、“'.join(names)}”的图片。{where}里的图片{listed}"
        "（图片的名称在 Word 的“选择窗格”里看，或右键图片→“查看替换文字”）"
    )


__all__ = [
    "PictureSwap",
    "Replacement",
    "TemplatePicture",
    "missing_picture_message",
    "replace_pictures",
    "template_pictures",
]
