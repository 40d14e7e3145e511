"""Forms printed for household visits and signatures (`reportgen form`), pre-filled from the data:

* 防止返贫动态监测核查表 (`check`) and 承诺授权书 (`consent`), seed 三.一.(二).2③ 一是入户核实: one per
  household whose 入户核实 is due (below), or the one `--household`, or with `--all` every household
  of the scope (排查, seed 三.一.(二).1①);
* 公益岗位协议 (`job`), seed 三.四.(二).6 and 三.四.(三).5 (无公益岗位协议，无考勤记录): one per 公益岗位
  row held on the as-of day (`--all`: every row of the scope);
* 延缓入学（休学）审批表 (`deferral`), seed 二.一.(二).1③④: one per dropout case whose status is 延缓入学
  or 休学, found by the as-of day.

Every field the data hold is printed; every other one is a line to write on (＿＿＿＿), never a
guess (代群众填写 is a named problem). A date after the as-of day is not yet a fact and is left
blank. The fixed wording is the Word template's; numbers quoted on a form (the 公益岗位 term, the
water standard, the persuasion count) come from the policy pack.

入户核实 is due for a household when one of its 监测帮扶 procedures (识别纳入, 风险消除 or 整户无劳动能力
认定: each starts with 入户核实/核查) was found on or before the as-of day, has no 入户核实日期 before it
(verified on the as-of day: the visit is that day, the form is printed for it), and records no later
step (公示开始, 乡级审核, 县级审批, 公告) by then: a later step means the visit took place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset
from reportgen.dates import full_years
from reportgen.documents.common import DocumentRun, StepOutput, yuan
from reportgen.documents.dropout_archive import CaseSelection, select_cases, selected_cases
from reportgen.documents.kind import DocumentKind, KindResult, Part
from reportgen.documents.monitor_sheet import select_villages
from reportgen.documents.runner import make_documents
from reportgen.dropout import DropoutCase, Standard, load_cases
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    cndate,
    declare_template,
    mask_id,
    safe_filename,
    write_table_workbook,
)
from reportgen.errors import ConfigError, PlaceError
from reportgen.places import Place
from reportgen.rules.work import add_years

BLANK = "＿＿＿＿＿＿＿＿"
SHORT = "＿＿＿"  # a blank in a narrow table cell
MONEY_BLANK = "＿＿＿＿＿＿元"
ADULT_AGE = 18  # 承诺授权书: members of full age sign for themselves
# 设岗单位 is not a column of the import contract; a sheet that has one keeps it in `extra`.
EMPLOYER_HEADERS = ("设岗单位", "用工单位", "用人单位")
DEFERRED_STATUSES = ("延缓入学", "休学")  # dropout.DEFERRED, in the order the form's box shows them
FORMS = ("check", "consent", "job", "deferral")


# --------------------------------------------------------------------------------- selection
@dataclass(frozen=True)
class FormJob:
    """What the command chose (plain data: it is sent to worker processes). Household and job
    forms: `villages` (and `household`); the deferral form: `selection` of schools."""

    as_of: dt.date
    label: str  # the scope in list titles and file names: a village, a township, the county
    villages: tuple[Place, ...] = ()
    household: str | None = None
    include_all: bool = False
    selection: CaseSelection | None = None


def form_job(run: DocumentRun, form: str, *, as_of: dt.date, village: str | None = None,
             township: str | None = None, county: bool = False, household: str | None = None,
             school: str | None = None, include_all: bool = False) -> FormJob:  # fmt: skip
    """The job of the command's options; a scope that does not fit the form is refused."""
    if form not in FORMS:
        raise ConfigError(f"没有这种表单：{form}（可选：{'、'.join(FORMS)}）")
    title = KINDS[form].title
    if form == "deferral":
        if village or household:
            raise ConfigError(f"{title}按学校选择：请用 --county、--township 乡镇 或 --school 学校")
        if include_all:
            raise ConfigError(f"--all 不用于{title}：所选范围内状态为延缓入学或休学的学生都会生成")
        selection = select_cases(run.dataset, county=county, township=township, school=school,
                                 county_name=run.settings.county_name)  # fmt: skip
        return FormJob(as_of, selection.label, selection=selection)
    if school:
        raise ConfigError(
            f"--school 只用于延缓入学休学审批表；{title}请用 --village、--township 或 --county"
        )
    if household and form == "job":
        raise ConfigError(f"--household 不用于{title}：请用 --village、--township 或 --county")
    chosen = [x for x in (village, township, household) if x] + (["county"] if county else [])
    if len(chosen) != 1:
        also = "或 --household 户编号" if form != "job" else ""
        raise PlaceError(
            f"请且只请给出一个范围：--village 村、--township 乡镇、--county {also}".rstrip()
        )
    villages, only = select_villages(run.dataset, village=village, township=township,
                                     county=county, household=household)  # fmt: skip
    if only:
        label = f"户编号{only}"
    elif village:
        label = villages[0].file_label
    elif township:
        label = villages[0].township if villages else str(township)
    else:
        label = run.settings.county_name or (villages[0].path[0] if villages else "全县")
    return FormJob(as_of, label, tuple(villages), only, include_all and not only)


