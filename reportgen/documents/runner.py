"""One runner for every batch document kind (`documents.kind`): in this process, in a local process
pool, or on a Dask cluster (`workers.on_cluster`), with the same files, bytes and manifest.

* The parent asks the kind for its plan (partitions in print order) and names every output over
  the whole plan (`safe_filename`, then `_2` for a name already taken, ignoring case), so that a
  partition rendered anywhere writes exactly the file the single-process path would.
* In this process the partitions' records stream through `render_batch` (which also does
  `--split` and `--zip`); each partition's list workbook is written when its last record is done.
* In workers each task is a small picklable dict (kind name, job, partition, paths, `_meta`); the
  worker function is top-level, so the pool may spawn and a Dask cluster may run it. A worker
  opens its own settings and dataset (cached per process), renders its partition, writes its list
  workbook and returns small dicts, never raising for a bad record. At most ~2×workers
  partitions are in flight; results come back in plan order.
* The parent writes the batch-wide workbooks (`write_summary`) from the rows the partitions sent,
  then the manifest: print files, partition lists, summaries.

On a real cluster the output folder, the workspace and an SQLite database must be on storage every
worker sees at the same path (or use PostgreSQL), and reportgen must be installed on every worker
(`pip install 'reportgen[cluster]'`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from reportgen.documents.catalog import load_kind
from reportgen.documents.common import DocumentRun
from reportgen.documents.kind import DocumentKind, KindResult, Part
from reportgen.engine import OutputEntry, safe_filename
from reportgen.engine.batch import (
    BatchResult,
    render_batch,
    render_partition,
    resolve_word_template,
    unique_name,
)
from reportgen.engine.manifest import Failure
from reportgen.engine.xmltext import count_dropped
from reportgen.workers import run_partitions, worker_open


def name_plan(plan: list[Part]) -> list[Part]:
    """Each partition's output names, unique over the plan in its order: print files (and each
    record's own file) among .docx, list workbooks among .xlsx."""
    docs: set[str] = set()
    lists: set[str] = set()
    for part in plan:
        if part.stem:
            part.file = unique_name(Path(safe_filename(part.stem) + ".docx"), docs).as_posix()
        if part.list_stem:
            part.list_file = unique_name(
                Path(safe_filename(part.list_stem) + ".xlsx"), lists
            ).as_posix()
        part.record_files = tuple(
            unique_name(Path(safe_filename(s) + ".docx"), docs).as_posix()
            for s in part.record_stems
        )
    return plan


def make_documents(
    kind: DocumentKind,
    run: DocumentRun,
    job: Any,
    *,
    pdf: bool = False,
    split: bool = False,
    zip_name: str | None = None,
    progress=None,
    workers: int = 1,
) -> KindResult:
    """The kind's documents for `job` into run.out_dir; raises RenderError after writing the rest
    when some record failed. workers > 1: partitions in worker processes (or on the cluster of an
    `on_cluster` block) when the kind finds them worth it; --split and --zip run here."""
    kind.check(run, job)
    plan = name_plan(kind.plan(run, job, workers))
    if pdf:
        from reportgen.engine.pdf import require_pdf_tools

        require_pdf_tools()
    result = KindResult()
    if workers > 1 and not split and not zip_name and kind.parallel(job, plan):
        batch, lists, rows = _in_workers(kind, run, job, plan, result, pdf, progress, workers)
    else:
        batch, lists, rows = _here(kind, run, job, plan, result, pdf, split, zip_name, progress)
    summaries = kind.write_summary(run, job, rows, result)
    result.outputs = [*batch.outputs, *lists, *summaries]
    result.failures = batch.failures
    batch.write_manifest(run.run_info(), extra_outputs=[*lists, *summaries])
    batch.raise_for_failures()
    return result


class _Partition:
    """One partition's records into contexts, rows and tallies (the same code here and in workers)."""

    def __init__(self, kind: DocumentKind, run: DocumentRun, job: Any, part: Part):
        self.kind, self.run, self.job, self.part = kind, run, job, part
        self.rows: dict[str, list] = {}
        self.tally: dict[str, int] = {}
        self.records = 0

    def contexts(self, progress=None):
        kind, part, run, job = self.kind, self.part, self.run, self.job
        context, row_of, tally_of = kind.context, kind.rows, kind.tally  # per record: looked up once
        rows, tally = self.rows, self.tally
        files = iter(part.record_files)
        stem = (part.file or "")[: -len(".docx")]
        for record in kind.records(run, job, part):
            ctx = context(run, job, record)
            for key, got in row_of(run, job, record, ctx).items():
                if key in rows:
                    rows[key] += got
                else:
                    rows[key] = list(got)
            for key, n in tally_of(record, ctx).items():
                tally[key] = tally.get(key, 0) + n
            self.records += 1
            if progress:
                progress(1)
            if ctx is None:
                continue
            if kind.per_record:
                ctx["_file"] = next(files)[: -len(".docx")]
            else:
                ctx["_group"] = part.group
                ctx["_file"] = stem
            yield ctx

    def write_list(self) -> OutputEntry | None:
        if not self.part.list_file or not self.records:
            return None
        path = self.run.out_dir / self.part.list_file
        n = self.kind.write_part_list(self.run, self.job, self.part, self.rows, path)
        return self.run.entry(path, n, self.part.group)

    def summary_rows(self) -> dict[str, list]:
        return {k: self.rows.get(k, []) for k in self.kind.summary_rows}


