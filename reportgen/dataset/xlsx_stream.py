"""A streaming .xlsx row reader: constant memory whatever the sheet size, bounded whatever the file.

Why not a library: openpyxl's read-only mode streams but costs ~100 µs a row; python-calamine is
~10× faster but loads each whole sheet into memory (620 MB for 500,000 persons). This reader
walks the sheet XML with an lxml pull parser, freeing each row once read (~40 µs a row, ~20 MB);
benchmarks/bench_import.py measures all three.

A workbook is a zip of XML parts that can claim anything, so nothing it declares is trusted
before it is bounded (LIMITS, documented in docs/导入格式.md “文件限制”; benchmarks/bench_hostile.py
measures each bomb): the number of zip entries, each part's declared size and compression ratio,
then while streaming the bytes of one row, rows, cells per row, characters per cell, cells per
file and the shared-string table. A damaged or hostile file ends in XlsxFormatError, which says
where (sheet / row / column) in Chinese; readers.py turns it into a DataError.

Values come back as Python types: str, float/int, bool, datetime.date/datetime (numbers whose
cell style is a date format), None for empty cells; the row numbers are the sheet's own.
"""

from __future__ import annotations

import datetime as dt
import math
import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, NoReturn

from lxml import etree

from reportgen.dataset.xlsx_package import (  # noqa: F401  (re-exported: readers, docs, tests)
    _DAMAGED,
    _ZIP_ERRORS,
    Fault,
    ReadLimits,
    XlsxFormatError,
    _damaged,
    _declared_entries,
    _size,
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_MAIN_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

# Built-in number formats that are dates or times (ECMA-376 18.8.30).
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47, 27, 30, 36, 50, 57}
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_LETTERS = re.compile(r"[A-Z]{1,10}")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]{0,40})"')
_DIMENSION_REF = re.compile(r"[A-Z]{1,3}\d{1,7}(?::([A-Z]{1,3})(\d{1,7}))?")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_CHUNK = 1 << 16  # bytes fed to the XML parser at a time
_DECODED = 1 << 16  # shared strings kept decoded while a sheet is read (names of villages, 是/否)
_MAX_CELL_FAULTS = 200  # cell faults collected in one sheet before giving up on it


LIMITS = ReadLimits()


