"""公示公告 (DOMAIN §4.4, §5; seed 三.一.(二).2③④⑤, 三.三.(三).2③): a village's, township's or (projects
only) county's notices as official documents (engine's GB/T 9704 公文 template), with an .xlsx copy of
each table and a record of every notice issued, so the self-check can tell whether publicity happened
and for how long. The sentences that quote policy (each kind's first paragraph, the messages that cite
the seed) are the policy pack's texts `[notices]`.

One story (DOMAIN §5): where the data record a 公示开始/结束日期 the notice prints exactly those
dates — or is refused, naming the households — and a notice for households not yet publicised writes
the period it prints back into the data, together with the notice record.

Public notices protect personal information: no ID number, resident phone or health detail beyond
the risk type is put in the context — and a final check over the rendered text refuses any notice
that still shows an 18-character ID or a mobile number that is not a configured office number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES, notice_items, notices, project_places
from reportgen.documents.common import DocumentRun, StepOutput
from reportgen.documents.privacy import (  # noqa: F401  (PrivacyError: re-exported)
    DEFAULT_HEALTH_TERMS,
    PrivacyError,
    privacy_check,
)
from reportgen.engine import (
    Column,
    Failure,
    OutputEntry,
    Sheet,
    cndate,
    declare_template,
    render_batch,
    safe_filename,
    write_manifest,
    write_table_workbook,
)
from reportgen.engine.official_table import fit_table
from reportgen.errors import ConfigError, ReportgenError
from reportgen.places import Place, county_place, resolve_place, villages_under

TEMPLATE = "公文"  # monitoring notices: the GB/T 9704 base
PROJECT_TEMPLATE = "项目公示公告"  # landscape, an 11-column table


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str  # used in file names and titles
    procedure: str | None  # monitoring procedure kind; None for projects
    result: bool = False  # the 结果公告 after the county's approval, not the village's 公示


KINDS = {
    "project": NoticeKind("project", "项目公示", None),
    "project-result": NoticeKind("project-result", "项目公告", None),
    "inclusion": NoticeKind("inclusion", "监测对象识别纳入公示", "识别纳入"),
    "elimination": NoticeKind("elimination", "风险消除公示", "风险消除"),
    "baodi": NoticeKind("baodi", "兜底保障户公示", "整户无劳动能力认定"),
    # seed 三.一.(二).2③ 六是结果公告: 以乡（镇、街道）名义将县级审批后的监测对象名单在所在村公告; 4② the same for 风险消除
    "inclusion-result": NoticeKind(
        "inclusion-result", "监测对象识别纳入结果公告", "识别纳入", result=True
    ),
    "elimination-result": NoticeKind(
        "elimination-result", "风险消除结果公告", "风险消除", result=True
    ),
}
PLANNED_STATUS = (None, "计划", "实施中")
DONE_STATUS = ("已完工", "已验收")
FUND_COLUMNS = (
    ("fund_central", "中央"), ("fund_province", "省级"), ("fund_city", "市级"),
    ("fund_county", "县级"), ("fund_integrated", "整合"), ("fund_other", "其他"),
)  # fmt: skip


# The privacy check lives in documents/privacy.py (re-exported here for existing callers).


# ------------------------------------------------------------------------------------------ places
def issuer_of(settings, place: Place) -> str:
    """The 落款. A village's committee carries its township's name: two villages of a county can
    share a name (城关镇王庄村村民委员会, 河口乡王庄村村民委员会)."""
    if place.level == "村":
        return f"{place.township}{place.name}{settings.values['offices.village_suffix']}"
    if place.level == "乡":
        return place.name + settings.values["offices.township_suffix"]
    county = settings.values["offices.county"]
    if not county:
        raise ConfigError(
            "以县名义公告项目，需在 reportgen.toml 的 [offices] 中写明 county（落款单位，如 青山县乡村振兴局）"
        )
    return county


def township_issuer(settings, place: Place) -> str:
    """The 落款 of a notice issued in the township's name: a village's own township, or the
    township itself."""
    if place.level == "村":
        return place.township + settings.values["offices.township_suffix"]
    return issuer_of(settings, place)


# ------------------------------------------------------------------------------------------ monitoring
PENDING_TYPE = "待认定"


class PublicityPeriodError(ReportgenError):
    """Raised when the publicity dates the data record for the households of one notice are
    shorter than the minimum or disagree with each other: the notice is not printed, because it
    would have to show another period than the data (DOMAIN §5). The other notices go on."""

    exit_code = 7


@dataclass(frozen=True)
class Listed:
    """One household's procedure on a monitoring notice; `start`/`end` are the recorded
    公示开始/结束日期 (None while not yet publicised)."""

    household_id: str
    kind: str
    found_on: dt.date
    verified_on: dt.date | None
    start: dt.date | None
    end: dt.date | None
    head_name: str
    village_code: str
    size: int
    monitor_type: str | None
    risk_types: str | None
    county_approved_on: dt.date | None

    @property
    def recorded(self) -> bool:
        return self.start is not None and self.end is not None

    def describe(self) -> str:
        days = (self.end - self.start).days + 1 if self.start and self.end else 0
        return f"{self.household_id} {self.head_name} {cndate(self.start)}至{cndate(self.end)}（共{days}天）"


def publicity_candidates(
    run: DocumentRun, villages: list[Place], kind: NoticeKind, day: dt.date
) -> list[Listed]:
    """The procedures of `kind` in these villages that belong on the notice of `day`.

    In all three procedures the village publicity comes after the household visit and before every
    later step: 识别纳入 入户核实 → 信息比对 → 村级初选（公示）→ 乡级审核 → 县级审批 → 结果公告 → 录入建档
    (seed 三.一.(二).2③); 风险消除 入户核查 → 村级初选 → 乡级审核 → 县级审批 → 结果公告 → 系统标注 (4②);
    兜底户 入户核查 → 村级初选 → 乡级确定 → 县级备案 → 系统标注 (5②). A procedure is listed when
      - the data record `day` as its 公示开始日期 (it is publicised in this notice), or
      - nothing is recorded yet: 入户核实 on or before `day`, and no later step (乡级审核, 县级审批,
        公告, 系统录入) recorded. A procedure past that stage without publicity dates is the
        self-check's finding (M-PUBLICITY), not a notice to print after the fact.
    """
    procs = TABLES["monitoring_procedures"]
    pending = sa.and_(
        procs.c.publicity_start.is_(None),
        procs.c.publicity_end.is_(None),
        procs.c.verified_on <= day,
        procs.c.township_reviewed_on.is_(None),
        procs.c.county_approved_on.is_(None),
        procs.c.announced_on.is_(None),
        procs.c.entered_on.is_(None),
    )
    period = (procs.c.publicity_start, procs.c.publicity_end)
    return _listed(run, villages, kind, period, sa.or_(procs.c.publicity_start == day, pending))


def _listed(
    run: DocumentRun, villages: list[Place], kind: NoticeKind, period, where
) -> list[Listed]:
    """The procedures of `kind` in these villages matching `where`, as Listed rows in village and
    household order; `period`: the two columns that are the notice's recorded start and end."""
    h, procs, persons = TABLES["households"], TABLES["monitoring_procedures"], TABLES["persons"]
    size = (
        sa.select(sa.func.count())
        .where(persons.c.household_id == h.c.household_id)
        .scalar_subquery()
    )
    query = (
        sa.select(procs.c.household_id, procs.c.kind, procs.c.found_on, procs.c.verified_on,
                  *period, h.c.head_name, h.c.village_code,
                  size.label("size"), h.c.monitor_type, procs.c.risk_types, procs.c.county_approved_on)
        .join(h, h.c.household_id == procs.c.household_id)
        .where(h.c.village_code.in_([v.code for v in villages]), procs.c.kind == kind.procedure, where)
        .order_by(h.c.village_code, procs.c.household_id, procs.c.found_on)
    )  # fmt: skip
    with run.dataset.engine.connect() as conn:
        return [Listed(*row) for row in conn.execute(query)]  # type: ignore[call-arg]  # the query selects Listed's fields in order


