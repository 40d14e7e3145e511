"""学生受助情况温馨告知书 (seed 二.一.(二).2③): what each aided student was actually paid in a
school year (both terms, `--year`) or in one term (`--term`).

The seed sends the 告知书 "春季学期结束前" for the school year (DOMAIN §5). One letter per student
with 资助发放 rows in the period, one print file per school; a summary .xlsx with per-student and
per-school totals and, separately, the students the eligibility engine finds eligible but who were
paid nothing in that school year although they were in their current stage then (应享未享).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from reportgen.aid.eligibility import SchoolFacts, StudentFacts, eligible_items, expected_total
from reportgen.aid.students import (
    Selection,
    count_students,
    students_of_school,
    students_per_school,
)
from reportgen.aid.terms import (
    enrolled_in_school_year,
    is_term,
    parse_term,
    school_year_of,
    terms_of_school_year,
)
from reportgen.dataset.schema import TABLES
from reportgen.documents.common import DocumentRun, current_school_year, school_year_label, yuan
from reportgen.documents.kind import DocumentKind, Part
from reportgen.documents.runner import make_documents
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    cndate,
    daxie,
    declare_template,
    safe_filename,
    write_table_workbook,
)
from reportgen.errors import ConfigError

TEMPLATE = "学生受助情况温馨告知书"


@dataclass(frozen=True)
class NoticePeriod:
    """What one batch of letters covers: one term, or both terms of a school year."""

    label: str  # 2023年秋季学期, or 2023—2024学年
    terms: tuple[str, ...]  # the terms whose payments the letters list, in time order
    school_year: int  # the school year whose 应享未享 the summary lists
    yearly: bool = False

    @classmethod
    def of_term(cls, term: str) -> NoticePeriod:
        parse_term(term)
        term = term.strip()
        return cls(term, (term,), school_year_of(term))

    @classmethod
    def of_year(cls, year: int) -> NoticePeriod:
        return cls(school_year_label(year), terms_of_school_year(year), year, yearly=True)


def latest_term(run: DocumentRun) -> str:
    payments = TABLES["aid_payments"]
    with run.dataset.engine.connect() as conn:
        terms = [r[0] for r in conn.execute(sa.select(payments.c.term).distinct())]
    valid = [t for t in terms if is_term(t)]
    if not valid:
        raise ConfigError(
            "数据中没有资助发放记录（或学期写法不是“2023年秋季学期”这样），无法生成温馨告知书"
        )
    return max(valid, key=parse_term)


def notice_period(
    run: DocumentRun, *, term: str | None = None, year: int | None = None
) -> NoticePeriod:
    """--year (both terms of the school year), --term, or by default the latest term with
    payments in the data (kept from before --year existed; the docs point to --year)."""
    if term and year is not None:
        raise ConfigError(
            "--term 和 --year 只能给出一个：--term 生成一个学期的告知书，--year 生成整个学年（秋季、春季两个学期）的告知书"
        )
    if year is not None:
        return NoticePeriod.of_year(year)
    return NoticePeriod.of_term(term or latest_term(run))


def payments_by_student(
    run: DocumentRun, school_codes: tuple[str, ...], terms: tuple[str, ...]
) -> dict[str, list[sa.Row]]:
    """The 资助发放 rows of the schools' students in `terms`, by 学籍号, in payment order."""
    payments, students = TABLES["aid_payments"], TABLES["students"]
    out: dict[str, list[sa.Row]] = defaultdict(list)
    query = (
        sa.select(payments)
        .join(students, students.c.student_no == payments.c.student_no)
        .where(students.c.school_code.in_(school_codes), payments.c.term.in_(terms))
        .order_by(payments.c.student_no, payments.c.paid_on, payments.c.item)
    )
    with run.dataset.engine.connect() as conn:
        for row in conn.execute(query):
            out[row.student_no].append(row)
    return out


