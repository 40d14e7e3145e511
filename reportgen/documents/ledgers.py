"""Ledgers (台账) for a county, township or village, one .xlsx each: 住房安全排查台账 (seed
二.三.(二).1②, 2–4), 饮水安全问题台账 (二.四.(二).2), 项目库台账 (三.三.(二).1③, 三.五.(二).1) and
项目资产台账 (三.三.(二).4), with the 资产处置结果公示 of the year's disposals (4③).

Each lists its households, projects or assets with the facts the data hold, the problems found (in
the policy pack's words, `[ledgers.*]` texts, with the pack's numbers), a status and 已销号/未销号,
then a summary by township (a township's or village's ledger: by village) and a 说明 sheet. The
ledgers show the data as imported: the import contract keeps no history of the housing and water
fields, so `as_of` dates the ledger and measures project delays, nothing more. A missing fact
stays blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.sheets import PROJECT_ASSET_TYPES, PROJECT_STATUS, PROJECT_TYPES
from reportgen.dates import cn_date
from reportgen.documents.asset_notice import Disposal, write_disposal_notices
from reportgen.documents.common import DocumentRun
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    safe_filename,
    write_manifest,
    write_table_workbook,
)
from reportgen.errors import ConfigError
from reportgen.places import Place, county_place, villages_under
from reportgen.rules.context import RuleContext
from reportgen.rules.policies import required_area
from reportgen.rules.policies import water_shortfalls as standard_shortfalls

KINDS = ("housing", "water", "projects", "assets")
TITLES = {"housing": "住房安全排查台账", "water": "饮水安全问题台账", "projects": "项目库台账",
          "assets": "项目资产台账"}  # fmt: skip
UNITS = {"housing": "户", "water": "户", "projects": "个", "assets": "项"}
CLOSED, OPEN = "已销号", "未销号"

# What the 监测帮扶 and 帮扶措施 sheets record of a housing or water problem (DOMAIN §2 choices).
HOUSING_RISK, HOUSING_MEASURE = "因住房出现安全问题", "住房保障"
WATER_RISK, WATER_MEASURE = "因饮水安全问题", "饮水保障"
DONE_RENOVATION = "已竣工验收"
ACCEPTED = "已验收"
BUILT = ("已完工", ACCEPTED)  # a project whose assets exist and are to be handed over
OPERATING = PROJECT_ASSET_TYPES[0]  # 经营性资产: 确权, 运营 and 收益 are asked of these
# The 项目 sheet's funds by source (万元); headers short enough for one line in print.
FUNDS = (
    ("fund_central", "中央衔接"), ("fund_province", "省级衔接"), ("fund_city", "市级衔接"),
    ("fund_county", "县级衔接"), ("fund_integrated", "统筹整合"), ("fund_other", "其他资金"),
)  # fmt: skip


@dataclass
class Row:
    """One line of a ledger: its cells, whether it is closed (已销号), the summary line it counts
    in and what it counts as there."""

    cells: list[Any]
    closed: bool
    group: tuple[str, str]  # (sort key, label) of its line in the summary
    tags: frozenset[str] = frozenset()
    amount: Decimal | None = None  # a project's funds, an asset's 原值 (万元)
    extra: list[Any] = field(default_factory=list)  # a project's funds by source
    income: Decimal | None = None  # an asset's 年收益 (万元), while it is held
    record: Any = None  # an asset's row (its 处置 goes on the 资产处置结果公示)


# A summary column's sum: what a row adds to it (None: nothing).
Amount = Callable[[Row], Decimal | None]
FUNDS_TOTAL: list[tuple[str, Amount]] = [("资金合计（万元）", lambda r: r.amount)]


@dataclass
class Ledger:
    kind: str
    title: str
    path: Path
    rows: int
    closed: int

    @property
    def open(self) -> int:
        return self.rows - self.closed

    @property
    def unit(self) -> str:
        return UNITS[self.kind]


@dataclass
class LedgerResult:
    place: Place
    as_of: dt.date
    ledgers: list[Ledger]
    outputs: list[OutputEntry]
    notices: list[tuple[str, int]] = field(default_factory=list)  # (公示 file, assets on it)
    notes: list[str] = field(default_factory=list)  # said on screen and in the manifest
    templates: list[dict[str, str]] = field(default_factory=list)  # the 公示's, for the manifest


# ------------------------------------------------------------------------------------------ scope
@dataclass
class Scope:
    """The place a ledger is for: which records belong to it and the summary line of each."""

    place: Place
    ctx: RuleContext
    codes: set[str]  # villages in scope and the place itself

    @property
    def county(self) -> bool:
        return self.place.level == "县"

    @property
    def label(self) -> str:
        return self.place.file_label

    def holds(self, code: str | None) -> bool:
        return self.county or (code or "") in self.codes

    def group(self, code: str) -> tuple[str, str]:
        """The summary line of a village: its township in a county's ledger, else the village."""
        info = self.ctx.place(code)
        if self.county:
            return (info.township_code or "~", info.township_name or "（未对应乡镇）")
        return (info.code, info.name)

    @property
    def across(self) -> tuple[str, str]:
        return ("~~", "跨乡镇" if self.county else "跨村")

    def where(self, code: str) -> str:
        """A village as a reader of this ledger knows it: with its township (two 王庄村 in one
        county), except in its own township's or village's ledger."""
        info = self.ctx.place(code)
        own = self.ctx.place(self.place.code).township_code
        if (not self.county and info.township_code == own) or info.township_name in ("", info.name):
            return info.name
        return f"{info.township_name}{info.name}"

    def project_places(self, p: sa.Row) -> list[str]:
        """The villages of a project's 实施地点, in the sheet's order."""
        return list(
            dict.fromkeys(
                self.ctx.project_villages.get(p.project_no) or (p.places or "").split("、")
            )
        )

    def project_group(self, places: list[str]) -> tuple[str, str]:
        groups = {self.group(c) for c in places}
        return groups.pop() if len(groups) == 1 else self.across

    def township_of(self, places: list[str]) -> str:
        townships = {self.ctx.place(c).township_name for c in places}
        return townships.pop() if len(townships) == 1 else "跨乡镇"

    def households(self) -> Iterator[sa.Row]:
        rows = (h for h in self.ctx.households.values() if self.holds(h.village_code))
        yield from sorted(rows, key=lambda h: (h.village_code, h.household_id))

    def head(self, h: sa.Row) -> list[Any]:
        info = self.ctx.place(h.village_code)
        return [info.township_name, info.name, h.household_id, h.head_name]


