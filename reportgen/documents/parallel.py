"""Process-pool rendering: a batch cut into partitions (one school, one village, a chunk) that
worker processes render and write themselves, returning only small manifest entries.

The pattern every document kind follows (the student-aid cards and monitoring sheets here; the
aid notices in `parallel_aid_notice`, the dropout archives in `parallel_dropout`):

* the parent plans the partitions (cheap queries: which groups have records, their file names, so
  that names are unique exactly as in the single-process path) and resolves the template once;
* each task is a picklable dict (workspace path, database URL, group key, options, output paths,
  `_meta`); the worker function is top-level, so the pool may use the spawn start method (and later
  a Dask cluster's executor);
* a worker opens its own settings and dataset (cached per process), builds its partition's
  contexts, calls `render_partition`, writes its side files and returns dicts, never raising for a
  bad record;
* at most ~2×workers partitions are in flight; the parent collects the entries in partition order
  and writes the manifest, so outputs, manifest and failures are those of the single-process path.

The partitions run through `reportgen.workers.run_partitions`: a local process pool, or inside
`on_cluster(address, workers)` a Dask distributed cluster (`tcp://HOST:PORT` of a running
scheduler, or `local` for a LocalCluster). The workers write the files themselves: on a real
cluster the output folder, the workspace and an SQLite database must be on storage every worker
sees at the same path (or use PostgreSQL), and reportgen must be installed on every worker
(`pip install 'reportgen[cluster]'`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from reportgen.engine import OutputEntry
from reportgen.engine.batch import BatchResult, render_partition, resolve_word_template
from reportgen.engine.manifest import Failure
from reportgen.engine.xmltext import count_dropped
from reportgen.workers import run_partitions


def worker_run(task: dict[str, Any]):
    """A DocumentRun inside a worker: settings and dataset opened once per process and reused."""
    from reportgen.documents.common import DocumentRun
    from reportgen.workers import worker_open

    settings, dataset = worker_open(task)
    return DocumentRun(settings, dataset, Path(task["out_dir"]), "", {}, task["today"])


def _pdf_entry(docx: Path, out_dir: Path, records: int, group: str) -> tuple[dict | None, list]:
    from reportgen.engine.pdf import convert_to_pdf
    from reportgen.errors import ReportgenError

    try:
        pdf_path = convert_to_pdf(docx)
    except ReportgenError as err:
        return None, [Failure(f"{docx.name}（PDF）", err.message, group).as_dict()]
    return OutputEntry.for_file(pdf_path, out_dir, records, group).as_dict(), []


def partition_outputs(
    got: dict[str, Any], docx: Path, out_dir: Path, group: str, pdf: bool
) -> tuple[list[dict], list[dict]]:
    """A render_partition result as manifest entries (docx, then its PDF if asked) and failures."""
    outputs, failures = [], list(got["failures"])
    if got["records"]:
        outputs.append(
            OutputEntry(
                docx.relative_to(out_dir).as_posix(),
                got["sha256"],
                got["size"],
                got["records"],
                group,
                "docx",
            ).as_dict()
        )
        if pdf:
            pdf_out, pdf_failures = _pdf_entry(docx, out_dir, got["records"], group)
            outputs += [pdf_out] if pdf_out else []
            failures += pdf_failures
    return outputs, failures


def unique_name(base: Path, used: set[str]) -> Path:
    """As render_batch names groups: 王庄村, 王庄村_2 (compared case-insensitively)."""
    candidate, i = base, 2
    while candidate.as_posix().lower() in used:
        candidate = base.with_name(f"{base.stem}_{i}{base.suffix}")
        i += 1
    used.add(candidate.as_posix().lower())
    return candidate


def failures_of(got: dict) -> list[Failure]:
    return [Failure(f["record"], f["message"], f["group"]) for f in got["failures"]]


# ----------------------------------------------------------------------------- student-aid cards


def card_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: one school's cards (one print file, PDF if asked) and roster; small dicts back."""
    from reportgen.aid.students import students_of_school
    from reportgen.documents.aid_card import (
        TEMPLATE,
        _card_label,
        _write_roster,
        school_cards,
    )

    run = worker_run(task)
    out_dir = Path(task["out_dir"])
    code = task["school_code"]
    students = students_of_school(run.dataset, code, task["class_name"])
    contexts, roster_rows, review_rows = school_cards(run, students, task["year"], task["suffix"])
    docx = out_dir / task["file"]
    got = render_partition(
        TEMPLATE,
        contexts,
        str(docx),
        {"workspace": task["workspace"], "meta": task["meta"], "label": _card_label, "group": code},
    )
    outputs, failures = partition_outputs(got, docx, out_dir, code, task["pdf"])
    roster = out_dir / task["roster"]
    name = students[0].school.name if students else code
    _write_roster(roster, name, task["year"], roster_rows, review_rows, task["footnote"])
    return {
        "dropped": got["dropped"],
        "students": len(students),
        "outputs": outputs,
        "roster": OutputEntry.for_file(roster, out_dir, len(roster_rows), code).as_dict(),
        "failures": failures,
    }


