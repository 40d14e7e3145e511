"""Stream the rows of .xlsx and .csv inputs, one sheet at a time, with their real row numbers.

xlsx is streamed by xlsx_stream.XlsxReader (constant memory, bounded by xlsx_stream.LIMITS);
hidden sheets are skipped and said so. CSV in UTF-8 (with or without BOM), UTF-16 with BOM
(Excel's “Unicode text”, tab-separated) or GBK/GB18030, detected from the bytes; a line, a field
and the columns of a row are bounded by the same LIMITS. Every failure is a DataError that names
the file (and the sheet, row and column when one is at fault).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reportgen.dataset import xlsx_stream
from reportgen.dataset.xlsx_stream import SheetInfo, XlsxFormatError, XlsxReader
from reportgen.errors import DataError, Problem

SUPPORTED = {".xlsx", ".xlsm", ".csv"}
ERROR_REPORT_SUFFIX = "_导入问题清单.xlsx"


@dataclass
class RawSheet:
    file: Path
    name: str  # sheet name; for CSV the file name without extension
    total_rows: int | None  # for progress; None when unknown
    rows: Iterator[tuple[int, list[object]]]  # (1-based row number, cells from column A)
    skipped: str = ""  # why the sheet is not read (a hidden sheet); its rows are then empty


# Spreadsheets other programs write that the import cannot read: named when a folder holds them.
_OTHER_SHEETS = {
    ".xls": "旧版 Excel 文件（.xls），未导入：请在 Excel/WPS 中“另存为” .xlsx",
    ".et": "WPS 表格文件（.et），未导入：请在 WPS 中“另存为” .xlsx",
    ".ett": "WPS 表格模板（.ett），未导入：请另存为 .xlsx",
    ".xlsb": "Excel 二进制工作簿（.xlsb），未导入：请另存为 .xlsx",
    ".ods": "OpenDocument 表格（.ods），未导入：请另存为 .xlsx",
    ".numbers": "Numbers 表格，未导入：请导出为 .xlsx",
}


def _why_not(p: Path) -> str | None:
    """Why a file found in a folder is not imported (None: it is imported)."""
    suffix = p.suffix.lower()
    if p.name.startswith("~$"):
        return "Excel/WPS 打开文件时的临时文件，未导入"
    if p.name.startswith("."):
        return "隐藏文件，未导入"
    if p.name.endswith(ERROR_REPORT_SUFFIX):
        return "上次导入生成的问题清单，未导入"
    if suffix in SUPPORTED:
        return None
    return _OTHER_SHEETS.get(suffix, "不是 .xlsx 或 .csv 数据文件，未导入")


def collect_files(paths: list[Path], skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Expand folders (sorted, recursively) into the supported files they hold; every other file
    of a folder goes to `skipped` with the reason, so the import can say what it left out."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if not p.is_file():
                    continue
                why = _why_not(p)
                if why is None:
                    files.append(p)
                elif skipped is not None:
                    skipped.append((p, why))
        elif path.is_file():
            if path.suffix.lower() == ".xls":
                problems.append(
                    Problem(
                        str(path),
                        "",
                        None,
                        "",
                        "不支持旧版 .xls 文件，请在 Excel/WPS 中“另存为” .xlsx 后导入",
                    )
                )
            elif path.suffix.lower() not in SUPPORTED:
                problems.append(
                    Problem(str(path), "", None, "", "不支持的文件类型（只支持 .xlsx 和 .csv）")
                )
            else:
                files.append(path)
        else:
            problems.append(Problem(str(path), "", None, "", "文件或文件夹不存在"))
    if problems:
        raise DataError("无法读取输入文件，数据库未作任何改动。", problems)
    if not files:
        raise DataError(
            "没有找到可导入的 .xlsx 或 .csv 文件。",
            [Problem(", ".join(map(str, paths)), "", None, "", "没有可导入的文件")],
        )
    return files


def open_sheets(path: Path) -> Iterator[RawSheet]:
    if path.suffix.lower() == ".csv":
        yield _csv_sheet(path)
    else:
        yield from _xlsx_sheets(path)


# --------------------------------------------------------------------------------------- xlsx
# Hidden sheets are skipped, and said so: a sheet hidden in Excel is one the clerk does not see
# (an old copy, a list feeding a drop-down), so importing its rows would store data nobody
# checked. Unhide it in Excel to import it.
HIDDEN_SHEET_STATES = {
    "hidden": "隐藏的工作表不导入；如需导入，请在 Excel 中取消隐藏",
    "veryHidden": "深度隐藏的工作表不导入；如需导入，请在 Excel 的 VBA 编辑器中把它设为可见",
}


def _unreadable(path: Path, exc: XlsxFormatError) -> DataError:
    return DataError(
        f"无法读取文件“{path.name}”，数据库未作任何改动。",
        [
            Problem(
                str(path),
                f.sheet,
                f.row,
                f"{f.column}列" if f.column else "",
                f.problem,
                f.value,
            )
            for f in exc.faults
        ],
    )


def _xlsx_sheets(path: Path) -> Iterator[RawSheet]:
    try:
        reader = XlsxReader(str(path))
    except XlsxFormatError as exc:
        raise _unreadable(path, exc) from None
    try:
        for sheet in reader.sheets:
            hidden = HIDDEN_SHEET_STATES.get(sheet.state)
            if hidden:
                yield RawSheet(
                    path,
                    sheet.name,
                    0,
                    iter(()),
                    skipped=hidden,
                )
                continue
            try:
                total = reader.dimension_rows(sheet)
            except XlsxFormatError as exc:
                raise _unreadable(path, exc) from None
            yield RawSheet(path, sheet.name, total, _xlsx_rows(reader, sheet, path))
    finally:
        reader.close()


def _xlsx_rows(
    reader: XlsxReader, sheet: SheetInfo, path: Path
) -> Iterator[tuple[int, list[object]]]:
    try:
        yield from reader.rows(sheet)
    except XlsxFormatError as exc:
        raise _unreadable(path, exc) from None


# ---------------------------------------------------------------------------------------- CSV
_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Characters a CSV cannot hold: NUL (PostgreSQL refuses it in text) and the stand-ins the error
# handlers leave for bytes that are not text (surrogateescape: U+DC80–U+DCFF; surrogatepass:
# a lone UTF-16 surrogate).
_HANZI = re.compile("[\u4e00-\u9fff]")
_UTF8_EVIDENCE = 8  # Chinese characters read as UTF-8 before a bad byte: the file is UTF-8
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def _csv_error(path: Path, line: int | None, problem: str, value: str = "") -> DataError:
    return DataError(
        f"无法读取文件“{path.name}”，数据库未作任何改动。",
        [Problem(str(path), path.stem, line, "", problem, value)],
    )


def detect_encoding(path: Path) -> str:
    """The file's encoding: from its byte-order mark (UTF-8, UTF-16 as Excel's “Unicode text”
    writes it, UTF-32), else UTF-16 without a mark when every other byte of the start is NUL,
    else UTF-8 when it decodes as UTF-8 (or when it held multi-byte UTF-8 characters before a
    bad byte: a damaged UTF-8 file, reported at its line), else GB18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return encoding
        fh.seek(0)
        sample = fh.read(1 << 16)
        if b"\x00" in sample:
            even = sample[0::2].count(0)
            odd = sample[1::2].count(0)
            # UTF-16 without a mark: the high byte of ASCII (and of some CJK) is NUL.
            if odd > len(sample) // 8 and odd > 4 * even:
                return "utf-16-le"
            if even > len(sample) // 8 and even > 4 * odd:
                return "utf-16-be"
            line = sample[: sample.index(b"\x00")].count(b"\n") + 1
            raise _csv_error(
                path, line, "含有空字节，不是文本文件（CSV 应为 UTF-8 或 GBK 编码的文本）"
            )
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        chinese = 0  # Chinese characters decoded as UTF-8 so far (counted up to a few)
        try:
            while chunk := fh.read(1 << 20):
                text = decoder.decode(chunk)
                if chinese < _UTF8_EVIDENCE:
                    chinese += len(_HANZI.findall(text, 0, 4096))
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError as exc:
            # GBK bytes pass as UTF-8 only by chance and briefly (a few two-byte letters), never
            # as a run of Chinese characters: many before the bad byte mean a damaged UTF-8
            # file (reported at its line), not a GBK one (which would be read as garbage).
            before = exc.object[: exc.start].decode("utf-8", "replace")
            chinese += len(_HANZI.findall(before))
            return "utf-8" if chinese >= _UTF8_EVIDENCE else "gb18030"


