"""控辍保学 一生一表一档案 (seed 二.一.(二).1, 二.一.(二).4, 二.一.(三).1): one archive per dropout student
and one ledger for the scope.

Records: the selected cases in township/school/grade/class/name order. Each archive holds the
登记表, every 劝返 in date order, the 送教上门 log with its monthly count against the standard,
the 处置情况 and the problems found as of a date. Nothing is filled in that the data do not say: a
missing fact or date is a blank line. The ledger .xlsx has one row per student and a sheet of
counts by township and school.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset
from reportgen.dates import birth_from_id, full_years
from reportgen.documents.common import DocumentRun
from reportgen.documents.kind import DocumentKind, Part
from reportgen.documents.runner import make_documents
from reportgen.dropout import (
    CLEARED,
    CLOSED,
    DEFERRED,
    HOME_TEACHING,
    IN_PERSUASION,
    RETURNED,
    SECURED,
    CaseProblem,
    DropoutCase,
    Standard,
    case_problems,
    home_teaching_months,
    hours_text,
    load_cases,
    standing,
)
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
from reportgen.places import resolve_place, resolve_school, villages_under

TEMPLATE = "控辍保学档案"
BLANK = "＿＿＿＿＿＿＿＿"
NOT_APPLICABLE = "—（不涉及）"


# --------------------------------------------------------------------------------- selection
@dataclass(frozen=True)
class CaseSelection:
    """Which cases: school codes or one student number (None: the whole county); `label` names the scope."""

    label: str
    school_codes: tuple[str, ...] | None = None
    student_no: str | None = None


def _county_name(dataset: Dataset, configured: str) -> str:
    if configured:
        return configured
    regions = TABLES["regions"]
    with dataset.engine.connect() as conn:
        name = conn.execute(
            sa.select(regions.c.name).where(regions.c.level == "县").limit(1)
        ).scalar()
    return name or "全县"


def select_cases(dataset: Dataset, *, county: bool = False, township: str | None = None,
                 school: str | None = None, student: str | None = None,
                 county_name: str = "") -> CaseSelection:  # fmt: skip
    """Exactly one of: the county, a township's schools, one school, one student (学籍号)."""
    chosen = [x for x in (township, school, student) if x] + (["county"] if county else [])
    if len(chosen) != 1:
        raise ConfigError(
            "请且只请给出一个范围：--county、--township 乡镇、--school 学校 或 --student 学籍号"
        )
    if county:
        return CaseSelection(_county_name(dataset, county_name))
    if school:
        found = resolve_school(dataset, school)
        return CaseSelection(found.name, (found.code,))
    if township:
        place = resolve_place(dataset, township, level="乡")
        inside = {place.code} | {v.code for v in villages_under(dataset, place)}
        schools = TABLES["schools"]
        with dataset.engine.connect() as conn:
            codes = conn.execute(
                sa.select(schools.c.school_code)
                .where(schools.c.region_code.in_(inside))
                .order_by(schools.c.school_code)
            ).scalars()
            return CaseSelection(place.name, tuple(codes))
    d, st = TABLES["dropout_cases"], TABLES["students"]
    number = str(student).strip()
    with dataset.engine.connect() as conn:
        name = conn.execute(
            sa.select(st.c.name)
            .select_from(d.join(st, st.c.student_no == d.c.student_no))
            .where(d.c.student_no == number)
        ).scalar()
    if name is None:
        raise PlaceError(f"辍学学生名单中没有学籍号为 {number} 的学生")
    return CaseSelection(f"{name}_{number}", student_no=number)


def selected_cases(dataset: Dataset, selection: CaseSelection, as_of: dt.date) -> list[DropoutCase]:
    """The selection's cases discovered on or before as_of, in ledger order."""
    return load_cases(
        dataset,
        school_codes=selection.school_codes,
        student_nos=[selection.student_no] if selection.student_no else None,
        found_by=as_of,
    )


def count_cases(dataset: Dataset, selection: CaseSelection, as_of: dt.date) -> int:
    d, st = TABLES["dropout_cases"], TABLES["students"]
    query = (
        sa.select(sa.func.count())
        .select_from(d.join(st, st.c.student_no == d.c.student_no))
        .where(d.c.found_on <= as_of)
    )
    if selection.school_codes is not None:
        query = query.where(st.c.school_code.in_(selection.school_codes))
    if selection.student_no:
        query = query.where(d.c.student_no == selection.student_no)
    with dataset.engine.connect() as conn:
        return conn.execute(query).scalar_one()