def terms_without_payments(
    run: DocumentRun, selection: Selection, period: NoticePeriod
) -> list[str]:
    """The period's terms in which nobody in the selection was paid (said on screen: a school-year
    letter sent before the spring payments lists the autumn term only)."""
    payments, students = TABLES["aid_payments"], TABLES["students"]
    query = (
        sa.select(payments.c.term)
        .join(students, students.c.student_no == payments.c.student_no)
        .where(
            students.c.school_code.in_(selection.school_codes), payments.c.term.in_(period.terms)
        )
        .distinct()
    )
    if selection.class_name:
        query = query.where(students.c.class_name == selection.class_name)
    with run.dataset.engine.connect() as conn:
        paid = set(conn.execute(query).scalars())
    return [t for t in period.terms if t not in paid]


_SAMPLE_ITEM = {
    "no": 1,
    "term": "2023年秋季学期",
    "name": "寄宿生生活补助",
    "amount": "625",
    "paid_on": "2023年10月20日",
}
SAMPLE = {
    "school": "城关镇第一初级中学", "grade": "七年级", "class_name": "1班", "name": "张小明", "student_no": "G001",
    "guardian_name": "张大山", "period": "2023—2024学年", "term": "2023—2024学年", "yearly": True,
    "items": [_SAMPLE_ITEM],
    "terms": [{"term": "2023年秋季学期", "payments": [_SAMPLE_ITEM], "total": "625", "total_daxie": "陆佰贰拾伍元整"}],
    "not_yet": ["2024年春季学期"],
    "total": "625", "total_daxie": "陆佰贰拾伍元整", "school_hotline": "0376-5550101", "county_hotline": "0376-5550123",
    "county": "青山县", "education_office": "青山县教育局",
}  # fmt: skip
declare_template(
    TEMPLATE,
    "docx",
    sample=SAMPLE,
    description="学生受助情况温馨告知书：每名受助学生一页（一个学年或一个学期）",
)

SCHOOL_COLUMNS = [Column("学校", 28), Column("受助学生数", 12, "int")]
MISSED_COLUMNS = [Column("学校", 24), Column("学籍号", 16), Column("姓名", 10), Column("年级", 10), Column("班级", 8),
                  Column("应享资助项目", 44), Column("应享金额（元/年）", 14, "money"), Column("备注", 36)]  # fmt: skip


def _term_columns(period: NoticePeriod) -> list[Column]:
    """A school-year summary shows each term's amount before the total."""
    return [Column(f"{t}（元）", 16, "money") for t in period.terms] if period.yearly else []


def paid_columns(period: NoticePeriod) -> list[Column]:
    return [Column("学校", 24), Column("学籍号", 16), Column("姓名", 10), Column("年级", 10), Column("班级", 8),
            Column("资助项目", 56 if period.yearly else 40), *_term_columns(period),
            Column("合计（元）", 12, "money")]  # fmt: skip


@dataclass
class AidNoticeResult:
    period: NoticePeriod
    outputs: list[OutputEntry] = field(default_factory=list)
    letters: int = 0
    missed: int = 0
    missed_unknown_grade: int = 0  # 应享未享 counted although the 年级 does not tell the entry year
    unpaid_terms: list[str] = field(default_factory=list)  # the period's terms nobody was paid in


def notice_file(school_name: str, class_name: str | None) -> str:
    """A school's print file name before safe_filename and the _2 rule (as render_batch names it)."""
    return f"学生受助情况温馨告知书_{school_name}" + (f"_{class_name}" if class_name else "")


def notice_label(ctx: dict[str, Any]) -> str:
    return f"{ctx['name']}（学籍号 {ctx['student_no']}）"


UNKNOWN_GRADE_NOTE = "年级“{grade}”看不出入学学年，按本学年在读计入"


