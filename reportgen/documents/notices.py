"""公示公告 (DOMAIN §4.4; seed 三.一.(二).2③④⑤, 三.三.(三).2③): a village's or township's notices as
official documents (engine's GB/T 9704 公文 template), with an .xlsx copy of each table and a record
of every notice issued, so the self-check can tell whether publicity happened and for how long.

Public notices protect personal information: no ID number, resident phone or health detail beyond
the risk type is put in the context — and a final check over the rendered text refuses any notice
that still shows an 18-character ID or a mobile number that is not a configured office number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES, notice_items, notices, project_places
from reportgen.documents.common import DocumentRun
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    cndate,
    declare_template,
    render_batch,
    safe_filename,
    write_manifest,
    write_table_workbook,
)
from reportgen.errors import ConfigError, ReportgenError
from reportgen.places import Place, villages_under

TEMPLATE = "公文"  # monitoring notices: the GB/T 9704 base
PROJECT_TEMPLATE = "项目公示公告"  # landscape, a 10-column table


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str  # used in file names and titles
    procedure: str | None  # monitoring procedure kind; None for projects


KINDS = {
    "project": NoticeKind("project", "项目公示", None),
    "project-result": NoticeKind("project-result", "项目公告", None),
    "inclusion": NoticeKind("inclusion", "监测对象识别纳入公示", "识别纳入"),
    "elimination": NoticeKind("elimination", "风险消除公示", "风险消除"),
    "baodi": NoticeKind("baodi", "兜底保障户公示", "整户无劳动能力认定"),
}
PLANNED_STATUS = (None, "计划", "实施中")
DONE_STATUS = ("已完工", "已验收")
FUND_COLUMNS = (
    ("fund_central", "中央"), ("fund_province", "省级"), ("fund_city", "市级"),
    ("fund_county", "县级"), ("fund_integrated", "整合"), ("fund_other", "其他"),
)  # fmt: skip


class PrivacyError(ReportgenError):
    """Raised when a rendered public notice still shows an ID number or a private phone number."""

    exit_code = 7


_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_TAGS = re.compile(r"<[^>]+>")


def privacy_check(office_numbers: list[str]):
    """An engine `inspect` hook: refuses rendered XML that shows an ID or a resident's mobile number."""
    allowed = {re.sub(r"\D", "", n) for n in office_numbers}

    def inspect(xml: str) -> None:
        text = _TAGS.sub("", xml)
        if _ID.search(text):
            found = _ID.search(text).group()
            raise PrivacyError(
                f"公示内容含有未遮挡的身份证号码（{found[:3]}…{found[-4:]}），已拒绝生成。请检查模板是否引用了证件号码"
            )
        for m in _MOBILE.finditer(text):
            if m.group() not in allowed:
                raise PrivacyError(
                    f"公示内容含有居民手机号码（{m.group()[:3]}****{m.group()[-4:]}），已拒绝生成。办公电话请配置在 hotlines.office_numbers"
                )

    return inspect


# ------------------------------------------------------------------------------------------ data
def _wan(value: Decimal | None) -> str:
    return f"{Decimal(value or 0):,.4f}"