def _scope(run: DocumentRun, place: Place, as_of: dt.date) -> Scope:
    ctx = RuleContext(run.dataset, run.policy, as_of)
    codes = {v.code for v in villages_under(run.dataset, place)} | {place.code}
    return Scope(place, ctx, codes)


def _records(ctx: RuleContext, household_id: str, risk: str, measure: str) -> list[str]:
    """The household's 监测帮扶 procedures naming `risk` and its `measure` measures, as words."""
    out = [
        f"{risk}（{p.kind}，{cn_date(p.found_on)}发现）"
        for p in ctx.procedures.get(household_id, [])
        if risk in (p.risk_types or "").split("、")
    ]
    for m in sorted(
        ctx.measures.get(household_id, []), key=lambda m: (m.done_on or dt.date.max, m.content)
    ):
        if m.category == measure:
            done = f"，{cn_date(m.done_on)}落实" if m.done_on else ""
            out.append(f"{measure}：{m.content}{done}" if m.content else f"{measure}{done}")
    return out


def _number(value: Decimal | float | int) -> str:
    return f"{Decimal(str(value)).normalize():f}"


# ------------------------------------------------------------------------------------------ housing
def grade_label(grade: str) -> str:
    """C → C级危房, 无房 → 无房户."""
    return f"{grade}级危房" if len(grade) == 1 else f"{grade}户"