def result_candidates(
    run: DocumentRun, villages: list[Place], kind: NoticeKind, day: dt.date
) -> list[Listed]:
    """The procedures of `kind` in these villages whose 结果公告 is the notice of `day`: approved by
    the county on or before `day` and either recorded as announced on `day`, or with no 公告日期
    and no later step (系统录入/标注) yet — the notice writes `day` into the data. As for the 公示, a
    procedure past that stage without a 公告日期 is the self-check's finding (M-NO-ANNOUNCE), not a
    notice to print after the fact; one announced on another day belongs to that day's notice."""
    procs = TABLES["monitoring_procedures"]
    where = sa.and_(
        procs.c.county_approved_on <= day,
        sa.or_(procs.c.announced_on == day,
               sa.and_(procs.c.announced_on.is_(None), procs.c.entered_on.is_(None))),
    )  # fmt: skip
    # the 公告日期 is both the recorded start and end of a 结果公告
    return _listed(run, villages, kind, (procs.c.announced_on, procs.c.announced_on), where)


def result_rows(listed: list[Listed], villages: list[Place], with_village: bool) -> list[list[str]]:
    """序号, (村), 户主, 家庭人口, 监测类型, 风险类型, 县级审批日期."""
    names = {v.code: v.name for v in villages}
    return [
        [str(n)] + ([names[i.village_code]] if with_village else [])
        + [i.head_name, f"{i.size}人", i.monitor_type or "—", i.risk_types or "—",
           cndate(i.county_approved_on)]
        for n, i in enumerate(listed, start=1)
    ]  # fmt: skip


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1  # both ends count: 9月1日–9月5日 is 5 days

    @property
    def text(self) -> str:
        return f"{cndate(self.start)}至{cndate(self.end)}（共{self.days}天）"


