"""学生受助情况温馨告知书 (seed 二.一.(二).2③): what each aided student was actually paid in a term.

One letter per student with 资助发放 rows in the term, one print file per school; a roster .xlsx
with per-student and per-school totals and, separately, the students the eligibility engine finds
eligible but who were paid nothing in that school year (应享未享).
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
from reportgen.aid.terms import _TERM, parse_term, school_year_of, terms_of_school_year
from reportgen.dataset.schema import TABLES
from reportgen.documents.common import DocumentRun, school_year_label, yuan
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


def latest_term(run: DocumentRun) -> str:
    payments = TABLES["aid_payments"]
    with run.dataset.engine.connect() as conn:
        terms = [r[0] for r in conn.execute(sa.select(payments.c.term).distinct())]
    valid = [t for t in terms if _TERM.fullmatch(t)]
    if not valid:
        raise ConfigError(
            "数据中没有资助发放记录（或学期写法不是“2023年秋季学期”这样），无法生成温馨告知书"
        )
    return max(valid, key=parse_term)


def _payments(
    run: DocumentRun, school_codes: tuple[str, ...], terms: tuple[str, ...]
) -> dict[str, list[sa.Row]]:
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


SAMPLE = {
    "school": "城关镇第一初级中学", "grade": "七年级", "class_name": "1班", "name": "张小明", "student_no": "G001",
    "guardian_name": "张大山", "term": "2023年秋季学期",
    "items": [{"name": "寄宿生生活补助", "amount": "625", "paid_on": "2023年10月20日"}],
    "total": "625", "total_daxie": "陆佰贰拾伍元整", "school_hotline": "0376-5550101", "county_hotline": "0376-5550123",
    "county": "青山县", "education_office": "青山县教育局",
}  # fmt: skip
declare_template(
    TEMPLATE, "docx", sample=SAMPLE, description="学生受助情况温馨告知书：每名受助学生一页"
)

PAID_COLUMNS = [Column("学校", 24), Column("学籍号", 16), Column("姓名", 10), Column("年级", 10), Column("班级", 8),
                Column("资助项目", 40), Column("合计（元）", 12, "money")]  # fmt: skip
SCHOOL_COLUMNS = [
    Column("学校", 28),
    Column("受助学生数", 12, "int"),
    Column("资助金额合计（元）", 16, "money"),
]
MISSED_COLUMNS = [Column("学校", 24), Column("学籍号", 16), Column("姓名", 10), Column("年级", 10), Column("班级", 8),
                  Column("应享资助项目", 44), Column("应享金额（元/年）", 14, "money")]  # fmt: skip


@dataclass
class NoticeResult:
    term: str
    outputs: list[OutputEntry] = field(default_factory=list)
    letters: int = 0
    missed: int = 0


def notice_file(school_name: str, class_name: str | None) -> str:
    """A school's print file name before safe_filename and the _2 rule (as render_batch names it)."""
    return f"学生受助情况温馨告知书_{school_name}" + (f"_{class_name}" if class_name else "")


def notice_label(ctx: dict[str, Any]) -> str:
    return f"{ctx['name']}（学籍号 {ctx['student_no']}）"


def _record_name(group: str, ctx: dict[str, Any]) -> str:
    return f"{ctx['grade']}{ctx['class_name']}_{ctx['name']}_{ctx['student_no']}"


@dataclass
class SchoolNotices:
    """One school's letters (contexts in print order) and its rows of the summary workbook."""

    contexts: list[dict[str, Any]] = field(default_factory=list)
    paid_rows: list[list[Any]] = field(default_factory=list)
    missed_rows: list[list[Any]] = field(default_factory=list)
    school_row: list[Any] | None = None  # 各校合计, None when nobody was paid