def due_filter(p: sa.Table, as_of: dt.date) -> sa.ColumnElement[bool]:
    """Procedures whose 入户核实 is due on `as_of` (module docstring)."""
    later = (
        p.c.publicity_start,
        p.c.township_reviewed_on,
        p.c.county_approved_on,
        p.c.announced_on,
    )
    return sa.and_(
        p.c.found_on <= as_of,
        sa.or_(p.c.verified_on.is_(None), p.c.verified_on >= as_of),
        *(sa.or_(c.is_(None), c > as_of) for c in later),
    )


def _household_filter(h: sa.Table, job: FormJob) -> sa.ColumnElement[bool]:
    if job.household:
        return h.c.household_id == job.household
    if job.include_all:
        return sa.true()
    p = TABLES["monitoring_procedures"]
    return h.c.household_id.in_(sa.select(p.c.household_id).where(due_filter(p, job.as_of)))


def _held_filter(w: sa.Table, job: FormJob) -> sa.ColumnElement[bool]:
    """公益岗位 held on the as-of day (both ends count), or every one with --all."""
    if job.include_all:
        return sa.true()
    return sa.and_(w.c.start_on <= job.as_of, sa.or_(w.c.end_on.is_(None), w.c.end_on >= job.as_of))


def _counts(dataset: Dataset, query: sa.Select) -> dict[str, int]:
    with dataset.engine.connect() as conn:
        return {code: n for code, n in conn.execute(query)}


# --------------------------------------------------------------------------------- records
@dataclass
class HouseholdRecord:
    row: sa.Row
    village: Place
    members: list[sa.Row] = field(default_factory=list)
    schooling: dict[str, str] = field(default_factory=dict)  # person ID → 在校（初中七年级）
    procedure: sa.Row | None = None  # the latest procedure due for 入户核实


def load_households(dataset: Dataset, village: Place, job: FormJob) -> list[HouseholdRecord]:
    """The village's selected households by 户编号, with members (head first, then by age),
    their schooling and the procedure due."""
    h, persons, students, p = (
        TABLES[t] for t in ("households", "persons", "students", "monitoring_procedures")
    )
    query = (
        sa.select(h)
        .where(h.c.village_code == village.code, _household_filter(h, job))
        .order_by(h.c.household_id)
    )
    with dataset.engine.connect() as conn:
        records = {r.household_id: HouseholdRecord(r, village) for r in conn.execute(query)}
        ids = list(records)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for m in conn.execute(sa.select(persons).where(persons.c.household_id.in_(chunk))):
                records[m.household_id].members.append(m)
            enrolled = (
                sa.select(
                    persons.c.household_id, persons.c.id_number, students.c.stage, students.c.grade
                )
                .join(students, students.c.id_number == persons.c.id_number)
                .where(persons.c.household_id.in_(chunk))
            )
            for hid, pid, stage, grade in conn.execute(enrolled):
                records[hid].schooling[pid] = f"在校（{stage or ''}{grade or ''}）"
            due = sa.select(p).where(p.c.household_id.in_(chunk), due_filter(p, job.as_of))
            for proc in conn.execute(due.order_by(p.c.found_on, p.c.kind)):
                records[proc.household_id].procedure = proc  # the latest found wins
    for r in records.values():
        r.members.sort(key=lambda m: (m.relation != "户主", m.birth_date or dt.date.min, m.name))
    return list(records.values())


@dataclass(frozen=True)
class PostRecord:
    """One 公益岗位 row with its worker and the worker's household."""

    job: sa.Row
    name: str
    sex: str | None
    household_id: str
    category: str
    monitor_type: str | None
    phone: str | None
    village: Place

    @property
    def employer(self) -> str | None:
        extra = self.job.extra or {}
        return next((str(extra[k]) for k in EMPLOYER_HEADERS if extra.get(k)), None)