def project_rows(
    run: DocumentRun, villages: list[Place], kind: NoticeKind, year: int
) -> tuple[list[dict], list[list[Any]], list[str]]:
    """Projects carried out in these villages in `year` (by 计划开工日期); a project with several
    places appears in each village's notice. Returns (table rows for Word, rows for Excel, project numbers)."""
    p = TABLES["projects"]
    codes = [v.code for v in villages]
    statuses = DONE_STATUS if kind.key == "project-result" else PLANNED_STATUS
    status_cond = p.c.status.in_([s for s in statuses if s]) | (
        p.c.status.is_(None) if None in statuses else sa.false()
    )
    query = (
        sa.select(p)
        .where(
            p.c.project_no.in_(
                sa.select(project_places.c.project_no).where(
                    project_places.c.village_code.in_(codes)
                )
            ),
            sa.extract("year", p.c.planned_start) == year,
            status_cond,
        )
        .order_by(p.c.project_no)
    )
    with run.dataset.engine.connect() as conn:
        projects = list(conn.execute(query))
    word, excel = [], []
    for n, r in enumerate(projects, start=1):
        funds = [(label, r._mapping[col]) for col, label in FUND_COLUMNS if r._mapping[col]]
        total = sum((Decimal(v) for _, v in funds), Decimal(0))
        fund_text = "\n".join(f"{label}{_wan(v)}" for label, v in funds) + f"\n合计{_wan(total)}"
        benefit = f"{r.beneficiary_households or 0}户{r.beneficiary_persons or 0}人"
        if r.beneficiary_poor_households or r.beneficiary_monitored_households:
            benefit += f"\n其中脱贫户{r.beneficiary_poor_households or 0}户、监测户{r.beneficiary_monitored_households or 0}户"
        period = (
            f"{cndate(r.planned_start)}至{cndate(r.planned_end)}"
            if r.planned_end
            else cndate(r.planned_start)
        )
        word.append({"no": n, "name": r.name, "type": r.type, "content": r.content_scale, "funds": fund_text, "unit": r.unit,
                     "period": period, "benefit": benefit, "linkage": r.farmer_linkage or "", "goal": r.performance_goal or ""})  # fmt: skip
        excel.append([n, r.project_no, r.name, r.type, r.content_scale, *[float(r._mapping[c] or 0) for c, _ in FUND_COLUMNS],
                      float(total), r.unit, r.planned_start, r.planned_end, r.beneficiary_households, r.beneficiary_persons,
                      r.beneficiary_poor_households, r.beneficiary_monitored_households, r.farmer_linkage or "", r.performance_goal or ""])  # fmt: skip
    return word, excel, [r.project_no for r in projects]


def procedure_rows(
    run: DocumentRun, villages: list[Place], kind: NoticeKind, start: dt.date, with_village: bool
):
    """Procedures of `kind` in these villages whose 公示开始日期 is `start` — or, where the data
    have no publicity dates yet, those past 入户核实 and not yet approved by the county."""
    h, procs, persons = TABLES["households"], TABLES["monitoring_procedures"], TABLES["persons"]
    size = (
        sa.select(sa.func.count())
        .where(persons.c.household_id == h.c.household_id)
        .scalar_subquery()
    )
    query = (
        sa.select(procs, h.c.head_name, h.c.monitor_type, h.c.village_code, size.label("size"))
        .join(h, h.c.household_id == procs.c.household_id)
        .where(
            h.c.village_code.in_([v.code for v in villages]),
            procs.c.kind == kind.procedure,
            sa.or_(
                procs.c.publicity_start == start,
                sa.and_(
                    procs.c.publicity_start.is_(None),
                    procs.c.verified_on.isnot(None),
                    procs.c.county_approved_on.is_(None),
                ),
            ),
        )
        .order_by(h.c.village_code, procs.c.household_id)
    )
    names = {v.code: v.name for v in villages}
    date_label = "风险发现日期" if kind.key == "inclusion" else "入户核查日期"
    with run.dataset.engine.connect() as conn:
        rows = list(conn.execute(query))
    word, excel = [], []
    for n, r in enumerate(rows, start=1):
        when = r.found_on if kind.key == "inclusion" else (r.verified_on or r.found_on)
        cells = [str(n)] + ([names[r.village_code]] if with_village else []) + [
            r.head_name, f"{r.size}人", r.monitor_type or "—", r.risk_types or "—", cndate(when)]  # fmt: skip
        word.append(cells)
        excel.append(cells)
    return word, excel, [r.household_id for r in rows], date_label


