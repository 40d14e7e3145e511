"""The lists a township reports to the county (seed 三.一.(二).2③ 四是乡级审核…确定拟纳入监测对象名单，
报县级审核批准; 5② 乡级确定、县级备案): the 拟纳入防止返贫监测对象名单 and the 整户无劳动能力兜底保障户
县级备案名单, each a short report in the township's name (the GB/T 9704 公文 template) with the list as
its table, and the same list as a workbook.

A household is listed when its procedure has passed the township's step (乡级审核 / 乡级确定) on or
before the report's day and the county's step (县级审批 / 县级备案) is not recorded by then. What a
reviewer must know is said, not hidden: a listed household without a recorded 公示 (or with one
shorter than the pack's minimum) and, for 兜底, a household with a labour-capable member are noted
in the list's 备注 column and on screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.documents.common import DocumentRun
from reportgen.documents.notices import TEMPLATE, township_issuer
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    cndate,
    render_batch,
    safe_filename,
    write_manifest,
    write_table_workbook,
)
from reportgen.engine.official_table import fit_table
from reportgen.errors import ConfigError
from reportgen.places import Place, villages_under

CAPABLE = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")


@dataclass(frozen=True)
class RosterKind:
    key: str
    label: str  # the list's name, in titles and file names
    procedure: str  # the 监测帮扶 程序类型
    township_step: str  # what 乡级审核日期 means for this procedure
    county_step: str  # what 县级审批日期 means for it


KINDS = {
    "proposed": RosterKind(
        "proposed", "拟纳入防止返贫监测对象名单", "识别纳入", "乡级审核", "县级审批"
    ),
    "baodi-filing": RosterKind(
        "baodi-filing",
        "整户无劳动能力兜底保障户县级备案名单",
        "整户无劳动能力认定",
        "乡级确定",
        "县级备案",
    ),
}


@dataclass(frozen=True)
class Listed:
    village: str
    household_id: str
    head: str
    size: int
    risk_types: str
    found_on: dt.date
    verified_on: dt.date | None
    publicity: tuple[dt.date | None, dt.date | None]
    reviewed_on: dt.date
    baodi_type: str
    capable: tuple[str, ...]  # members with labour capacity


def listed(run: DocumentRun, township: Place, kind: RosterKind, day: dt.date) -> list[Listed]:
    h, procs, persons = TABLES["households"], TABLES["monitoring_procedures"], TABLES["persons"]
    villages = {v.code: v.name for v in villages_under(run.dataset, township)}
    query = (
        sa.select(procs, h.c.head_name, h.c.village_code, h.c.baodi_type)
        .join(h, h.c.household_id == procs.c.household_id)
        .where(h.c.village_code.in_(list(villages)), procs.c.kind == kind.procedure,
               procs.c.township_reviewed_on <= day,
               sa.or_(procs.c.county_approved_on.is_(None), procs.c.county_approved_on > day))
        .order_by(h.c.village_code, procs.c.household_id, procs.c.found_on)
    )  # fmt: skip
    members = sa.select(persons.c.household_id, persons.c.name, persons.c.labor_skill)
    with run.dataset.engine.connect() as conn:
        rows = list(conn.execute(query))
        ids = [r.household_id for r in rows]
        people: dict[str, list] = {}
        for m in conn.execute(members.where(persons.c.household_id.in_(ids))):
            people.setdefault(m.household_id, []).append(m)
    return [
        Listed(villages[r.village_code], r.household_id, r.head_name, len(people.get(r.household_id, [])),
               r.risk_types or "", r.found_on, r.verified_on, (r.publicity_start, r.publicity_end),
               r.township_reviewed_on, r.baodi_type or "",
               tuple(m.name for m in people.get(r.household_id, []) if m.labor_skill in CAPABLE))
        for r in rows
    ]  # fmt: skip


def remarks(item: Listed, kind: RosterKind, minimum: int) -> list[str]:
    """What the county must know before it approves: the 公示 the data record, and for 兜底 a
    member who can work (整户无劳动能力 is then not met)."""
    out = []
    start, end = item.publicity
    if start is None or end is None:
        out.append("无公示记录")
    elif (end - start).days + 1 < minimum:
        out.append(f"公示期{(end - start).days + 1}天，少于{minimum}天")
    if kind.key == "baodi-filing" and item.capable:
        out.append(f"{'、'.join(item.capable)}有劳动能力，与整户无劳动能力不符")
    return out


def _publicity(item: Listed) -> str:
    start, end = item.publicity
    return f"{cndate(start)}至{cndate(end)}" if start and end else "未记录"


COLUMNS = {
    "proposed": [
        "序号",
        "村",
        "户主",
        "家庭人口",
        "风险类型",
        "风险发现日期",
        "公示期",
        "乡级审核日期",
    ],
    "baodi-filing": ["序号", "村", "户主", "家庭人口", "兜底类型", "公示期", "乡级确定日期"],
}
# free text that may wrap in the 公文's list; every other value stays whole (engine/official_table)
WRAP = {"proposed": {4}, "baodi-filing": {4}}
# the .xlsx copy's column widths (characters)
WIDTHS = {
    "proposed": [6, 10, 10, 8, 18, 16, 26, 16],
    "baodi-filing": [6, 10, 10, 8, 12, 26, 16],
}


def _row(n: int, item: Listed, kind: RosterKind) -> list[str]:
    if kind.key == "proposed":
        return [str(n), item.village, item.head, f"{item.size}人", item.risk_types or "—",
                cndate(item.found_on), _publicity(item), cndate(item.reviewed_on)]  # fmt: skip
    return [str(n), item.village, item.head, f"{item.size}人", item.baodi_type or "未填",
            _publicity(item), cndate(item.reviewed_on)]  # fmt: skip


@dataclass
class RosterResult:
    outputs: list[OutputEntry] = field(default_factory=list)
    issued: list[tuple[str, int]] = field(default_factory=list)  # (label, households)
    skipped: list[str] = field(default_factory=list)  # kinds with nobody to list
    notes: list[str] = field(default_factory=list)  # said on screen


def make_rosters(run: DocumentRun, township: Place, *, kinds: list[str] | None, day: dt.date,
                 pdf: bool = False, manifest: bool = True) -> RosterResult:  # fmt: skip
    """The township's lists for the county as of `day`, each a .docx report and an .xlsx."""
    if township.level != "乡":
        raise ConfigError(
            f"上报名单以乡镇名义报县，请用 --township 给出乡镇（{township.label} 不是乡镇）"
        )
    policy = run.policy
    minimum = int(policy.value("monitoring.publicity_min_days"))
    recipient = run.settings.values["offices.county"] or "＿＿＿＿＿＿＿＿"
    if not run.settings.values["offices.county"]:
        run_note = "reportgen.toml [offices] county 未配置：主送机关留空待填"
    else:
        run_note = ""
    issuer = township_issuer(run.settings, township)
    result = RosterResult()
    templates = []
    for key in kinds or list(KINDS):
        kind = KINDS[key]
        items = listed(run, township, kind, day)
        if not items:
            result.skipped.append(kind.label)
            continue
        title = f"{township.name}{kind.label}"
        rows = [_row(n, item, kind) for n, item in enumerate(items, start=1)]
        flagged = [(item, remarks(item, kind, minimum)) for item in items]
        ctx = {
            "title": title,
            "doc_number": "",
            "letterhead": None,
            "recipient": recipient,
            "paragraphs": [
                policy.text(
                    f"rosters.{kind.key}", township=township.name, count=len(items), day=cndate(day)
                )
            ],  # fmt: skip
            "table": fit_table(kind.label, COLUMNS[key], rows, wrap=WRAP[key]),
            "closing": ["特此报告。"],
            "issuer": issuer,
            "date": day,
        }
        stem = safe_filename(f"{township.name}_{kind.label}_{cndate(day)}")
        batch = render_batch(TEMPLATE, [ctx], run.out_dir, file_name=stem, pdf=pdf, meta=run.meta(),
                             label=lambda c: c["title"], workspace=run.settings.workspace,
                             manifest=False, raise_on_failure=True)  # fmt: skip
        xlsx = run.out_dir / f"{stem}.xlsx"
        columns = [Column(c, w * 1.2) for c, w in zip(COLUMNS[key], WIDTHS[key])] + [
            Column("户编号", 12), Column("备注", 40)]  # fmt: skip
        write_table_workbook(
            xlsx,
            [Sheet(kind.label, columns,
                   [[*row, item.household_id, "；".join(r)] for row, (item, r) in zip(rows, flagged)],
                   title=title, note=f"截至{cndate(day)}：已{kind.township_step}、尚未{kind.county_step}的户")],
            footer=run.meta()["footnote"],
        )  # fmt: skip
        templates = [{"name": batch.template_name, "sha256": batch.template_sha256}]
        result.outputs += [*batch.outputs, run.entry(xlsx, len(items))]
        result.issued.append((kind.label, len(items)))
        for item, r in flagged:
            if r:
                result.notes.append(
                    f"{kind.label}：{item.village} {item.head}（{item.household_id}）{'；'.join(r)}"
                )
    if run_note and result.issued:
        result.notes.append(run_note)
    if manifest:
        write_manifest(run.out_dir, run=run.run_info(), templates=templates, outputs=result.outputs,
                       notes=result.notes)  # fmt: skip
    return result


def demo(run: DocumentRun) -> list[OutputEntry]:
    """The demo: every township's lists as of 2023-09-30 (the end of the example's data)."""
    from reportgen.places import county_place, resolve_place

    county = county_place(run.dataset)
    codes = sorted({v.parent_code or "" for v in villages_under(run.dataset, county)})
    outputs: list[OutputEntry] = []
    notes: list[str] = []
    for code in codes:
        got = make_rosters(run, resolve_place(run.dataset, code, level="乡"), kinds=None,
                           day=dt.date(2023, 9, 30), manifest=False)  # fmt: skip
        outputs += got.outputs
        notes += got.notes
    write_manifest(run.out_dir, run=run.run_info(), outputs=outputs, notes=notes)
    return outputs