@dataclass(frozen=True)
class SheetInfo:
    name: str
    part: str  # zip member of the sheet XML
    state: str = "visible"  # "hidden" / "veryHidden": hidden in Excel (readers.py skips them)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letters(index: int) -> str:
    """0 → "A", 16383 → "XFD"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()  # drop literals, colours, escapes
    return any(ch in code for ch in "ymdh") and "general" not in code


class XlsxReader:
    """Open once, then `rows(sheet)` streams one sheet at a time. Raises XlsxFormatError."""

    def __init__(self, path: str, limits: ReadLimits | None = None):
        self.limits = limits if limits is not None else LIMITS
        self._rows_read = 0  # row elements, all sheets (max_rows_per_file)
        self._cells_read = 0  # cell elements, all sheets (max_cells_per_file)
        try:
            self.zip = self._open_zip(path)
        except (*_ZIP_ERRORS, KeyError) as exc:
            raise XlsxFormatError(_damaged(exc)) from None
        try:
            self._ns = self._detect_namespace()
            self.sheets = self._read_workbook()
            self._check_sizes()
            self._date_styles = self._read_styles()
            self._strings = self._read_shared_strings()
        except XlsxFormatError:
            self.close()
            raise
        except KeyError as exc:  # a part the workbook needs is missing
            self.close()
            name = exc.args[0] if exc.args else ""
            missing = re.search(r"'([^']+)'", str(name))
            raise XlsxFormatError(
                Fault(f"{_DAMAGED}（缺少 {missing.group(1) if missing else name}）")
            ) from None
        except (*_ZIP_ERRORS, etree.XMLSyntaxError) as exc:
            self.close()
            raise XlsxFormatError(_damaged(exc)) from None

    def close(self) -> None:
        self.zip.close()

    # ------------------------------------------------------------------------ the package
    def _open_zip(self, path: str) -> zipfile.ZipFile:
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError:
            raise XlsxFormatError(
                Fault("无法打开文件（文件不存在、没有读取权限或正被其他程序独占）")
            ) from None
        with fh:
            head = fh.read(8)
            if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: an .xls renamed, or a password
                raise XlsxFormatError(
                    Fault(
                        "不是 .xlsx 文件：可能是设置了打开密码的 Excel 文件，或改了扩展名的旧版 .xls 文件；"
                        "请在 Excel/WPS 中取消密码或“另存为” .xlsx 后导入"
                    )
                )
            if not head.startswith(b"PK"):
                raise XlsxFormatError(Fault("不是 .xlsx 文件（文件内容不是 Excel 工作簿）"))
            entries = _declared_entries(fh)
        if entries is not None and entries > self.limits.max_parts:
            raise XlsxFormatError(
                Fault(
                    f"文件声明含有 {entries} 个部件，超过上限 {self.limits.max_parts} 个（文件已损坏或被恶意构造）"
                )
            )
        archive = zipfile.ZipFile(path)
        if len(archive.infolist()) > self.limits.max_parts:
            archive.close()
            raise XlsxFormatError(
                Fault(
                    f"文件含有的部件超过上限 {self.limits.max_parts} 个（文件已损坏或被恶意构造）"
                )
            )
        return archive

    def _check_part(self, name: str, limit: int, label: str) -> int:
        """Refuse a part whose declared size or compression ratio is past the limits, before
        reading it; zipfile never inflates past the declared size (a lie ends in a CRC error)."""
        info = self.zip.getinfo(name)
        lim = self.limits
        if info.file_size > limit:
            raise XlsxFormatError(
                Fault(
                    f"{label}解压后有 {_size(info.file_size)}，超过上限 {_size(limit)}（文件已损坏或被恶意构造）"
                )
            )
        ratio = -(-info.file_size // max(1, info.compress_size))  # rounded up
        if info.file_size > lim.ratio_floor_bytes and ratio > lim.max_ratio:
            raise XlsxFormatError(
                Fault(
                    f"{label}的压缩比为 {ratio}:1，超过上限 {lim.max_ratio}:1（压缩炸弹，文件已损坏或被恶意构造）"
                )
            )
        return info.file_size

    def _check_sizes(self) -> None:
        lim = self.limits
        total = 0
        for sheet in self.sheets:
            total += self._check_part(sheet.part, lim.max_part_bytes, f"工作表“{sheet.name}”")
        strings = self._shared_strings_part()
        if strings:
            total += self._check_part(strings, lim.max_part_bytes, "共享字符串表")
        if total > lim.max_total_bytes:
            raise XlsxFormatError(
                Fault(
                    f"各工作表解压后共有 {_size(total)}，超过上限 {_size(lim.max_total_bytes)}（文件已损坏或被恶意构造）"
                )
            )

    def _read_whole(self, name: str) -> etree._Element:
        self._check_part(name, self.limits.max_index_part_bytes, name)
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(self.zip.read(name), parser)
        if root.getroottree().docinfo.doctype:
            raise XlsxFormatError(
                Fault(f"{name} 含有 DTD 声明（Excel 文件不会有），文件已损坏或被恶意构造")
            )
        return root

    def _detect_namespace(self) -> str:
        if "xl/workbook.xml" not in self.zip.NameToInfo:
            raise XlsxFormatError(Fault(f"{_DAMAGED}（缺少工作簿部件 xl/workbook.xml）"))
        with self.zip.open("xl/workbook.xml") as fh:
            head = fh.read(2000)
        return _MAIN_STRICT if _MAIN_STRICT.encode() in head else _MAIN

    def _q(self, tag: str) -> str:
        return f"{{{self._ns}}}{tag}"

    def _read_workbook(self) -> list[SheetInfo]:
        workbook = self._read_whole("xl/workbook.xml")
        rels = self._read_whole("xl/_rels/workbook.xml.rels")
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
        self._date1904 = any(
            p.get("date1904") in ("1", "true") for p in workbook.iter(self._q("workbookPr"))
        )
        sheets = []
        parts: set[str] = set()
        for sheet in workbook.iter(self._q("sheet")):
            rid = sheet.get(f"{{{_REL}}}id") or sheet.get(
                "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
            )
            target = targets.get(rid) or ""
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            if part not in self.zip.NameToInfo:  # chart and dialog sheets have no worksheet part
                continue
            name = sheet.get("name") or ""
            if not name.strip():
                raise XlsxFormatError(Fault(f"{_DAMAGED}（有一个工作表没有名称）"))
            if part in parts:  # one part read twice would double every limit
                raise XlsxFormatError(
                    Fault(f"{_DAMAGED}（工作表“{name}”与另一个工作表指向同一内容）", name)
                )
            parts.add(part)
            sheets.append(SheetInfo(name, part, sheet.get("state") or "visible"))
        return sheets

    # ------------------------------------------------------------------ streaming with bounds
    def _stream(
        self, fh: IO[bytes], tags: tuple[str, ...], sheet: str, last_row: list[int]
    ) -> Iterator[etree._Element]:
        """The `end` of each element named in `tags`, read 64 KB at a time. The bytes between two
        such elements are counted: more than max_row_bytes without one is refused, so no single
        row, cell or string is ever held whole past that size. last_row[0] is the caller's last
        row number, for the messages."""
        parser = etree.XMLPullParser(
            events=("end",), tag=tags, resolve_entities=False, no_network=True
        )
        budget = self.limits.max_row_bytes
        pending = 0
        started = False  # an element was read: past the prolog, where a DTD would be
        tail = b""
        try:
            while chunk := fh.read(_CHUNK):
                if not started and b"<!" in tail + chunk:
                    # No OOXML part has a DTD; its entities are how an XML bomb multiplies.
                    if _DTD.search(tail + chunk):
                        raise XlsxFormatError(
                            Fault(
                                "含有 DTD 声明（Excel 文件不会有），文件已损坏或被恶意构造", sheet
                            )
                        )
                    tail = chunk[-16:]
                parser.feed(chunk)
                seen = False
                for _, elem in parser.read_events():
                    seen = started = True
                    yield elem
                pending = 0 if seen else pending + len(chunk)
                if pending > budget:
                    where = f"第 {last_row[0]} 行之后" if last_row[0] else "开头"
                    raise XlsxFormatError(
                        Fault(
                            f"{where}有一段内容（一行、一个单元格或一个字符串）超过上限 {_size(budget)}（文件已损坏或被恶意构造）",
                            sheet,
                            last_row[0] + 1 if last_row[0] else None,
                        )
                    )
            parser.close()
            for _, elem in parser.read_events():
                yield elem
        except XlsxFormatError:
            raise
        except (*_ZIP_ERRORS, etree.XMLSyntaxError) as exc:
            raise XlsxFormatError(_damaged(exc, sheet, last_row[0])) from None

    def _read_styles(self) -> set[int]:
        if "xl/styles.xml" not in self.zip.NameToInfo:
            return set()
        self._check_part("xl/styles.xml", self.limits.max_index_part_bytes, "xl/styles.xml")
        custom: dict[int, str] = {}
        xfs: list[int] = []
        num_fmt, xf, cell_xfs = self._q("numFmt"), self._q("xf"), self._q("cellXfs")
        with self.zip.open("xl/styles.xml") as fh:
            for elem in self._stream(fh, (num_fmt, xf), "", [0]):
                if elem.tag == num_fmt:
                    custom[_int(elem.get("numFmtId"), -1)] = elem.get("formatCode", "")
                elif elem.getparent() is not None and elem.getparent().tag == cell_xfs:
                    xfs.append(_int(elem.get("numFmtId", "0"), 0))
                elem.clear()
        date_ids = {i for i, code in custom.items() if _is_date_format(code)} | (
            _BUILTIN_DATE_FORMATS - set(custom)
        )
        return {index for index, fmt in enumerate(xfs) if fmt in date_ids}

    def _shared_strings_part(self) -> str | None:
        return next(
            (
                n
                for n in ("xl/sharedStrings.xml", "xl/SharedStrings.xml")
                if n in self.zip.NameToInfo
            ),
            None,
        )

    def _read_shared_strings(self) -> tuple[bytearray, array]:
        """The shared-string table as one UTF-8 buffer and the offsets of its strings.

        It is the one part Excel makes us hold (every cell may point into it), so it is held
        compactly: ~20 bytes a short string instead of ~100 as Python str objects (measured in
        benchmarks/bench_hostile.py), within its own bounds on entries and characters."""
        blob = bytearray()
        offsets = array("Q", [0])
        name = self._shared_strings_part()
        if name is None:
            return blob, offsets
        lim = self.limits
        chars = 0
        si, t = self._q("si"), self._q("t")
        rph = self._q("rPh")  # phonetic runs are not part of the text
        label = "共享字符串表"

        def too_many(n: int) -> XlsxFormatError:
            return XlsxFormatError(
                Fault(
                    f"有 {n} 条，超过 {lim.max_shared_strings} 条的上限（文件已损坏或被恶意构造）",
                    label,
                )
            )

        with self.zip.open(name) as fh:
            for elem in self._stream(fh, (si,), label, [0]):
                if len(offsets) == 1:  # the first entry: <sst uniqueCount> is known by now
                    declared = _int(elem.getparent().get("uniqueCount"), 0)
                    if declared > lim.max_shared_strings:
                        raise too_many(declared)
                if len(elem) == 1 and elem[0].tag == t:
                    text = elem[0].text or ""
                else:  # rich text: several runs
                    text = "".join(x.text or "" for x in elem.iter(t) if x.getparent().tag != rph)
                elem.clear()
                parent = elem.getparent()
                while elem.getprevious() is not None:
                    del parent[0]
                if len(text) > lim.max_cell_chars:
                    raise XlsxFormatError(
                        Fault(
                            f"第 {len(offsets)} 个共享字符串有 {len(text)} 个字符，超过 Excel 单元格上限 {lim.max_cell_chars} 个",
                            label,
                        )
                    )
                chars += len(text)
                blob += text.encode()
                offsets.append(len(blob))
                if len(offsets) - 1 > lim.max_shared_strings:
                    raise too_many(len(offsets) - 1)
                if chars > lim.max_shared_chars:
                    raise XlsxFormatError(
                        Fault(
                            f"共超过 {lim.max_shared_chars} 个字符的上限（文件已损坏或被恶意构造）",
                            label,
                        )
                    )
        return blob, offsets

    def dimension_rows(self, sheet: SheetInfo) -> int | None:
        """The last row number from the sheet's <dimension>, for progress only; None if absent
        or past Excel's limits (the dimension is never trusted to size anything)."""
        try:
            with self.zip.open(sheet.part) as fh:
                head = fh.read(4096)
        except _ZIP_ERRORS as exc:
            raise XlsxFormatError(_damaged(exc, sheet.name)) from None
        m = _DIMENSION.search(head)
        if not m:
            return None
        ref = _DIMENSION_REF.fullmatch(m.group(1).decode("ascii", "replace"))
        if not ref or not ref.group(2):
            return None
        rows = int(ref.group(2))
        if rows > self.limits.max_rows or _column_index(ref.group(1)) >= self.limits.max_columns:
            return None
        return rows

    def rows(self, sheet: SheetInfo) -> Iterator[tuple[int, list[object]]]:
        """(row number, cells from column A) for every non-empty row, streaming.

        Raises XlsxFormatError at the first fault of the file (a bad cell reference, a number
        that is not one, a shared-string index out of range, a limit crossed); cells that Excel
        would show but that hold no usable value (a formula saved without its result, an error
        value such as #REF!, a date past 9999) are collected and raised together when the sheet ends."""
        lim = self.limits
        name = sheet.name
        row_tag, c_tag, v_tag, is_tag, t_tag, f_tag, data_tag = (
            self._q(x) for x in ("row", "c", "v", "is", "t", "f", "sheetData")
        )
        blob, offsets = self._strings
        n_strings = len(offsets) - 1
        decoded: dict[int, str] = {}  # the strings met in this sheet, up to _DECODED of them
        date_styles = {str(i) for i in self._date_styles}
        epoch = _EPOCH_1904 if self._date1904 else _EPOCH_1900
        max_chars = lim.max_cell_chars
        columns: dict[str, int] = {}  # "AB" → 27, memoised by the letters
        digits = "0123456789"
        last = [0]  # the last row number read (a list: _stream reads it for its messages)
        rows_here = 0
        faults: list[Fault] = []

        def fail(problem: str, row: int | None, column: str = "", value: str = "") -> NoReturn:
            raise XlsxFormatError(Fault(problem, name, row, column, value[:100]))

        def locate(ref: str, number: int, r: str, after: int) -> int:
            """The column index of cell `ref` in row `r`, checked; memoised by its letters."""
            letters = ref.rstrip(digits)
            if ref[len(letters) :] != r:
                fail("单元格地址与所在行不符（文件已损坏）", number, "", ref)
            col = columns.get(letters)
            if col is None:
                if not _LETTERS.fullmatch(letters):
                    fail("单元格地址无效（文件已损坏）", number, "", ref)
                col = _column_index(letters) if len(letters) <= 3 else lim.max_columns
                if col >= lim.max_columns:
                    fail(
                        f"单元格超出 Excel 的最后一列 {column_letters(lim.max_columns - 1)}",
                        number,
                        letters,
                    )
                columns[letters] = col
            if col <= after:
                fail("单元格顺序错乱或重复（文件已损坏）", number, letters)
            return col

        with self.zip.open(sheet.part) as fh:
            for row in self._stream(fh, (row_tag, data_tag), name, last):
                if row.tag != row_tag:
                    break  # </sheetData>: no rows after it
                rows_here += 1
                self._rows_read += 1
                width = len(row)
                self._cells_read += width
                r = row.get("r")
                if r is None:
                    number = last[0] + 1
                    r = str(number)
                elif r.isascii() and r.isdigit() and r[0] != "0":
                    number = int(r)
                    if number <= last[0]:
                        fail(f"行号 {number} 不在第 {last[0]} 行之后（文件已损坏）", number)
                else:
                    fail("行号不是正整数（文件已损坏）", last[0] + 1, "", r)
                if number > lim.max_rows or rows_here > lim.max_rows:
                    fail(
                        f"超过 Excel 的行数上限 {lim.max_rows} 行（文件已损坏或被恶意构造）", number
                    )
                if self._rows_read > lim.max_rows_per_file:
                    fail(f"文件中的行（含空行）超过上限 {lim.max_rows_per_file} 行", number)
                if width > lim.max_columns:
                    fail(
                        f"一行有 {width} 个单元格，超过 Excel 的列数上限 {lim.max_columns} 列",
                        number,
                    )
                if self._cells_read > lim.max_cells_per_file:
                    fail(
                        f"文件中的单元格（含空单元格）超过上限 {lim.max_cells_per_file} 个", number
                    )
                last[0] = number
                cells: list[object] = []
                index = -1
                deferred = None  # the reference of the last empty cell, parsed only if needed
                for c in row.iterchildren(c_tag):
                    ref = c.get("r")
                    if not len(c) and c.get("t") != "inlineStr":
                        # No value (most cells of a formatted sheet): nothing to read; its place
                        # matters only to a next cell without a reference.
                        if ref:
                            deferred = ref
                        else:
                            if deferred:
                                index, deferred = locate(deferred, number, r, index), None
                            index += 1
                        continue
                    if ref:
                        letters = ref.rstrip(digits)
                        if ref[len(letters) :] != r:
                            fail("单元格地址与所在行不符（文件已损坏）", number, "", ref)
                        col = columns.get(letters)
                        if col is None:
                            col = locate(ref, number, r, -1)
                        if col <= index:
                            fail("单元格顺序错乱或重复（文件已损坏）", number, letters)
                        index, deferred = col, None
                    else:
                        if deferred:
                            index, deferred = locate(deferred, number, r, index), None
                        index += 1
                        if index >= lim.max_columns:
                            fail(
                                f"单元格超出 Excel 的最后一列 {column_letters(lim.max_columns - 1)}",
                                number,
                            )
                    t = c.get("t")
                    if t == "inlineStr":
                        node = c.find(is_tag)
                        if node is None:
                            value: object = None
                        elif len(node) == 1 and node[0].tag == t_tag:
                            value = node[0].text or ""
                        else:  # rich text: several runs
                            value = "".join(x.text or "" for x in node.iter(t_tag))
                        if value is not None and len(value) > max_chars:  # type: ignore[arg-type]
                            fail(f"单元格有 {len(value)} 个字符，超过 Excel 单元格上限 {max_chars} 个", number, column_letters(index))  # type: ignore[arg-type]  # fmt: skip
                    else:
                        v = c.find(v_tag)
                        text = v.text if v is not None else None
                        if text is None:
                            if t != "str" and c.find(f_tag) is not None:
                                formula = c.find(f_tag).text or ""
                                faults.append(Fault(
                                    "公式没有保存计算结果，无法读取；请在Excel中重新计算并保存，或把公式改为数值",
                                    name, number, column_letters(index), f"={formula}" if formula else "共享公式",
                                ))  # fmt: skip
                            value = None
                        elif t == "s":
                            i = int(text) if text.isascii() and text.isdigit() else -1
                            if not 0 <= i < n_strings:
                                fail(f"共享字符串编号超出范围（共 {n_strings} 条），文件已损坏", number, column_letters(index), text)  # fmt: skip
                            value = decoded.get(i)
                            if value is None:
                                value = blob[offsets[i] : offsets[i + 1]].decode()
                                if len(decoded) >= _DECODED:
                                    decoded.clear()
                                decoded[i] = value
                        elif t is None or t == "n":
                            try:
                                number_value = float(text)
                            except ValueError:
                                number_value = math.nan
                            if not math.isfinite(number_value):
                                fail("数值单元格的内容不是数字（文件已损坏）", number, column_letters(index), text)  # fmt: skip
                            if c.get("s") in date_styles:
                                try:
                                    if number_value < 0:
                                        raise OverflowError
                                    value = epoch + dt.timedelta(days=number_value)
                                except OverflowError:
                                    # Excel shows ##### for these: no date to read.
                                    faults.append(Fault(
                                        "日期超出 Excel 的日期范围（1900-01-01 至 9999-12-31）",
                                        name, number, column_letters(index), text,
                                    ))  # fmt: skip
                                    value = None
                                else:
                                    if value.time() == dt.time():
                                        value = value.date()
                            elif number_value.is_integer() and "E" not in text and "e" not in text:
                                value = int(number_value)
                            else:
                                value = number_value
                        elif t == "str" or t == "d":  # formula text; ISO date text
                            if len(text) > max_chars:
                                fail(f"单元格有 {len(text)} 个字符，超过 Excel 单元格上限 {max_chars} 个", number, column_letters(index))  # fmt: skip
                            value = text
                        elif t == "b":
                            if text not in ("0", "1"):
                                fail("逻辑值单元格的内容不是 0 或 1（文件已损坏）", number, column_letters(index), text)  # fmt: skip
                            value = text == "1"
                        elif t == "e":
                            faults.append(Fault(
                                "单元格是错误值，请在 Excel 中修正公式或改为数值",
                                name, number, column_letters(index), text,
                            ))  # fmt: skip
                            value = None
                        else:
                            fail("单元格类型未知（文件已损坏）", number, column_letters(index), t)
                    if value is None:
                        continue
                    width = len(cells)
                    if index == width:
                        cells.append(value)
                        continue
                    cells.extend([None] * (index - width + 1))
                    cells[index] = value
                row.clear()
                parent = row.getparent()
                while row.getprevious() is not None:  # free the rows already read
                    del parent[0]
                if len(faults) >= _MAX_CELL_FAULTS:
                    break
                if cells:
                    yield number, cells
        if faults:
            raise XlsxFormatError(faults)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default