def missed_row(run: DocumentRun, school: SchoolFacts, student: StudentFacts, year: int,
               grade_year: int) -> list[Any] | None:  # fmt: skip
    """The 应享未享 row of a student paid nothing in school year `year`, or None: not eligible, or
    not yet in the current stage in any term of that year (DOMAIN §5). The 学段 and 年级 are as of
    school year `grade_year`; a 年级 that does not tell the entry year counts, with a note."""
    eligible = eligible_items(student, run.policy)
    if not eligible:
        return None
    enrolled = enrolled_in_school_year(student.stage, student.grade, year, grade_year)
    if enrolled is False:
        return None
    note = UNKNOWN_GRADE_NOTE.format(grade=student.grade) if enrolled is None else None
    return [school.name, student.student_no, student.name, student.grade, student.class_name,
            "、".join(i.name for i in eligible), float(expected_total(eligible)), note]  # fmt: skip


def _total(rows: list[sa.Row]) -> Decimal:
    return sum((Decimal(r.amount) for r in rows), Decimal(0))


def _items_text(rows: list[sa.Row]) -> str:
    return "、".join(f"{r.item} {yuan(r.amount)}元" for r in rows)


@dataclass(frozen=True)
class Letter:
    """One student's part of the batch: the letter's context (None: paid nothing in the period),
    the summary rows, and the amounts by term for the school's total."""

    ctx: dict[str, Any] | None
    school: str = ""  # its code
    paid_row: list[Any] | None = None
    missed_row: list[Any] | None = None
    by_term: tuple[tuple[str, Decimal], ...] = ()


def student_letter(run: DocumentRun, school: SchoolFacts, student: StudentFacts, year_rows: list[sa.Row], *,
                   period: NoticePeriod, class_name: str | None, grade_year: int) -> Letter:  # fmt: skip
    """The letter of a student paid in the period, or the 应享未享 row of a student eligible but
    paid nothing in the school year. `year_rows`: the student's payments of every term of the
    period's school year."""
    missed = None
    if not year_rows:
        missed = missed_row(run, school, student, period.school_year, grade_year)
    by_term = [(t, [r for r in year_rows if r.term == t]) for t in period.terms]
    by_term = [(t, rows) for t, rows in by_term if rows]
    if not by_term:
        return Letter(None, school.code, missed_row=missed)
    rows = [r for _, t_rows in by_term for r in t_rows]
    total = _total(rows)
    items = [{"no": n, "term": r.term, "name": r.item, "amount": yuan(r.amount),
              "paid_on": cndate(r.paid_on) if r.paid_on else ""} for n, r in enumerate(rows, 1)]  # fmt: skip
    items_of = {t: [i for i in items if i["term"] == t] for t, _ in by_term}
    base = [school.name, student.student_no, student.name, student.grade, student.class_name]
    if period.yearly:
        amounts = {t: float(_total(t_rows)) for t, t_rows in by_term}
        text = "；".join(f"{t}：{_items_text(t_rows)}" for t, t_rows in by_term)
        paid = [*base, text, *(amounts.get(t) for t in period.terms), float(total)]
    else:
        paid = [*base, _items_text(rows), float(total)]
    ctx = {
        "school": school.name, "grade": student.grade, "class_name": student.class_name,
        "name": student.name, "student_no": student.student_no, "guardian_name": student.guardian_name or "",
        "period": period.label, "term": period.label, "yearly": period.yearly,
        "items": items,
        "terms": [{"term": t, "payments": items_of[t], "total": yuan(_total(t_rows)), "total_daxie": daxie(_total(t_rows))}
                  for t, t_rows in by_term],
        # Terms of the year with no payment to this student: said, so that a letter titled
        # for the school year does not read as if it covered both terms.
        "not_yet": [t for t in period.terms if t not in items_of] if period.yearly else [],
        "total": yuan(total), "total_daxie": daxie(total),
        "school_hotline": school.aid_hotline or "", "county_hotline": run.settings.values["hotlines.aid"],
        "county": run.settings.county_name, "education_office": run.settings.values["offices.education"],
    }  # fmt: skip
    return Letter(ctx, school.code, paid, None, tuple((t, _total(t_rows)) for t, t_rows in by_term))


