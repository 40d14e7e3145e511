"""Rules township by township: a RuleContext that loads one partition's records only, and the
county's check run in such partitions in worker processes (`check_partitioned`).

A partition is a set of townships (and, for one of them, the `rest`: records placed in no known
township). Its context loads the households whose village lies in those townships with their
members, procedures, measures and loans, the welfare jobs of their members (the rest: of people
not in any such household) and the students of the schools there; regions, projects, notices
and dropout cases are small and loaded whole. A rule declared `split` (Rule.split) gives, for a
township, the same findings in such a context as over the whole dataset; `keeps` drops the
findings that belong to another partition (a project or a dropout case seen by every partition
is kept by one). The partitions' findings together are the whole run's, so a county check or
self-check runs its partitions in separate processes, each reading about 1/N of the persons and
students: a worker (`check_partition`) returns its findings as tuples and its households' counts
for the 第四部分 indicators and the insurance rate; the parent adds the counts up, runs the rules
that need the whole county (H-RATE on those counts; a workspace's own rules unless they declare
`split=True`), and the caller sorts the findings as one process would, so the report, the list
and the stored run are the same as with --workers 1.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.rules import Finding, Rule
from reportgen.rules.context import RuleContext, run_rules

# Tables whose rows belong to a household (household_id, a foreign key), loaded for the
# partition's households only: persons (a county's 500,000) filtered by the database; the small
# ones (20,000 procedures, 40,000 measures, 4,000 loans) read whole and filtered here, which
# measured about 0.1 s faster per partition than the database's IN (subquery) of the households.
_BY_HOUSEHOLD = ("persons",)
_SMALL_BY_HOUSEHOLD = ("monitoring_procedures", "measures", "loans")


# Relative cost of reading and checking a household (with its members, procedures and measures)
# and a student: 3 and 4 times a person's row, an early estimate. Later timings of the two
# partitions of the generated county put a household nearer 1.4 students, but that ratio
# (7 and 5) planned the same split within the noise, so the weights were left as they are.
HOUSEHOLD_WEIGHT = 3
STUDENT_WEIGHT = 4
# Below this total weight one process is as fast: starting the workers costs more than they save.
# Forked workers (Linux) start at once: a generated county of 10,000 persons and 3,000 students
# (weight about 22,000) took 0.7 s in one process and 0.5 s in two; 100,000 persons, 3.8 s and
# 2.4 s. Spawned workers (Windows; a Dask cluster's start up to the same) first import
# reportgen, about 0.6 s each: 100,000 persons took 4.6 s in one process and 4.2 s in two, the
# example county 0.7 s and 1.5 s.
MIN_WEIGHT_FORKED = 20_000
MIN_WEIGHT_SPAWNED = 300_000


def min_weight() -> int:
    """The weight from which a county is checked in partitions, as its workers would start."""
    from reportgen.workers import forks_here, on_local_pool

    return MIN_WEIGHT_FORKED if on_local_pool() and forks_here() else MIN_WEIGHT_SPAWNED


@dataclass(frozen=True)
class Part:
    townships: tuple[str, ...]  # township codes
    rest: bool = False  # also what no township holds (villages of no township, county schools)


@dataclass
class PartContext(RuleContext):
    part: Part = field(default_factory=lambda: Part(()))

    @cached_property
    def _all_townships(self) -> frozenset[str]:
        return frozenset(c for c, p in self.places.items() if p.code == p.township_code)

    def keeps(self, f: Finding) -> bool:
        """Whether the finding is this partition's to report."""
        return f.township in self.part.townships or (
            self.part.rest and f.township not in self._all_townships
        )

    def _in_part(self, column) -> sa.ColumnElement:
        """`column` (a region code) lies in the partition's townships (or, for the rest, in none,
        or is empty). Region codes are foreign keys into regions, so both are lists of codes the
        database finds through its index."""
        mine = self.part.townships
        rest = self.part.rest
        codes = sorted(
            c
            for c, p in self.places.items()
            if p.township_code in mine or (rest and p.township_code not in self._all_townships)
        )
        return sa.or_(column.in_(codes), column.is_(None)) if rest else column.in_(codes)

    def _households_query(self) -> sa.Select:
        h = TABLES["households"]
        return sa.select(h.c.household_id).where(self._in_part(h.c.village_code))

    def _owned(self, column) -> sa.ColumnElement:
        """`column` (a household id, a foreign key) is one of the partition's households."""
        return column.in_(self._households_query())

    def _all(self, table: str) -> list[sa.Row]:
        if table in self._cache:
            return self._cache[table]
        t = TABLES[table]
        if table == "households":
            query = sa.select(t).where(self._in_part(t.c.village_code))
        elif table in _BY_HOUSEHOLD:
            query = sa.select(t).where(self._owned(t.c.household_id))
        elif table in _SMALL_BY_HOUSEHOLD:
            mine = self.households
            rows = [r for r in super()._all(table) if r.household_id in mine]
            self._cache[table] = rows  # in place of the whole table super() cached
            return rows
        elif table == "welfare_jobs":
            return self._cache.setdefault(table, self._jobs())
        else:
            return super()._all(table)
        with self.dataset.engine.connect() as conn:
            self._cache[table] = list(conn.execute(query))
        return self._cache[table]

    def _jobs(self) -> list[sa.Row]:
        """The welfare jobs (a small table, read whole) of the partition's people: placed by the
        person's household, as person_finding places them."""
        jobs, persons, h = TABLES["welfare_jobs"], TABLES["persons"], TABLES["households"]
        with self.dataset.engine.connect() as conn:
            rows = list(conn.execute(sa.select(jobs)))
            village = dict(
                conn.execute(
                    sa.select(persons.c.id_number, h.c.village_code)
                    .select_from(persons.outerjoin(h, h.c.household_id == persons.c.household_id))
                    .where(persons.c.id_number.in_(sa.select(jobs.c.id_number)))
                ).all()
            )
        mine = set(self.part.townships)
        out = []
        for job in rows:
            code = village.get(job.id_number)
            township = self.place(code).township_code if code else ""
            if township in mine or (self.part.rest and township not in self._all_townships):
                out.append(job)
        return out

    def school_codes(self) -> list[str]:
        schools = TABLES["schools"]
        query = (
            sa.select(schools.c.school_code)
            .where(self._in_part(schools.c.region_code))
            .order_by(schools.c.school_code)
        )
        with self.dataset.engine.connect() as conn:
            return list(conn.execute(query).scalars())


