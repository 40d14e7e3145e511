"""Running rules for a scope and date, storing the findings, and comparing with the previous run."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from reportgen.config import Settings
from reportgen.dataset.schema import check_runs, findings
from reportgen.dataset.staging import bulk_insert
from reportgen.dataset.store import Dataset
from reportgen.errors import ConfigError
from reportgen.places import Place, resolve_place
from reportgen.rules import Finding, Rule, bind_rules, canonical_id, load_rules
from reportgen.rules.context import RuleContext, run_rules


@dataclass
class Scope:
    """County (place None), a township or a village; `code` names it in the run ledger."""

    place: Place | None
    villages: set[str] | None = None
    townships: set[str] | None = None

    @property
    def code(self) -> str:
        return self.place.code if self.place else "county"

    @property
    def label(self) -> str:
        return self.place.file_label if self.place else ""


def make_scope(
    dataset: Dataset, *, township: str | None = None, village: str | None = None
) -> Scope:
    if township and village:
        raise ConfigError("--township 和 --village 只能给出一个")
    if village:
        place = resolve_place(dataset, village, level="村")
        return Scope(place, villages={place.code})
    if township:
        place = resolve_place(dataset, township, level="乡")
        return Scope(place, townships={place.code})
    return Scope(None)


def select_rules(workspace, only: list[str] | None = None, policy=None) -> list[Rule]:
    """The workspace's rules (or those `only` names: old ids such as M-IDENT-15 accepted), as
    `policy` words them when given (Rule.bound)."""
    registry = load_rules(workspace)
    if only:
        wanted = [canonical_id(r) for r in only]
        unknown = [r for r, c in zip(only, wanted) if c not in registry]
        if unknown:
            raise ConfigError(
                f"没有这些规则：{'、'.join(unknown)}。用 reportgen rules list 查看全部规则编号"
            )
        chosen = [registry[r] for r in dict.fromkeys(wanted)]
    else:
        chosen = list(registry.values())
    return bind_rules(chosen, policy) if policy is not None else chosen


def check(
    settings: Settings,
    dataset: Dataset,
    scope: Scope,
    as_of: dt.date,
    only: list[str] | None = None,
    ctx: RuleContext | None = None,
    progress=None,
    workers: int = 1,
    start: dt.date | None = None,
) -> list[Finding]:
    """Every finding of the selected rules in the scope as of a date, sorted by rule order and key;
    `ctx`: a RuleContext for that date to reuse (its loaded tables), else a new one;
    progress(n) as rules finish. `workers` > 1: the county's townships are checked in that many
    processes (rules/partition.py); the findings are the same, and `ctx` is left with the county's
    household counts from `start` (default `as_of`) for the indicators."""
    rules = select_rules(settings.workspace, only, settings.policy)
    ctx = ctx or RuleContext(dataset, settings.policy, as_of)
    if workers > 1 and scope.place is None:
        from reportgen.rules.partition import check_partitioned

        got = check_partitioned(settings, ctx, rules, start or as_of, workers, progress)
        if got is not None:
            return sort_findings(got, rules)
    found = run_rules(
        ctx, rules, villages=scope.villages, townships=scope.townships, progress=progress
    )
    return sort_findings(found, rules)


def sort_findings(found: list[Finding], rules: list[Rule]) -> list[Finding]:
    """By rule order, township, place, key and detail: one order however the findings were made
    (in one process, or township by township in partitions)."""
    order = {r.id: i for i, r in enumerate(rules)}
    return sorted(found, key=lambda f: (order[f.rule], f.township, f.place, f.key, f.detail))


@dataclass
class Comparison:
    """Per rule: findings new since the previous run, persisting, and resolved (fixed)."""

    previous_label: str | None
    new: Counter = field(default_factory=Counter)
    persisting: Counter = field(default_factory=Counter)
    resolved: Counter = field(default_factory=Counter)
    resolved_items: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, key, name)
    keys: set[tuple[str, str, str]] = field(
        default_factory=set
    )  # the previous run's (rule, entity, key)


def store_run(
    dataset: Dataset, kind: str, scope: Scope, as_of: dt.date, label: str, found: list[Finding]
) -> int:
    last = dataset.latest_import() or {}
    with dataset.engine.begin() as conn:
        key = conn.execute(
            check_runs.insert().values(
                kind=kind,
                scope=scope.code,
                as_of=as_of,
                label=label,
                run_at=dt.datetime.now(),
                import_id=last.get("id"),
            )
        ).inserted_primary_key
        assert key is not None  # a single-row INSERT always has one
        run_id = key[0]
        bulk_insert(
            conn,
            findings,
            [
                {
                    "run_id": run_id,
                    "seq": i,
                    "rule": f.rule,
                    "entity": f.entity,
                    "key": f.key,
                    "name": f.name,
                    "household": f.household,
                    "place": f.place,
                    "detail": f.detail,
                    "township": f.township,
                    "village": f.village,
                }
                for i, f in enumerate(found)
            ],
        )  # fmt: skip  (60,000 findings: 0.5 s through SQLAlchemy's executemany, 0.2 s this way)
    return run_id


def compare_with_previous(
    dataset: Dataset, kind: str, scope: Scope, as_of: dt.date, label: str, found: list[Finding]
) -> Comparison:
    """Compare with the latest earlier run of the same kind and scope (an earlier as-of date),
    other than the runs labelled `label`, which the run being made replaces: so it can be
    compared before it is stored."""
    with dataset.engine.connect() as conn:
        prev = conn.execute(
            sa.select(check_runs.c.id, check_runs.c.label)
            .where(check_runs.c.kind == kind, check_runs.c.scope == scope.code,
                   check_runs.c.label != label, check_runs.c.as_of < as_of)
            .order_by(check_runs.c.as_of.desc(), check_runs.c.id.desc())
            .limit(1)
        ).first()  # fmt: skip
        if prev is None:
            return Comparison(None)
        before = {
            (r.rule, r.entity, r.key): r.name
            for r in conn.execute(sa.select(findings).where(findings.c.run_id == prev.id))
        }
    now = {(f.rule, f.entity, f.key): f.name for f in found}
    result = Comparison(prev.label, keys=set(before))
    for key in now:
        (result.persisting if key in before else result.new)[key[0]] += 1
    for key, name in before.items():
        if key not in now:
            result.resolved[key[0]] += 1
            result.resolved_items.append((key[0], key[2], name))
    return result