def _card_plan(run, selection, suffix: str) -> list[dict[str, str]] | None:
    """Schools with students, in print order, with their file names; None when two rosters would
    share a name (the single-process path then decides which one survives)."""
    from reportgen.dataset.schema import TABLES
    from reportgen.documents.aid_card import _card_file, _roster_file
    from reportgen.engine import safe_filename

    st, schools = TABLES["students"], TABLES["schools"]
    counts = sa.select(st.c.school_code, sa.func.count()).group_by(st.c.school_code)
    if selection.class_name:
        counts = counts.where(st.c.class_name == selection.class_name)
    with run.dataset.engine.connect() as conn:
        having = {code: n for code, n in conn.execute(counts) if n}
        names = {
            r.school_code: r.name
            for r in conn.execute(sa.select(schools.c.school_code, schools.c.name))
        }
    plan: list[dict[str, Any]] = []
    used: set[str] = set()
    rosters: set[str] = set()
    for code in selection.school_codes:
        if code not in having:
            continue
        candidate = unique_name(
            Path(safe_filename(_card_file(names[code], suffix)) + ".docx"), used
        )
        roster = _roster_file(Path(), names[code], suffix).as_posix()
        if roster.lower() in rosters:
            return None
        rosters.add(roster.lower())
        plan.append({"school_code": code, "file": candidate.as_posix(), "roster": roster,
                     "students": having[code]})  # fmt: skip
    return plan


def make_cards_parallel(run, selection, *, year: int, pdf: bool, progress, workers: int):
    """make_cards with one school per partition in a process pool; None to use the in-process path
    (fewer than two schools, or schools whose rosters would share a file name)."""
    from reportgen.documents.aid_card import TEMPLATE, CardResult

    suffix = f"_{selection.class_name}" if selection.class_name else ""
    plan = _card_plan(run, selection, suffix)
    if plan is None or len(plan) < 2:
        return None
    tpl, common = _prepare(
        run, TEMPLATE, pdf, public=True, year=year, class_name=selection.class_name, suffix=suffix
    )
    tasks = ({**common, **part} for part in plan)
    results = run_partitions(card_partition, tasks, len(plan), workers, progress, "students",
                             weights=[int(p["students"]) for p in plan])  # fmt: skip
    result = CardResult()

    def count(got: dict[str, Any]) -> int:
        result.schools += 1
        result.students += got["students"]
        return got["students"]

    batch, rosters = _gather(run, tpl, results, count)
    result.outputs = batch.outputs + rosters
    result.failures = batch.failures
    batch.raise_for_failures()
    return result


def _prepare(run, template: str, pdf: bool, public: bool = False, **fields: Any):
    """What every partitioned batch does first: check PDF tools, compile the template once (for
    its name and sha256 in the manifest) and the task fields all partitions share."""
    if pdf:
        from reportgen.engine.pdf import require_pdf_tools

        require_pdf_tools()
    tpl = resolve_word_template(template, run.settings.workspace)
    common = {
        "workspace": str(run.settings.workspace),
        "db_url": run.settings.db_url,
        "out_dir": str(run.out_dir),
        "today": run.today,
        "meta": run.meta(public),  # the print files' small print
        "footnote": run.meta()["footnote"],  # the rosters' (internal lists)
        "pdf": pdf,
        "run": uuid.uuid4().hex,
        **fields,
    }
    return tpl, common