def plan_parts(ctx: RuleContext, n: int) -> list[Part]:
    """Up to `n` partitions of the county's townships with about equal work: townships weighted by
    their households and students (the bulk of what a partition reads and checks), placed heaviest
    first on the lightest partition. The first partition also takes the rest (such as the students
    of county-level schools), and starts with its weight. Fewer than two townships, or a total
    weight under min_weight(): one partition."""
    h, st, schools = (TABLES[t] for t in ("households", "students", "schools"))
    weight: dict[str, int] = defaultdict(int)
    with ctx.dataset.engine.connect() as conn:  # two counts over indexes, well under a second
        for village, count in conn.execute(
            sa.select(h.c.village_code, sa.func.count()).group_by(h.c.village_code)
        ):
            weight[ctx.place(village).township_code] += HOUSEHOLD_WEIGHT * count
        for region, count in conn.execute(
            sa.select(schools.c.region_code, sa.func.count())
            .select_from(st.join(schools, schools.c.school_code == st.c.school_code))
            .group_by(schools.c.region_code)
        ):
            weight[ctx.place(region).township_code] += STUDENT_WEIGHT * count
    townships = sorted(c for c, info in ctx.places.items() if c == info.township_code)
    if sum(weight.values()) < min_weight():
        n = 1
    n = max(1, min(n, len(townships)))
    bins: list[list[str]] = [[] for _ in range(n)]
    load = [0] * n
    load[0] = sum(w for code, w in weight.items() if code not in townships)  # the rest
    for code in sorted(townships, key=lambda c: (-weight.get(c, 0), c)):
        i = load.index(min(load))
        bins[i].append(code)
        load[i] += weight.get(code, 0)
    return [Part(tuple(sorted(b)), rest=(i == 0)) for i, b in enumerate(bins)]