def monitoring_period(listed: list[Listed], day: dt.date, length: int, policy) -> Period:
    """The period one notice prints. Where the data record a period it is printed exactly, and the
    households not yet publicised join it (one notice, one period); otherwise `day` and `length`
    (--date/--days). A recorded period under the policy's minimum, or two different recorded
    periods, cannot be printed truthfully on one notice: PublicityPeriodError names the households
    (in the pack's words where it quotes the policy)."""
    minimum = policy.value("monitoring.publicity_min_days")
    recorded: dict[dt.date, list[Listed]] = {}
    for item in listed:
        if item.start is not None and item.end is not None:
            recorded.setdefault(item.end, []).append(item)
    if len(recorded) > 1:
        raise PublicityPeriodError(
            "同一天开始的公示，数据记录的结束日期不同，一份公示不能如实印出："
            + "；".join(i.describe() for items in recorded.values() for i in items)
            + "。请核实后更正“监测帮扶”表的公示结束日期，重新导入，再生成"
        )
    if not recorded:
        return Period(day, day + dt.timedelta(days=length - 1))
    ((end, items),) = recorded.items()
    period = Period(day, end)
    if period.days < minimum:
        households = "；".join(i.describe() for i in items)
        raise PublicityPeriodError(
            policy.text("notices.messages.period_too_short", households=households)
        )
    return period


def procedure_rows(
    listed: list[Listed], kind: NoticeKind, villages: list[Place], with_village: bool,
    day: dt.date,
) -> list[list[str]]:  # fmt: skip
    names = {v.code: v.name for v in villages}
    rows = []
    for n, item in enumerate(listed, start=1):
        # A household proposed for inclusion is not monitored yet: its 监测类型 is decided by the
        # county's approval (seed 三.一.(二).2③ 五是县级审批). Until that approval — as of the
        # notice's own day, even when the notice is made later from newer data — the notice says
        # 待认定, not the type the household row holds today, nor a bare "—" that reads as
        # missing data.
        decided = item.county_approved_on is not None and item.county_approved_on <= day
        if kind.key == "inclusion":
            mtype = item.monitor_type if decided and item.monitor_type else PENDING_TYPE
        else:
            mtype = item.monitor_type or "—"
        when = item.found_on if kind.key == "inclusion" else (item.verified_on or item.found_on)
        rows.append([str(n)] + ([names[item.village_code]] if with_village else []) + [
            item.head_name, f"{item.size}人", mtype, item.risk_types or "—", cndate(when)])  # fmt: skip
    return rows