def school_rows(period: NoticePeriod, totals: list[tuple[str, str, tuple]]) -> list[list[Any]]:
    """各校合计: per school (code, name, a paid student's by-term amounts…) in order of appearance,
    its letters, each term's amount (a school year only) and the total."""
    schools: dict[str, tuple[str, list]] = {}
    for code, name, by_term in totals:
        schools.setdefault(code, (name, []))[1].append(dict(by_term))
    rows = []
    for name, letters in schools.values():
        per_term = {
            t: sum((x.get(t, Decimal(0)) for x in letters), Decimal(0)) for t in period.terms
        }
        rows.append([name, len(letters), *([float(per_term[t]) for t in period.terms] if period.yearly else []),
                     float(sum(per_term.values(), Decimal(0)))])  # fmt: skip
    return rows


@dataclass(frozen=True)
class NoticeJob:
    selection: Selection
    period: NoticePeriod


class AidNoticeKind(DocumentKind):
    """A letter per student paid in the period; one print file per school with letters (schools in
    selection order, students in grade/class/name order); one summary workbook for the batch."""

    name = "aid-notice"
    title = "学生受助情况温馨告知书"
    template = TEMPLATE
    summary_rows = ("paid", "missed", "school")

    def plan(self, run: DocumentRun, job: NoticeJob, workers: int = 1) -> list[Part]:
        with_letters = schools_paid(run, job.selection, job.period.terms)
        return [
            Part(code, code, n, name,
                 notice_file(name, job.selection.class_name) if code in with_letters else "")
            for code, name, n in students_per_school(run.dataset, job.selection)
        ]  # fmt: skip

    def total(self, run: DocumentRun, job: NoticeJob) -> int:
        return count_students(run.dataset, job.selection)

    def records(self, run: DocumentRun, job: NoticeJob, part: Part):
        students = students_of_school(run.dataset, part.key, job.selection.class_name)
        paid = payments_by_student(run, (part.key,), terms_of_school_year(job.period.school_year))
        grade_year = current_school_year(run.today)
        for student in students:
            yield student_letter(run, student.school, student, paid.get(student.student_no, []),
                                 period=job.period, class_name=job.selection.class_name,
                                 grade_year=grade_year)  # fmt: skip

    def context(self, run, job, record: Letter) -> dict[str, Any] | None:
        return record.ctx  # made for this batch only: the runner may add its keys

    def rows(self, run, job, record: Letter, ctx) -> dict[str, list]:
        rows: dict[str, list] = {}
        if record.paid_row:
            rows["paid"] = [record.paid_row]
            rows["school"] = [(record.school, record.paid_row[0], record.by_term)]
        if record.missed_row:
            rows["missed"] = [record.missed_row]
        return rows

    def tally(self, record: Letter, ctx) -> dict[str, int]:
        if ctx is not None:
            return {"letters": 1}
        missed = record.missed_row
        if missed:
            return {"missed": 1, "missed_unknown_grade": 1} if missed[-1] else {"missed": 1}
        return {}

    def write_summary(self, run, job: NoticeJob, rows, result) -> list[OutputEntry]:
        path = summary_path(run, job.selection, job.period)
        return [write_summary(path, run, job.selection, job.period, rows["paid"],
                              school_rows(job.period, rows["school"]), rows["missed"])]  # fmt: skip

    def label(self, ctx: dict[str, Any]) -> str:
        return notice_label(ctx)

    def record_name(self, ctx: dict[str, Any]) -> str:
        return f"{ctx['grade']}{ctx['class_name']}_{ctx['name']}_{ctx['student_no']}"


KIND = AidNoticeKind()


