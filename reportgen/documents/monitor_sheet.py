"""防止返贫监测申报政策和帮扶政策明白纸 (seed 三.一.(三).4③), one print file per village.

A household being monitored now gets two pages. Page 1, the 明白卡, carries only what the data say
about the household (代群众填写 is a named problem): a missing fact stays a blank line to fill in by
hand. Page 2 is the policy paper: 申报政策 (who can be monitored, the income line, how to apply, the
seven steps and their limits) and 帮扶政策 — those that fit the household's risks and members are
highlighted, with the reason. With --all every other household of the village (一般农户, 脱贫户 not
monitored, risk eliminated) gets one page: the 申报政策 alone, with its head's name, since 排查
covers every rural household and 自主申报 is how a household asks to be monitored (seed
三.一.(二).1①②). Every number comes from the policy pack, and so does every sentence the code puts
on the paper (texts `[monitor_sheet]`: the 帮扶政策 sections, the income line); the fixed wording
around them is the Word template's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jinja2.meta
import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset, household_flag_exprs
from reportgen.documents.common import DocumentRun, yuan
from reportgen.documents.kind import DocumentKind, Part
from reportgen.documents.runner import make_documents
from reportgen.engine import (
    ENV,
    Column,
    OutputEntry,
    Sheet,
    age,
    cndate,
    declare_template,
    mask_id,
    qr_image,
    resolve_word_template,
    write_table_workbook,
)
from reportgen.errors import ConfigError, PlaceError, TemplateError
from reportgen.packs import render_text
from reportgen.places import Place, resolve_place, villages_under

TEMPLATE = "防止返贫监测明白纸"
POOR = "脱贫户"
BLANK = "＿＿＿＿＿＿＿＿"
WORKING = ("普通劳动力", "技能劳动力")
ANY_LABOR = (*WORKING, "弱劳动力或半劳动力")


@dataclass
class HouseholdFacts:
    row: sa.Row
    village: Place
    monitored: bool = True  # being monitored now: the 明白卡 and the whole policy paper
    members: list[sa.Row] = field(default_factory=list)
    procedures: list[sa.Row] = field(default_factory=list)
    measures: list[sa.Row] = field(default_factory=list)
    student_ids: set[str] = field(default_factory=set)

    @property
    def card(self) -> bool:
        """Whether the household gets a 明白卡: being monitored (监测对象明白卡) or a 脱贫户 (脱贫人口
        明白卡; seed 三.一.(三).4③ names both)."""
        return self.monitored or self.row.category == POOR

    @property
    def risk_types(self) -> list[str]:
        """Risk types of the household's procedures, first seen first."""
        seen: list[str] = []
        for p in sorted(self.procedures, key=lambda p: p.found_on):
            for risk in (p.risk_types or "").split("、"):
                if risk and risk not in seen:
                    seen.append(risk)
        return seen

    def procedure(self, kind: str) -> sa.Row | None:
        rows = [p for p in self.procedures if p.kind == kind]
        return max(rows, key=lambda p: p.found_on) if rows else None


# --------------------------------------------------------------------------------- selection
def select_villages(dataset: Dataset, *, village: str | None = None, township: str | None = None,
                    county: bool = False, household: str | None = None) -> tuple[list[Place], str | None]:  # fmt: skip
    """(villages, household id or None): exactly one of the four selectors."""
    chosen = [x for x in (village, township, household) if x] + (["county"] if county else [])
    if len(chosen) != 1:
        raise PlaceError(
            "请且只请给出一个范围：--village 村、--township 乡镇、--county 或 --household 户编号"
        )
    if village:
        return [resolve_place(dataset, village, level="村")], None
    if township:
        return villages_under(dataset, resolve_place(dataset, township, level="乡")), None
    if household:
        h = TABLES["households"]
        with dataset.engine.connect() as conn:
            code = conn.execute(
                sa.select(h.c.village_code).where(h.c.household_id == household)
            ).scalar()
        if code is None:
            raise PlaceError(f"找不到户编号为 {household} 的户")
        return [resolve_place(dataset, code, level="村")], household
    regions = TABLES["regions"]
    with dataset.engine.connect() as conn:
        county_code = conn.execute(
            sa.select(regions.c.code).where(regions.c.level == "县").limit(1)
        ).scalar()
    if county_code is None:
        raise PlaceError("行政区划中没有县级区划")
    return villages_under(dataset, resolve_place(dataset, county_code)), None


