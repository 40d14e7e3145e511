"""A streaming .xlsx row reader: constant memory whatever the sheet size.

Why not a library: openpyxl's read-only mode streams but costs ~100 µs a row; python-calamine is
~10× faster but loads each whole sheet into memory (620 MB for 500,000 persons). This reader
walks the sheet XML with lxml.iterparse, freeing each row once read (~40 µs a row, ~20 MB);
benchmarks/bench_import.py measures all three.

Values come back as Python types: str, float/int, bool, datetime.date/datetime (numbers whose
cell style is a date format), None for empty cells; the row numbers are the sheet's own.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_MAIN_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

# Built-in number formats that are dates or times (ECMA-376 18.8.30).
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47, 27, 30, 36, 50, 57}
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_COLUMN = re.compile(r"[A-Z]+")


class XlsxFormatError(Exception):
    """Raised when the file is not a readable .xlsx package."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    part: str  # zip member of the sheet XML


def _column_index(ref: str, cache: dict[str, int] = {}) -> int:  # noqa: B006 - deliberate memo
    letters = _COLUMN.match(ref)
    if letters is None:
        raise XlsxFormatError(f"bad cell reference {ref!r}")
    key = letters.group()
    index = cache.get(key)
    if index is None:
        index = 0
        for ch in key:
            index = index * 26 + (ord(ch) - 64)
        index -= 1
        cache[key] = index
    return index


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()  # drop literals, colours, escapes
    return any(ch in code for ch in "ymdh") and "general" not in code


class XlsxReader:
    """Open once, then `rows(sheet)` streams one sheet at a time."""

    def __init__(self, path: str):
        try:
            self.zip = zipfile.ZipFile(path)
            self._ns = self._detect_namespace()
            self.sheets = self._read_workbook()
            self._date_styles = self._read_styles()
            self._strings = self._read_shared_strings()
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
            raise XlsxFormatError(str(exc)) from None

    def close(self) -> None:
        self.zip.close()

    def _detect_namespace(self) -> str:
        head = self.zip.read("xl/workbook.xml")[:2000]
        return _MAIN_STRICT if _MAIN_STRICT.encode() in head else _MAIN

    def _q(self, tag: str) -> str:
        return f"{{{self._ns}}}{tag}"

    def _read_workbook(self) -> list[SheetInfo]:
        workbook = etree.fromstring(self.zip.read("xl/workbook.xml"))
        rels = etree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
        self._date1904 = any(
            p.get("date1904") in ("1", "true") for p in workbook.iter(self._q("workbookPr"))
        )
        sheets = []
        for sheet in workbook.iter(self._q("sheet")):
            rid = sheet.get(f"{{{_REL}}}id") or sheet.get(
                "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
            )
            target = targets.get(rid, "")
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            if part in self.zip.NameToInfo:  # chart sheets and dialog sheets have no worksheet part
                sheets.append(SheetInfo(sheet.get("name"), part))
        return sheets

    def _read_styles(self) -> set[int]:
        if "xl/styles.xml" not in self.zip.NameToInfo:
            return set()
        styles = etree.fromstring(self.zip.read("xl/styles.xml"))
        custom = {
            int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(self._q("numFmt"))
        }
        date_ids = {i for i, code in custom.items() if _is_date_format(code)} | (
            _BUILTIN_DATE_FORMATS - set(custom)
        )
        dates = set()
        xfs = styles.find(self._q("cellXfs"))
        for index, xf in enumerate(xfs if xfs is not None else []):
            if int(xf.get("numFmtId", "0")) in date_ids:
                dates.add(index)
        return dates

    def _read_shared_strings(self) -> list[str]:
        # The shared-string table is the one part Excel makes us hold: every cell may point into it.
        name = next(
            (
                n
                for n in ("xl/sharedStrings.xml", "xl/SharedStrings.xml")
                if n in self.zip.NameToInfo
            ),
            None,
        )
        if name is None:
            return []
        strings: list[str] = []
        si, t = self._q("si"), self._q("t")
        rph = self._q("rPh")  # phonetic runs are not part of the text
        with self.zip.open(name) as fh:
            for _, elem in etree.iterparse(fh, events=("end",), tag=si):
                strings.append(
                    "".join(x.text or "" for x in elem.iter(t) if x.getparent().tag != rph)
                )
                elem.clear()
        return strings

    def dimension_rows(self, sheet: SheetInfo) -> int | None:
        """The last row number from the sheet's <dimension>, for progress; None if absent."""
        with self.zip.open(sheet.part) as fh:
            head = fh.read(4096).decode("utf-8", "ignore")
        m = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
        return int(m.group(1)) if m else None

    def rows(self, sheet: SheetInfo) -> Iterator[tuple[int, list[object]]]:
        """(row number, cells from column A) for every non-empty row, streaming."""
        row_tag, c_tag, v_tag, is_tag, t_tag = (self._q(x) for x in ("row", "c", "v", "is", "t"))
        strings = self._strings
        date_styles = {str(i) for i in self._date_styles}
        epoch = _EPOCH_1904 if self._date1904 else _EPOCH_1900
        columns: dict[str, int] = {}  # "AB12" → 27, memoised by the letters
        digits = "0123456789"
        expected = 0
        with self.zip.open(sheet.part) as fh:
            for _, row in etree.iterparse(fh, events=("end",), tag=row_tag, huge_tree=True):
                r = row.get("r")
                number = int(r) if r else expected + 1
                expected = number
                cells: list[object] = []
                position = -1
                for c in row.iterchildren(c_tag):
                    position += 1
                    ref = c.get("r")
                    if ref:
                        letters = ref.rstrip(digits)
                        index = columns.get(letters)
                        if index is None:
                            index = columns[letters] = _column_index(letters)
                    else:
                        index = position
                    t = c.get("t")
                    if t == "inlineStr":
                        node = c.find(is_tag)
                        if node is None:
                            value: object = None
                        elif len(node) == 1 and node[0].tag == t_tag:
                            value = node[0].text or ""
                        else:  # rich text: several runs
                            value = "".join(x.text or "" for x in node.iter(t_tag))
                    else:
                        v = c.find(v_tag)
                        text = v.text if v is not None else None
                        if text is None:
                            value = None
                        elif t == "s":
                            value = strings[int(text)]
                        elif t is None or t == "n":
                            number_value = float(text)
                            if c.get("s") in date_styles:
                                value = epoch + dt.timedelta(days=number_value)
                                if value.time() == dt.time():
                                    value = value.date()
                            elif number_value.is_integer() and "E" not in text and "e" not in text:
                                value = int(number_value)
                            else:
                                value = number_value
                        elif t == "b":
                            value = text == "1"
                        else:  # "str" (formula text), "e" (error), "d" (ISO date text)
                            value = text
                    if value is None:
                        continue
                    width = len(cells)
                    if index == width:
                        cells.append(value)
                        continue
                    if index > width:
                        cells.extend([None] * (index - width + 1))
                    cells[index] = value
                row.clear()
                parent = row.getparent()
                while row.getprevious() is not None:  # free the rows already read
                    del parent[0]
                if cells:
                    yield number, cells
