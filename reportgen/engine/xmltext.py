"""Text from data into XML parts: characters XML 1.0 cannot hold never reach a written part.

Every string the engine puts into a .docx from data passes through the Word finalizer in
environment.py (docxtpl's meanings for \\n, \\a, \\t and \\f; the rest dropped) or `clean`; into an
.xlsx through XlsxWriter's escaping (Excel's own _xHHHH_ convention) after `drop_surrogates`, or
`excel_text` for openpyxl. What is removed is counted per process;
`take_dropped` hands the count to the next manifest (a note) so that nothing is dropped silently.
"""

from __future__ import annotations

import os
import re
import threading
import xml.parsers.expat
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from reportgen.errors import TemplateError

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_lock = threading.Lock()
_dropped: Counter[str] = Counter()


def count_dropped(chars: str | Counter[str]) -> None:
    """Record characters removed from data (a string of them, or a Counter from a worker)."""
    with _lock:
        _dropped.update(chars)


def _drop(match: re.Match) -> str:
    count_dropped(match.group(0))
    return ""


def clean(text: str) -> str:
    """`text` without the characters an XML part cannot hold (each one counted); a carriage
    return is a line break (\r\n and \r as \n: Excel would otherwise show _x000D_)."""
    if text.isprintable():  # fast path: printable characters are all valid XML
        return text
    text = INVALID_XML.sub(_drop, text)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_SURROGATE = re.compile("[\ud800-\udfff]")
_EXCEL_ESCAPE = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def drop_surrogates(text: str) -> str:
    """`text` without lone surrogates (no encoding can write them), each one counted: for cells
    XlsxWriter writes, which escapes every other character itself (see `excel_text`)."""
    if text.isprintable():
        return text
    return _SURROGATE.sub(_drop, text)


def _excel_escape(match: re.Match) -> str:
    s = match.group(0)
    return "_x005F" + s if len(s) > 1 else f"_x{ord(s):04X}_"


def excel_text(text: str) -> str:
    """A cell's text as Excel stores it (ECMA-376 ST_Xstring, what XlsxWriter writes): control
    characters and U+FFFE/U+FFFF as _xHHHH_ (Excel shows the character again), a literal _xHHHH_
    in data as _x005F_xHHHH_ (shown as typed), lone surrogates dropped (counted). For openpyxl,
    which refuses control characters (IllegalCharacterError) and escapes nothing itself."""
    if text.isprintable() and "_x" not in text:
        return text
    return _EXCEL_ESCAPE.sub(_excel_escape, drop_surrogates(text))


def visible(text: str) -> str:
    """`text` with each character an XML part cannot hold shown as [U+0007] (for problem lists,
    where the clerk must see the bad character to find it)."""
    if text.isprintable():
        return text
    return INVALID_XML.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", text)


def take_dropped() -> Counter[str]:
    """The characters removed since the last call (and forget them)."""
    with _lock:
        taken = Counter(_dropped)
        _dropped.clear()
    return taken


@contextmanager
def collect() -> Iterator[Counter[str]]:
    """The characters removed inside the block (they stay counted in this process too): a worker
    process hands them to its parent, which adds them with `count_dropped`."""
    before = Counter(_dropped)
    got: Counter[str] = Counter()
    try:
        yield got
    finally:
        with _lock:
            got.update(_dropped - before)


VERIFY_ENV = "REPORTGEN_VERIFY_XML"


def verify_enabled() -> bool:
    """Whether every written .docx/.xlsx is parsed back (REPORTGEN_VERIFY_XML=1). Off by default:
    parsing costs 40 % (expat) to 130 % (lxml) of rendering a card, and by construction no data
    text reaches a part unescaped; on, it is the belt to those braces (tests, debugging)."""
    return os.environ.get(VERIFY_ENV, "") not in ("", "0")


def malformed_parts(path: str | os.PathLike) -> list[str]:
    """`part: error` for each XML part of a .docx/.xlsx that is not well-formed (empty: all fine)."""
    bad = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                xml.parsers.expat.ParserCreate().Parse(zf.read(name), True)
            except xml.parsers.expat.ExpatError as err:
                bad.append(f"{name}: {err}")
    return bad


def verify_package(path: str | os.PathLike) -> None:
    """Raise if a written package has a part that does not parse (only when verify_enabled())."""
    if not verify_enabled():
        return
    bad = malformed_parts(path)
    if bad:
        raise TemplateError(
            f"写出的文件 {os.path.basename(path)} 有不是有效 XML 的部分（请把模板和这条数据报告给维护人员）："
            + "；".join(bad[:3])
        )


def dropped_note(dropped: Counter[str]) -> str | None:
    """One Chinese line for the manifest and the console, or None when nothing was removed."""
    total = sum(dropped.values())
    if not total:
        return None
    kinds = "、".join(f"U+{ord(c):04X}×{n}" for c, n in sorted(dropped.items()))
    return (
        f"数据中有 {total} 个不能写入 Word/Excel 的控制字符或无效字符，已从文书中删除（{kinds}）；"
        "请在原始数据中检查这些内容"
    )


__all__ = [
    "INVALID_XML",
    "VERIFY_ENV",
    "clean",
    "collect",
    "count_dropped",
    "drop_surrogates",
    "dropped_note",
    "excel_text",
    "malformed_parts",
    "take_dropped",
    "verify_enabled",
    "verify_package",
    "visible",
]