def households_of_village(
    dataset: Dataset, village: Place, *, include_all: bool, household: str | None = None,
    poor: bool = False,
) -> list[HouseholdFacts]:  # fmt: skip
    """The village's monitored households (poor: and its 脱贫户; include_all: every household of
    the village), each marked whether it is being monitored now."""
    h, persons, procs, measures, students = (
        TABLES[t]
        for t in ("households", "persons", "monitoring_procedures", "measures", "students")
    )
    monitored = household_flag_exprs(h)["monitored"].label("monitored_now")
    query = (
        sa.select(h, monitored)
        .where(h.c.village_code == village.code, who_filter(h, include_all, poor))
        .order_by(h.c.household_id)
    )
    if household:
        query = sa.select(h, monitored).where(h.c.household_id == household)
    with dataset.engine.connect() as conn:
        facts = {
            r.household_id: HouseholdFacts(r, village, monitored=bool(r.monitored_now))
            for r in conn.execute(query)
        }
        ids = list(facts)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for p in conn.execute(sa.select(persons).where(persons.c.household_id.in_(chunk))):
                facts[p.household_id].members.append(p)
            for p in conn.execute(sa.select(procs).where(procs.c.household_id.in_(chunk))):
                facts[p.household_id].procedures.append(p)
            for m in conn.execute(sa.select(measures).where(measures.c.household_id.in_(chunk))):
                facts[m.household_id].measures.append(m)
            linked = sa.select(persons.c.household_id, students.c.id_number).join(
                students, students.c.id_number == persons.c.id_number
            )
            for hh, pid in conn.execute(linked.where(persons.c.household_id.in_(chunk))):
                facts[hh].student_ids.add(pid)
    for f in facts.values():
        f.members.sort(key=lambda p: (p.relation != "户主", p.birth_date or dt.date.min))
        f.measures.sort(
            key=lambda m: (m.done_on is None, m.done_on or dt.date.max, m.category, m.content)
        )
    return list(facts.values())


# --------------------------------------------------------------------------------- policy paper
@dataclass(frozen=True)
class PolicySection:
    key: str  # fixed code (education, health…): `highlights` says which fit a household
    title: str
    text: str


def policy_sections(policy) -> list[PolicySection]:
    """The paper's 帮扶政策 sections as the pack words them (texts `[monitor_sheet.policies.*]`,
    rendered over its numbers), in the pack's order; a section whose text is empty is left out."""
    sections = policy.texts.get("monitor_sheet", {}).get("policies")
    if not sections:
        raise ConfigError(
            f"政策包 {policy.name} 没有明白纸“帮扶政策”的文字：请在它的 texts.toml 中加上 "
            f"[monitor_sheet.policies.编号]（title、text；可照 henan-2023 写）（{policy.source}）"
        )
    out = []
    for key in sections:
        text = policy.text(f"monitor_sheet.policies.{key}.text")
        if text.strip():
            out.append(PolicySection(key, policy.text(f"monitor_sheet.policies.{key}.title"), text))
    return out


def highlights(f: HouseholdFacts, policy) -> dict[str, str]:
    """Section key → why it fits this household (only the sections that do)."""
    risks = set(f.risk_types)
    r = f.row
    out: dict[str, str] = {}
    if f.student_ids or "因学" in risks:
        out["education"] = "您家有在校学生" if f.student_ids else "您家存在因学风险"
    if "因病" in risks:
        out["health"] = "您家存在因病风险"
    elif any(m.health in ("长期慢性病", "患有大病") for m in f.members):
        out["health"] = "您家有需要医疗保障的成员"
    if r.housing_grade in policy.value("housing.unsafe_grades") or "因住房出现安全问题" in risks:
        out["housing"] = "您家住房需要关注安全"
    water_low = r.water_liters_per_day is not None and r.water_liters_per_day < Decimal(
        str(policy.value("water.min_liters_per_day"))
    )
    fetch_long = r.water_fetch_minutes is not None and r.water_fetch_minutes > Decimal(
        str(policy.value("water.max_fetch_minutes"))
    )
    if "因饮水安全问题" in risks or water_low or fetch_long or r.water_quality_ok is False:
        out["water"] = "您家饮水情况需要关注"
    if r.baodi_type or r.no_labor_baodi or "缺劳动力" in risks or "因残" in risks:
        out["baodi"] = (
            "您家可能符合兜底保障条件" if not r.baodi_type else f"您家已享受{r.baodi_type}"
        )
    if any(m.labor_skill in ANY_LABOR for m in f.members) or "因务工就业不稳" in risks:
        out["employment"] = "您家有劳动力"
    if "因产业项目失败" in risks or any(m.labor_skill in WORKING for m in f.members):
        out["industry"] = (
            "您家有劳动力，可发展产业"
            if "因产业项目失败" not in risks
            else "您家存在因产业项目失败风险"
        )
        out["loan"] = "可用于发展生产"
    return out