# The last partition's context in a local pool's worker: freed when the next partition starts
# (or not at all: the worker ends with the run), not as check_partition returns. Freeing a
# township group's rows takes about 0.3 s, which the parent would otherwise wait for before it
# gets the findings. A Dask worker lives on after the run, so there the context goes at once.
_LAST: list[PartContext] = []


def check_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Worker (check_partitioned): the findings of the `split` rules (as tuples) for
    one group of townships, and its households' counts for the indicators and the insurance rate.
    Imports no document or engine module, so a worker process starts quickly."""
    from reportgen.rules.figures import household_counts
    from reportgen.rules.policies import insurance_counts
    from reportgen.rules.runs import Scope, select_rules
    from reportgen.workers import worker_open

    _LAST.clear()  # the previous partition's tables, before this one's are read
    settings, dataset = worker_open(task)
    rules = select_rules(settings.workspace, task["rules"], settings.policy)
    part = Part(tuple(task["townships"]), task["rest"])
    ctx = PartContext(dataset, settings.policy, task["as_of"], part=part)
    if task["linger"]:
        _LAST.append(ctx)
    found = [tuple(vars(f).values()) for r in rules for f in ctx.findings_of(r) if ctx.keeps(f)]
    return {
        "findings": found,
        "households": household_counts(ctx, Scope(None), task["start"], task["as_of"]),
        "insurance": insurance_counts(ctx),
        "steps": task["steps"],
    }


def check_partitioned(
    settings, ctx: RuleContext, rules: list[Rule], start: dt.date, workers: int, progress=None
) -> list[Finding] | None:
    """The county's findings (unsorted) from partitions in a process pool
    (or on the Dask cluster of an `on_cluster` block); None (check in one process) when the
    county is small (min_weight), has fewer than two townships, no rule can be split, or a
    workspace rule is not split: such a rule needs the whole county loaded in the parent, and the
    partitions would then only add work. The counts the partitions return go into `ctx` (as
    facts): insurance for the built-in whole rule (H-RATE) and the indicators, households from
    `start` to the as-of date for the indicators. progress(n) counts rules: the
    split rules' share of each partition as it completes, then the parent's one by one."""
    from reportgen.rules.figures import add_counts, household_counts_key
    from reportgen.workers import on_local_pool, run_partitions

    split = [r for r in rules if r.split]
    whole = [r for r in rules if not r.split]
    if any(not r.builtin for r in whole):
        return None
    # One partition per worker, planned to equal work: each partition reads some tables whole
    # (projects, payments, dropout cases), so more, smaller ones measured slower (7.9–8.5 s
    # against 7.4–7.6 s for a county on 2 workers).
    parts = plan_parts(ctx, workers) if split else []
    if len(parts) < 2:
        return None
    steps = [len(split) // len(parts) + (i < len(split) % len(parts)) for i in range(len(parts))]
    common = {
        "workspace": str(settings.workspace),
        "db_url": settings.db_url,
        "run": uuid.uuid4().hex,
        "rules": [r.id for r in split],
        "as_of": ctx.as_of,
        "start": start,
        "linger": on_local_pool(),
    }
    tasks = [
        {**common, "townships": list(p.townships), "rest": p.rest, "steps": n}
        for p, n in zip(parts, steps)
    ]
    results = run_partitions(check_partition, iter(tasks), len(tasks), workers, progress, "steps")
    insurance = add_counts(got["insurance"] for got in results)
    ctx._cache["facts:insurance"] = {v: (c[0], c[1]) for v, c in insurance.items()}
    found = [Finding(*t) for got in results for t in got["findings"]]
    found += run_rules(ctx, whole, progress=progress)
    households = add_counts(got["households"] for got in results)
    ctx._cache[household_counts_key(start, ctx.as_of)] = households
    return found