def _posts_query(job: FormJob) -> tuple[sa.Select, sa.Table]:
    w, persons, h = (TABLES[t] for t in ("welfare_jobs", "persons", "households"))
    query = (
        sa.select(
            w,
            persons.c.name.label("person_name"),
            persons.c.sex,
            h.c.household_id,
            h.c.village_code,
            h.c.category,
            h.c.monitor_type,
            h.c.phone,
        )
        .select_from(
            w.join(persons, persons.c.id_number == w.c.id_number).join(
                h, h.c.household_id == persons.c.household_id
            )
        )
        .where(_held_filter(w, job))
    )
    return query, h


def load_posts(dataset: Dataset, village: Place, job: FormJob) -> list[PostRecord]:
    query, h = _posts_query(job)
    w = TABLES["welfare_jobs"]
    query = query.where(h.c.village_code == village.code).order_by(
        h.c.household_id, w.c.id_number, w.c.start_on, w.c.post_name
    )
    with dataset.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        PostRecord(
            r, r.person_name, r.sex, r.household_id, r.category, r.monitor_type, r.phone, village
        )
        for r in rows
    ]


def deferred_cases(dataset: Dataset, job: FormJob) -> list[DropoutCase]:
    assert job.selection is not None
    return [c for c in selected_cases(dataset, job.selection, job.as_of) if c.deferred]


# --------------------------------------------------------------------------------- formatting
def _or_blank(value: Any, blank: str = BLANK) -> str:
    return blank if value in (None, "") else str(value)


def _number(value: Decimal | float | int | None, unit: str) -> str | None:
    """45.0 → '45升'; None → None."""
    if value is None:
        return None
    text = format(Decimal(str(value)).normalize(), "f")
    return f"{text}{unit}"


def _yuan(value: Decimal | None) -> str | None:
    return None if value is None else f"{yuan(value)}元"


def _yes_no(value: bool | None, yes: str = "是", no: str = "否") -> str | None:
    return None if value is None else (yes if value else no)


def _day(value: dt.date | None, as_of: dt.date) -> str | None:
    """A date known on the as-of day (a later one is not yet a fact)."""
    return cndate(value) if value is not None and value <= as_of else None


def _age(member: sa.Row, as_of: dt.date) -> int | None:
    return full_years(member.birth_date, as_of) if member.birth_date else None


def _adult(member: sa.Row, as_of: dt.date) -> bool:
    """Of full age on the as-of day; a member without a birth date is listed to sign (the
    household says who signs)."""
    years = _age(member, as_of)
    return years is None or years >= ADULT_AGE


def _category(category: str | None, monitor_type: str | None) -> str:
    return (category or "") + (f"（{monitor_type}）" if monitor_type else "")