def application_steps(policy) -> list[str]:
    """The identification steps as the paper prints them, each with its note from the policy.

    Seed 三.一.(二).2③: “一是入户核实。村级组织进行入户核实，填写《防止返贫动态监测核查表》。有申报意愿的
    农户，签订承诺授权书。二是信息比对。村级及时收集汇总签订承诺授权书的农户信息……开展信息比对”: the
    承诺授权书 is signed at 入户核实 and is what allows 信息比对, so its note goes with 入户核实.
    """
    steps = [str(s) for s in policy.value("monitoring.steps")]
    notes = policy.value("monitoring.step_notes")
    unknown = [name for name in notes if name not in steps]
    if unknown:
        raise ConfigError(
            f"政策参数“monitoring.step_notes”中的步骤“{'、'.join(unknown)}”不在“monitoring.steps”"
            f"（{'、'.join(steps)}）中，明白纸无法标注（政策文件：{policy.source}）"
        )
    # a note is a text over the pack's numbers: 公示不少于{{ monitoring.publicity_min_days }}天
    return [f"{s}（{render_text(notes[s], policy.data)}）" if notes.get(s) else s for s in steps]


# --------------------------------------------------------------------------------- context
def _blank(value: Any) -> str:
    return BLANK if value in (None, "") else str(value)


def sheet_pages(f: HouseholdFacts) -> int:
    """Pages of the household's record: the 明白卡 and the policy paper for a card household, else
    the 申报政策 page alone."""
    return 2 if f.card else 1