def _household_sizes(run: DocumentRun) -> dict[str, int]:
    persons = TABLES["persons"]
    query = sa.select(persons.c.household_id, sa.func.count()).group_by(persons.c.household_id)
    with run.dataset.engine.connect() as conn:
        return {hid: n for hid, n in conn.execute(query)}


HOUSING_COLUMNS = [
    Column("序号", 5, "int"), Column("乡镇", 8), Column("村", 8), Column("户编号", 8), Column("户主", 7),
    Column("列入原因", 15), Column("住房等级", 9), Column("面积（㎡）", 11, "number"), Column("改造状态", 9),
    Column("风险和保障记录", 20), Column("发现的问题", 32), Column("状态", 10), Column("销号", 7),
]  # fmt: skip


def housing_rows(run: DocumentRun, scope: Scope) -> list[Row]:
    """脱贫户, households being monitored, 兜底 households (低保/特困/低保边缘), households whose
    house is of an unsafe grade, and households with a recorded housing risk or 住房保障 measure."""
    ctx, policy = scope.ctx, run.policy
    unsafe = [str(g) for g in policy.value("housing.unsafe_grades")]
    sizes = _household_sizes(run)

    def text(key: str, **params: Any) -> str:
        return policy.text(f"ledgers.housing.{key}", **params)

    out = []
    for h in scope.households():
        monitored = ctx.is_monitored(h)
        grade = h.housing_grade
        records = _records(ctx, h.household_id, HOUSING_RISK, HOUSING_MEASURE)
        priority = h.category == "脱贫户" or monitored or bool(h.baodi_type)
        if not (priority or grade in unsafe or records):
            continue
        why = [
            "脱贫户" if h.category == "脱贫户" else "",
            (f"正在监测（{h.monitor_type}）" if h.monitor_type else "正在监测")
            if monitored
            else "",
            f"{h.baodi_type}户" if h.baodi_type else "",
            grade_label(grade) if grade in unsafe else "",
            "有住房风险或保障记录" if not (priority or grade in unsafe) else "",
        ]
        problems: list[str] = []
        tags = set()
        if not grade:
            status, closed = "未鉴定", False
            problems.append(text("not_assessed"))
            tags.add("unassessed")
        elif grade in unsafe:
            tags.add("unsafe")
            label = grade_label(grade)
            state = h.renovation_status
            if state == DONE_RENOVATION:
                status, closed = DONE_RENOVATION, True
                tags.add("done")
            elif state == "改造中":
                status, closed = "改造中", False
                problems.append(text("renovating", grade=label))
                tags.add("renovating")
            elif state == "未改造":
                status, closed = "未改造", False
                problems.append(text("not_renovated", grade=label))
                tags.add("not_renovated")
            else:
                status, closed = "改造状态未填", False
                problems.append(text("renovation_unreported", grade=label))
                tags.add("not_renovated")
        else:
            status, closed = (f"安全（{grade}级）" if len(grade) == 1 else grade), True
        size = sizes.get(h.household_id, 0)
        if h.renovation_status == DONE_RENOVATION and h.housing_area is not None and size:
            need = required_area(policy, size)
            if Decimal(h.housing_area) < need:
                problems.append(text("area_short", size=size, area=_number(h.housing_area), need=_number(need)))  # fmt: skip
        cells = [
            *scope.head(h), "、".join(w for w in why if w), grade or "", h.housing_area,
            h.renovation_status or "", "\n".join(records), "\n".join(problems), status,
            CLOSED if closed else OPEN,
        ]  # fmt: skip
        out.append(Row(cells, closed, scope.group(h.village_code), frozenset(tags)))
    return out


def housing_summary(run: DocumentRun) -> list[tuple[str, str]]:
    grades = "、".join(str(g) for g in run.policy.value("housing.unsafe_grades"))
    return [("列入户数", ""), (f"{grades}户数", "unsafe"), ("其中已竣工验收", "done"),
            ("改造中", "renovating"), ("未改造或状态未填", "not_renovated"), ("未鉴定", "unassessed")]  # fmt: skip