# ------------------------------------------------------------------------------------------ text
def _body(kind: NoticeKind, place_name: str, count: int, year: int, basis: str) -> list[str]:
    if kind.key == "project":
        return [f"根据巩固拓展脱贫攻坚成果和乡村振兴项目资金管理有关规定，为接受群众监督，现将{place_name}{year}年度衔接资金等项目"
                f"（共{count}个）的资金安排、建设内容和联农带农机制等情况予以公示。"]  # fmt: skip
    if kind.key == "project-result":
        return [f"根据巩固拓展脱贫攻坚成果和乡村振兴项目资金管理有关规定，{place_name}{year}年度以下项目（共{count}个）已完工，"
                "现将项目建设、资金使用和带农益农等实施结果予以公告。"]  # fmt: skip
    if kind.key == "inclusion":
        return [f"根据{basis}要求，经农户申报、干部排查或部门预警，并经入户核实、信息比对，{place_name}拟将以下{count}户"
                "纳入防止返贫监测对象，现予以公示。"]  # fmt: skip
    if kind.key == "elimination":
        return [f"根据{basis}要求，经入户核查，以下{count}户监测对象收入稳定超过监测范围，“两不愁三保障”及饮水安全持续巩固，"
                "返贫致贫风险已稳定消除，拟标注风险消除，现予以公示。"]  # fmt: skip
    return [f"根据{basis}要求，经入户核查，以下{count}户监测对象整户无劳动能力，主要依靠社会综合保障政策维持基本生活，"
            "拟认定为整户无劳动能力兜底保障户，现予以公示。"]  # fmt: skip


EXCEL_PROJECT_COLUMNS = [
    Column("序号", 6, "int"), Column("项目编号", 12), Column("项目名称", 24), Column("项目类型", 10), Column("建设内容及规模", 30),
    *[Column(f"{label}资金（万元）", 12, "wan") for _, label in FUND_COLUMNS], Column("合计（万元）", 12, "wan"),
    Column("实施单位", 18), Column("计划开工", 12, "date"), Column("计划完工", 12, "date"), Column("受益户数", 9, "int"),
    Column("受益人数", 9, "int"), Column("受益脱贫户数", 10, "int"), Column("受益监测户数", 10, "int"),
    Column("联农带农机制", 30), Column("绩效目标", 30),
]  # fmt: skip


declare_template(
    PROJECT_TEMPLATE,
    "docx",
    sample={
        "title": "王庄村2023年度衔接资金项目公示", "recipient": "全体村（居）民", "paragraphs": ["……现予以公示。"],
        "rows": [{"no": 1, "name": "道路硬化", "type": "乡村建设", "content": "硬化道路2公里", "funds": "中央12.0000\n合计12.0000",
                  "unit": "城关镇人民政府", "period": "2023年4月1日至2023年10月31日", "benefit": "120户400人", "linkage": "务工带动",
                  "goal": "方便出行"}],
        "closing": ["公示期：……"], "issuer": "王庄村村民委员会", "date": "2023-09-01",
    },
    description="项目公示/项目公告：横向A4，十列项目表",
)  # fmt: skip


@dataclass
class NoticeResult:
    outputs: list[OutputEntry] = field(default_factory=list)
    issued: list[tuple[str, int]] = field(default_factory=list)  # (label, rows)
    skipped: list[str] = field(default_factory=list)  # kinds asked for but empty
    templates: list[dict[str, str]] = field(default_factory=list)


