"""Batches: records grouped into print files, atomic writes, per-record failures, PDF, zip and manifest."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.engine.assets import asset_roots
from reportgen.engine.docx_template import WordTemplate, load_word_template
from reportgen.engine.docx_writer import PrintFileWriter
from reportgen.engine.manifest import Failure, OutputEntry, RunInfo, file_sha256, write_manifest
from reportgen.engine.media import load_picture
from reportgen.engine.ooxml import zip_info
from reportgen.engine.registry import find_template
from reportgen.engine.user_filters import activate_workspace_filters
from reportgen.engine.xmltext import collect as collect_dropped
from reportgen.errors import RenderError, ReportgenError, UnsafeTemplateError

ProgressFn = Callable[[int], None]
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


# File systems limit a name to 255 bytes (ext4) or 255 UTF-16 units (NTFS); a CJK character is
# 3 bytes in UTF-8. The budget leaves room for what is added to a name later: ".pdf" beside a
# .docx, and the hidden ".<name>.<pid>.tmp" a file is first written as.
MAX_NAME_BYTES = 180
_KEPT_SUFFIXES = (".docx", ".xlsx", ".zip", ".pdf", ".json")


def safe_filename(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that works on Windows and Linux: illegal characters → `_`, format characters
    (bidi overrides such as U+202E, zero-width spaces, BOM) removed, no trailing dot/space; cut to
    `max_bytes` of UTF-8 keeping a known extension, with a short hash of the whole name so two long
    names that differ only at the end stay apart."""
    text = "".join(c for c in str(name) if unicodedata.category(c) != "Cf")
    text = _ILLEGAL.sub("_", text).strip().rstrip(". ")
    text = re.sub(r"\s+", " ", text)
    if not text:
        text = "未命名"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    suffix = next((x for x in _KEPT_SUFFIXES if text.lower().endswith(x)), "")
    stem = text[: len(text) - len(suffix)] if suffix else text
    tag = "_" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    budget = max_bytes - len((tag + suffix).encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(". ")
    return cut + tag + suffix


def make_meta(data_source: str = "", generated_on: Any = None, **extra: Any) -> dict[str, Any]:
    """Standard `_meta` context: `_meta.data_source` and `_meta.generated_on` (small print on every document).

    data_source: e.g. `数据来源：2023年9月1日导入（第3次导入）`; generated_on: date/text, shown as given
    after `cndate` if it is a date.
    """
    from reportgen.engine.filters import cndate, parse_date

    if generated_on is None:
        import datetime as dt

        generated_on = dt.date.today()
    try:
        shown = cndate(generated_on)
    except ValueError:
        shown = str(generated_on)
    meta = {
        "data_source": data_source,
        "generated_on": shown,
        "generated_date": parse_date(generated_on) if shown != str(generated_on) else None,
    }
    meta["footnote"] = "；".join(
        x for x in (data_source, f"生成日期：{shown}" if shown else "") if x
    )
    meta.update(extra)
    return meta


def _getter(spec: str | Callable[[dict], Any] | None) -> Callable[[dict], Any] | None:
    if spec is None or callable(spec):
        return spec
    keys = spec.split(".")

    def get(ctx: dict) -> Any:
        value: Any = ctx
        for k in keys:
            value = value.get(k) if isinstance(value, dict) else getattr(value, k, None)
        return value

    return get


def _namer(spec: str | Callable[..., str]) -> Callable[[Any, dict, int], str]:
    if callable(spec):
        return lambda group, ctx, n: spec(group, ctx)
    return lambda group, ctx, n: spec.format(
        group=group, n=n, **{k: v for k, v in ctx.items() if isinstance(k, str)}
    )


def _error_text(err: BaseException) -> str:
    if isinstance(err, ReportgenError):
        return err.message
    return f"{type(err).__name__}: {err}"


@dataclass
class BatchResult:
    """What a batch produced. `failures` empty means every record was written."""

    out_dir: Path
    outputs: list[OutputEntry] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    records: int = 0
    template_name: str = ""
    template_sha256: str = ""
    manifest_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    def write_manifest(
        self,
        run: RunInfo | None = None,
        extra_outputs: Iterable[OutputEntry] = (),
        extra_templates: Iterable[dict] = (),
    ) -> Path:
        templates = [{"name": self.template_name, "sha256": self.template_sha256}, *extra_templates]
        self.manifest_path = write_manifest(
            self.out_dir,
            run=run,
            templates=templates,
            outputs=[*self.outputs, *extra_outputs],
            failures=self.failures,
        )
        return self.manifest_path

    def raise_for_failures(self) -> None:
        if self.failures:
            lines = [
                f"{f.group + ' / ' if f.group else ''}{f.record}：{f.message}"
                for f in self.failures
            ]
            shown = "\n  ".join(lines[:20]) + (
                f"\n  …… 共 {len(lines)} 条" if len(lines) > 20 else ""
            )
            err = RenderError(
                f"{len(self.failures)} 条记录生成失败，这些记录所在的文件没有写出：\n  {shown}",
                [(f.record, f.message) for f in self.failures],
            )
            err.result = self  # type: ignore[attr-defined]
            raise err


def resolve_word_template(
    template: str | os.PathLike | WordTemplate, workspace: str | os.PathLike | None = None
) -> WordTemplate:
    """A compiled template from a WordTemplate, a file path, or a name looked up workspace-first.
    The workspace's filters.py (user_filters.py) is what templates rendered from here on see."""
    activate_workspace_filters(workspace)
    if isinstance(template, WordTemplate):
        return template
    ref = find_template(template, "docx", workspace)
    return load_word_template(ref.path, ref.name)


def _write_one(
    tpl: WordTemplate,
    records: Iterable[dict],
    final: Path,
    *,
    group: str,
    out_dir: Path,
    start_index: int,
    label: Callable[[dict], Any] | None,
    meta: dict | None,
    page_break: str,
    compresslevel: int,
    progress: ProgressFn | None,
    inspect: Callable[[str], None] | None = None,
    assets: Sequence[str | os.PathLike | None] = (),
    pictures: Mapping[str, Any] | None = None,
) -> tuple[OutputEntry | None, list[Failure], int]:
    """Render records into `final` via a temporary file in the same folder; nothing final on failure.
    File names in the template and records (`image`, `_pictures`) are looked up in `assets`."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    writer = PrintFileWriter(
        tpl,
        tmp,
        page_break=page_break,
        compresslevel=compresslevel,
        inspect=inspect,
        pictures=pictures,
    )
    failures: list[Failure] = []
    n = 0
    try:
        with asset_roots(*assets):  # file names in the template and records
            for n, ctx in enumerate(records, start=1):
                if meta is not None and "_meta" not in ctx:
                    ctx = {**ctx, "_meta": meta}
                try:
                    if failures:
                        writer.render(ctx)  # keep going only to report every bad record at once
                    else:
                        writer.add(ctx)
                except UnsafeTemplateError:
                    raise  # the template, not this record: every record would be refused
                except OSError:
                    raise  # the machine (a full disk…), not this record: the command stops
                except Exception as err:  # noqa: BLE001 - reported per record
                    who = label(ctx) if label else None
                    failures.append(
                        Failure(
                            str(who) if who else f"第{start_index + n}条记录",
                            _error_text(err),
                            group,
                        )
                    )
                    writer.abort()
                if progress:
                    progress(1)
        if failures:
            writer.abort()
            for stale in (final, final.with_suffix(".pdf")):
                stale.unlink(missing_ok=True)
            return None, failures, n
        count = writer.close()
        if count == 0:
            return None, failures, 0
        os.replace(tmp, final)
    except BaseException:
        writer.abort()
        raise
    return OutputEntry.for_file(final, out_dir, count, group), failures, n


def unique_name(base: Path, used: set[str]) -> Path:
    """`base`, or `base_2`, `base_3`… the first not in `used` (compared case-insensitively, as
    Windows and macOS compare file names); the name returned is added to `used`. How render_batch
    names groups and records, and how a partitioned batch names them ahead (documents.runner)."""
    candidate, i = base, 2
    while candidate.as_posix().lower() in used:
        candidate = base.with_name(f"{base.stem}_{i}{base.suffix}")
        i += 1
    used.add(candidate.as_posix().lower())
    return candidate


def render_batch(
    template: str | os.PathLike | WordTemplate,
    records: Iterable[dict],
    out_dir: str | os.PathLike,
    *,
    file_name: str | Callable[[Any, dict], str] = "{group}",
    group_by: str | Callable[[dict], Any] | None = None,
    split: str = "group",
    record_name: str | Callable[[Any, dict], str] | None = None,
    zip_name: str | None = None,
    pdf: bool = False,
    page_break: str = "page",
    meta: dict | None = None,
    label: str | Callable[[dict], Any] | None = None,
    run: RunInfo | None = None,
    workspace: str | os.PathLike | None = None,
    progress: ProgressFn | None = None,
    compresslevel: int = 6,
    manifest: bool = True,
    raise_on_failure: bool = True,
    pdf_timeout: float | None = None,
    inspect: Callable[[str], None] | None = None,
    pictures: Mapping[str, Any] | None = None,
    assets: Sequence[str | os.PathLike | None] | None = None,
) -> BatchResult:
    """Render records (an iterator of context dicts, ordered by group) into .docx print files.

    split='group': one file per group (`file_name` formatted with `group` and the group's first
    record), one record per page. split='record': one file per record, named by `record_name`,
    inside a folder per group when `group_by` is given. `zip_name`: pack every output into
    `<zip_name>.zip` instead. Re-running overwrites; output bytes depend only on the inputs.
    Failures are per record: the group's file is not written, other groups are. With
    `raise_on_failure` a RenderError listing them is raised after the manifest is written.
    `inspect(xml)` sees every rendered part before it is written; raising refuses that record.
    `pictures` replaces template pictures by name for every record (Image, bytes or file path;
    docx_writer.PrintFileWriter). A template or record may name picture files (`image`,
    `_pictures`) in `assets` (default: the template's folder, then the workspace).
    """
    if split not in ("group", "record"):
        raise ValueError(f"split: {split!r}")
    if pdf:
        from reportgen.engine.pdf import require_pdf_tools

        require_pdf_tools()
    tpl = resolve_word_template(template, workspace)
    folders = tuple(assets) if assets is not None else (tpl.path.parent, workspace)
    if pictures:  # read once, not once per file
        pictures = {name: load_picture(v, f"替换“{name}”的图片") for name, v in pictures.items()}
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    stage = out / f".staging-{os.getpid()}" if zip_name else out
    result = BatchResult(out, template_name=tpl.name, template_sha256=tpl.sha256)
    key = _getter(group_by) or (lambda ctx: "")
    label_fn = _getter(label)
    group_namer = _namer(file_name)
    record_namer = _namer(record_name or "{n}")
    used: set[str] = set()
    seen: set[Any] = set()

    def unique(base: Path) -> Path:
        # Two groups with the same display name (two 王庄村) must not overwrite each other.
        return unique_name(base, used)

    index = 0
    for gno, (group, grouped) in enumerate(itertools.groupby(records, key), start=1):
        if group in seen:
            raise ValueError(f"记录没有按分组排序：分组“{group}”出现了不止一次")
        seen.add(group)
        items = _peekable(grouped)
        first = items.peek()
        group_text = "" if group is None else str(group)
        if split == "group":
            final = unique(stage / (safe_filename(group_namer(group_text, first, gno)) + ".docx"))
            groups: Iterable[tuple[Path, Iterable[dict]]] = [(final, items)]
        else:
            folder = (
                stage / safe_filename(group_namer(group_text, first, gno)) if group_by else stage
            )
            base = index  # record numbers count through the whole batch
            groups = (
                (
                    unique(
                        folder
                        / (safe_filename(record_namer(group_text, ctx, base + i + 1)) + ".docx")
                    ),
                    [ctx],
                )
                for i, ctx in enumerate(items)
            )
        for final, recs in groups:
            entry, failures, n = _write_one(
                tpl,
                recs,
                final,
                group=group_text,
                out_dir=stage,
                start_index=index,
                label=label_fn,
                meta=meta,
                page_break=page_break,
                compresslevel=compresslevel,
                progress=progress,
                inspect=inspect,
                assets=folders,
                pictures=pictures,
            )
            index += n
            result.failures += failures
            if entry is not None:
                result.outputs.append(entry)
                if pdf:
                    _add_pdf(result, stage, final, entry, pdf_timeout)
    result.records = index
    if zip_name:
        result.outputs = [
            _pack_zip(stage, out / (safe_filename(zip_name) + ".zip"), result.outputs)
        ]
    if manifest:
        result.write_manifest(run)
    if raise_on_failure:
        result.raise_for_failures()
    return result


def _add_pdf(
    result: BatchResult, base: Path, docx: Path, entry: OutputEntry, timeout: float | None
) -> None:
    from reportgen.engine.pdf import convert_to_pdf

    try:
        pdf_path = convert_to_pdf(docx, timeout=timeout)
    except ReportgenError as err:
        result.failures.append(Failure(f"{docx.name}（PDF）", err.message, entry.group))
        return
    result.outputs.append(OutputEntry.for_file(pdf_path, base, entry.records, entry.group))


def _pack_zip(stage: Path, target: Path, entries: list[OutputEntry]) -> OutputEntry:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for e in sorted(entries, key=lambda e: e.file):
            info = zip_info(e.file)
            info.compress_type = zipfile.ZIP_STORED
            info.flag_bits |= 0x800  # names are UTF-8 (Chinese file names)
            with open(stage / e.file, "rb") as src, zf.open(info, "w") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
    os.replace(tmp, target)
    for e in entries:
        (stage / e.file).unlink(missing_ok=True)
    for d in sorted((p for p in stage.rglob("*") if p.is_dir()), reverse=True):
        d.rmdir()
    stage.rmdir()
    records = sum(e.records for e in entries if e.kind == "docx")
    return OutputEntry.for_file(target, target.parent, records, "")


class _peekable:
    def __init__(self, it: Iterable[dict]) -> None:
        self._it: Iterator[dict] = iter(it)
        self._head: list[dict] = []

    def peek(self) -> dict:
        if not self._head:
            self._head.append(next(self._it))
        return self._head[0]

    def __iter__(self) -> Iterator[dict]:
        while self._head:
            yield self._head.pop()
        yield from self._it


def render_partition(
    template: str | WordTemplate,
    records: list[dict],
    out_path: str,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Render one partition (a school, a village, a chunk) into one print file; for worker processes.

    Arguments are picklable: a template path or name, the records' contexts, the output path and
    options (`workspace`, `page_break`, `compresslevel`, `meta`, `label`, `group`, `inspect` as
    for render_batch, made in the worker; `assets`: the
    folders picture files may come from, default the template's folder and the workspace).
    Returns a small manifest entry: file, sha256, size, records, group, failures (messages, never
    raised) and the characters removed from the records' text (`dropped`, see engine/xmltext.py);
    a template the sandbox refuses raises UnsafeTemplateError. The compiled template is cached per process; a
    worker writing many files may pass the compiled WordTemplate itself and skip the lookup by name.
    """
    opts = dict(options or {})
    tpl = resolve_word_template(template, opts.get("workspace"))
    final = Path(out_path).resolve()
    group = str(opts.get("group", ""))
    with collect_dropped() as dropped:
        entry, failures, n = _write_one(
            tpl,
            records,
            final,
            group=group,
            out_dir=final.parent,
            start_index=0,
            label=_getter(opts.get("label")),
            meta=opts.get("meta"),
            page_break=opts.get("page_break", "page"),
            compresslevel=int(opts.get("compresslevel", 6)),
            progress=None,
            inspect=opts.get("inspect"),
            assets=opts.get("assets") or (tpl.path.parent, opts.get("workspace")),
        )
    return {
        "file": str(final),
        "group": group,
        "records": entry.records if entry else 0,
        "size": entry.size if entry else 0,
        "sha256": entry.sha256 if entry else "",
        "template": {"name": tpl.name, "sha256": tpl.sha256},
        "failures": [f.as_dict() for f in failures],
        # characters removed from the records' text, counted in this process; a parent that ran
        # this in another process adds them for its manifest's note with
        # engine.xmltext.count_dropped(Counter(result["dropped"]))
        "dropped": dict(dropped),
    }


__all__ = [
    "BatchResult",
    "make_meta",
    "render_batch",
    "render_partition",
    "resolve_word_template",
    "safe_filename",
    "file_sha256",
]
