"""Any template filled from a data file: the library side of `reportgen render`.

A county makes a document kind of its own without code: a Word or Excel template plus a JSON,
.xlsx or .csv file of records (`load_records`), rendered by `render_file` into one file — one
record, or with `batch` every record into one Word print file, one record per page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.engine.batch import make_meta, render_batch
from reportgen.engine.registry import find_template
from reportgen.engine.user_filters import use_workspace_filters
from reportgen.errors import DataError, Problem, ReportgenError, TemplateError

DATA_SUFFIXES = (".json", ".xlsx", ".xlsm", ".csv")


class RenderUsageError(ReportgenError):
    """Raised when `render` is asked for what the inputs do not fit: several records without
    --batch, --batch with an Excel template, an output file of another type than the template."""

    exit_code = 2


@dataclass
class RecordSet:
    """Records read from one data file, each with the place it came from (for messages)."""

    source: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records)


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


# A filter the template was compiled with but the rendering workspace lacks (another workspace's
# filters.py) fails at render time with Jinja's English message.
_NO_FILTER = re.compile(r"No filter named '([^']+)' found\.")


def _chinese(message: str) -> str:
    return _NO_FILTER.sub(
        lambda m: f"没有名为“{m.group(1)}”的过滤器（本工作目录的 filters.py 里没有定义它）", message
    )


@dataclass
class RenderedFile:
    """What `render_file` wrote."""

    path: Path
    records: int
    kind: str  # docx / xlsx
    template: str


def render_file(
    template: str | os.PathLike,
    records: RecordSet | list[dict[str, Any]],
    out: str | os.PathLike,
    *,
    batch: bool = False,
    workspace: str | os.PathLike | None = None,
    data_source: str | None = None,
    pictures: dict[str, Any] | None = None,
) -> RenderedFile:
    """Render `template` (a file path, or a template name looked up workspace-first) with the
    records into `out`, written atomically. Without `batch` there must be exactly one record;
    with it (Word only) every record goes into one print file, one record per page. The
    workspace's filters.py filters are available. Every template variable must be in the data:
    a missing one is a TemplateError naming the record and the place in the template.

    Pictures (Word): a template may name picture files (`{{ r.照片|image(width_mm=30) }}`) and a
    record may replace template pictures (`_pictures`), files found in the data file's folder,
    then the template's; `pictures` (name -> file path, bytes or Image) replaces template
    pictures by name for every record (`reportgen render --picture 印章=seal.png`)."""
    found = records if isinstance(records, RecordSet) else RecordSet(Path(""), list(records))
    items = found.records
    places = found.places or [f"第{i}条记录" for i in range(1, len(items) + 1)]
    ref = find_template(template, None, workspace)
    target = Path(out)
    suffix = "." + ref.kind
    if target.suffix.lower() != suffix:
        raise RenderUsageError(
            f"输出文件 {target.name} 的类型与模板不符：模板“{ref.path.name}”生成 {suffix} 文件，"
            f"请用 --out 某某{suffix}"
        )
    if not items:
        raise DataError("没有要生成的记录")
    if ref.kind == "xlsx" and batch:
        raise RenderUsageError(
            "Excel 模板一次生成一个工作簿，不能用 --batch。要把多条记录做成一张名单，请在模板里用重复行"
            '（{%tr for r in rows %}），数据写成一条记录，如 JSON：{"rows": [{…}, {…}]}'
        )
    if not batch and len(items) != 1:
        raise RenderUsageError(
            f"数据里有 {len(items)} 条记录，不加 --batch 只能生成一条记录。"
            "要把每条记录各印一页、合成一个打印文件，请加 --batch"
        )
    source = data_source if data_source is not None else found.source.name
    meta = make_meta(f"数据来源：{source}" if source else "")
    with use_workspace_filters(workspace):
        if ref.kind == "xlsx":
            if pictures:
                raise RenderUsageError("--picture 只能用于 Word 模板（替换模板里的图片）")
            return _render_xlsx(ref, items[0], target, meta)
        data_folder = found.source.parent if found.source.name else None
        assets = (data_folder, ref.path.parent)
        return _render_docx(ref, items, places, target, meta, workspace, assets, pictures)


def _render_xlsx(ref, record: dict[str, Any], target: Path, meta: dict) -> RenderedFile:
    from reportgen.engine.xlsx_template import render_xlsx

    context = record if "_meta" in record else {**record, "_meta": meta}
    written = render_xlsx(ref.path, context, target)
    return RenderedFile(Path(written), 1, "xlsx", ref.path.name)


def _render_docx(
    ref, items: list[dict], places: list[str], target: Path, meta: dict, workspace, assets, pictures
) -> RenderedFile:
    contexts = [item if "_meta" in item else {**item, "_meta": meta} for item in items]
    place_of = {id(ctx): place for ctx, place in zip(contexts, places)}
    result = render_batch(
        ref.path,
        contexts,
        target.parent,
        file_name=lambda group, ctx: target.stem,
        label=lambda ctx: place_of.get(id(ctx)),
        workspace=workspace,
        manifest=False,
        raise_on_failure=False,
        assets=assets,
        pictures=pictures,
    )
    if result.failures:
        # The data file is the template's whole context: a record that fails to render is a
        # template that asks for what the data do not have (or a filter refusing a value).
        lines = [f"{f.record}：{_chinese(f.message)}" for f in result.failures[:20]]
        more = f"\n  …… 共 {len(result.failures)} 条" if len(result.failures) > 20 else ""
        raise TemplateError(
            f"模板“{ref.path.name}”与数据不符，没有生成文件：\n  " + "\n  ".join(lines) + more
        )
    written = result.out_dir / result.outputs[0].file
    final = target.resolve()
    if written != final:  # a name safe_filename had to change: the user asked for this one
        os.replace(written, final)
    return RenderedFile(final, result.records, "docx", ref.path.name)


__all__ = [
    "DATA_SUFFIXES",
    "RecordSet",
    "RenderUsageError",
    "RenderedFile",
    "load_records",
    "render_file",
]