# ------------------------------------------------------------------------------------------ projects
def _wan(value: Decimal | None) -> str:
    return f"{Decimal(value or 0):,.4f}"


PROJECT_HEADS = {
    "project": ["序号", "项目名称", "类型", "实施地点", "建设内容及规模", "资金（万元）", "实施单位及负责人", "计划工期",
                "受益户数/人数", "联农带农机制", "绩效目标"],
    "project-result": ["序号", "项目名称", "类型", "实施地点", "建设内容及规模", "资金安排及使用（万元）", "实施单位及负责人",
                       "完工及验收", "受益户数/人数", "联农带农机制", "绩效目标"],
}  # fmt: skip
NOT_ENTERED = "未录入"


@dataclass
class ProjectRows:
    word: list[dict] = field(default_factory=list)
    excel: list[list[Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # 项目公告 rows missing a result


def project_rows(
    run: DocumentRun, place: Place, villages: list[Place], kind: NoticeKind, year: int
) -> ProjectRows:
    """Projects of `year` (by 计划开工日期) located within this place: every 实施地点 is one of its
    villages (DOMAIN §5). A village notice lists its own projects only; a multi-village project is
    listed by the township (or, spanning townships, the county) — never with the whole amount in
    one village, since the data give no village's share."""
    p = TABLES["projects"]
    codes = [v.code for v in villages]
    statuses = DONE_STATUS if kind.key == "project-result" else PLANNED_STATUS
    status_cond = p.c.status.in_([s for s in statuses if s]) | (
        p.c.status.is_(None) if None in statuses else sa.false()
    )
    here = project_places.c.project_no == p.c.project_no
    query = (
        sa.select(p)
        .where(
            sa.exists().where(here, project_places.c.village_code.in_(codes)),
            ~sa.exists().where(here, project_places.c.village_code.notin_(codes)),
            sa.extract("year", p.c.planned_start) == year,
            status_cond,
        )
        .order_by(p.c.project_no)
    )
    with run.dataset.engine.connect() as conn:
        projects = list(conn.execute(query))
    # Names as a reader of this notice knows them: the county's notice adds the township (two 王庄村).
    names = {v.code: (v.file_label if place.level == "县" else v.name) for v in villages}
    result = ProjectRows()
    done = kind.key == "project-result"
    for n, r in enumerate(projects, start=1):
        where = "、".join(names[c] for c in dict.fromkeys(r.places.split("、")))
        funds = [(label, r._mapping[col]) for col, label in FUND_COLUMNS if r._mapping[col]]
        total = sum((Decimal(v) for _, v in funds), Decimal(0))
        fund_lines = [f"{label}{_wan(v)}" for label, v in funds] + [f"合计{_wan(total)}"]
        benefit = f"{r.beneficiary_households or 0}户{r.beneficiary_persons or 0}人"
        if r.beneficiary_poor_households or r.beneficiary_monitored_households:
            benefit += f"\n其中脱贫户{r.beneficiary_poor_households or 0}户、监测户{r.beneficiary_monitored_households or 0}户"
        unit = r.unit + (f"\n负责人：{r.leader}" if r.leader else "")
        if done:
            missing = [label for label, value in (("实际完工日期", r.actual_end), ("已拨付资金", r.funds_allocated),
                                                  ("已支付资金", r.funds_paid)) if value is None]  # fmt: skip
            if r.status == "已验收" and r.accepted_on is None:
                missing.append("验收日期")
            if missing:
                result.incomplete.append(f"{r.project_no}（{r.name}）缺{'、'.join(missing)}")
            fund_lines += [
                f"已拨付{_wan(r.funds_allocated) if r.funds_allocated is not None else NOT_ENTERED}",
                f"已支付{_wan(r.funds_paid) if r.funds_paid is not None else NOT_ENTERED}",
            ]
            accepted = (
                cndate(r.accepted_on)
                if r.accepted_on
                else ("尚未验收" if r.status == "已完工" else NOT_ENTERED)
            )
            period = f"完工：{cndate(r.actual_end) or NOT_ENTERED}\n验收：{accepted}"
        else:
            period = (
                f"{cndate(r.planned_start)}至{cndate(r.planned_end)}"
                if r.planned_end
                else cndate(r.planned_start)
            )
        result.word.append({"no": n, "name": r.name, "type": r.type, "places": where, "content": r.content_scale,
                            "funds": "\n".join(fund_lines), "unit": unit, "period": period, "benefit": benefit,
                            "linkage": r.farmer_linkage or "", "goal": r.performance_goal or ""})  # fmt: skip
        dates = ([r.actual_end, r.accepted_on, _float(r.funds_allocated), _float(r.funds_paid)] if done
                 else [r.planned_start, r.planned_end])  # fmt: skip
        result.excel.append([n, r.project_no, r.name, r.type, where, r.content_scale, *[float(r._mapping[c] or 0) for c, _ in FUND_COLUMNS],
                             float(total), *dates, r.unit, r.leader or "", r.beneficiary_households, r.beneficiary_persons,
                             r.beneficiary_poor_households, r.beneficiary_monitored_households, r.farmer_linkage or "",
                             r.performance_goal or ""])  # fmt: skip
        result.keys.append(r.project_no)
    return result


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def project_excel_columns(kind: NoticeKind) -> list[Column]:
    done = kind.key == "project-result"
    middle = (
        [Column("实际完工日期", 12, "date"), Column("验收日期", 12, "date"), Column("已拨付（万元）", 12, "wan"),
         Column("已支付（万元）", 12, "wan")] if done
        else [Column("计划开工", 12, "date"), Column("计划完工", 12, "date")]
    )  # fmt: skip
    return [
        Column("序号", 6, "int"), Column("项目编号", 12), Column("项目名称", 24), Column("项目类型", 10), Column("实施地点", 18),
        Column("建设内容及规模", 30), *[Column(f"{label}资金（万元）", 12, "wan") for _, label in FUND_COLUMNS],
        Column("合计（万元）", 12, "wan"), *middle, Column("实施单位", 18), Column("项目负责人", 10), Column("受益户数", 9, "int"),
        Column("受益人数", 9, "int"), Column("受益脱贫户数", 10, "int"), Column("受益监测户数", 10, "int"),
        Column("联农带农机制", 30), Column("绩效目标", 30),
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------ text
def _body(policy, kind: NoticeKind, place_name: str, count: int, year: int) -> list[str]:
    """The notice's first paragraph as the pack words it (texts `[notices.body]`, by kind)."""
    return [policy.text(f"notices.body.{kind.key}", place=place_name, year=year, count=count)]


declare_template(
    PROJECT_TEMPLATE,
    "docx",
    sample={
        "title": "城关镇王庄村2023年度衔接资金项目公告", "recipient": "全体村（居）民", "paragraphs": ["……现予以公告。"],
        "heads": PROJECT_HEADS["project-result"],
        "rows": [{"no": 1, "name": "道路硬化", "type": "乡村建设", "places": "王庄村", "content": "硬化道路2公里",
                  "funds": "中央12.0000\n合计12.0000\n已拨付12.0000\n已支付11.5000", "unit": "城关镇人民政府\n负责人：张三",
                  "period": "完工：2023年8月20日\n验收：2023年8月31日", "benefit": "120户400人", "linkage": "务工带动",
                  "goal": "方便出行"}],
        "closing": ["公告期：……"], "issuer": "城关镇王庄村村民委员会", "date": "2023-09-01",
    },
    description="项目公示/项目公告：横向A4，十一列项目表（表头随公示或公告而定）",
)  # fmt: skip


@dataclass
class PublicNoticeResult:
    outputs: list[OutputEntry] = field(default_factory=list)
    issued: list[tuple[str, int]] = field(default_factory=list)  # (label, rows)
    skipped: list[str] = field(default_factory=list)  # kinds asked for but empty
    notes: list[str] = field(default_factory=list)  # said on screen: dates recorded, data missing
    failures: list[Failure] = field(default_factory=list)  # notices refused (PublicityPeriodError)
    templates: list[dict[str, str]] = field(default_factory=list)


MONITORING_KEYS = [k for k, kind in KINDS.items() if kind.procedure]
PROJECT_KEYS = [k for k, kind in KINDS.items() if not kind.procedure]


def make_public_notices(run: DocumentRun, place: Place, *, kinds: list[str] | None, start: dt.date, days: int | None,
                 year: int | None, pdf: bool = False, manifest: bool = True) -> PublicNoticeResult:  # fmt: skip
    """The notices of one village, township or county (projects only) for the day `start`.

    A notice that cannot be printed truthfully (PublicityPeriodError) is left out and listed in
    `failures` (and the manifest); the other kinds are still generated."""
    settings = run.settings
    policy = run.policy
    villages = villages_under(run.dataset, place) if place.level != "村" else [place]
    year = year or start.year
    explicit = bool(kinds)
    if place.level == "县":
        # Monitoring publicity is posted in the village (seed 三.一.(二).2③ 在村内进行公示).
        wrong = [KINDS[k].label for k in kinds or [] if KINDS[k].procedure]
        if wrong:
            raise ConfigError(f"{'、'.join(wrong)}在村内张贴，请用 --village 或 --township 生成")
        kinds = kinds or PROJECT_KEYS
    result = PublicNoticeResult()
    templates: list[dict[str, str]] = []
    # The national supervision hotline (12317) comes from the policy, the county's from reportgen.toml.
    national = str(policy.value("projects.supervision_hotline"))
    office_numbers = list(settings.values["hotlines.office_numbers"]) + [
        settings.values["hotlines.supervision"],
        national,
    ]
    offices = [n for n in office_numbers if n]
    # Health terms are looked for on household notices only: a project may well be a
    # 透析室 or a 卫生室 (巩固三保障成果), and naming it is no one's private detail.
    inspect_households = privacy_check(
        offices, settings.values["privacy.health_terms"] or DEFAULT_HEALTH_TERMS
    )
    inspect_projects = privacy_check(offices, health_terms=())
    issuer = issuer_of(settings, place)
    prefix = place.file_label
    with_village = place.level != "村"
    recipient = {"村": "全体村（居）民", "乡": "各村（居）民"}.get(place.level, "社会各界")
    supervision = "、".join(x for x in (national, settings.values["hotlines.supervision"]) if x)
    minimum = policy.value("monitoring.publicity_min_days")
    for key in kinds or list(KINDS):
        kind = KINDS[key]
        monitoring = kind.procedure is not None
        length = days or (
            minimum if monitoring else policy.value("projects.publicity_default_days")
        )
        if not kind.result and length < (minimum if monitoring else 1):
            raise ConfigError(
                policy.text("notices.messages.days_too_short", label=kind.label, days=length)
            )
        title = f"{prefix}{'' if monitoring else f'{year}年度衔接资金'}{kind.label}"
        listed: list[Listed] = []
        closing: list[str] | None = None
        word: list[Any]  # rows of text (monitoring notices) or of dicts (project notices)
        excel: list[Any]
        if kind.result:
            listed = result_candidates(run, villages, kind, start)
            if not listed:
                if explicit:
                    result.skipped.append(kind.label)
                continue
            period = Period(start, start)
            word = excel = result_rows(listed, villages, with_village)
            keys = [i.household_id for i in listed]
            columns = ["序号"] + (["村"] if with_village else []) + [
                "户主", "家庭人口", "监测类型", "风险类型", "县级审批日期"]  # fmt: skip
            excel_columns = [
                Column(c, w * 1.2) for c, w in zip(columns, excel_widths(with_village))
            ]
            word_label = "公告日期"
            # in the township's name, posted in the village (seed 三.一.(二).2③ 六是结果公告)
            issued_by = township_issuer(settings, place)
            closing = [
                "特此公告。",
                f"如有疑问，请向{issued_by}反映，或拨打监督电话：{supervision}。",
            ]
        elif monitoring:
            listed = publicity_candidates(run, villages, kind, start)
            if not listed:
                if explicit:
                    result.skipped.append(kind.label)
                continue
            try:
                period = monitoring_period(listed, start, length, policy)
            except PublicityPeriodError as err:
                result.failures.append(
                    Failure(f"{title}（{cndate(start)}）", f"未生成：{err}", place.label)
                )
                continue
            if days and any(i.recorded for i in listed) and period.days != days:
                result.notes.append(
                    f"{kind.label}：按数据记录的公示期{period.text}生成，未采用 --days {days}"
                )
            word = excel = procedure_rows(listed, kind, villages, with_village, start)
            keys = [i.household_id for i in listed]
            columns = ["序号"] + (["村"] if with_village else []) + [
                "户主", "家庭人口", "监测类型", "风险类型", "风险发现日期" if kind.key == "inclusion" else "入户核查日期"]  # fmt: skip
            excel_columns = [
                Column(c, w * 1.2) for c, w in zip(columns, excel_widths(with_village))
            ]
            word_label = "公示期"
        else:
            period = Period(start, start + dt.timedelta(days=length - 1))
            projects = project_rows(run, place, villages, kind, year)
            if not projects.word:
                if explicit:
                    result.skipped.append(kind.label)
                continue
            word, excel, keys = projects.word, projects.excel, projects.keys
            excel_columns = project_excel_columns(kind)
            # A 公告 reports results over a 公告期 (DOMAIN §5); a 公示 asks for comments on a plan.
            word_label = "公告期" if kind.key == "project-result" else "公示期"
            if projects.incomplete:
                result.notes.append(
                    f"{kind.label}：{'；'.join(projects.incomplete)}，公告中印作“{NOT_ENTERED}”"
                )
        paragraphs = _body(policy, kind, prefix, len(word), year)
        if monitoring and any(PENDING_TYPE in row for row in word):  # as printed, not as stored
            paragraphs[-1] += policy.text("notices.pending_type", pending=PENDING_TYPE)
        stem = safe_filename(f"{prefix}_{kind.label}_{cndate(start)}")
        ctx = {
            "title": title,
            "doc_number": "",
            "recipient": recipient,
            "paragraphs": paragraphs,
            # 风险类型 wraps; every other value stays whole (engine/official_table)
            "table": fit_table(f"{kind.label}名单", columns, cast(list[list[str]], word), wrap={columns.index("风险类型")})
            if monitoring
            else None,
            "heads": PROJECT_HEADS.get(kind.key, []),
            "rows": word,
            "closing": closing or [
                f"{word_label}：{period.text}。",
                f"{word_label}内如有异议，请向{issuer}反映，或拨打监督电话：{supervision}。",
            ],
            "issuer": township_issuer(settings, place) if kind.result else issuer,
            "date": start,
            "_file": stem,
        }  # fmt: skip
        # Public small print (DOMAIN §4), on the .xlsx posted online with it too: the data as of the
        # notice's own day at the latest — a notice dated 9月1日 made later is not 数据截至10月8日.
        meta = run.meta(public=True, day=start)
        batch = render_batch(TEMPLATE if monitoring else PROJECT_TEMPLATE, [ctx], run.out_dir, file_name=lambda g, c: c["_file"], pdf=pdf, meta=meta,
                             label=lambda c: c["title"], workspace=settings.workspace, manifest=False,
                             raise_on_failure=True, inspect=inspect_households if monitoring else inspect_projects)  # fmt: skip
        sheet_path = run.out_dir / f"{stem}.xlsx"
        write_table_workbook(sheet_path, [Sheet(kind.label, excel_columns, excel, title=title,
                                                note=f"{word_label}：{cndate(start) if kind.result else period.text}；"
                                                     f"{ctx['issuer']}")],
                             footer=meta["footnote"])  # fmt: skip
        templates = [{"name": batch.template_name, "sha256": batch.template_sha256}]
        result.outputs += batch.outputs + [run.entry(sheet_path, len(excel))]
        result.issued.append((kind.label, len(word)))
        unrecorded = [i for i in listed if not i.recorded]
        if unrecorded:
            result.notes.append(
                f"{kind.label}：{len(unrecorded)} 户的公告日期（{cndate(start)}）已记入数据"
                if kind.result
                else f"{kind.label}：{len(unrecorded)} 户的公示起止日期（{period.text}）已记入数据"
            )
        _record(run, place, kind, period, batch.outputs[0].file, keys, unrecorded)
    result.templates = templates
    if manifest:
        write_manifest(run.out_dir, run=run.run_info(), templates=templates, outputs=result.outputs,
                       failures=result.failures)  # fmt: skip
    return result


def excel_widths(with_village: bool) -> list[int]:
    """The .xlsx copy's column widths (characters; engine/xlsx_list widens them for dates)."""
    return [6] + ([10] if with_village else []) + [12, 10, 16, 26, 18]


def _record(run: DocumentRun, place: Place, kind: NoticeKind, period: Period, file: str, keys: list[str],
            unrecorded: list[Listed]) -> None:  # fmt: skip
    """Remember the notice (re-issuing the same place/kind/start replaces the record) and, in the same
    transaction, write its period into the procedures not yet publicised (a 结果公告: its day as
    their 公告日期), so that the self-check (M-PUBLICITY, M-NO-ANNOUNCE), `data export`, the 明白纸
    and the next notice read the dates this notice printed."""
    last = run.dataset.latest_import() or {}
    procs = TABLES["monitoring_procedures"]
    with run.dataset.engine.begin() as conn:
        old = conn.execute(sa.select(notices.c.id).where(notices.c.place_code == place.code, notices.c.kind == kind.key,
                                                         notices.c.period_start == period.start)).scalar()  # fmt: skip
        if old is not None:
            conn.execute(notice_items.delete().where(notice_items.c.notice_id == old))
            conn.execute(notices.delete().where(notices.c.id == old))
        inserted = conn.execute(
            notices.insert().values(place_code=place.code, kind=kind.key, period_start=period.start, period_end=period.end,
                                    file=str(run.out_dir / file), issued_at=dt.datetime.now(), import_id=last.get("id"))
        ).inserted_primary_key  # fmt: skip
        assert inserted is not None  # an INSERT of one row
        notice_id = inserted[0]
        if keys:
            conn.execute(
                notice_items.insert(),
                [{"notice_id": notice_id, "item_key": k} for k in dict.fromkeys(keys)],
            )
        for item in unrecorded:
            where = procs.update().where(procs.c.household_id == item.household_id, procs.c.kind == item.kind,
                                         procs.c.found_on == item.found_on)  # fmt: skip
            if kind.result:  # the 结果公告's day is the procedure's 公告日期
                conn.execute(
                    where.where(procs.c.announced_on.is_(None)).values(announced_on=period.start)
                )
            else:
                conn.execute(where.where(procs.c.publicity_end.is_(None))
                             .values(publicity_start=period.start, publicity_end=period.end))  # fmt: skip


def demo(run: DocumentRun) -> StepOutput:
    """The notices of 2023-09-01, the day most example publicity starts: every village's, then
    every township's and the county's project notices (multi-village projects are listed there,
    DOMAIN §5). The example county deliberately records 4-day publicity periods (self-check
    cases): those notices are refused, and the refusal is what the demo shows for them."""
    from reportgen.engine import write_manifest

    outputs: list[OutputEntry] = []
    failures = []
    notes: list[str] = []
    templates: dict[str, str] = {}
    county = county_place(run.dataset)
    townships = sorted({v.parent_code or "" for v in villages_under(run.dataset, county)})
    places = [
        *((v, None) for v in villages_under(run.dataset, county)),
        *((resolve_place(run.dataset, code, level="乡"), PROJECT_KEYS) for code in townships),
        (county, PROJECT_KEYS),
    ]
    for place, kinds in places:
        result = make_public_notices(
            run,
            place,
            kinds=kinds,
            start=dt.date(2023, 9, 1),
            days=None,
            year=2023,
            manifest=False,
        )
        outputs += result.outputs
        failures += result.failures
        notes += [f"{place.file_label} {n}" for n in result.notes if "已记入数据" not in n]
        templates.update({t["name"]: t["sha256"] for t in result.templates})
    write_manifest(
        run.out_dir,
        run=run.run_info(),
        templates=[{"name": k, "sha256": v} for k, v in sorted(templates.items())],
        outputs=outputs,
        failures=failures,
    )
    return StepOutput(outputs, [f"{f.record}{f.message}" for f in failures] + notes)
