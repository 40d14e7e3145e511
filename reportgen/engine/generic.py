"""Any template filled from records: the library side of `reportgen render` (the records are
read from a data file by reportgen.records, outside the engine).

A county makes a document kind of its own without code: a Word or Excel template plus a JSON,
.xlsx or .csv file of records (reportgen.records.load_records), rendered by `render_file` into one file — one
record, or with `batch` every record into one Word print file, one record per page.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.engine.batch import make_meta, render_batch
from reportgen.engine.registry import find_template
from reportgen.engine.user_filters import use_workspace_filters
from reportgen.errors import DataError, ReportgenError, TemplateError

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
    "render_file",
]