# ------------------------------------------------------------------------------------------ water
WATER_COLUMNS = [
    Column("序号", 5, "int"), Column("乡镇", 8), Column("村", 8), Column("户编号", 8), Column("户主", 7),
    Column("户类型", 8), Column("人均用水量(升)", 14, "number"), Column("取水往返(分钟)", 14, "number"),
    Column("水质达标", 9), Column("风险和保障记录", 20), Column("发现的问题", 32), Column("状态", 8),
    Column("销号", 7),
]  # fmt: skip


def water_shortfalls(run: DocumentRun, ctx: RuleContext, h: sa.Row) -> list[tuple[str, str]]:
    """(tag, words) for each standard the household's water misses — rule W-WATER's standards
    (rules/policies.py water_shortfalls), worded by the pack's `[ledgers.water]` texts."""
    policy = run.policy
    out = []
    for what, value, limit in standard_shortfalls(ctx, h):
        if what == "quality" or value is None or limit is None:
            out.append((what, policy.text("ledgers.water.quality_bad")))
        elif what == "liters":
            out.append(
                (
                    what,
                    policy.text(
                        "ledgers.water.liters_low", liters=_number(value), minimum=_number(limit)
                    ),
                )
            )
        else:
            out.append((what, policy.text("ledgers.water.fetch_long", minutes=_number(value))))
    return out


def water_rows(run: DocumentRun, scope: Scope) -> list[Row]:
    """Households whose water misses a standard, and those with a recorded water risk or 饮水保障
    measure (closed when their water now meets every standard the data can show)."""
    out = []
    for h in scope.households():
        shortfalls = water_shortfalls(run, scope.ctx, h)
        records = _records(scope.ctx, h.household_id, WATER_RISK, WATER_MEASURE)
        if not shortfalls and not records:
            continue
        missing = [label for label, value in (("人均日用水量", h.water_liters_per_day), ("水质达标", h.water_quality_ok))
                   if value is None]  # fmt: skip
        if shortfalls:
            status, closed, problems = "不达标", False, [w for _, w in shortfalls]
        elif missing:
            status, closed, problems = (
                "未填报",
                False,
                [f"未填报{'、'.join(missing)}，无法确认饮水是否达标"],
            )
        else:
            status, closed, problems = "达标", True, []
        tags = {t for t, _ in shortfalls} | ({"unreported"} if status == "未填报" else set())
        cells = [*scope.head(h), h.category, h.water_liters_per_day, h.water_fetch_minutes, h.water_quality_ok,
                 "\n".join(records), "\n".join(problems), status, CLOSED if closed else OPEN]  # fmt: skip
        out.append(Row(cells, closed, scope.group(h.village_code), frozenset(tags)))
    return out


WATER_SUMMARY = [("列入户数", ""), ("用水量不达标", "liters"), ("取水时间超标", "fetch"),
                 ("水质不达标", "quality"), ("未填报", "unreported")]  # fmt: skip


# ------------------------------------------------------------------------------------------ projects
PROJECT_COLUMNS = [
    Column("序号", 5, "int"), Column("项目编号", 10), Column("项目名称", 24), Column("项目类型", 9),
    Column("年度", 6, "int"), Column("乡镇", 8), Column("实施地点", 14), Column("实施单位", 12),
    Column("资金(万元)", 12, "wan"), Column("计划完工", 11, "date"), Column("发现的问题", 26),
    Column("项目状态", 9), Column("销号", 7),
]  # fmt: skip
FUND_COLUMNS = [
    Column("序号", 5, "int"), Column("项目编号", 10), Column("项目名称", 26),
    *[Column(label, 11, "wan") for _, label in FUNDS], Column("合计", 12, "wan"),
    Column("已拨付", 11, "wan"), Column("已支付", 11, "wan"),
]  # fmt: skip


