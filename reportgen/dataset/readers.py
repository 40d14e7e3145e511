"""Stream the rows of .xlsx and .csv inputs, one sheet at a time, with their real row numbers.

xlsx is streamed by xlsx_stream.XlsxReader (constant memory); CSV in UTF-8, UTF-8 with BOM or
GBK/GB18030, detected from the bytes.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reportgen.dataset.xlsx_stream import XlsxFormatError, XlsxReader
from reportgen.errors import DataError, Problem

SUPPORTED = {".xlsx", ".xlsm", ".csv"}
ERROR_REPORT_SUFFIX = "_导入问题清单.xlsx"


@dataclass
class RawSheet:
    file: Path
    name: str  # sheet name; for CSV the file name without extension
    total_rows: int | None  # for progress; None when unknown
    rows: Iterator[tuple[int, list[object]]]  # (1-based row number, cells from column A)


def collect_files(paths: list[Path]) -> list[Path]:
    """Expand folders (sorted, recursively) into the supported files they hold."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if (
                    p.is_file()
                    and p.suffix.lower() in SUPPORTED
                    and not p.name.startswith(("~$", "."))
                    and not p.name.endswith(ERROR_REPORT_SUFFIX)
                ):
                    files.append(p)
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


def _xlsx_sheets(path: Path) -> Iterator[RawSheet]:
    try:
        reader = XlsxReader(str(path))
    except (XlsxFormatError, OSError) as exc:
        raise DataError(
            "无法打开 Excel 文件，数据库未作任何改动。",
            [Problem(str(path), "", None, "", f"文件已损坏、加密或不是 .xlsx 格式（{exc}）")],
        ) from None
    try:
        for sheet in reader.sheets:
            yield RawSheet(path, sheet.name, reader.dimension_rows(sheet), reader.rows(sheet))
    finally:
        reader.close()


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, or gb18030 (a superset of GBK and GB2312)."""
    with path.open("rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            return "gb18030"


def _csv_sheet(path: Path) -> RawSheet:
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="") as fh:
        first = fh.readline()
    delimiter = "\t" if first.count("\t") > first.count(",") else ","

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            with path.open("r", encoding=encoding, newline="") as fh:
                for number, row in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
                    yield number, list(row)
        except UnicodeDecodeError:
            raise DataError(
                "CSV 文件编码无法识别，数据库未作任何改动。",
                [
                    Problem(
                        str(path),
                        path.stem,
                        None,
                        "",
                        "无法按 UTF-8 或 GBK 读取，请另存为 UTF-8 编码的 CSV",
                    )
                ],
            ) from None

    return RawSheet(path, path.stem, None, rows())