def sheet_context(f: HouseholdFacts, run: DocumentRun) -> tuple[dict[str, Any], list[str]]:
    """The household's context and the list of card facts missing from the data (none for a
    household without a 明白卡). A 脱贫户 not monitored has no risk or procedure to print: those
    lines say “—（未纳入监测）”, not a blank to fill in."""
    r = f.row
    policy = run.policy
    line = Decimal(str(policy.value("monitoring.income_line")))
    missing: list[str] = []

    def fact(label: str, value: Any) -> str:
        if value in (None, ""):
            missing.append(label)
        return _blank(value)

    def risk_fact(label: str, value: Any) -> str:
        return fact(label, value) if f.monitored else (value or NOT_MONITORED)

    identified = f.procedure("识别纳入")
    eliminated = f.procedure("风险消除")
    income = r.income_per_capita
    if income is None:
        missing.append("家庭年人均纯收入")
        income_text = BLANK
    else:
        which = "income_below" if income < line else "income_not_below"
        income_text = policy.text(f"monitor_sheet.{which}", income=yuan(income))
    marks = highlights(f, policy)
    settings = run.settings
    url, hotline = (
        settings.values["monitoring.yimatong_url"],
        settings.values["hotlines.monitoring"],
    )
    national_hotline = policy.value("monitoring.hotline")
    category = r.category + (f"（{r.monitor_type}）" if r.monitor_type else "")
    ctx = {
        "_group": f.village.code,
        "_file": f"防止返贫监测明白纸_{f.village.file_label}",
        "monitored": f.monitored,
        "card": f.card,
        "card_title": "防止返贫监测对象明白卡" if f.monitored else "脱贫人口明白卡",
        "household_id": r.household_id,
        "head": r.head_name,
        "village": f.village.name,
        "township": f.village.township,
        "category": category,
        "members": [
            {
                "name": m.name,
                "relation": m.relation,
                "age": age(m.id_number, run.today),
                "id_masked": mask_id(m.id_number),
                "labor": m.labor_skill or BLANK,
            }
            for m in f.members
        ],  # fmt: skip
        "member_count": len(f.members),
        "risk_types": risk_fact("风险类型", "、".join(f.risk_types)),
        "found_on": risk_fact("风险发现日期", cndate(identified.found_on) if identified else ""),
        "approved_on": risk_fact(
            "县级审批（识别纳入）日期",
            cndate(identified.county_approved_on)
            if identified and identified.county_approved_on
            else "",
        ),
        "eliminated_on": cndate(eliminated.county_approved_on)
        if eliminated and eliminated.county_approved_on
        else ("" if not r.risk_eliminated else BLANK),
        "helper": fact("帮扶责任人", r.helper_name),
        "helper_unit": fact("帮扶责任人单位", r.helper_unit),
        "helper_phone": fact("帮扶责任人电话", r.helper_phone),
        "measures": [
            {
                "category": m.category,
                "content": m.content or "",
                "date": cndate(m.done_on) if m.done_on else BLANK,
            }
            for m in f.measures
        ],
        "income": income_text,
        "income_line": yuan(line),
        "policy_year": policy.year,
        "monitor_types": "、".join(policy.value("monitoring.types")),
        "steps": application_steps(policy),
        "publicity_days": policy.value("monitoring.publicity_min_days"),
        "identification_days": policy.value("monitoring.identification_max_days"),
        "entry_days": policy.value("monitoring.entry_max_days"),
        "plan_days": policy.value("monitoring.plan_max_days"),
        "policies": [
            {
                "title": s.title,
                "text": s.text,
                "highlight": s.key in marks,
                "reason": marks.get(s.key, ""),
            }
            for s in policy_sections(policy)
        ],
        "hotline": hotline or national_hotline,  # the one number to call (older templates)
        "county_hotline": hotline,
        "national_hotline": national_hotline,
        "qr": qr_image(url or hotline, 24) if (url or hotline) else None,
        "qr_text": policy.text("monitor_sheet.qr_yimatong")
        if url
        else (policy.text("monitor_sheet.qr_hotline") if hotline else ""),
        "county": settings.county_name,
    }
    if not f.members:
        missing.append("家庭成员")
    if not f.measures:
        missing.append("帮扶措施")
    return ctx, missing if f.card else []


SAMPLE: dict[str, Any] = {
    "monitored": True, "card": True, "card_title": "防止返贫监测对象明白卡", "household_id": "H001", "head": "张大山", "village": "王庄村", "township": "城关镇", "category": "监测户（边缘易致贫户）",
    "members": [{"name": "张大山", "relation": "户主", "age": 48, "id_masked": "411***********0038", "labor": "普通劳动力"}],
    "member_count": 1, "risk_types": "因病", "found_on": "2023年8月1日", "approved_on": "2023年8月16日", "eliminated_on": "",
    "helper": "王干部", "helper_unit": "县农业农村局", "helper_phone": "13800001111",
    "measures": [{"category": "健康帮扶", "content": "家庭医生签约", "date": "2023年8月20日"}],
    "income": "7,100元（低于监测线7,500元）", "income_line": "7,500", "policy_year": 2023,
    "monitor_types": "脱贫不稳定户、边缘易致贫户、突发严重困难户", "steps": ["入户核实"], "publicity_days": 5,
    "identification_days": 15, "entry_days": 10, "plan_days": 10,
    "policies": [{"title": "健康帮扶", "text": "……", "highlight": True, "reason": "您家存在因病风险"}],
    "hotline": "12317", "county_hotline": "", "national_hotline": "12317", "qr": None, "qr_text": "",
    "county": "青山县",
}  # fmt: skip
declare_template(
    TEMPLATE,
    "docx",
    sample=SAMPLE,
    description="正在监测的户：明白卡（第1页）和申报政策、帮扶政策明白纸（第2页）；其他户（--all）：申报政策明白纸一页",
)

SUMMARY_COLUMNS = [
    Column("户编号", 12), Column("户主", 10), Column("户类型", 10), Column("监测类型", 14), Column("发放内容", 30),
    Column("页数", 6, "int"), Column("风险类型", 20), Column("帮扶责任人", 10), Column("帮扶措施数", 10, "int"),
    Column("明白卡缺少的信息", 40),
]  # fmt: skip
NOT_MONITORED = "—（未纳入监测）"