def _gather(
    run, tpl, results, count, extra: Iterable[OutputEntry] = ()
) -> tuple[BatchResult, list[OutputEntry]]:
    """The workers' small entries back into one batch (in partition order) and its manifest;
    `count(got)` tallies a partition for the caller's result and returns its record count. The
    manifest lists the print files, then each partition's `roster` (if it has one), then `extra`
    (files the parent wrote, such as a summary workbook)."""
    batch = BatchResult(run.out_dir, template_name=tpl.name, template_sha256=tpl.sha256)
    rosters: list[OutputEntry] = []
    for got in results:
        # characters the worker removed from data: the parent's manifest notes them
        count_dropped(Counter(got.get("dropped") or {}))
        batch.records += count(got)
        batch.outputs += [OutputEntry(**o) for o in got["outputs"]]
        batch.failures += failures_of(got)
        if got.get("roster"):
            rosters.append(OutputEntry(**got["roster"]))
    batch.write_manifest(run.run_info(), extra_outputs=[*rosters, *extra])
    return batch, rosters


# ------------------------------------------------------------------ monitoring sheets (明白纸)


def monitor_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: one village's sheets (one print file, PDF if asked) and roster; small dicts back."""
    from reportgen.documents.monitor_sheet import (
        TEMPLATE,
        _sheet_label,
        households_of_village,
        roster_row,
        sheet_context,
        write_roster,
    )

    run = worker_run(task)
    out_dir = Path(task["out_dir"])
    village = task["village"]
    facts = households_of_village(run.dataset, village, include_all=task["include_all"])
    contexts, rows, incomplete, monitored = [], [], 0, 0
    for f in facts:
        ctx, missing = sheet_context(f, run)
        rows.append(roster_row(f, missing))
        incomplete += bool(missing)
        monitored += f.monitored
        contexts.append(ctx)
    docx = out_dir / task["file"]
    got = render_partition(
        TEMPLATE,
        contexts,
        str(docx),
        {
            "workspace": task["workspace"],
            "meta": task["meta"],
            "label": _sheet_label,
            "group": village.code,
        },
    )
    outputs, failures = partition_outputs(got, docx, out_dir, village.code, task["pdf"])
    roster = out_dir / task["roster"]
    write_roster(roster, village, rows, task["footnote"])
    return {
        "dropped": got["dropped"],
        "households": len(facts),
        "monitored": monitored,
        "incomplete": incomplete,
        "outputs": outputs,
        "roster": OutputEntry.for_file(roster, out_dir, len(rows), village.code).as_dict(),
        "failures": failures,
    }


def _monitor_plan(run, villages, include_all: bool) -> list[dict[str, Any]] | None:
    """Villages with households to print, in order, with their file names; None when two rosters
    would share a name (the single-process path then decides which one survives)."""
    from reportgen.documents.monitor_sheet import roster_file, sheet_file, villages_having

    having = villages_having(run.dataset, include_all)
    plan: list[dict[str, Any]] = []
    used: set[str] = set()
    rosters: set[str] = set()
    for village in villages:
        if village.code not in having:
            continue
        candidate = unique_name(Path(sheet_file(village)), used)
        roster = roster_file(village)
        if roster.lower() in rosters:
            return None
        rosters.add(roster.lower())
        plan.append({"village": village, "file": candidate.as_posix(), "roster": roster,
                     "households": having[village.code]})  # fmt: skip
    return plan


def make_monitor_sheets_parallel(
    run, villages, *, include_all: bool, pdf: bool, progress, workers: int
):
    """make_monitor_sheets with one village per partition in a process pool; None to use the
    in-process path (fewer than two villages, or villages whose rosters would share a file name)."""
    from reportgen.documents.monitor_sheet import TEMPLATE, SheetResult

    plan = _monitor_plan(run, villages, include_all)
    if plan is None or len(plan) < 2:
        return None
    tpl, common = _prepare(run, TEMPLATE, pdf, public=True, include_all=include_all)
    tasks = ({**common, **part} for part in plan)
    results = run_partitions(monitor_partition, tasks, len(plan), workers, progress, "households",
                             weights=[part["households"] for part in plan])  # fmt: skip
    result = SheetResult()

    def count(got: dict[str, Any]) -> int:
        result.villages += 1
        result.households += got["households"]
        result.monitored += got["monitored"]
        result.incomplete += got["incomplete"]
        return got["households"]

    batch, rosters = _gather(run, tpl, results, count)
    result.outputs = batch.outputs + rosters
    batch.raise_for_failures()
    return result
