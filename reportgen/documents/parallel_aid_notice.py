"""Aid notices (温馨告知书) in partitions: one school per partition, as in `parallel`.

A worker renders its school's letters into the school's print file and returns the school's rows
of the summary workbook (受助学生, 各校合计, 应享未享); the parent writes the workbook and the
manifest exactly as `aid_notice.make_aid_notices` does in one process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from reportgen.documents.parallel import (
    _gather,
    _prepare,
    partition_outputs,
    render_partition,
    unique_name,
    worker_run,
)
from reportgen.workers import run_partitions


def notice_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: one school's letters (one print file, PDF if asked) and its summary rows."""
    from reportgen.aid.students import students_of_school
    from reportgen.aid.terms import terms_of_school_year
    from reportgen.documents.aid_notice import (
        TEMPLATE,
        SchoolNotices,
        notice_label,
        payments_by_student,
        school_notices,
    )

    run = worker_run(task)
    out_dir = Path(task["out_dir"])
    code = task["school_code"]
    period = task["period"]
    students = students_of_school(run.dataset, code, task["class_name"])
    got = SchoolNotices()
    if students:
        got = school_notices(
            run,
            students[0].school,
            students,
            period=period,
            class_name=task["class_name"],
            paid=payments_by_student(run, (code,), terms_of_school_year(period.school_year)),
        )
    outputs: list[dict] = []
    failures: list[dict] = []
    dropped: dict[str, int] = {}
    if got.contexts and task["file"]:
        docx = out_dir / task["file"]
        rendered = render_partition(
            TEMPLATE,
            got.contexts,
            str(docx),
            {"workspace": task["workspace"], "meta": task["meta"], "label": notice_label,
             "group": code},
        )  # fmt: skip
        outputs, failures = partition_outputs(rendered, docx, out_dir, code, task["pdf"])
        dropped = rendered["dropped"]
    return {
        "dropped": dropped,
        "letters": len(got.contexts),
        "outputs": outputs,
        "failures": failures,
        "paid_rows": got.paid_rows,
        "missed_rows": got.missed_rows,
        "school_row": got.school_row,
    }


def _notice_plan(run, selection, terms: tuple[str, ...]) -> list[dict[str, Any]]:
    """The selected schools with students, in order; `file` is the print file of a school with at
    least one letter, named as render_batch names the groups that have records (else None)."""
    from reportgen.dataset.schema import TABLES
    from reportgen.documents.aid_notice import notice_file
    from reportgen.engine import safe_filename

    st, pay, schools = TABLES["students"], TABLES["aid_payments"], TABLES["schools"]
    counts = sa.select(st.c.school_code, sa.func.count()).group_by(st.c.school_code)
    paid = (
        sa.select(st.c.school_code)
        .select_from(pay.join(st, st.c.student_no == pay.c.student_no))
        .where(pay.c.term.in_(terms))
        .distinct()
    )
    if selection.class_name:
        counts = counts.where(st.c.class_name == selection.class_name)
        paid = paid.where(st.c.class_name == selection.class_name)
    with run.dataset.engine.connect() as conn:
        having = {code: n for code, n in conn.execute(counts) if n}
        with_letters = set(conn.execute(paid).scalars())
        names = {
            r.school_code: r.name
            for r in conn.execute(sa.select(schools.c.school_code, schools.c.name))
        }
    plan: list[dict[str, Any]] = []
    used: set[str] = set()
    for code in selection.school_codes:
        if code not in having:
            continue
        file = None
        if code in with_letters:
            base = Path(safe_filename(notice_file(names[code], selection.class_name)) + ".docx")
            file = unique_name(base, used).as_posix()
        plan.append({"school_code": code, "file": file, "students": having[code]})
    return plan


def make_aid_notices_parallel(run, selection, *, period, pdf: bool, progress, workers: int):
    """make_aid_notices with one school per partition in a process pool (or on the Dask cluster of an
    `on_cluster` block); None to use the in-process path (fewer than two schools with students).
    `period`: an aid_notice.NoticePeriod (one term or a school year)."""
    from reportgen.documents.aid_notice import TEMPLATE, AidNoticeResult, finish_summary

    plan = _notice_plan(run, selection, period.terms)
    if len(plan) < 2:
        return None
    tpl, common = _prepare(
        run, TEMPLATE, pdf, public=True, period=period, class_name=selection.class_name
    )
    tasks = ({**common, **part} for part in plan)
    results = run_partitions(notice_partition, tasks, len(plan), workers, progress, "letters",
                             weights=[part["students"] for part in plan])  # fmt: skip
    result = AidNoticeResult(period)
    paid_rows = [row for got in results for row in got["paid_rows"]]
    missed_rows = [row for got in results for row in got["missed_rows"]]
    school_rows = [got["school_row"] for got in results if got["school_row"]]
    summary = finish_summary(run, selection, result, paid_rows, school_rows, missed_rows)

    def count(got: dict[str, Any]) -> int:
        result.letters += got["letters"]
        return got["letters"]

    batch, _ = _gather(run, tpl, results, count, extra=[summary])
    result.outputs = batch.outputs + [summary]
    batch.raise_for_failures()
    return result
