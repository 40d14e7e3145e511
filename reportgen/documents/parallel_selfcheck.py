"""The county self-check in partitions: townships split into groups (rules/partition.py), one group
per partition, as in `parallel`.

A worker loads its townships' records only, runs every `split` rule over them and returns its
findings (as tuples) and its household counts for the 第四部分 indicators. Meanwhile the parent
runs the rules that need the whole county (H-RATE's county rate, a workspace's own rules unless
they declare `split=True`) and reads what the indicators need beyond households (insurance
counts, dropout cases, projects) by queries. The parent then sorts the findings as one process
would, so the report, the list and the stored run are the same as with --workers 1.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reportgen.documents.parallel import run_partitions, worker_run
from reportgen.rules import Finding, Rule
from reportgen.rules.context import RuleContext, run_rules


def selfcheck_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: the findings of the `split` rules for a group of townships, and its households'
    indicator counts."""
    from reportgen.documents.indicators import household_counts
    from reportgen.rules.partition import Part, PartContext
    from reportgen.rules.runs import Scope, select_rules

    run = worker_run(task)
    rules = select_rules(run.settings.workspace, task["rules"])
    part = Part(tuple(task["townships"]), task["rest"])
    ctx = PartContext(run.dataset, run.settings.policy, task["as_of"], part=part)
    found = [tuple(vars(f).values()) for r in rules for f in r.check(ctx) if ctx.keeps(f)]
    households = household_counts(ctx, Scope(None), task["start"], task["as_of"])
    return {"findings": found, "households": households, "steps": task["steps"]}


def check_partitioned(
    run, ctx: RuleContext, rules: list[Rule], start: dt.date, workers: int, progress=None
) -> tuple[list[Finding], dict[str, list[int]]] | None:
    """The county's findings (unsorted) and household counts from partitions in a process pool
    (or on the Dask cluster of an `on_cluster` block); None when the county has fewer than two
    townships or no rule can be split. progress(n) counts rules: the parent's one by one, the
    split rules' share of each partition as it completes."""
    from reportgen.documents.indicators import add_counts
    from reportgen.rules.partition import plan_parts

    split = [r for r in rules if r.split]
    whole = [r for r in rules if not r.split]
    # One partition per worker, planned to equal work: each partition reads some tables whole
    # (projects, payments, dropout cases), so more, smaller ones measured slower (7.9–8.5 s
    # against 7.6 s for a county on 2 workers).
    parts = plan_parts(ctx, workers) if split else []
    if len(parts) < 2:
        return None
    steps = [len(split) // len(parts) + (i < len(split) % len(parts)) for i in range(len(parts))]
    common = {
        "workspace": str(run.settings.workspace),
        "db_url": run.settings.db_url,
        "out_dir": str(run.out_dir),
        "today": run.today,
        "run": uuid.uuid4().hex,
        "rules": [r.id for r in split],
        "as_of": ctx.as_of,
        "start": start,
    }
    tasks = [
        {**common, "townships": list(p.townships), "rest": p.rest, "steps": n}
        for p, n in zip(parts, steps)
    ]
    lock = threading.Lock()

    def step(n: int) -> None:
        with lock:
            progress(n)

    tick = step if progress else None
    with ThreadPoolExecutor(1) as side:  # the partitions run while the parent does its share
        pending = side.submit(
            run_partitions, selfcheck_partition, iter(tasks), len(tasks), workers, tick, "steps"
        )
        try:
            found = run_rules(ctx, whole, progress=tick)
        finally:
            results = pending.result()
    found += [Finding(*t) for got in results for t in got["findings"]]
    return found, add_counts(got["households"] for got in results)