def _csv_sheet(path: Path) -> RawSheet:
    limits = xlsx_stream.LIMITS
    encoding = detect_encoding(path)
    # Bytes that are not text become marked characters, found per line below with the line number.
    handler = (
        "surrogatepass"
        if encoding.startswith("utf-16") or encoding == "utf-32"
        else "surrogateescape"
    )

    def open_text():
        return path.open("r", encoding=encoding, errors=handler, newline="")

    line_chars = limits.max_row_bytes
    read = {"line": 0, "chars": 0}  # physical lines read; characters of the record being read

    def lines(fh) -> Iterator[str]:
        while line := fh.readline(line_chars + 1):
            read["line"] += 1
            read["chars"] += len(line)
            if read["chars"] > line_chars:
                raise _csv_error(
                    path,
                    read["line"],
                    f"一行（一条记录）超过 {line_chars} 个字符，超过上限（文件已损坏或不是数据表）",
                )
            bad = _NOT_TEXT.search(line)
            if bad:
                char = ord(bad.group())
                shown = (
                    "空字节 0x00"
                    if char == 0
                    else f"0x{char - 0xDC00:02X}"
                    if 0xDC80 <= char <= 0xDCFF
                    else f"U+{char:04X}"
                )
                raise _csv_error(
                    path,
                    read["line"],
                    f"含有无法识别的字节（{shown}）：请另存为 UTF-8 编码的 CSV 再导入",
                )
            yield line

    try:
        with open_text() as fh:
            first = next(lines(fh), "")
    except UnicodeDecodeError:
        raise _csv_error(
            path,
            1,
            f"含有无法按 {encoding.upper()} 编码识别的内容：请另存为 UTF-8 编码的 CSV 再导入",
        ) from None
    read["line"] = read["chars"] = 0
    delimiter = "\t" if first.count("\t") > first.count(",") else ","

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            with open_text() as fh:
                for number, row in enumerate(csv.reader(lines(fh), delimiter=delimiter), start=1):
                    read["chars"] = 0
                    if len(row) > limits.max_columns:
                        raise _csv_error(
                            path,
                            read["line"],
                            f"一行有 {len(row)} 列，超过上限 {limits.max_columns} 列",
                        )
                    if row and max(map(len, row)) > limits.max_cell_chars:
                        raise _csv_error(
                            path,
                            read["line"],
                            f"有一个单元格超过 {limits.max_cell_chars} 个字符（Excel 单元格的上限）",
                        )
                    yield number, list(row)
        except UnicodeDecodeError:
            raise _csv_error(
                path,
                read["line"] + 1,
                f"含有无法按 {encoding.upper()} 编码识别的内容：请另存为 UTF-8 编码的 CSV 再导入",
            ) from None
        except csv.Error:
            raise _csv_error(
                path,
                read["line"],
                f"CSV 格式错误，或有一个单元格超过 {limits.max_cell_chars} 个字符",
            ) from None

    return RawSheet(path, path.stem, None, rows())