def _here(
    kind: DocumentKind, run: DocumentRun, job: Any, plan: list[Part], result: KindResult,
    pdf: bool, split: bool, zip_name: str | None, progress,
) -> tuple[BatchResult, list[OutputEntry], dict[str, list]]:  # fmt: skip
    """Every partition in this process, streamed through render_batch."""
    lists: list[OutputEntry] = []
    rows: dict[str, list] = {k: [] for k in kind.summary_rows}

    def records():
        for part in plan:
            p = _Partition(kind, run, job, part)
            yield from p.contexts(progress)
            result.add(p.tally)
            result.parts += bool(p.records)
            entry = p.write_list()
            if entry:
                lists.append(entry)
            for key, got in p.summary_rows().items():
                rows[key] += got

    def file_name(group: Any, ctx: dict) -> str:
        return ctx["_file"]

    def record_name(group: Any, ctx: dict) -> str:
        return ctx["_file"] if kind.per_record else kind.record_name(ctx)

    batch = render_batch(
        kind.template, records(), run.out_dir,
        group_by=None if kind.per_record else "_group",
        file_name=file_name, record_name=record_name, zip_name=zip_name,
        split="record" if split or kind.per_record else "group",
        pdf=pdf, meta=kind.meta(run, job), label=kind.label, inspect=kind.inspect(run, job),
        workspace=run.settings.workspace, manifest=False, raise_on_failure=False,
    )  # fmt: skip
    return batch, lists, rows


def _in_workers(
    kind: DocumentKind, run: DocumentRun, job: Any, plan: list[Part], result: KindResult,
    pdf: bool, progress, workers: int,
) -> tuple[BatchResult, list[OutputEntry], dict[str, list]]:  # fmt: skip
    """The partitions in worker processes (or on the cluster of an `on_cluster` block)."""
    tpl = resolve_word_template(kind.template, run.settings.workspace)  # its name, sha256
    common = {
        "kind": kind.name,
        "job": job,
        "workspace": str(run.settings.workspace),
        "db_url": run.settings.db_url,
        "out_dir": str(run.out_dir),
        "today": run.today,
        "meta": kind.meta(run, job),
        "pdf": pdf,
        "run": uuid.uuid4().hex,
    }
    tasks = ({**common, "part": part} for part in plan)
    results = run_partitions(kind_partition, tasks, len(plan), workers, progress, "records",
                             weights=[part.weight for part in plan])  # fmt: skip
    batch = BatchResult(run.out_dir, template_name=tpl.name, template_sha256=tpl.sha256)
    lists: list[OutputEntry] = []
    rows: dict[str, list] = {k: [] for k in kind.summary_rows}
    for got in results:
        # characters the worker removed from data: the parent's manifest notes them
        count_dropped(Counter(got["dropped"]))
        batch.records += got["rendered"]
        batch.outputs += [OutputEntry(**o) for o in got["outputs"]]
        batch.failures += [Failure(f["record"], f["message"], f["group"]) for f in got["failures"]]
        result.add(got["tally"])
        result.parts += bool(got["records"])
        if got["list"]:
            lists.append(OutputEntry(**got["list"]))
        for key, got_rows in got["rows"].items():
            rows[key] += got_rows
    return batch, lists, rows


def worker_run(task: dict[str, Any]) -> DocumentRun:
    """A DocumentRun inside a worker: settings and dataset opened once per process and reused."""
    settings, dataset = worker_open(task)
    return DocumentRun(settings, dataset, Path(task["out_dir"]), "", {}, task["today"])


def kind_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: one partition of a kind (its print file or files, PDF if asked, and its list
    workbook); small dicts back, a bad record reported, never raised."""
    kind = load_kind(task["kind"])
    run = worker_run(task)
    out_dir = Path(task["out_dir"])
    part: Part = task["part"]
    p = _Partition(kind, run, task["job"], part)
    tpl = resolve_word_template(kind.template, task["workspace"])  # once per partition
    options = {"workspace": task["workspace"], "meta": task["meta"], "label": kind.label,
               "inspect": kind.inspect(run, task["job"])}  # fmt: skip
    outputs: list[dict] = []
    failures: list[dict] = []
    dropped: Counter[str] = Counter()
    rendered = 0
    if kind.per_record:
        batches = [([ctx], ctx["_file"] + ".docx", "") for ctx in p.contexts()]
    else:
        contexts = list(p.contexts())
        batches = [(contexts, part.file, part.group)] if contexts and part.file else []
    for contexts, file, group in batches:
        docx = out_dir / file
        got = render_partition(tpl, contexts, str(docx), {**options, "group": group})
        rendered += got["records"]
        entries, failed = _outputs(got, docx, out_dir, group, task["pdf"])
        outputs += entries
        failures += failed
        dropped.update(got["dropped"])
    entry = p.write_list()
    return {
        "records": p.records,
        "rendered": rendered,
        "tally": dict(p.tally),
        "outputs": outputs,
        "failures": failures,
        "dropped": dict(dropped),
        "list": entry.as_dict() if entry else None,
        "rows": p.summary_rows(),
    }


def _outputs(
    got: dict[str, Any], docx: Path, out_dir: Path, group: str, pdf: bool
) -> tuple[list[dict], list[dict]]:
    """A render_partition result as manifest entries (docx, then its PDF if asked) and failures."""
    outputs, failures = [], list(got["failures"])
    if got["records"]:
        outputs.append(
            OutputEntry(docx.relative_to(out_dir).as_posix(), got["sha256"], got["size"],
                        got["records"], group, "docx").as_dict()
        )  # fmt: skip
        if pdf:
            from reportgen.engine.pdf import convert_to_pdf
            from reportgen.errors import ReportgenError

            try:
                pdf_path = convert_to_pdf(docx)
            except ReportgenError as err:
                failures.append(Failure(f"{docx.name}（PDF）", err.message, group).as_dict())
            else:
                outputs.append(
                    OutputEntry.for_file(pdf_path, out_dir, got["records"], group).as_dict()
                )
    return outputs, failures
