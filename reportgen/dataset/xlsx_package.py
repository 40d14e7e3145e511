"""The .xlsx package as a hostile file: what it may declare (ReadLimits), why it cannot be read
(Fault, XlsxFormatError), and the zip-level checks done before any part is parsed. xlsx_stream.py
reads the rows; this module holds what bounds and describes that reading."""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from lxml import etree


@dataclass(frozen=True)
class ReadLimits:
    """Everything an input file may declare or hold; past any of them it is refused.

    Excel's own limits where Excel has one (rows, columns, characters in a cell); elsewhere room
    for the largest county (about 1,000,000 persons, a 450-byte row each) and no more.
    docs/导入格式.md “文件限制” states them; tests lower them to test each boundary.
    """

    max_parts: int = 10_000  # zip entries (a real workbook has tens; hundreds with pictures)
    max_part_bytes: int = 1 << 30  # uncompressed, one sheet or the shared strings (declared)
    max_index_part_bytes: int = 16 << 20  # uncompressed workbook.xml, its rels, styles.xml
    max_total_bytes: int = 2 << 30  # uncompressed, all the parts read (declared)
    max_ratio: int = 100  # uncompressed / compressed; real sheets are 5–20, a zip bomb ~1000
    ratio_floor_bytes: int = 1 << 20  # parts smaller than this may compress as well as they like
    max_row_bytes: int = 8 << 20  # XML of one row (or anything between two rows) before it ends
    max_rows: int = 1_048_576  # per sheet: row elements, and the highest row number (Excel)
    max_columns: int = 16_384  # cells in a row and the last column, XFD (Excel)
    max_cell_chars: int = 32_767  # characters in one cell (Excel); a CSV field too
    max_rows_per_file: int = 4_194_304  # row elements in all sheets, empty rows included
    max_cells_per_file: int = 40_000_000  # cell elements in all sheets, empty cells included
    max_shared_strings: int = 5_000_000  # entries of the shared-string table
    max_shared_chars: int = 60_000_000  # characters in the shared-string table


@dataclass(frozen=True)
class Fault:
    """One reason a workbook cannot be read, in Chinese, with the place when there is one."""

    problem: str
    sheet: str = ""
    row: int | None = None
    column: str = ""  # column letters, e.g. "G"
    value: str = ""


class XlsxFormatError(Exception):
    """Raised when the file is not a readable .xlsx package, goes past a limit of `ReadLimits`,
    or holds cells that cannot be read (a formula without its value, an error value); carries
    every fault found (cell faults of one sheet together, otherwise the first one)."""

    def __init__(self, faults: Fault | list[Fault]):
        self.faults = [faults] if isinstance(faults, Fault) else faults
        super().__init__("；".join(f.problem for f in self.faults))


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} 字节"


def _declared_entries(fh: IO[bytes]) -> int | None:
    """The entry count in the zip's end record, read before zipfile builds an object per entry;
    None when there is no end record (then zipfile says it is not a zip)."""
    fh.seek(0, 2)
    size = fh.tell()
    start = max(0, size - (22 + 0xFFFF))
    fh.seek(start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    total = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    if total == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        (offset,) = struct.unpack("<Q", tail[at - 12 : at - 4])
        fh.seek(offset)
        record = fh.read(40)
        if len(record) == 40 and record[:4] == b"PK\x06\x06":
            (total,) = struct.unpack("<Q", record[32:40])
    return total


# What reading a damaged zip raises: a bad structure, bad deflate data, a truncated stream, a bad
# CRC (BadZipFile), an encrypted member (RuntimeError), an unknown compression (NotImplementedError),
# a bad UTF-8 member name (UnicodeDecodeError, a ValueError).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    struct.error,
)

_DAMAGED = "文件已损坏，请在 Excel/WPS 中打开后另存为新的 .xlsx 文件再导入"


def _damaged(exc: BaseException, sheet: str = "", after_row: int = 0) -> Fault:
    if isinstance(exc, etree.XMLSyntaxError):
        what = f"XML 格式错误（第 {exc.lineno} 行第 {exc.position[1]} 列附近）"
    elif isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        what = "内容已加密"
    elif isinstance(exc, NotImplementedError):
        what = "使用了不支持的压缩方式"
    elif isinstance(exc, (zlib.error, EOFError)) or "CRC" in str(exc):
        what = "压缩数据损坏"
    else:
        what = "zip 结构损坏"
    where = f"第 {after_row} 行之后" if after_row else ""
    return Fault(f"{_DAMAGED}（{where}{what}）", sheet, None)