def contents(f: HouseholdFacts) -> str:
    """What the household's pages are, for the roster."""
    if f.monitored:
        return "明白卡＋申报政策和帮扶政策明白纸"
    if f.card:
        return "脱贫人口明白卡＋申报政策明白纸（未在监测，不发帮扶政策）"
    return "申报政策明白纸（未在监测，不发明白卡和帮扶政策）"


@dataclass
class SheetResult:
    outputs: list[OutputEntry] = field(default_factory=list)
    households: int = 0
    monitored: int = 0  # of which being monitored now: two pages each
    villages: int = 0
    incomplete: int = 0
    poor_cards: int = 0  # 脱贫户 not monitored: 脱贫人口明白卡 and 申报政策, two pages each


def roster_row(f: HouseholdFacts, missing: list[str]) -> list:
    r = f.row
    pages = sheet_pages(f)
    return [r.household_id, r.head_name, r.category, r.monitor_type or "", contents(f), pages,
            "、".join(f.risk_types), r.helper_name or "", len(f.measures),
            ("、".join(missing) or "无") if f.card else "—"]  # fmt: skip


def template_variables(workspace) -> set[str]:
    """The variables the sheet's template (a workspace copy, or the built-in one) reads."""
    tpl = resolve_word_template(TEMPLATE, workspace)
    return jinja2.meta.find_undeclared_variables(ENV.parse(tpl.body.source))


def require_switches(workspace, *, include_all: bool, poor: bool) -> None:
    """Refuse a workspace copy of the template made before the switches the run needs: without
    `monitored`, --all would print every household the 明白卡 and 帮扶政策; without `card`,
    --poor/--all would print a 脱贫户 the 申报政策 page alone, with no 脱贫人口明白卡."""
    if not (include_all or poor):
        return
    path = resolve_word_template(TEMPLATE, workspace).path
    used = template_variables(workspace)
    if include_all and "monitored" not in used:
        raise TemplateError(
            f"模板 {path} 没有用变量 monitored 区分正在监测的户和其他户：加 --all 时，"
            "未在监测的户也会印出明白卡和帮扶政策。请用 {%p if monitored %} … {%p endif %} 把这些部分"
            "括起来（见 docs/防止返贫监测明白纸.md），或重新导出内置模板修改；不加 --all 则只生成正在监测的户。"
        )
    if "card" not in used:
        raise TemplateError(
            f"模板 {path} 没有用变量 card：未在监测的脱贫户会只印申报政策明白纸，没有脱贫人口明白卡。"
            "请重新导出内置模板（reportgen templates export 防止返贫监测明白纸）再改，"
            "或用 {%p if card %} … {%p endif %} 把明白卡括起来（见 docs/防止返贫监测明白纸.md）。"
        )


@dataclass(frozen=True)
class SheetJob:
    villages: tuple[Place, ...]
    include_all: bool = False  # every household, not only those monitored now
    household: str | None = None  # only this household (of the one village)
    poor: bool = False  # the 脱贫户 too, with their 脱贫人口明白卡