# --------------------------------------------------------------------------------- context
def _blank(value: Any) -> str:
    return BLANK if value in (None, "") else str(value)


def _date_or_blank(day: dt.date | None, as_of: dt.date) -> str:
    """A date known on as_of, else a blank line to fill in (a later date is not yet a fact)."""
    return cndate(day) if day is not None and day <= as_of else BLANK


def _disposal(case: DropoutCase, as_of: dt.date) -> dict[str, str]:
    """处置情况: a date where the data have it, a blank line where the case needs one, — otherwise."""

    def needed(day: dt.date | None, applies: bool) -> str:
        if day is not None and day <= as_of:
            return cndate(day)
        return BLANK if applies else NOT_APPLICABLE

    if case.returned:
        outcome = f"已复学，复学日期：{_date_or_blank(case.returned_on, as_of)}"
    elif case.status == "超龄离校":
        outcome = f"超龄离校，离校标注日期：{BLANK}"
    elif case.status == "已销号":
        outcome = f"台账已销号，销号日期：{BLANK}"
    else:
        outcome = f"未结案（当前状态：{case.status}）"
    return {
        "reported_on": _date_or_blank(case.reported_county_on, as_of),
        "approved_on": needed(case.county_approved_on, case.deferred),
        "assessed_on": needed(
            case.disability_assessed_on, case.deferred and bool(case.disability_grounds())
        ),
        "outcome": outcome,
    }


def archive_file(case: DropoutCase) -> str:
    """The archive's file name before safe_filename and the _2 rule (as render_batch names it)."""
    return f"控辍保学档案_{case.school}_{case.name}_{case.student_no}"


def archive_label(ctx: dict[str, Any]) -> str:
    return f"{ctx['name']}（学籍号 {ctx['student_no']}）"


def archive_context(
    case: DropoutCase, run: DocumentRun, as_of: dt.date, problems: list[CaseProblem]
) -> dict[str, Any]:
    std = Standard.from_policy(run.policy)
    hh = case.household
    attempts = case.persuasions_until(as_of)
    visits = case.visits_until(as_of)
    months = home_teaching_months(case, as_of, std)
    home_teaching = case.status == HOME_TEACHING or bool(visits)
    return {
        "_file": archive_file(case),
        "student_no": case.student_no,
        "name": case.name,
        "id_masked": mask_id(case.id_number),
        "school": case.school,
        "township": case.school_township,
        "grade": case.grade,
        "class_name": _blank(case.class_name),
        "guardian": _blank(case.guardian_name),
        "guardian_phone": _blank(case.guardian_phone),
        "household_category": hh.category_text if hh else BLANK,
        "village": f"{hh.township}{hh.village}" if hh else BLANK,
        "reason": _blank(case.reason),
        "found_on": cndate(case.found_on),
        "status": case.status,
        "as_of": cndate(as_of),
        "persuasions": [
            {
                "no": i,
                "date": cndate(p.date),
                "persons": p.persons,
                "method": _blank(p.method),
                "result": _blank(p.result),
            }
            for i, p in enumerate(attempts, start=1)
        ],  # fmt: skip
        "persuasion_count": len(attempts),
        "failed_count": sum(1 for p in attempts if not p.returned),
        "min_attempts": std.min_attempts,
        "home_teaching": home_teaching,
        "visits": [
            {
                "no": i,
                "date": cndate(v.date),
                "teacher": v.teacher,
                "hours": hours_text(v.hours),
                "content": _blank(v.content),
                "counted": "" if v.hours >= std.min_hours_per_visit else "课时不足不计",
            }
            for i, v in enumerate(visits, start=1)
        ],  # fmt: skip
        "months": [
            {
                "month": m.label,
                "visits": m.visits,
                "counted": m.counted,
                "verdict": "未达标" if m.under else "达标",
            }
            for m in months
        ],  # fmt: skip
        "months_under": sum(1 for m in months if m.under),
        "standard": std.home_teaching_text,
        "judged_through": _judged_through(months),
        **_disposal(case, as_of),
        "problems": [
            {"no": i, "title": f.title, "text": f.text, "seed": f.seed}
            for i, f in enumerate(problems, start=1)
        ],  # fmt: skip
        "county": run.settings.county_name,
        "education_office": run.settings.values["offices.education"],
    }