def project_rows(run: DocumentRun, scope: Scope, as_of: dt.date) -> list[Row]:
    """Every project with a 实施地点 in scope (a county's ledger: every project), by 项目编号."""
    ctx, policy = scope.ctx, run.policy
    out = []
    for p in sorted(ctx.projects(), key=lambda p: p.project_no):
        places = scope.project_places(p)
        if not any(scope.holds(c) for c in places):
            continue
        group = scope.project_group(places)
        funds = [p._mapping[col] for col, _ in FUNDS]
        filled = [Decimal(v) for v in funds if v is not None]
        total = sum(filled, Decimal(0)) if filled else None
        problems = []
        if p.status is None:
            problems.append("项目状态未填")
        overdue = (
            p.planned_end is not None and p.planned_end < as_of and p.status in ("计划", "实施中")
        )
        if overdue:
            problems.append(policy.text("ledgers.projects.overdue", end=cn_date(p.planned_end), as_of=cn_date(as_of),
                                        days=(as_of - p.planned_end).days))  # fmt: skip
        if p.asset_type == "经营性":
            missing = [label for label, v in (("联农带农机制", p.farmer_linkage), ("绩效目标", p.performance_goal)) if not v]  # fmt: skip
            if missing:
                problems.append(policy.text("ledgers.projects.linkage", missing="、".join(missing)))
        if p.status == ACCEPTED and p.accepted_on is None:
            problems.append("验收日期未填")
        closed = p.status == ACCEPTED
        cells = [p.project_no, p.name, p.type, p.planned_start.year if p.planned_start else None,
                 scope.township_of(places), "、".join(scope.where(c) for c in places),
                 p.unit, total, p.planned_end, "\n".join(problems), p.status or "未填",
                 CLOSED if closed else OPEN]  # fmt: skip
        tags = {p.status or "未填", f"type:{p.type}"} | ({"overdue"} if overdue else set())
        extra = [p.project_no, p.name, *funds, total, p.funds_allocated, p.funds_paid]
        out.append(Row(cells, closed, group, frozenset(tags), total, extra))
    return out


PROJECT_SUMMARY = [
    ("项目数", ""),
    *[(s, s) for s in PROJECT_STATUS],
    ("状态未填", "未填"),
    ("超期", "overdue"),
]


# ------------------------------------------------------------------------------------------ assets
ASSET_COLUMNS = [
    Column("序号", 5, "int"), Column("乡镇", 8), Column("实施地点", 12), Column("项目编号", 10),
    Column("资产名称", 16), Column("资产类型", 10), Column("原值(万元)", 11, "wan"), Column("确权对象", 12),
    Column("确权日期", 11, "date"), Column("移交日期", 11, "date"), Column("运营方式", 14),
    Column("年收益(万元)", 12, "wan"), Column("处置日期", 11, "date"), Column("处置方式", 9),
    Column("发现的问题", 30), Column("状态", 10), Column("销号", 7),
]  # fmt: skip


def _assets(run: DocumentRun) -> list[sa.Row]:
    t = TABLES["project_assets"]
    with run.dataset.engine.connect() as conn:
        return list(conn.execute(sa.select(t).order_by(t.c.project_no, t.c.asset_name)))


def disposed(asset: sa.Row, as_of: dt.date) -> bool:
    """Disposed of by `as_of` (a 处置日期 after it is a disposal yet to come)."""
    return asset.disposed_on is not None and asset.disposed_on <= as_of


