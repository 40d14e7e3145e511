"""What rules run against: the dataset loaded once per run (cached), the policy, the as-of date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import sqlalchemy as sa

from reportgen.config import Policy
from reportgen.dataset.schema import TABLES, project_places
from reportgen.dataset.store import Dataset, is_monitored
from reportgen.errors import ConfigError
from reportgen.rules import Finding, Rule, builtin_rules


@dataclass
class PlaceInfo:
    code: str
    name: str
    township_code: str
    township_name: str

    @property
    def label(self) -> str:
        return (
            f"{self.township_name}/{self.name}"
            if self.township_name and self.township_name != self.name
            else self.name
        )


@dataclass
class RuleContext:
    dataset: Dataset
    policy: Policy
    as_of: dt.date
    # Table rows by table name (`_all`); objects built by rules under "facts:<name>" keys, so the
    # two never collide (a rule asking for `_all("students")` gets rows, not StudentFacts).
    _cache: dict = field(default_factory=dict)
    # The rules run on this context (findings_of), by id: a workspace's own rule is known to the
    # workspace that loaded it, not to the process, so its findings take their title from here.
    rules: dict[str, Rule] = field(default_factory=dict)

    def _all(self, table: str) -> list[sa.Row]:
        if table not in self._cache:
            t = TABLES[table]
            with self.dataset.engine.connect() as conn:
                self._cache[table] = list(conn.execute(sa.select(t)))
        return self._cache[table]

    # ---------------------------------------------------------------- places
    @cached_property
    def places(self) -> dict[str, PlaceInfo]:
        """Every region code → its name and township (a township maps to itself)."""
        rows = {r.code: r for r in self._all("regions")}
        out = {}
        for code, r in rows.items():
            if r.level == "村":
                parent = rows.get(r.parent_code)
                out[code] = PlaceInfo(
                    code, r.name, r.parent_code or "", parent.name if parent else ""
                )
            elif r.level == "乡":
                out[code] = PlaceInfo(code, r.name, code, r.name)
            else:
                out[code] = PlaceInfo(code, r.name, "", "")
        return out

    def place(self, code: str | None) -> PlaceInfo:
        return self.places.get(code or "", PlaceInfo(code or "", code or "", "", ""))

    # ---------------------------------------------------------------- households and people
    @cached_property
    def households(self) -> dict[str, sa.Row]:
        return {r.household_id: r for r in self._all("households")}

    @cached_property
    def members(self) -> dict[str, list[sa.Row]]:
        out: dict[str, list[sa.Row]] = defaultdict(list)
        for p in self._all("persons"):
            out[p.household_id].append(p)
        return out

    @cached_property
    def persons(self) -> dict[str, sa.Row]:
        return {p.id_number: p for p in self._all("persons")}

    @cached_property
    def procedures(self) -> dict[str, list[sa.Row]]:
        out: dict[str, list[sa.Row]] = defaultdict(list)
        for p in sorted(self._all("monitoring_procedures"), key=lambda p: p.found_on):
            out[p.household_id].append(p)
        return out

    @cached_property
    def measures(self) -> dict[str, list[sa.Row]]:
        out: dict[str, list[sa.Row]] = defaultdict(list)
        for m in self._all("measures"):
            out[m.household_id].append(m)
        return out

    def welfare_jobs(self) -> list[sa.Row]:
        return self._all("welfare_jobs")

    def loans(self) -> list[sa.Row]:
        return self._all("loans")

    def projects(self) -> list[sa.Row]:
        return self._all("projects")

    def school_codes(self) -> list[str]:
        """The schools whose students the student rules check, in code order."""
        schools = TABLES["schools"]
        with self.dataset.engine.connect() as conn:
            query = sa.select(schools.c.school_code).order_by(schools.c.school_code)
            return list(conn.execute(query).scalars())

    @cached_property
    def project_villages(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        with self.dataset.engine.connect() as conn:
            for no, code in conn.execute(sa.select(project_places)):
                out[no].append(code)
        return out

    # ---------------------------------------------------------------- derived facts
    def is_monitored(self, h: sa.Row) -> bool:
        """Being monitored now (dataset.store.is_monitored, the one definition)."""
        return is_monitored(h.category, h.monitor_type, h.risk_eliminated)

    def risk_types(self, household_id: str) -> set[str]:
        return {
            r
            for p in self.procedures.get(household_id, [])
            for r in (p.risk_types or "").split("、")
            if r
        }

    def measure_categories(self, household_id: str) -> set[str]:
        return {m.category for m in self.measures.get(household_id, [])}

    @property
    def income_line(self) -> Decimal:
        return Decimal(str(self.policy.value("monitoring.income_line")))

    def rule_title(self, rule_id: str) -> str:
        """The rule's title as this run's policy words it (its numbers, its pack's words)."""
        titles = self._cache.setdefault("rule_titles", {})
        if rule_id not in titles:
            r = self.rules.get(rule_id) or builtin_rules().get(rule_id)
            if r is None:
                raise ConfigError(f"规则 {rule_id} 没有注册：检查 @rule 的编号与问题的编号是否一致")
            titles[rule_id] = r.title_text(self.policy)
        return titles[rule_id]

    def findings_of(self, r: Rule) -> Iterable[Finding]:
        """The findings of one rule on this context (the rule is remembered for rule_title)."""
        self.rules[r.id] = r
        return r.check(self)

    def household_finding(self, rule_id: str, h: sa.Row, detail: str) -> Finding:
        place = self.place(h.village_code)
        return Finding(rule_id, self.rule_title(rule_id), "household", h.household_id, h.head_name, h.household_id, place.label,
                       detail, place.township_code, h.village_code)  # fmt: skip

    def person_finding(
        self, rule_id: str, person: sa.Row | None, id_number: str, detail: str
    ) -> Finding:
        h = self.households.get(person.household_id) if person is not None else None
        place = self.place(h.village_code if h else None)
        return Finding(rule_id, self.rule_title(rule_id), "person", id_number, person.name if person is not None else "",
                       h.household_id if h else None, place.label, detail, place.township_code, h.village_code if h else "")  # fmt: skip


def days_between(start: dt.date, end: dt.date) -> int:
    """A time limit counts the days after its start (DOMAIN §3): 9月1日 → 9月16日 is 15 days."""
    return (end - start).days


def inclusive_days(start: dt.date, end: dt.date) -> int:
    """A publicity period counts both ends (DOMAIN §3): 9月1日–9月5日 is 5 days."""
    return (end - start).days + 1


def run_rules(
    ctx: RuleContext,
    rules: list[Rule],
    *,
    villages: set[str] | None = None,
    townships: set[str] | None = None,
    progress=None,
) -> list[Finding]:
    """Every finding of `rules`, limited to a scope (village or township codes) when given;
    progress(1) after each rule."""
    findings: list[Finding] = []
    for r in rules:
        for f in ctx.findings_of(r):
            if villages is not None and f.village not in villages:
                continue
            if townships is not None and f.township not in townships:
                continue
            findings.append(f)
        if progress:
            progress(1)
    return findings