class SheetKind(DocumentKind):
    """Per household one or two pages; one print file and one 发放名单 per village with households
    to print (villages in selection order, households by 户编号)."""

    name = "monitor-sheet"
    title = "防止返贫监测明白纸"
    template = TEMPLATE

    def check(self, run: DocumentRun, job: SheetJob) -> None:
        application_steps(run.policy)  # a step note the policy cannot place fails before any file
        policy_sections(run.policy)  # and so does a pack without the paper's 帮扶政策
        require_switches(run.settings.workspace, include_all=job.include_all, poor=job.poor)

    def plan(self, run: DocumentRun, job: SheetJob, workers: int = 1) -> list[Part]:
        if job.household is not None:
            having = {v.code: 1 for v in job.villages}
        else:
            having = villages_having(run.dataset, job.include_all, job.poor)
        return [
            Part(v, v.code, having[v.code], v.label, f"防止返贫监测明白纸_{v.file_label}",
                 f"防止返贫监测明白纸名单_{v.file_label}")
            for v in job.villages
            if v.code in having
        ]  # fmt: skip

    def total(self, run: DocumentRun, job: SheetJob) -> int:
        if job.household is not None:
            return 1
        return count_households(run.dataset, list(job.villages), job.include_all, job.poor)

    def parallel(self, job: SheetJob, plan: list[Part]) -> bool:
        return job.household is None and len(plan) >= 2

    def records(self, run: DocumentRun, job: SheetJob, part: Part) -> list[HouseholdFacts]:
        return households_of_village(
            run.dataset, part.key, include_all=job.include_all, household=job.household,
            poor=job.poor,
        )  # fmt: skip

    def context(self, run: DocumentRun, job: SheetJob, record: HouseholdFacts) -> dict[str, Any]:
        ctx, missing = sheet_context(record, run)
        ctx["_missing"] = missing  # for the roster and the tally, not the template
        return ctx

    def rows(self, run, job, record, ctx):
        return {"roster": [roster_row(record, ctx["_missing"])]}

    def tally(self, record: HouseholdFacts, ctx) -> dict[str, int]:
        return {"households": 1, "monitored": int(record.monitored),
                "poor_cards": int(record.card and not record.monitored),
                "incomplete": int(bool(ctx["_missing"]))}  # fmt: skip

    def write_part_list(self, run, job, part: Part, rows, path) -> int:
        village: Place = part.key
        write_table_workbook(
            path,
            [Sheet("名单", SUMMARY_COLUMNS, rows["roster"],
                   title=f"{village.township}{village.name}防止返贫监测明白纸发放名单")],
            footer=run.meta()["footnote"],
        )  # fmt: skip
        return len(rows["roster"])

    def label(self, ctx: dict[str, Any]) -> str:
        return f"{ctx['head']}（户编号 {ctx['household_id']}）"


KIND = SheetKind()


def make_monitor_sheets(run: DocumentRun, villages: list[Place], *, household: str | None = None, include_all: bool = False,
                        pdf: bool = False, zip_name: str | None = None, progress=None, workers: int = 1,
                        poor: bool = False) -> SheetResult:  # fmt: skip
    """Sheets and rosters for the villages into run.out_dir; raises RenderError after writing the
    rest. workers > 1: one partition per village in worker processes (documents.runner), same
    files, same bytes; --zip and --household run in this process."""
    job = SheetJob(tuple(villages), include_all, household, poor)
    got = make_documents(KIND, run, job, pdf=pdf, zip_name=zip_name, progress=progress,
                         workers=workers)  # fmt: skip
    c = got.counts
    return SheetResult(got.outputs, c.get("households", 0), c.get("monitored", 0), got.parts,
                       c.get("incomplete", 0), c.get("poor_cards", 0))  # fmt: skip


def demo(run: DocumentRun) -> list[OutputEntry]:
    """The demo: every village of the example county, the households being monitored."""
    villages, _ = select_villages(run.dataset, county=True)
    return make_monitor_sheets(run, villages).outputs


def who_filter(h: sa.Table, include_all: bool, poor: bool = False) -> sa.ColumnElement[bool]:
    """The households a sheet is made for: those being monitored now (poor: and the 脱贫户, who get
    the 脱贫人口明白卡; include_all: every household, since 排查 covers all rural households and any
    of them may 自主申报, seed 三.一.(二).1①②)."""
    if include_all:
        return sa.true()
    monitored = household_flag_exprs(h)["monitored"]
    return sa.or_(monitored, h.c.category == POOR) if poor else monitored


def villages_having(dataset: Dataset, include_all: bool, poor: bool = False) -> dict[str, int]:
    """Village code → households to print, for the villages with at least one."""
    h = TABLES["households"]
    query = (
        sa.select(h.c.village_code, sa.func.count())
        .where(who_filter(h, include_all, poor))
        .group_by(h.c.village_code)
    )
    with dataset.engine.connect() as conn:
        return {code: n for code, n in conn.execute(query)}


def count_households(
    dataset: Dataset, villages: list[Place], include_all: bool, poor: bool = False
) -> int:
    h = TABLES["households"]
    who = who_filter(h, include_all, poor)
    with dataset.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(h)
            .where(h.c.village_code.in_([v.code for v in villages]), who)
        ).scalar_one()