def asset_rows(run: DocumentRun, scope: Scope, as_of: dt.date) -> list[Row]:
    """Every asset of a project with a 实施地点 in scope, by 项目编号 and 资产名称. Only a built
    project's (已完工, 已验收) assets are checked: 确权, 运营 and 收益 for 经营性资产, 移交 for all."""
    policy = run.policy
    projects = {p.project_no: p for p in scope.ctx.projects()}

    def text(key: str, **params: Any) -> str:
        return policy.text(f"ledgers.assets.{key}", **params)

    out = []
    for a in _assets(run):
        p = projects[a.project_no]
        places = scope.project_places(p)
        if not any(scope.holds(c) for c in places):
            continue
        problems: list[str] = []
        tags = {f"type:{a.asset_type}"}
        operating = a.asset_type == OPERATING
        if disposed(a, as_of):
            status = "已处置"
            tags.add("disposed")
            if not a.disposal:
                problems.append(text("disposal_unreported"))
        elif p.status not in BUILT:
            status = "项目状态未填" if p.status is None else "项目未建成"
            tags.add("building")
        else:
            missing = [label for label, v in (("确权对象", a.owner), ("确权日期", a.registered_on)) if not v]  # fmt: skip
            if operating and missing:
                problems.append(text("unregistered", missing="、".join(missing)))
                tags.add("unregistered")
            if a.handed_over_on is None:
                problems.append(text("not_handed_over", status=p.status))
                tags.add("not_handed_over")
            if operating and not a.operation:
                problems.append(text("no_operation"))
                tags.add("no_operation")
            status = ("未确权" if "unregistered" in tags else "未移交" if "not_handed_over" in tags
                      else "运营方式未填" if problems else "正常管护")  # fmt: skip
            # Flagged for a look, not a condition of 销号: a year without income may be the first.
            if operating and a.annual_income is None:
                problems.append(text("income_unreported"))
                tags.add("no_income")
            elif operating and a.annual_income <= 0:
                problems.append(text("no_income", income=_number(a.annual_income)))
                tags.add("no_income")
        closed = status == "正常管护" or (status == "已处置" and bool(a.disposal))
        held = status != "已处置"
        cells = [scope.township_of(places), "、".join(scope.where(c) for c in places), a.project_no, a.asset_name,
                 a.asset_type, a.original_value, a.owner, a.registered_on, a.handed_over_on, a.operation,
                 a.annual_income, a.disposed_on, a.disposal, "\n".join(problems), status,
                 CLOSED if closed else OPEN]  # fmt: skip
        amount = Decimal(a.original_value) if a.original_value is not None else None
        income = Decimal(a.annual_income) if held and a.annual_income is not None else None
        out.append(Row(cells, closed, scope.project_group(places), frozenset(tags), amount,
                       income=income, record=(a, p, places)))  # fmt: skip
    return out


ASSET_SUMMARY = [
    ("资产数", ""), *[(t, f"type:{t}") for t in PROJECT_ASSET_TYPES], ("未确权", "unregistered"),
    ("未移交", "not_handed_over"), ("已处置", "disposed"),
]  # fmt: skip


def _of_type(kind: str) -> Amount:
    return lambda r: r.amount if f"type:{kind}" in r.tags else None


# The summary's sums (万元): 原值 by 资产类型 and in all (disposed assets too: the 底数 formed), and
# the 年收益 of the assets still held.
ASSET_AMOUNTS: list[tuple[str, Amount]] = [
    *[(f"{t}原值", _of_type(t)) for t in PROJECT_ASSET_TYPES],
    ("原值合计", lambda r: r.amount),
    ("年收益合计", lambda r: r.income),
]


# ------------------------------------------------------------------------------------------ 公示
def _notice_place(run: DocumentRun, scope: Scope, places: list[str]) -> str:
    """Where an asset's disposal is publicised: its project's village; a project of several
    villages of one township, the township; of several townships, the county."""
    if len(places) == 1:
        return places[0]
    townships = {scope.ctx.place(c).township_code for c in places}
    return townships.pop() if len(townships) == 1 else county_place(run.dataset).code