def make_notices(run: DocumentRun, place: Place, *, kinds: list[str] | None, start: dt.date, days: int | None,
                 year: int | None, pdf: bool = False, manifest: bool = True) -> NoticeResult:  # fmt: skip
    settings = run.settings
    policy = run.policy
    township_level = place.level == "乡"
    villages = villages_under(run.dataset, place) if township_level else [place]
    year = year or start.year
    explicit = bool(kinds)
    result = NoticeResult()
    templates: list[dict[str, str]] = []
    # The national supervision hotline (12317) comes from the policy, the county's from reportgen.toml.
    national = str(policy.value("projects.supervision_hotline"))
    office_numbers = list(settings.values["hotlines.office_numbers"]) + [
        settings.values["hotlines.supervision"],
        national,
    ]
    inspect = privacy_check([n for n in office_numbers if n])
    issuer = place.name + (
        settings.values["offices.township_suffix"]
        if township_level
        else settings.values["offices.village_suffix"]
    )
    prefix = place.file_label
    supervision = "、".join(x for x in (national, settings.values["hotlines.supervision"]) if x)
    for key in kinds or list(KINDS):
        kind = KINDS[key]
        monitoring = kind.procedure is not None
        minimum = policy.value("monitoring.publicity_min_days") if monitoring else 1
        length = days or (
            policy.value("monitoring.publicity_min_days")
            if monitoring
            else policy.value("projects.publicity_default_days")
        )
        if length < minimum:
            raise ConfigError(
                f"{kind.label}的公示期不得少于{minimum}天（梳理 三.一.(二).2③），--days 为 {length}"
            )
        end = start + dt.timedelta(days=length - 1)  # both ends count: 9月1日–9月5日 is 5 days
        if monitoring:
            word, excel, keys, date_label = procedure_rows(
                run, villages, kind, start, township_level
            )
            columns = (
                ["序号"]
                + (["村"] if township_level else [])
                + ["户主", "家庭人口", "监测类型", "风险类型", date_label]
            )
            widths = [6] + ([10] if township_level else []) + [12, 10, 16, 26, 18]
            excel_columns = [Column(c, w * 1.2) for c, w in zip(columns, widths)]
            basis = policy.value("basis.monitoring")
        else:
            word, excel, keys = project_rows(run, villages, kind, year)
            excel_columns = EXCEL_PROJECT_COLUMNS
            basis = ""
        if not word:
            if explicit:
                result.skipped.append(kind.label)
            continue
        title = f"{place.name}{year if not monitoring else ''}{'年度衔接资金' if not monitoring else ''}{kind.label}"
        stem = safe_filename(f"{prefix}_{kind.label}_{cndate(start)}")
        ctx = {
            "title": title,
            "doc_number": "",
            "recipient": "全体村（居）民" if not township_level else "各村（居）民",
            "paragraphs": _body(kind, place.name, len(word), year, basis),
            "table": {
                "caption": f"{kind.label}名单",
                "columns": columns,
                "widths": widths,
                "rows": word,
            }
            if monitoring
            else None,
            "rows": word,
            "closing": [
                f"公示期：{cndate(start)}至{cndate(end)}（共{length}天）。",
                f"公示期内如有异议，请向{issuer}反映，或拨打监督电话：{supervision}。",
            ],
            "issuer": issuer,
            "date": start,
            "_file": stem,
        }
        batch = render_batch(TEMPLATE if monitoring else PROJECT_TEMPLATE, [ctx], run.out_dir, file_name=lambda g, c: c["_file"], pdf=pdf, meta=run.meta(public=True),
                             label=lambda c: c["title"], workspace=settings.workspace, manifest=False,
                             raise_on_failure=True, inspect=inspect)  # fmt: skip
        sheet_path = run.out_dir / f"{stem}.xlsx"
        write_table_workbook(sheet_path, [Sheet(kind.label, excel_columns, excel, title=title,
                                                note=f"公示期：{cndate(start)}至{cndate(end)}；{issuer}")],
                             footer=run.meta()["footnote"])  # fmt: skip
        templates = [{"name": batch.template_name, "sha256": batch.template_sha256}]
        entries = batch.outputs + [run.entry(sheet_path, len(excel))]
        result.outputs += entries
        result.issued.append((kind.label, len(word)))
        _record(run, place, kind, start, end, batch.outputs[0].file, keys)
    result.templates = templates
    if manifest:
        write_manifest(run.out_dir, run=run.run_info(), templates=templates, outputs=result.outputs)
    return result


def _record(
    run: DocumentRun,
    place: Place,
    kind: NoticeKind,
    start: dt.date,
    end: dt.date,
    file: str,
    keys: list[str],
) -> None:
    """Remember the notice (re-issuing the same place/kind/start replaces the record)."""
    last = run.dataset.latest_import() or {}
    with run.dataset.engine.begin() as conn:
        old = conn.execute(sa.select(notices.c.id).where(notices.c.place_code == place.code, notices.c.kind == kind.key,
                                                         notices.c.period_start == start)).scalar()  # fmt: skip
        if old is not None:
            conn.execute(notice_items.delete().where(notice_items.c.notice_id == old))
            conn.execute(notices.delete().where(notices.c.id == old))
        notice_id = conn.execute(
            notices.insert().values(place_code=place.code, kind=kind.key, period_start=start, period_end=end,
                                    file=str(run.out_dir / file), issued_at=dt.datetime.now(), import_id=last.get("id"))
        ).inserted_primary_key[0]  # fmt: skip
        if keys:
            conn.execute(
                notice_items.insert(),
                [{"notice_id": notice_id, "item_key": k} for k in dict.fromkeys(keys)],
            )
