"""Counts over the dataset that the 第四部分 indicators add up by village, the same whether one
process counts the whole county or each partition of a self-check counts its own households."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from reportgen.rules.context import RuleContext
from reportgen.rules.runs import Scope


def in_scope(ctx: RuleContext, scope: Scope, village_code: str | None) -> bool:
    if scope.villages is not None:
        return village_code in scope.villages
    if scope.townships is not None:
        return ctx.place(village_code).township_code in scope.townships
    return True


def household_counts_key(start: dt.date, end: dt.date) -> str:
    """Where a partitioned check leaves the county's household counts in RuleContext._cache."""
    return f"facts:households:{start}:{end}"


HOUSEHOLD_FIELDS = ("poor_households", "monitored", "monitored_persons", "identified", "eliminated")


def household_counts(
    ctx: RuleContext, scope: Scope, start: dt.date, end: dt.date
) -> dict[str, list[int]]:
    """Village code → HOUSEHOLD_FIELDS counted over the context's households in `scope` (all of
    them, or one partition's: the partitions' counts add up to the whole). For the county, the
    sum a partitioned check left in the context is used when there is one."""
    if scope.place is None and household_counts_key(start, end) in ctx._cache:
        return ctx._cache[household_counts_key(start, end)]
    out: dict[str, list[int]] = {}
    for hid, h in ctx.households.items():
        if not in_scope(ctx, scope, h.village_code):
            continue
        c = out.setdefault(h.village_code or "", [0] * len(HOUSEHOLD_FIELDS))
        if h.category == "脱贫户":
            c[0] += 1
        if ctx.is_monitored(h):
            c[1] += 1
            c[2] += len(ctx.members.get(hid, []))
        for p in ctx.procedures.get(hid, []):
            if p.county_approved_on and start <= p.county_approved_on <= end:
                if p.kind == "识别纳入":
                    c[3] += 1
                elif p.kind == "风险消除":
                    c[4] += 1
    return out


def add_counts(parts: Iterable[dict[str, Sequence[int]]]) -> dict[str, list[int]]:
    """Partitions' counts by village (household_counts, insurance_counts) as one."""
    out: dict[str, list[int]] = {}
    for part in parts:
        for village, counts in part.items():
            have = out.setdefault(village, [0] * len(counts))
            for i, n in enumerate(counts):
                have[i] += n
    return out