def disposals(run: DocumentRun, scope: Scope, rows: list[Row], as_of: dt.date) -> dict[str, list[Disposal]]:  # fmt: skip
    """The assets of the ledger disposed of in the year of `as_of` (up to that day), by the place
    whose notice lists them: only places at or under the ledger's place."""
    out: dict[str, list[Disposal]] = {}
    for r in rows:
        a, project, places = r.record
        if disposed(a, as_of) and a.disposed_on.year == as_of.year:
            code = _notice_place(run, scope, places)
            if scope.holds(code):  # the ledger's place or a place under it
                value = Decimal(a.original_value) if a.original_value is not None else None
                out.setdefault(code, []).append(
                    Disposal(a.asset_name, project.name, value, a.disposed_on, a.disposal or "")
                )
    return {code: sorted(items, key=lambda d: (d.disposed_on, d.project, d.name)) for code, items in out.items()}  # fmt: skip


# ------------------------------------------------------------------------------------------ sheets
def _summary(rows: list[Row], heading: str, counts: list[tuple[str, str]], keyed: Callable[[Row], tuple[str, str]],
             amounts: Sequence[tuple[str, Amount]] = ()) -> tuple[list[Column], list[list[Any]]]:  # fmt: skip
    """One line per group (in key order) and a 合计 line: the count of each tag ('' = every row),
    the sum of each amount (万元; blank when no row has one) and 已销号/未销号."""
    columns = [Column("序号", 5, "int"), Column(heading, 12)]
    # one line per header: a wrapped header row would not grow in print
    columns += [Column(label, max(8, 2 * len(label) + 1), "int") for label, _ in counts]
    columns += [Column(label, max(12, 2 * len(label) + 1), "wan") for label, _ in amounts]
    columns += [Column(CLOSED, 8, "int"), Column(OPEN, 8, "int")]
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault(keyed(r), []).append(r)

    def line(items: list[Row]) -> list[Any]:
        out: list[Any] = [sum(1 for r in items if not tag or tag in r.tags) for _, tag in counts]
        for _, amount in amounts:
            values = [v for v in map(amount, items) if v is not None]
            out.append(sum(values, Decimal(0)) if values else None)
        closed = sum(r.closed for r in items)
        return [*out, closed, len(items) - closed]

    table = [
        [i, label, *line(items)]
        for i, ((_, label), items) in enumerate(sorted(groups.items()), start=1)
    ]
    table.append([None, "合计", *line(rows)])
    return columns, table


def _numbered(rows: list[Row], extra: bool = False) -> list[list[Any]]:
    return [[i, *(r.extra if extra else r.cells)] for i, r in enumerate(rows, start=1)]


def _sheets(
    run: DocumentRun, kind: str, scope: Scope, rows: list[Row], as_of: dt.date
) -> list[Sheet]:
    name, policy = TITLES[kind], run.policy
    heading = "乡镇" if scope.county else "村"
    when = f"（截至{cn_date(as_of)}）"
    title = f"{scope.label}{name}{when}"
    note = policy.text(f"ledgers.{kind}.note")
    sheets: list[Sheet]
    if kind == "housing":
        sheets = [Sheet(name, HOUSING_COLUMNS, _numbered(rows), title, note, landscape=True)]
        counts = housing_summary(run)
    elif kind == "water":
        sheets = [Sheet(name, WATER_COLUMNS, _numbered(rows), title, note, landscape=True)]
        counts = WATER_SUMMARY
    elif kind == "assets":
        sheets = [Sheet(name, ASSET_COLUMNS, _numbered(rows), title, note, landscape=True)]
        counts = ASSET_SUMMARY
    else:
        sheets = [
            Sheet(name, PROJECT_COLUMNS, _numbered(rows), title, note, landscape=True),
            Sheet("项目资金", FUND_COLUMNS, _numbered(rows, extra=True), f"{scope.label}项目资金{when}",
                  "单位：万元。中央、省级、市级、县级衔接资金，统筹整合涉农资金，其他资金；跨村、跨乡镇的项目为项目总额", landscape=True),
        ]  # fmt: skip
        counts = PROJECT_SUMMARY
    amounts = {"projects": FUNDS_TOTAL, "assets": ASSET_AMOUNTS}.get(kind, [])
    columns, table = _summary(rows, heading, counts, lambda r: r.group, amounts)
    unit = "原值、年收益单位：万元；跨村、跨乡镇项目的资产单列一行" if kind == "assets" else None
    sheets.append(
        Sheet(
            "汇总",
            columns,
            table,
            f"{scope.label}{name}汇总{when}",
            unit,
            landscape=len(columns) > 9,
        )
    )
    if kind == "projects":
        order = {t: f"{i:02d}" for i, t in enumerate(PROJECT_TYPES)}

        def by_type(r: Row) -> tuple[str, str]:
            kind_tag = next(t for t in r.tags if t.startswith("type:"))[5:]
            return (order.get(kind_tag, "99"), kind_tag)

        columns, table = _summary(rows, "项目类型", counts, by_type, FUNDS_TOTAL)
        sheets.append(
            Sheet(
                "按项目类型汇总",
                columns,
                table,
                f"{scope.label}项目按类型汇总{when}",
                landscape=True,
            )
        )
    explained = [
        ["截至日期", cn_date(as_of)],
        ["列入范围", policy.text(f"ledgers.{kind}.scope")],
        ["销号", policy.text(f"ledgers.{kind}.closing")],
        *([["处置公示", policy.text("ledgers.assets.notice_scope")], ["需人工核实", policy.text("ledgers.assets.manual")]]
          if kind == "assets" else []),
        ["数据", run.meta()["footnote"]],
    ]  # fmt: skip
    sheets.append(
        Sheet(
            "说明", [Column("项目", 10), Column("说明", 90)], explained, f"{scope.label}{name}说明"
        )
    )
    return sheets