def _judged_through(months) -> str:
    if not months:
        return ""
    return f"{months[0].label}至{months[-1].label}" if len(months) > 1 else months[0].label


SAMPLE: dict[str, Any] = {
    "student_no": "0620230010", "name": "刘小明", "id_masked": "411***********0078", "school": "石桥镇九年一贯制学校",
    "township": "石桥镇", "grade": "七年级", "class_name": "1班", "guardian": "刘大山", "guardian_phone": "13800001111",
    "household_category": "监测户（边缘易致贫户）", "village": "石桥镇刘岗村", "reason": "厌学", "found_on": "2023年9月4日",
    "status": "劝返中", "as_of": "2023年10月1日",
    "persuasions": [{"no": 1, "date": "2023年9月6日", "persons": "班主任王老师、村委会主任", "method": "入户劝返", "result": "未返校"}],
    "persuasion_count": 1, "failed_count": 1, "min_attempts": 3, "home_teaching": True,
    "visits": [{"no": 1, "date": "2023年9月8日", "teacher": "李老师", "hours": "3", "content": "语文", "counted": ""}],
    "months": [{"month": "2023年9月", "visits": 1, "counted": 1, "verdict": "未达标"}], "months_under": 1,
    "standard": "每月不少于2次、每次不少于3课时", "judged_through": "2023年9月",
    "reported_on": BLANK, "approved_on": NOT_APPLICABLE, "assessed_on": NOT_APPLICABLE, "outcome": "未结案（当前状态：劝返中）",
    "problems": [{"no": 1, "title": "劝返不足3次仍未复学", "text": "截至2023年10月1日劝返1次，不足3次", "seed": "二.一.(二).1②"}],
    "county": "青山县", "education_office": "青山县教育局",
}  # fmt: skip
declare_template(
    TEMPLATE,
    "docx",
    sample=SAMPLE,
    description="控辍保学“一生一表一档案”：登记表、劝返记录、送教上门记录、处置情况和发现的问题，每生一份",
)


# --------------------------------------------------------------------------------- ledger
# 序号, 学籍号 and 姓名 first: the printed ledger continues on following pages (24 columns do not
# fit a page at 9 pt) and repeats these there (engine/xlsx_print.py)
LEDGER_COLUMNS = [
    Column("序号", 5, "int"), Column("学籍号", 12), Column("姓名", 7), Column("乡镇", 8), Column("学校", 16),
    Column("年级班级", 9), Column("监护人", 7), Column("监护人电话", 12),
    Column("户类型", 9), Column("所在村", 12), Column("辍学原因", 14), Column("发现日期", 11, "date"),
    Column("当前状态", 8), Column("劝返次数", 5, "int"), Column("最近劝返日期", 11, "date"),
    Column("最近劝返结果", 8), Column("是否报县", 5), Column("报县日期", 11, "date"),
    Column("县级批准日期", 11, "date"), Column("残联评估日期", 11, "date"), Column("送教次数", 5, "int"),
    Column("离校标注", 16), Column("销号", 22), Column("问题", 50),
]  # fmt: skip
COUNT_COLUMNS = [
    Column("乡镇", 12), Column("学校", 24), Column("辍学学生", 9, "int"), Column("已复学", 8, "int"),
    Column("劝返中", 8, "int"), Column("送教上门", 9, "int"), Column("延缓入学/休学", 10, "int"),
    Column("已结案（超龄离校/已销号）", 12, "int"), Column("有问题的学生", 10, "int"), Column("问题条数", 9, "int"),
]  # fmt: skip
NO_TOWNSHIP = "县直属及县外"


def closure(case: DropoutCase, as_of: dt.date, std: Standard, age_max: int) -> tuple[str, str]:
    """(离校标注, 销号) of a case as of a day (seed 二.一.(二).1③ “超龄后的离校标注和台账销号工作，实现
    闭环管理”). A student still out of school who is older than the pack's compulsory-education age
    (`dropout.compulsory_age_max`, full years from the ID number) is due the 超龄离校 mark. A case
    is 销号 when back at school or closed (已复学, 超龄离校, 已销号); 送教上门 and an approved 延缓入学/
    休学 are 义务教育有保障 but stay on the ledger, tracked; the rest are open, with their reason."""
    leave = ""
    if case.status == "超龄离校":
        leave = "已标注超龄离校"
    elif not case.returned and not case.closed:
        born = birth_from_id(case.id_number)
        years = full_years(born, as_of) if born else None
        if years is not None and years > age_max:
            leave = f"已满{years}周岁，应办理超龄离校标注"
    state, label = standing(case, as_of, std)
    if state == CLEARED:
        return leave, f"已销号（{case.status}）"
    if state == SECURED:
        return leave, f"未销号：{label}，义务教育有保障，继续跟踪"
    return leave, f"未销号：{label}"