class Missing:
    """The facts a form prints as blank lines, for its list ("留空待填")."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, name: str, value: Any, blank: str = BLANK) -> str:
        if value in (None, ""):
            if name not in self.names:
                self.names.append(name)
            return blank
        return str(value)

    @property
    def text(self) -> str:
        return "、".join(self.names) or "无"


def _health(m: sa.Row) -> str | None:
    if m.health is None:
        return None
    detail = f"{m.disability_type or ''}{m.disability_grade or ''}"
    return f"{m.health}（{detail}）" if m.health == "残疾" and detail else m.health


def _school_work(m: sa.Row, schooling: dict[str, str]) -> str | None:
    """在校 from the 学生 sheet (stage and grade), else the person's 在校生状况 as written; 务工 from
    务工月数 and 务工地点."""
    parts = []
    if m.id_number in schooling:
        parts.append(schooling[m.id_number])
    elif m.school_status:
        parts.append(m.school_status)
    if m.work_months is not None or m.work_place:
        months = f"{m.work_months}个月" if m.work_months is not None else ""
        place = f"（{m.work_place}）" if m.work_place else ""
        parts.append(f"务工{months}{place}")
    return "；".join(parts) or None


# --------------------------------------------------------------------------------- contexts
def check_context(rec: HouseholdRecord, run: DocumentRun, job: FormJob) -> dict[str, Any]:
    r, proc = rec.row, rec.procedure
    missing = Missing()
    policy = run.policy
    members = []
    for m in rec.members:
        members.append({
            "name": m.name,
            "relation": m.relation,
            "id_masked": mask_id(m.id_number),
            "age": missing("年龄", _age(m, job.as_of), SHORT),
            "health": missing("健康状况", _health(m), SHORT),
            "labor": missing("劳动技能", m.labor_skill, SHORT),
            "school_work": _or_blank(_school_work(m, rec.schooling), SHORT),
            "insured": missing("参加医保", _yes_no(m.medical_insured), SHORT),
        })  # fmt: skip
    monitor_type = r.monitor_type or ("" if r.category == "监测户" else "—")
    return {
        "household_id": r.household_id,
        "township": rec.village.township,
        "village": rec.village.name,
        "head": r.head_name,
        "head_id_masked": mask_id(r.head_id_number),
        "category": r.category,
        "monitor_type": missing("监测类型", monitor_type),
        "member_count": missing("家庭成员", f"{len(members)}人" if members else None),
        "phone": missing("联系电话", r.phone),
        "income": missing("家庭年人均纯收入", _yuan(r.income_per_capita)),
        "prev_income": missing("上年家庭年人均纯收入", _yuan(r.prev_income_per_capita)),
        "wage_income": _or_blank(_yuan(r.wage_income), MONEY_BLANK),
        "business_income": _or_blank(_yuan(r.business_income), MONEY_BLANK),
        "reason": f"{proc.kind}（{cndate(proc.found_on)}起）" if proc else BLANK,
        "risk_types": missing("风险类型", proc.risk_types) if proc else BLANK,
        "members": members,
        "housing_grade": missing("住房安全等级", r.housing_grade),
        "housing_area": missing("住房面积", _number(r.housing_area, "㎡")),
        "renovation": _or_blank(r.renovation_status),
        "water_liters": missing("人均日用水量", _number(r.water_liters_per_day, "升"), SHORT),
        "water_minutes": missing("取水往返时间", _number(r.water_fetch_minutes, "分钟"), SHORT),
        "water_quality": missing("水质达标", _yes_no(r.water_quality_ok, "达标", "不达标")),
        "water_min_liters": policy.value("water.min_liters_per_day"),
        "water_max_minutes": policy.value("water.max_fetch_minutes"),
        "as_of": cndate(job.as_of),
        "_missing": missing.text,
    }


def consent_context(rec: HouseholdRecord, run: DocumentRun, job: FormJob) -> dict[str, Any]:
    r = rec.row
    adults = [m for m in rec.members if m.relation == "户主" or _adult(m, job.as_of)]
    return {
        "household_id": r.household_id,
        "township": rec.village.township,
        "village": rec.village.name,
        "head": r.head_name,
        "county": run.settings.county_name or rec.village.path[0],
        "signers": [
            {"name": m.name, "relation": m.relation, "id_masked": mask_id(m.id_number)}
            for m in adults
        ],
        "as_of": cndate(job.as_of),
        "_minors": len(rec.members) - len(adults),
    }


def post_context(rec: PostRecord, run: DocumentRun, job: FormJob) -> dict[str, Any]:
    j = rec.job
    years = int(run.policy.value("employment.welfare_job_max_years"))
    missing = Missing()
    return {
        "employer": missing("设岗单位", rec.employer),
        "name": rec.name,
        "sex": missing("性别", rec.sex),
        "id_masked": mask_id(j.id_number),
        "phone": missing("联系电话", rec.phone),
        "township": rec.village.township,
        "village": rec.village.name,
        "household_id": rec.household_id,
        "category": _category(rec.category, rec.monitor_type),
        "post": j.post_name,
        "placements": missing("安置次数", f"第{j.placements}次" if j.placements else None),
        "start": cndate(j.start_on),
        "end": missing("结束日期", cndate(j.end_on) if j.end_on else None),
        "subsidy": missing(
            "月补贴", f"{yuan(j.monthly_subsidy)}元/月" if j.monthly_subsidy is not None else None
        ),
        "max_years": years,
        "max_placements": run.policy.value("employment.welfare_job_max_placements"),
        "limit": cndate(add_years(j.start_on, years)),
        "as_of": cndate(job.as_of),
        "_missing": missing.text,
    }


def deferral_context(case: DropoutCase, run: DocumentRun, job: FormJob) -> dict[str, Any]:
    as_of, hh = job.as_of, case.household
    attempts = case.persuasions_until(as_of)
    disability = bool(case.disability_grounds())
    assessed = _day(case.disability_assessed_on, as_of)
    if attempts:
        persuasions = f"劝返{len(attempts)}次，最近一次{cndate(attempts[-1].date)}"
    else:
        persuasions = "数据中没有劝返记录"
    missing = Missing()
    return {
        "student_no": case.student_no,
        "name": case.name,
        "id_masked": mask_id(case.id_number),
        "status": case.status,
        "kind_marks": "　".join(
            f"{'☑' if s == case.status else '□'}{s}" for s in DEFERRED_STATUSES
        ),
        "school": case.school,
        "grade": case.grade,
        "class_name": missing("班级", case.class_name),
        "guardian": missing("监护人", case.guardian_name),
        "guardian_phone": missing("监护人电话", case.guardian_phone),
        "village": missing("家庭住址", f"{hh.township}{hh.village}" if hh else None),
        "household_category": missing("家庭类别", hh.category_text if hh else None),
        "reason": missing("辍学原因", case.reason),
        "found_on": cndate(case.found_on),
        "persuasions": persuasions,
        "persuasion_count": len(attempts),
        "reported_on": missing("报县日期", _day(case.reported_county_on, as_of)),
        "assessed_on": assessed or (BLANK if disability else "—（不涉及）"),
        "approved_on": _or_blank(_day(case.county_approved_on, as_of)),
        "disability": disability or assessed is not None,
        "min_attempts": Standard.from_policy(run.policy).min_attempts,
        "as_of": cndate(as_of),
        "_missing": missing.text,
    }


# --------------------------------------------------------------------------------- templates
_MEMBER = {"name": "张大山", "relation": "户主", "id_masked": "411***********0038", "age": 48, "health": "健康",
           "labor": "普通劳动力", "school_work": "务工6个月（省外）", "insured": "是"}  # fmt: skip
SAMPLES: dict[str, dict[str, Any]] = {
    "check": {
        "household_id": "H001", "township": "城关镇", "village": "王庄村", "head": "张大山",
        "head_id_masked": "411***********0038", "category": "监测户", "monitor_type": "边缘易致贫户",
        "member_count": "4人", "phone": "13800001111", "income": "7,100元", "prev_income": "7,600元",
        "wage_income": "4,200元", "business_income": MONEY_BLANK,
        "reason": "识别纳入（2023年9月22日起）", "risk_types": "因病", "members": [_MEMBER],
        "housing_grade": "B", "housing_area": "96㎡", "renovation": BLANK, "water_liters": "60升",
        "water_minutes": "5分钟", "water_quality": "达标", "water_min_liters": 40, "water_max_minutes": 10,
        "as_of": "2023年10月8日",
    },
    "consent": {
        "household_id": "H001", "township": "城关镇", "village": "王庄村", "head": "张大山", "county": "青山县",
        "signers": [{"name": "张大山", "relation": "户主", "id_masked": "411***********0038"}],
        "as_of": "2023年10月8日",
    },
    "job": {
        "employer": BLANK, "name": "李二河", "sex": "男", "id_masked": "411***********0015", "phone": BLANK,
        "township": "河口乡", "village": "王庄村", "household_id": "H002", "category": "监测户（边缘易致贫户）",
        "post": "村级保洁员", "placements": "第1次", "start": "2022年1月1日", "end": BLANK, "subsidy": "500元/月",
        "max_years": 3, "max_placements": 2, "limit": "2025年1月1日", "as_of": "2023年10月8日",
    },
    "deferral": {
        "student_no": "0620210011", "name": "刘一诺", "id_masked": "411***********0078", "status": "休学",
        "kind_marks": "□延缓入学　☑休学", "school": "石桥镇九年一贯制学校", "grade": "九年级", "class_name": "1班",
        "guardian": "刘建伟", "guardian_phone": "13800001111", "village": "石桥镇刘岗村",
        "household_category": "脱贫户", "reason": "厌学，本人拒不返校", "found_on": "2023年2月27日",
        "persuasions": "劝返3次，最近一次2023年4月1日", "persuasion_count": 3, "reported_on": "2023年4月6日",
        "assessed_on": "—（不涉及）", "approved_on": "2023年5月10日", "disability": False, "min_attempts": 3,
        "as_of": "2023年10月8日",
    },
}  # fmt: skip
TEMPLATES = {
    "check": "防止返贫动态监测核查表",
    "consent": "承诺授权书",
    "job": "公益岗位协议",
    "deferral": "延缓入学休学审批表",
}
DESCRIPTIONS = {
    "check": "防止返贫动态监测核查表：入户核实时每户一页，数据中有的信息已填好，没有的留空线",
    "consent": "防止返贫动态监测承诺授权书：每户一页，列出成年家庭成员供签字",
    "job": "乡村公益性岗位协议：每个公益岗位一份，岗位、期限、补贴来自数据，职责和考勤留空待填",
    "deferral": "义务教育阶段学生延缓入学（休学）审批表：每名延缓入学或休学的学生一份，各级意见留空",
}
for _form, _name in TEMPLATES.items():
    declare_template(_name, "docx", sample=SAMPLES[_form], description=DESCRIPTIONS[_form])


# --------------------------------------------------------------------------------- lists
_PLACE_COLUMNS = [Column("乡镇", 10), Column("村", 10)]
LIST_COLUMNS = {
    "check": [*_PLACE_COLUMNS, Column("户编号", 12), Column("户主", 10), Column("户类型", 10),
              Column("监测类型", 14), Column("家庭人口", 8, "int"), Column("核查事由", 34),
              Column("风险类型", 18), Column("留空待填的信息", 40)],
    "consent": [*_PLACE_COLUMNS, Column("户编号", 12), Column("户主", 10), Column("家庭人口", 8, "int"),
                Column("签字人数", 8, "int"), Column("签字人", 30), Column("未成年人数", 10, "int")],
    "job": [*_PLACE_COLUMNS, Column("姓名", 10), Column("户编号", 12), Column("岗位名称", 16),
            Column("开始日期", 12, "date"), Column("结束日期", 12, "date"), Column("月补贴（元）", 10, "money"),
            Column("安置次数", 8, "int"), Column("补贴期限届满", 12, "date"), Column("留空待填的信息", 24),
            Column("备注", 36)],
    "deferral": [Column("学校", 24), Column("年级班级", 12), Column("学籍号", 14), Column("姓名", 10),
                 Column("当前状态", 10), Column("发现日期", 12, "date"), Column("劝返次数", 8, "int"),
                 Column("报县日期", 12, "date"), Column("残联评估日期", 12, "date"),
                 Column("县级批准日期", 12, "date"), Column("留空待填的信息", 24), Column("备注", 30)],
}  # fmt: skip


# --------------------------------------------------------------------------------- kinds
class FormKind(DocumentKind):
    """What the four forms share: one print file per partition, one list workbook for the batch
    (what was printed, and what each form leaves to fill in by hand)."""

    form: str
    summary_rows = ("list",)

    def meta(self, run: DocumentRun, job: FormJob) -> dict[str, Any]:
        # handed to households and guardians: the data's as-of day only (DOMAIN §4)
        return run.meta(public=True, day=job.as_of)

    def list_rows(self, job: FormJob, record: Any, ctx: dict[str, Any]) -> list[Any]:
        raise NotImplementedError

    def rows(self, run, job, record, ctx) -> dict[str, list]:
        return {"list": [self.list_rows(job, record, ctx)]}

    def write_summary(self, run, job: FormJob, rows, result: KindResult) -> list[OutputEntry]:
        if not rows["list"]:
            return []
        path = run.out_dir / f"{safe_filename(f'{self.title}名单_{job.label}')}.xlsx"
        write_table_workbook(
            path,
            [Sheet("名单", LIST_COLUMNS[self.form], rows["list"],
                   title=f"{job.label}{self.title}名单（截至{cndate(job.as_of)}）", landscape=True)],
            footer=run.meta()["footnote"],
        )  # fmt: skip
        return [run.entry(path, len(rows["list"]))]


class HouseholdFormKind(FormKind):
    """核查表 and 承诺授权书: one print file per village with selected households."""

    def plan(self, run: DocumentRun, job: FormJob, workers: int = 1) -> list[Part]:
        h = TABLES["households"]
        counts = _counts(
            run.dataset,
            sa.select(h.c.village_code, sa.func.count())
            .where(h.c.village_code.in_([v.code for v in job.villages]), _household_filter(h, job))
            .group_by(h.c.village_code),
        )
        return [
            Part(v, v.code, counts[v.code], v.label, f"{self.title}_{v.file_label}")
            for v in job.villages
            if v.code in counts
        ]

    def parallel(self, job: FormJob, plan: list[Part]) -> bool:
        return job.household is None and super().parallel(job, plan)

    def records(self, run: DocumentRun, job: FormJob, part: Part) -> list[HouseholdRecord]:
        return load_households(run.dataset, part.key, job)

    def label(self, ctx: dict[str, Any]) -> str:
        return f"{ctx['head']}（户编号 {ctx['household_id']}）"


class CheckKind(HouseholdFormKind):
    name = "form"  # the catalog's command: this module's KIND
    form = "check"
    title = "防止返贫动态监测核查表"
    template = TEMPLATES["check"]

    def context(self, run, job, record) -> dict[str, Any]:
        return check_context(record, run, job)

    def list_rows(self, job: FormJob, record: HouseholdRecord, ctx) -> list[Any]:
        r = record.row
        return [record.village.township, record.village.name, r.household_id, r.head_name,
                r.category, r.monitor_type or "", len(record.members),
                ctx["reason"] if record.procedure else "", ctx["risk_types"] if record.procedure else "",
                ctx["_missing"]]  # fmt: skip

    def tally(self, record: HouseholdRecord, ctx) -> dict[str, int]:
        return {"records": 1, "due": int(record.procedure is not None),
                "incomplete": int(ctx["_missing"] != "无")}  # fmt: skip


class ConsentKind(HouseholdFormKind):
    name = "form:consent"
    form = "consent"
    title = "承诺授权书"
    template = TEMPLATES["consent"]

    def context(self, run, job, record) -> dict[str, Any]:
        return consent_context(record, run, job)

    def list_rows(self, job: FormJob, record: HouseholdRecord, ctx) -> list[Any]:
        r = record.row
        return [record.village.township, record.village.name, r.household_id, r.head_name,
                len(record.members), len(ctx["signers"]), "、".join(s["name"] for s in ctx["signers"]),
                ctx["_minors"]]  # fmt: skip

    def tally(self, record: HouseholdRecord, ctx) -> dict[str, int]:
        return {"records": 1, "signers": len(ctx["signers"])}


class PostKind(FormKind):
    """公益岗位协议: one print file per village with posts selected."""

    name = "form:job"
    form = "job"
    title = "公益岗位协议"
    template = TEMPLATES["job"]

    def plan(self, run: DocumentRun, job: FormJob, workers: int = 1) -> list[Part]:
        query, h = _posts_query(job)
        query = query.with_only_columns(h.c.village_code, sa.func.count()).where(
            h.c.village_code.in_([v.code for v in job.villages])
        )
        counts = _counts(run.dataset, query.group_by(h.c.village_code))
        return [
            Part(v, v.code, counts[v.code], v.label, f"{self.title}_{v.file_label}")
            for v in job.villages
            if v.code in counts
        ]

    def records(self, run: DocumentRun, job: FormJob, part: Part) -> list[PostRecord]:
        return load_posts(run.dataset, part.key, job)

    def context(self, run, job, record) -> dict[str, Any]:
        return post_context(record, run, job)

    def list_rows(self, job: FormJob, record: PostRecord, ctx) -> list[Any]:
        j = record.job
        limit = add_years(j.start_on, ctx["max_years"])
        notes = []
        if (j.end_on or job.as_of) > limit:  # as the rule J-TERM judges it
            notes.append(f"超过{ctx['max_years']}年补贴期限，请核实")
        if j.placements is not None and j.placements > int(ctx["max_placements"]):
            notes.append(f"安置超过{ctx['max_placements']}次，请核实")
        return [record.village.township, record.village.name, record.name, record.household_id,
                j.post_name, j.start_on, j.end_on, float(j.monthly_subsidy) if j.monthly_subsidy is not None else None,
                j.placements, limit, ctx["_missing"], "；".join(notes)]  # fmt: skip

    def tally(self, record: PostRecord, ctx) -> dict[str, int]:
        return {"records": 1}

    def label(self, ctx: dict[str, Any]) -> str:
        return f"{ctx['name']}（{ctx['post']}）"


class DeferralKind(FormKind):
    """延缓入学（休学）审批表: one print file per school, students in ledger order."""

    name = "form:deferral"
    form = "deferral"
    title = "延缓入学休学审批表"
    template = TEMPLATES["deferral"]

    def plan(self, run: DocumentRun, job: FormJob, workers: int = 1) -> list[Part]:
        by_school: dict[str, list[DropoutCase]] = {}
        for case in deferred_cases(run.dataset, job):
            by_school.setdefault(case.school_code, []).append(case)
        return [
            Part(tuple(c.student_no for c in cases), code, len(cases), cases[0].school,
                 f"{self.title}_{cases[0].school}")
            for code, cases in by_school.items()
        ]  # fmt: skip

    def records(self, run: DocumentRun, job: FormJob, part: Part) -> list[DropoutCase]:
        found = load_cases(run.dataset, student_nos=list(part.key), found_by=job.as_of)
        cases = {c.student_no: c for c in found}
        return [cases[n] for n in part.key]

    def context(self, run, job, record) -> dict[str, Any]:
        return deferral_context(record, run, job)

    def list_rows(self, job: FormJob, case: DropoutCase, ctx) -> list[Any]:
        approved = ctx["approved_on"] != BLANK
        note = "县级已批准" if approved else "县级尚未批准，审批表待逐级签署上报"
        if ctx["persuasion_count"] < ctx["min_attempts"] and not ctx["disability"]:
            note += f"；劝返不足{ctx['min_attempts']}次"
        as_of = job.as_of

        def known(day: dt.date | None) -> dt.date | None:
            return day if day is not None and day <= as_of else None

        return [case.school, f"{case.grade}{case.class_name}", case.student_no, case.name,
                case.status, case.found_on, ctx["persuasion_count"], known(case.reported_county_on),
                known(case.disability_assessed_on), known(case.county_approved_on), ctx["_missing"],
                note]  # fmt: skip

    def tally(self, record: DropoutCase, ctx) -> dict[str, int]:
        return {"records": 1, "approved": int(ctx["approved_on"] != BLANK)}

    def label(self, ctx: dict[str, Any]) -> str:
        return f"{ctx['name']}（学籍号 {ctx['student_no']}）"


KINDS: dict[str, FormKind] = {
    "check": CheckKind(),
    "consent": ConsentKind(),
    "job": PostKind(),
    "deferral": DeferralKind(),
}
KIND = KINDS["check"]


# --------------------------------------------------------------------------------- run
@dataclass
class FormResult:
    form: str
    title: str
    outputs: list[OutputEntry] = field(default_factory=list)
    records: int = 0
    parts: int = 0  # villages or schools with at least one form
    counts: dict[str, int] = field(default_factory=dict)


def make_forms(run: DocumentRun, form: str, job: FormJob, *, pdf: bool = False,
               zip_name: str | None = None, progress=None, workers: int = 1) -> FormResult:  # fmt: skip
    """The forms of one kind into run.out_dir (one print file per village or school, one list
    workbook); raises RenderError after writing the rest when some form failed."""
    kind = KINDS[form]
    got = make_documents(kind, run, job, pdf=pdf, zip_name=zip_name, progress=progress,
                         workers=workers)  # fmt: skip
    return FormResult(form, kind.title, got.outputs, got.counts.get("records", 0), got.parts,
                      dict(got.counts))  # fmt: skip


def demo(run: DocumentRun) -> StepOutput:
    """The demo, as of 2023-10-08, each form in its own sub-folder: 核查表 and 承诺授权书 for the
    households due for 入户核实 in the county (none due: every household of the first village,
    as for 排查), 公益岗位协议 for the posts held that day, the county's 延缓入学/休学 审批表."""
    as_of = dt.date(2023, 10, 8)
    outputs: list[OutputEntry] = []
    notes: list[str] = []
    county = form_job(run, "check", as_of=as_of, county=True)
    household_job = county
    if not KINDS["check"].plan(run, county):
        household_job = replace(county, villages=county.villages[:1], include_all=True,
                                label=county.villages[0].file_label)  # fmt: skip
        notes.append(f"截至{cndate(as_of)}示例数据中没有待入户核实的户，核查表和承诺授权书按排查"
                     f"（--all）生成了{county.villages[0].township}{county.villages[0].name}的每一户")  # fmt: skip
    jobs = {
        "check": household_job,
        "consent": household_job,
        "job": form_job(run, "job", as_of=as_of, county=True),
        "deferral": form_job(run, "deferral", as_of=as_of, county=True),
    }
    for form, job in jobs.items():
        folder = KINDS[form].title
        sub = replace(run, out_dir=run.out_dir / folder)
        sub.out_dir.mkdir(parents=True, exist_ok=True)
        got = make_forms(sub, form, job)
        outputs += [replace(o, file=f"{folder}/{o.file}") for o in got.outputs]
    return StepOutput(outputs, notes)