def school_notices(run: DocumentRun, school: SchoolFacts, students: list[StudentFacts], *, term: str,
                   class_name: str | None, in_term: dict[str, list[sa.Row]],
                   in_year: dict[str, list[sa.Row]]) -> SchoolNotices:  # fmt: skip
    """The letters of a school's students paid in the term, and the summary rows: paid students,
    the school's total, and the students eligible but paid nothing in the school year (应享未享)."""
    out = SchoolNotices()
    school_total = Decimal(0)
    for student in students:
        rows = in_term.get(student.student_no, [])
        if not rows and not in_year.get(student.student_no):
            eligible = eligible_items(student, run.policy)
            if eligible:
                out.missed_rows.append([school.name, student.student_no, student.name, student.grade, student.class_name,
                                        "、".join(i.name for i in eligible), float(expected_total(eligible))])  # fmt: skip
        if not rows:
            continue
        total = sum((Decimal(r.amount) for r in rows), Decimal(0))
        school_total += total
        out.paid_rows.append([school.name, student.student_no, student.name, student.grade, student.class_name,
                              "、".join(f"{r.item} {yuan(r.amount)}元" for r in rows), float(total)])  # fmt: skip
        out.contexts.append({
            "_group": school.code,
            "_file": notice_file(school.name, class_name),
            "school": school.name, "grade": student.grade, "class_name": student.class_name,
            "name": student.name, "student_no": student.student_no, "guardian_name": student.guardian_name or "",
            "term": term,
            "items": [{"name": r.item, "amount": yuan(r.amount), "paid_on": cndate(r.paid_on) if r.paid_on else ""} for r in rows],
            "total": yuan(total), "total_daxie": daxie(total),
            "school_hotline": school.aid_hotline or "", "county_hotline": run.settings.values["hotlines.aid"],
            "county": run.settings.county_name, "education_office": run.settings.values["offices.education"],
        })  # fmt: skip
    if out.contexts:
        out.school_row = [school.name, len(out.contexts), float(school_total)]
    return out


def summary_path(run: DocumentRun, selection: Selection, term: str) -> Path:
    return run.out_dir / f"{safe_filename(f'学生受助情况汇总_{selection.file_label}_{term}')}.xlsx"


def write_summary(path: Path, run: DocumentRun, selection: Selection, term: str,
                  paid_rows: list, school_rows: list, missed_rows: list) -> OutputEntry:  # fmt: skip
    """The summary workbook (受助学生, 各校合计 with its 合计 row, 应享未享) and its manifest entry."""
    year = school_year_of(term)
    school_rows = [
        *school_rows,
        [
            "合计",
            sum(r[1] for r in school_rows),
            float(sum(Decimal(str(r[2])) for r in school_rows)),
        ],
    ]
    write_table_workbook(
        path,
        [
            Sheet(
                "受助学生",
                PAID_COLUMNS,
                paid_rows,
                title=f"{selection.title_label}{term}学生受助情况",
            ),
            Sheet(
                "各校合计",
                SCHOOL_COLUMNS,
                school_rows,
                title=f"{selection.title_label}{term}各校受助情况合计",
            ),
            Sheet(
                "应享未享",
                MISSED_COLUMNS,
                missed_rows,
                title=f"{selection.title_label}{school_year_label(year)}应享未享学生名单（符合条件但本学年未发放任何资助）",
            ),  # fmt: skip
        ],
        footer=run.meta()["footnote"],
    )
    return run.entry(path, len(paid_rows))


def make_notices(
    run: DocumentRun,
    selection: Selection,
    *,
    term: str | None = None,
    split: bool = False,
    pdf: bool = False,
    zip_name: str | None = None,
    progress=None,
    workers: int = 1,
) -> NoticeResult:
    """Letters and the summary workbook for the selection into run.out_dir; raises RenderError
    after writing the rest.

    workers > 1: one partition per school rendered in a process pool (or on a Dask cluster, see
    reportgen.documents.parallel), same files, same bytes. --split and --zip always run in this
    process.
    """
    term = term or latest_term(run)
    parse_term(term)
    if workers > 1 and not split and not zip_name:
        from reportgen.documents.parallel_aid_notice import make_notices_parallel

        got = make_notices_parallel(run, selection, term=term, pdf=pdf, progress=progress,
                                    workers=workers)  # fmt: skip
        if got is not None:
            return got
    year_terms = terms_of_school_year(school_year_of(term))
    result = NoticeResult(term)
    paid_rows: list[list[Any]] = []
    school_rows: list[list[Any]] = []
    missed_rows: list[list[Any]] = []
    schools = list(iter_selected(run.dataset, selection))
    in_term = _payments(run, selection.school_codes, (term,))
    in_year = _payments(run, selection.school_codes, year_terms)

    def records():
        for school, students in schools:
            got = school_notices(run, school, students, term=term, class_name=selection.class_name,
                                 in_term=in_term, in_year=in_year)  # fmt: skip
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
    result.missed = len(missed_rows)
    summary = write_summary(summary_path(run, selection, term), run, selection, term,
                            paid_rows, school_rows, missed_rows)  # fmt: skip
    result.outputs = batch.outputs + [summary]
    batch.write_manifest(run.run_info(), extra_outputs=[summary])
    batch.raise_for_failures()
    return result