def ledger_row(
    no: int,
    case: DropoutCase,
    as_of: dt.date,
    problems: list[CaseProblem],
    closed: tuple[str, str] = ("", ""),
) -> list[Any]:
    hh = case.household
    attempts = case.persuasions_until(as_of)
    last = attempts[-1] if attempts else None
    reported = case.reported_county_on is not None and case.reported_county_on <= as_of

    def known(day: dt.date | None) -> dt.date | None:
        return day if day is not None and day <= as_of else None

    return [
        no, case.student_no, case.name, case.school_township or NO_TOWNSHIP, case.school,
        f"{case.grade}{case.class_name}", case.guardian_name or "", case.guardian_phone or "",
        hh.category_text if hh else "", f"{hh.township}{hh.village}" if hh else "", case.reason,
        case.found_on, case.status, len(attempts), last.date if last else None,
        last.result if last else "", "是" if reported else "否", known(case.reported_county_on),
        known(case.county_approved_on), known(case.disability_assessed_on),
        len(case.visits_until(as_of)), *closed,
        "\n".join(f"{i}．{f.title}：{f.text}" for i, f in enumerate(problems, start=1)),
    ]  # fmt: skip


class CaseCount(NamedTuple):
    """What the 分乡镇分学校统计 counts of one case."""

    township: str
    school: str
    status: str
    problems: int


def _count(cases: list[CaseCount]) -> list[int]:
    return [
        len(cases),
        sum(1 for c in cases if c.status in RETURNED),
        sum(1 for c in cases if c.status == IN_PERSUASION),
        sum(1 for c in cases if c.status == HOME_TEACHING),
        sum(1 for c in cases if c.status in DEFERRED),
        sum(1 for c in cases if c.status in CLOSED),
        sum(1 for c in cases if c.problems),
        sum(c.problems for c in cases),
    ]


def count_rows(checked: list[CaseCount]) -> list[list[Any]]:
    """Per school, a subtotal per township, and the total (cases come in township/school order)."""
    rows: list[list[Any]] = []
    townships: dict[str, list[CaseCount]] = {}
    for case in checked:
        townships.setdefault(case.township, []).append(case)
    for township, items in townships.items():
        schools: dict[str, list[CaseCount]] = {}
        for case in items:
            schools.setdefault(case.school, []).append(case)
        rows += [[township, school, *_count(these)] for school, these in schools.items()]
        rows.append([f"{township}小计", "", *_count(items)])
    rows.append(["合计", "", *_count(checked)])
    return rows


# --------------------------------------------------------------------------------- run
@dataclass
class DropoutResult:
    outputs: list[OutputEntry] = field(default_factory=list)
    students: int = 0
    with_problems: int = 0
    problems: int = 0
    ledger: OutputEntry | None = None


def ledger_name(scope: str, as_of: dt.date) -> str:
    return safe_filename(f"控辍保学台账_{scope}_{cndate(as_of)}") + ".xlsx"


# Students per chunk. At least CHUNK_MIN: an archive renders in one or two milliseconds and
# starting two worker processes takes most of a second, so for fewer than two such chunks one
# process is as fast and renders them. At most CHUNK_MAX: a partition loads its chunk with one
# IN (…) query.
CHUNK_MIN = 500
CHUNK_MAX = 1000


