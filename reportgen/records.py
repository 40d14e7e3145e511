"""Records from a data file for `reportgen render`: JSON, or the first visible sheet of an .xlsx /
a .csv read with the importer's readers (so the engine itself depends on no dataset module)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from reportgen.engine.generic import RecordSet
from reportgen.errors import DataError, Problem

# json's English messages for the mistakes people make typing JSON by hand.
_JSON_PROBLEMS = (
    (
        "Expecting property name enclosed in double quotes",
        "键名要用英文双引号括起来（或多了一个逗号）",
    ),
    ("Expecting ',' delimiter", "缺少英文逗号 ,"),
    ("Expecting ':' delimiter", "缺少英文冒号 :"),
    ("Expecting value", "这里应有一个值（多了逗号、少了引号，或用了中文标点）"),
    ("Unterminated string", "字符串没有结束（缺少右边的英文双引号）"),
    ("Invalid control character", "字符串里有换行等控制字符（换行请写成 \\n）"),
    ("Extra data", "数据结束后还有多余的内容"),
    ("Invalid \\escape", "无效的反斜杠转义（路径里的 \\ 请写成 \\\\）"),
)


def load_records(path: str | os.PathLike) -> RecordSet:
    """Records from a data file: JSON (an object is one record, a list of objects is records), or
    the first visible sheet of an .xlsx / a .csv (UTF-8 or GBK), whose header row names the fields
    and each later non-blank row is a record. Cell values keep their type (dates as dates, numbers
    as numbers, codes stored as text keep their leading zeros); a header `学校.名称` fills
    `学校` → `名称`. DataError, naming the file and place, for anything that cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"找不到数据文件：{p}")
    suffix = p.suffix.lower()
    if suffix == ".json":
        found = _json_records(p)
    elif suffix in (".xlsx", ".xlsm", ".csv"):
        found = _sheet_records(p)
    else:
        raise DataError(f"数据文件 {p.name} 的类型不支持：请用 .json、.xlsx 或 .csv")
    if not found.records:
        raise DataError(f"数据文件 {p.name} 里没有记录")
    return found


def _json_records(p: Path) -> RecordSet:
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"数据文件 {p.name} 不是 UTF-8 编码：JSON 文件请另存为 UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        problem = next((zh for en, zh in _JSON_PROBLEMS if err.msg.startswith(en)), err.msg)
        raise DataError(
            f"数据文件 {p.name} 不是有效的 JSON：第{err.lineno}行第{err.colno}列，{problem}"
        ) from None
    found = RecordSet(p)
    if isinstance(data, dict):
        found.records.append(data)
        found.places.append(p.name)
        return found
    if not isinstance(data, list):
        raise DataError(
            f"数据文件 {p.name}：JSON 应是一个对象 {{…}}（一条记录）或对象的列表 [{{…}}, …]（多条记录）"
        )
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise DataError(
                f'数据文件 {p.name}：列表第{i}项不是对象 {{…}}，每条记录应写成 {{"名称": 值, …}}'
            )
        found.records.append(item)
        found.places.append(f"{p.name} 第{i}条记录")
    return found


def _sheet_records(p: Path) -> RecordSet:
    # The import's own readers (size limits, GBK detection, typed cells), used only for a sheet:
    # the rest of the engine does not depend on the dataset package.
    from reportgen.dataset.readers import open_sheets

    found = RecordSet(p)
    for sheet in open_sheets(p):
        if sheet.skipped:
            continue
        header: list[str] | None = None
        for number, cells in sheet.rows:
            if header is None:
                if any(_filled(c) for c in cells):
                    header = _header(p, sheet.name, number, cells)
                continue
            if not any(_filled(c) for c in cells):
                continue  # blank rows between records
            record: dict[str, Any] = {}
            for col, value in enumerate(cells):
                name = header[col] if col < len(header) else ""
                if not name:
                    if _filled(value):
                        raise DataError(
                            f"数据文件 {p.name}：有数据的列没有表头",
                            [
                                Problem(
                                    str(p),
                                    sheet.name,
                                    number,
                                    _column(col),
                                    "这一列没有表头（字段名）",
                                    str(value),
                                )
                            ],
                        )
                    continue
                _put(record, name, _cell(value))
            for name in header[len(cells) :]:
                if name:
                    _put(record, name, None)  # trailing blank cells: the field is there, empty
            found.records.append(record)
            found.places.append(f"{p.name} {sheet.name} 第{number}行")
        return found
    raise DataError(f"数据文件 {p.name} 没有可读的工作表")


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _column(index: int) -> str:
    from reportgen.dataset.xlsx_stream import column_letters

    return f"{column_letters(index)}列"


def _header(p: Path, sheet: str, number: int, cells: list[Any]) -> list[str]:
    names = ["" if c is None else str(c).strip() for c in cells]
    seen: dict[str, int] = {}
    for col, name in enumerate(names):
        if not name:
            continue
        if name in seen:
            raise DataError(
                f"数据文件 {p.name}：表头“{name}”重复",
                [
                    Problem(
                        str(p), sheet, number, _column(col), f"与{_column(seen[name])}重名", name
                    )
                ],
            )
        seen[name] = col
        parts = name.split(".")
        if not all(part.strip() for part in parts):
            raise DataError(
                f"数据文件 {p.name}：表头“{name}”写法有误（点号两边都要有名字，如“学校.名称”）",
                [Problem(str(p), sheet, number, _column(col), "表头写法有误", name)],
            )
    for name in seen:
        for other in seen:
            if other.startswith(name + "."):
                raise DataError(
                    f"数据文件 {p.name}：表头“{name}”和“{other}”冲突（前者是一个值，后者把它当成一组）",
                    [Problem(str(p), sheet, number, _column(seen[other]), "表头冲突", other)],
                )
    return names


def _cell(value: Any) -> Any:
    # A date cell comes back as a datetime at midnight: the date is what the clerk typed.
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _put(record: dict[str, Any], name: str, value: Any) -> None:
    *outer, last = [part.strip() for part in name.split(".")]
    target = record
    for part in outer:
        target = target.setdefault(part, {})
    target[last] = value