def schools_paid(run: DocumentRun, selection: Selection, terms: tuple[str, ...]) -> set[str]:
    """The codes of the schools with a student (of the class, if one) paid in `terms`."""
    st, pay = TABLES["students"], TABLES["aid_payments"]
    paid = (
        sa.select(st.c.school_code)
        .select_from(pay.join(st, st.c.student_no == pay.c.student_no))
        .where(pay.c.term.in_(terms))
        .distinct()
    )
    if selection.class_name:
        paid = paid.where(st.c.class_name == selection.class_name)
    with run.dataset.engine.connect() as conn:
        return set(conn.execute(paid).scalars())


def summary_path(run: DocumentRun, selection: Selection, period: NoticePeriod) -> Path:
    return (
        run.out_dir
        / f"{safe_filename(f'学生受助情况汇总_{selection.file_label}_{period.label}')}.xlsx"
    )


def write_summary(path: Path, run: DocumentRun, selection: Selection, period: NoticePeriod,
                  paid_rows: list, school_rows: list, missed_rows: list) -> OutputEntry:  # fmt: skip
    """The summary workbook (受助学生, 各校合计 with its 合计 row, 应享未享) and its manifest entry."""
    amounts = len(_term_columns(period)) + 1  # each term's (school year only), then the total
    sums = [float(sum((Decimal(str(r[i])) for r in school_rows), Decimal(0)))
            for i in range(2, 2 + amounts)]  # fmt: skip
    school_rows = [*school_rows, ["合计", sum(r[1] for r in school_rows), *sums]]
    grade_year = current_school_year(run.today)
    write_table_workbook(
        path,
        [
            Sheet("受助学生", paid_columns(period), paid_rows,
                  title=f"{selection.title_label}{period.label}学生受助情况"),
            Sheet("各校合计", [*SCHOOL_COLUMNS, *_term_columns(period), Column("资助金额合计（元）", 16, "money")],
                  school_rows, title=f"{selection.title_label}{period.label}各校受助情况合计"),
            Sheet(
                "应享未享",
                MISSED_COLUMNS,
                missed_rows,
                title=f"{selection.title_label}{school_year_label(period.school_year)}应享未享学生名单（符合条件但本学年未发放任何资助）",
                note=f"只计在本学段就读的学期：学段、年级按{school_year_label(grade_year)}理解，起始年级（小班、一年级、七年级、"
                     "高一、中职和高校一年级等）的学生不计入此前的学年；年级写法看不出入学学年的按在读计入，见“备注”列。",
            ),
        ],
        footer=run.meta()["footnote"],
    )  # fmt: skip
    return run.entry(path, len(paid_rows))


def make_aid_notices(
    run: DocumentRun,
    selection: Selection,
    *,
    term: str | None = None,
    year: int | None = None,
    split: bool = False,
    pdf: bool = False,
    zip_name: str | None = None,
    progress=None,
    workers: int = 1,
) -> AidNoticeResult:
    """Letters and the summary workbook for the selection into run.out_dir; raises RenderError
    after writing the rest. `year`: the school year (both terms); `term`: one term; neither: the
    latest term with payments. workers > 1: one partition per school in worker processes
    (documents.runner), same files, same bytes; --split and --zip run in this process."""
    period = notice_period(run, term=term, year=year)
    unpaid_terms = terms_without_payments(run, selection, period)
    got = make_documents(KIND, run, NoticeJob(selection, period), split=split, pdf=pdf,
                         zip_name=zip_name, progress=progress, workers=workers)  # fmt: skip
    c = got.counts
    return AidNoticeResult(period, got.outputs, c.get("letters", 0), c.get("missed", 0),
                           c.get("missed_unknown_grade", 0), unpaid_terms)  # fmt: skip


def demo(run: DocumentRun) -> list[OutputEntry]:
    """The demo: every school of the example county, the latest term with payments."""
    from reportgen.aid.students import select_schools

    return make_aid_notices(run, select_schools(run.dataset, county=True)).outputs
