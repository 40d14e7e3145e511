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
from reportgen.aid.students import Selection, iter_selected
from reportgen.aid.terms import (
    enrolled_in_school_year,
    is_term,
    parse_term,
    school_year_of,
    terms_of_school_year,
)
from reportgen.dataset.schema import TABLES
from reportgen.documents.common import DocumentRun, current_school_year, school_year_label, yuan
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    cndate,
    daxie,
    declare_template,
    render_batch,
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


def _record_name(group: str, ctx: dict[str, Any]) -> str:
    return f"{ctx['grade']}{ctx['class_name']}_{ctx['name']}_{ctx['student_no']}"


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


@dataclass
class SchoolNotices:
    """One school's letters (contexts in print order) and its rows of the summary workbook."""

    contexts: list[dict[str, Any]] = field(default_factory=list)
    paid_rows: list[list[Any]] = field(default_factory=list)
    missed_rows: list[list[Any]] = field(default_factory=list)
    school_row: list[Any] | None = None  # 各校合计, None when nobody was paid


def school_notices(run: DocumentRun, school: SchoolFacts, students: list[StudentFacts], *, period: NoticePeriod,
                   class_name: str | None, paid: dict[str, list[sa.Row]]) -> SchoolNotices:  # fmt: skip
    """The letters of a school's students paid in the period, and the summary rows: paid students,
    the school's total, and the students eligible but paid nothing in the school year (应享未享).
    `paid`: the school's payments of every term of the period's school year."""
    out = SchoolNotices()
    grade_year = current_school_year(run.today)
    term_totals = {t: Decimal(0) for t in period.terms}
    for student in students:
        year_rows = paid.get(student.student_no, [])
        if not year_rows:
            row = missed_row(run, school, student, period.school_year, grade_year)
            if row:
                out.missed_rows.append(row)
        by_term = [(t, [r for r in year_rows if r.term == t]) for t in period.terms]
        by_term = [(t, rows) for t, rows in by_term if rows]
        if not by_term:
            continue
        rows = [r for _, t_rows in by_term for r in t_rows]
        total = _total(rows)
        for t, t_rows in by_term:
            term_totals[t] += _total(t_rows)
        items = [{"no": n, "term": r.term, "name": r.item, "amount": yuan(r.amount),
                  "paid_on": cndate(r.paid_on) if r.paid_on else ""} for n, r in enumerate(rows, 1)]  # fmt: skip
        items_of = {t: [i for i in items if i["term"] == t] for t, _ in by_term}
        base = [school.name, student.student_no, student.name, student.grade, student.class_name]
        if period.yearly:
            amounts = {t: float(_total(t_rows)) for t, t_rows in by_term}
            text = "；".join(f"{t}：{_items_text(t_rows)}" for t, t_rows in by_term)
            out.paid_rows.append(
                [*base, text, *(amounts.get(t) for t in period.terms), float(total)]
            )
        else:
            out.paid_rows.append([*base, _items_text(rows), float(total)])
        out.contexts.append({
            "_group": school.code,
            "_file": notice_file(school.name, class_name),
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
        })  # fmt: skip
    if out.contexts:
        per_term = [float(term_totals[t]) for t in period.terms] if period.yearly else []
        out.school_row = [
            school.name,
            len(out.contexts),
            *per_term,
            float(sum(term_totals.values(), Decimal(0))),
        ]
    return out


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
    latest term with payments.

    workers > 1: one partition per school rendered in a process pool (or on a Dask cluster, see
    reportgen.documents.parallel), same files, same bytes. --split and --zip always run in this
    process.
    """
    period = notice_period(run, term=term, year=year)
    unpaid_terms = terms_without_payments(run, selection, period)
    if workers > 1 and not split and not zip_name:
        from reportgen.documents.parallel_aid_notice import make_aid_notices_parallel

        got = make_aid_notices_parallel(run, selection, period=period, pdf=pdf, progress=progress,
                                    workers=workers)  # fmt: skip
        if got is not None:
            got.unpaid_terms = unpaid_terms
            return got
    result = AidNoticeResult(period, unpaid_terms=unpaid_terms)
    paid_rows: list[list[Any]] = []
    school_rows: list[list[Any]] = []
    missed_rows: list[list[Any]] = []
    schools = list(iter_selected(run.dataset, selection))
    paid = payments_by_student(
        run, selection.school_codes, terms_of_school_year(period.school_year)
    )

    def records():
        for school, students in schools:
            got = school_notices(run, school, students, period=period, class_name=selection.class_name,
                                 paid=paid)  # fmt: skip
            paid_rows.extend(got.paid_rows)
            missed_rows.extend(got.missed_rows)
            if got.school_row:
                school_rows.append(got.school_row)
            result.letters += len(got.contexts)
            yield from got.contexts

    batch = render_batch(
        TEMPLATE, records(), run.out_dir, group_by="_group", file_name=lambda g, ctx: ctx["_file"],
        zip_name=zip_name, split="record" if split else "group", record_name=_record_name,
        pdf=pdf, meta=run.meta(public=True), label=notice_label,
        workspace=run.settings.workspace, progress=progress, manifest=False, raise_on_failure=False,
    )  # fmt: skip
    summary = finish_summary(run, selection, result, paid_rows, school_rows, missed_rows)
    result.outputs = batch.outputs + [summary]
    batch.write_manifest(run.run_info(), extra_outputs=[summary])
    batch.raise_for_failures()
    return result


def finish_summary(run: DocumentRun, selection: Selection, result: AidNoticeResult, paid_rows: list,
                   school_rows: list, missed_rows: list) -> OutputEntry:  # fmt: skip
    """Counts the 应享未享 rows into the result and writes the summary workbook (both paths)."""
    result.missed = len(missed_rows)
    result.missed_unknown_grade = sum(1 for r in missed_rows if r[-1])
    return write_summary(summary_path(run, selection, result.period), run, selection, result.period,
                         paid_rows, school_rows, missed_rows)  # fmt: skip