def chunk_size(students: int, workers: int) -> int:
    """Up to four chunks per worker, so that the last chunks finish together, of at least CHUNK_MIN
    (fewer than 2×CHUNK_MIN students: one chunk) and at most CHUNK_MAX students."""
    chunks = max(1, min(4 * workers, students // CHUNK_MIN))
    return max(1, min(CHUNK_MAX, math.ceil(students / chunks)))


@dataclass(frozen=True)
class DropoutJob:
    selection: CaseSelection
    as_of: dt.date


class DropoutKind(DocumentKind):
    """One archive file per student, in ledger order, in chunks of students; the ledger for the
    batch is written from the rows the chunks send back."""

    name = "dropout"
    title = "控辍保学档案"
    template = TEMPLATE
    public = False  # an internal file: its small print names the import
    per_record = True
    summary_rows = ("ledger", "count")

    def plan(self, run: DocumentRun, job: DropoutJob, workers: int = 1) -> list[Part]:
        cases = selected_cases(run.dataset, job.selection, job.as_of)
        size = chunk_size(len(cases), workers)
        return [
            Part(tuple(c.student_no for c in chunk), "", len(chunk),
                 record_stems=tuple(archive_file(c) for c in chunk))
            for chunk in (cases[i : i + size] for i in range(0, len(cases), size))
        ]  # fmt: skip

    def total(self, run: DocumentRun, job: DropoutJob) -> int:
        return count_cases(run.dataset, job.selection, job.as_of)

    def records(self, run: DocumentRun, job: DropoutJob, part: Part):
        std = Standard.from_policy(run.policy)
        found = load_cases(run.dataset, student_nos=list(part.key), found_by=job.as_of)
        cases = {c.student_no: c for c in found}
        age_max = int(run.policy.value("dropout.compulsory_age_max"))
        for number in part.key:
            case = cases[number]
            yield case, case_problems(case, job.as_of, std), closure(case, job.as_of, std, age_max)

    def context(self, run: DocumentRun, job: DropoutJob, record) -> dict[str, Any]:
        case, problems, _ = record
        return archive_context(case, run, job.as_of, problems)

    def rows(self, run, job: DropoutJob, record, ctx) -> dict[str, list]:
        case, problems, closed = record
        return {
            "ledger": [ledger_row(0, case, job.as_of, problems, closed)],
            "count": [CaseCount(case.school_township or NO_TOWNSHIP, case.school, case.status,
                                len(problems))],
        }  # fmt: skip

    def tally(self, record, ctx) -> dict[str, int]:
        _, problems, _ = record
        return {"students": 1, "with_problems": int(bool(problems)), "problems": len(problems)}

    def write_summary(self, run, job: DropoutJob, rows, result) -> list[OutputEntry]:
        """The ledger: a row per student numbered in ledger order, and the counts."""
        as_of, label = job.as_of, job.selection.label
        ledger = [[i, *row[1:]] for i, row in enumerate(rows["ledger"], start=1)]
        std = Standard.from_policy(run.policy)
        std_note = run.policy.text("dropout_archive.ledger_note", standard=std.home_teaching_text)
        path = run.out_dir / ledger_name(label, as_of)
        write_table_workbook(
            path,
            [
                Sheet("台账", LEDGER_COLUMNS, ledger, title=f"{label}控辍保学台账（截至{cndate(as_of)}）",
                      note=std_note, landscape=True),
                Sheet("分乡镇分学校统计", COUNT_COLUMNS, count_rows(rows["count"]),
                      title=f"{label}控辍保学情况统计（截至{cndate(as_of)}）", landscape=True),
            ],
            footer=run.meta()["footnote"],
        )  # fmt: skip
        return [run.entry(path, len(ledger))]

    def label(self, ctx: dict[str, Any]) -> str:
        return archive_label(ctx)


KIND = DropoutKind()


def make_dropout_documents(
    run: DocumentRun,
    selection: CaseSelection,
    *,
    as_of: dt.date,
    pdf: bool = False,
    zip_name: str | None = None,
    progress=None,
    workers: int = 1,
) -> DropoutResult:
    """Archives (one .docx per student) and the ledger into run.out_dir; raises RenderError after
    writing the rest if some archive failed. workers > 1: chunks of students in worker processes
    (documents.runner), same files, same bytes; --zip and fewer than two chunks run here."""
    got = make_documents(KIND, run, DropoutJob(selection, as_of), pdf=pdf, zip_name=zip_name,
                         progress=progress, workers=workers)  # fmt: skip
    c = got.counts
    return DropoutResult(got.outputs, c.get("students", 0), c.get("with_problems", 0),
                         c.get("problems", 0), got.outputs[-1])  # fmt: skip


def demo(run: DocumentRun) -> list[OutputEntry]:
    """The demo: the county's archives and ledger as of 2023-10-01 (the example's 控辍保学 date)."""
    selection = select_cases(run.dataset, county=True, county_name=run.settings.county_name)
    return make_dropout_documents(run, selection, as_of=dt.date(2023, 10, 1)).outputs
