"""Dropout archives (一生一表一档案) in partitions: chunks of students in ledger order, as in `parallel`.

Every archive is a file of its own, so the parent names them all first (de-duplicated exactly as
render_batch names split records) and cuts the list into chunks; a worker loads its chunk's cases,
renders each archive into its file and returns the manifest entries. A record that fails to render
fails only that student's archive. The ledger stays with the parent (`make_dropout_documents`).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from reportgen.documents.parallel import (
    _gather,
    _prepare,
    partition_outputs,
    unique_name,
    worker_run,
)
from reportgen.engine.batch import render_partition, resolve_word_template
from reportgen.workers import run_partitions

# Students per chunk. At least CHUNK_MIN: an archive renders in one or two milliseconds and
# starting two worker processes takes most of a second, so for fewer than two such chunks one
# process is as fast and renders them. At most CHUNK_MAX: a worker loads its chunk with one
# IN (…) query.
CHUNK_MIN = 500
CHUNK_MAX = 1000


def chunk_size(students: int, workers: int) -> int:
    """Up to four chunks per worker, so that the last chunks finish together, of at least CHUNK_MIN
    (fewer than 2×CHUNK_MIN students: one chunk) and at most CHUNK_MAX students."""
    chunks = max(1, min(4 * workers, students // CHUNK_MIN))
    return max(1, min(CHUNK_MAX, math.ceil(students / chunks)))


def archive_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: a chunk of students' archives, each its own .docx (PDF if asked); entries back."""
    from reportgen.documents.dropout_archive import TEMPLATE, archive_context, archive_label
    from reportgen.dropout import Standard, case_problems, load_cases

    run = worker_run(task)
    out_dir = Path(task["out_dir"])
    as_of = task["as_of"]
    std = Standard.from_policy(run.policy)
    numbers = [number for number, _ in task["archives"]]
    cases = {c.student_no: c for c in load_cases(run.dataset, student_nos=numbers, found_by=as_of)}
    tpl = resolve_word_template(TEMPLATE, task["workspace"])  # once, not once per archive
    options = {"meta": task["meta"], "label": archive_label}
    outputs: list[dict] = []
    failures: list[dict] = []
    dropped: Counter[str] = Counter()
    for number, file in task["archives"]:
        case = cases[number]
        ctx = archive_context(case, run, as_of, case_problems(case, as_of, std))
        docx = out_dir / file
        got = render_partition(tpl, [ctx], str(docx), options)
        entries, failed = partition_outputs(got, docx, out_dir, "", task["pdf"])
        outputs += entries
        failures += failed
        dropped.update(got["dropped"])
    return {"students": len(numbers), "outputs": outputs, "failures": failures,
            "dropped": dict(dropped)}  # fmt: skip


def _archive_plan(cases, size: int) -> list[dict[str, Any]]:
    """Chunks of (student number, archive file name) in ledger order; names as render_batch gives
    them to split records (safe_filename, then _2 for a name already taken, ignoring case)."""
    from reportgen.documents.dropout_archive import archive_file
    from reportgen.engine import safe_filename

    used: set[str] = set()
    named = [
        (c.student_no, unique_name(Path(safe_filename(archive_file(c)) + ".docx"), used).as_posix())
        for c in cases
    ]
    return [{"archives": named[i : i + size]} for i in range(0, len(named), size)]


def render_archives_parallel(run, cases, *, as_of, pdf: bool, progress, workers: int, ledger):
    """The archives of `cases` (in ledger order) in chunks in a process pool (or on the Dask cluster
    of an `on_cluster` block); the batch, its manifest written with `ledger` after the archives.
    None to use the in-process path (fewer than two chunks)."""
    from reportgen.documents.dropout_archive import TEMPLATE

    plan = _archive_plan(cases, chunk_size(len(cases), workers))
    if len(plan) < 2:
        return None
    tpl, common = _prepare(run, TEMPLATE, pdf, as_of=as_of)
    tasks = ({**common, **part} for part in plan)
    results = run_partitions(archive_partition, tasks, len(plan), workers, progress, "students")
    batch, _ = _gather(run, tpl, results, lambda got: got["students"], extra=[ledger])
    return batch