# ------------------------------------------------------------------------------------------ entry
def make_ledgers(run: DocumentRun, place: Place, *, kinds: list[str] | tuple[str, ...] | None = None,
                 as_of: dt.date, manifest: bool = True) -> LedgerResult:  # fmt: skip
    """The ledgers `kinds` (default all: housing, water, projects, assets) of a county, township
    or village as of `as_of`: `<台账>_<地点>_<日期>.xlsx` in run.out_dir, the 资产处置结果公示 of
    the assets ledger (disposals of `as_of`'s year) and a manifest."""
    kinds = list(dict.fromkeys(kinds or KINDS))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ConfigError(f"没有这种台账：{'、'.join(unknown)}。可用：{'、'.join(KINDS)}")
    scope = _scope(run, place, as_of)
    result = LedgerResult(place, as_of, [], [])
    ledgers, outputs = result.ledgers, result.outputs
    for kind in kinds:
        if kind == "housing":
            rows = housing_rows(run, scope)
        elif kind == "water":
            rows = water_rows(run, scope)
        elif kind == "assets":
            rows = asset_rows(run, scope, as_of)
        else:
            rows = project_rows(run, scope, as_of)
        path = run.out_dir / safe_filename(f"{TITLES[kind]}_{scope.label}_{cn_date(as_of)}.xlsx")
        write_table_workbook(
            path, _sheets(run, kind, scope, rows, as_of), footer=run.meta()["footnote"]
        )
        outputs.append(run.entry(path, len(rows)))
        ledgers.append(Ledger(kind, TITLES[kind], path, len(rows), sum(r.closed for r in rows)))
        if kind == "assets":
            notices = write_disposal_notices(run, disposals(run, scope, rows, as_of), as_of)
            outputs += notices.outputs
            result.notices, result.notes, result.templates = (
                notices.notices,
                notices.notes,
                notices.templates,
            )
    if manifest:
        write_manifest(run.out_dir, run=run.run_info(), templates=result.templates,
                       outputs=outputs, notes=result.notes)  # fmt: skip
    return result


def demo(run: DocumentRun) -> list[OutputEntry]:
    """The example county's four ledgers as of 2023-09-30, the day its data run to, and the
    资产处置结果公示 of the year's disposals."""
    return make_ledgers(run, county_place(run.dataset), as_of=dt.date(2023, 9, 30)).outputs
