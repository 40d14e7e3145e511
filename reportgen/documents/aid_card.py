"""学生资助政策明白卡 (seed 二.一.(二).2③ “两张卡”): one card per student, one print file per school.

Records: the selected schools' students in grade/class/name order. Context: the student, the
policy table of the student's stage with the items this student likely gets marked, the expected
yearly total, how to apply, the hotlines. Beside each print file: a roster .xlsx.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.aid.eligibility import (
    AidItem,
    StudentFacts,
    eligible_items,
    expected_total,
    special_groups_without_hardship,
    stage_items,
)
from reportgen.aid.students import Selection, iter_selected
from reportgen.documents.common import DocumentRun, school_year_label, yuan
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    daxie,
    declare_template,
    mask_id,
    render_batch,
    safe_filename,
    write_table_workbook,
)

TEMPLATE = "学生资助政策明白卡"


def _amount_text(item: AidItem) -> str:
    if item.amount is None:
        return item.note or "按学校收费标准"
    text = f"{yuan(item.amount)}元/年"
    return f"{item.note}（{text}）" if item.note else text


def card_context(student: StudentFacts, run: DocumentRun, year: int) -> dict[str, Any]:
    policy = run.policy
    eligible = eligible_items(student, policy)
    eligible_ids = {i.id for i in eligible}
    total = expected_total(eligible)
    review = special_groups_without_hardship(student)
    return {
        "school": student.school.name,
        "school_code": student.school.code,
        "grade": student.grade,
        "class_name": student.class_name,
        "name": student.name,
        "student_no": student.student_no,
        "id_masked": mask_id(student.id_number),
        "stage": student.stage,
        "school_year": school_year_label(year),
        "policies": [
            {
                "name": i.name,
                "who": i.who,
                "amount": _amount_text(i),
                "eligible": i.id in eligible_ids,
                "mark": "✔" if i.id in eligible_ids else "",
            }
            for i in stage_items(policy, student.stage, student.school)
        ],
        "eligible": [
            {"name": i.name, "amount": _amount_text(i), "basis": i.basis} for i in eligible
        ],
        "total": yuan(total),
        "total_daxie": daxie(total),
        "review_groups": "、".join(review),
        "school_hotline": student.school.aid_hotline or "",
        "county_hotline": run.settings.values["hotlines.aid"],
        "county": run.settings.county_name,
        "education_office": run.settings.values["offices.education"],
    }


SAMPLE = {
    "school": "城关镇第一初级中学", "school_code": "S01", "grade": "七年级", "class_name": "1班", "name": "张小明",
    "student_no": "G001", "id_masked": "411***********0078", "stage": "初中", "school_year": "2023—2024学年",
    "policies": [{"name": "寄宿生生活补助", "who": "具有正式学籍的家庭经济困难寄宿生", "amount": "1,250元/年", "eligible": True, "mark": "✔"}],
    "eligible": [{"name": "寄宿生生活补助", "amount": "1,250元/年", "basis": "二.一.(二).2②"}],
    "total": "1,250", "total_daxie": "壹仟贰佰伍拾元整", "review_groups": "", "school_hotline": "0376-5550101",
    "county_hotline": "0376-5550123", "county": "青山县", "education_office": "青山县教育局",
}  # fmt: skip
declare_template(TEMPLATE, "docx", sample=SAMPLE, description="学生资助政策明白卡：每生一页")


ROSTER_COLUMNS = [
    Column("学籍号", 16), Column("姓名", 10), Column("年级", 10), Column("班级", 8), Column("学段", 10),
    Column("可能享受的资助", 48), Column("预计年资助金额（元）", 14, "money"),
]  # fmt: skip
REVIEW_COLUMNS = [
    Column("学籍号", 16),
    Column("姓名", 10),
    Column("年级", 10),
    Column("班级", 8),
    Column("特殊群体", 24),
    Column("说明", 40),
]


@dataclass
class CardResult:
    outputs: list[OutputEntry] = field(default_factory=list)
    students: int = 0
    schools: int = 0
    failures: list = field(default_factory=list)


def _card_file(school_name: str, suffix: str) -> str:
    return f"学生资助政策明白卡_{school_name}{suffix}"


def _roster_file(out_dir: Path, school_name: str, suffix: str) -> Path:
    return out_dir / f"{safe_filename('学生资助明白卡名单_' + school_name + suffix)}.xlsx"


def _card_label(ctx: dict[str, Any]) -> str:
    return f"{ctx['name']}（学籍号 {ctx['student_no']}）"


def _roster_rows(
    student: StudentFacts, ctx: dict[str, Any], run: DocumentRun
) -> tuple[list, list | None]:
    roster = [student.student_no, student.name, student.grade, student.class_name, student.stage,
              "、".join(f"{e['name']}（{e['amount']}）" for e in ctx["eligible"]) or "暂无",
              float(expected_total(eligible_items(student, run.policy)))]  # fmt: skip
    review = None
    if ctx["review_groups"]:
        review = [student.student_no, student.name, student.grade, student.class_name, ctx["review_groups"],
                  run.policy.text("aid_card.review_special")]  # fmt: skip
    return roster, review


def _write_roster(
    path: Path, school_name: str, year: int, roster_rows: list, review_rows: list, footer: str
) -> None:
    write_table_workbook(
        path,
        [
            Sheet(
                "明白卡名单",
                ROSTER_COLUMNS,
                roster_rows,
                title=f"{school_name}学生资助明白卡名单（{school_year_label(year)}）",
            ),
            Sheet(
                "特殊群体未认定困难",
                REVIEW_COLUMNS,
                review_rows,
                title=f"{school_name}特殊困难群体学生未认定家庭经济困难名单（供复核）",
            ),
        ],
        footer=footer,
    )


def school_cards(
    run: DocumentRun, students: list[StudentFacts], year: int, suffix: str
) -> tuple[list[dict[str, Any]], list, list]:
    """One school's card contexts (in print order), roster rows and review rows."""
    contexts, roster_rows, review_rows = [], [], []
    for student in students:
        ctx = card_context(student, run, year)
        ctx["_group"] = student.school.code
        ctx["_file"] = _card_file(student.school.name, suffix)
        roster, review = _roster_rows(student, ctx, run)
        roster_rows.append(roster)
        if review is not None:
            review_rows.append(review)
        contexts.append(ctx)
    return contexts, roster_rows, review_rows


def make_cards(
    run: DocumentRun,
    selection: Selection,
    *,
    year: int,
    split: bool = False,
    pdf: bool = False,
    zip_name: str | None = None,
    progress=None,
    workers: int = 1,
) -> CardResult:
    """Cards and rosters for the selection into run.out_dir; raises RenderError after writing the rest.

    workers > 1: one partition per school rendered in a process pool (reportgen.documents.parallel),
    same files, same bytes. --split and --zip always run in this process.
    """
    if workers > 1 and not split and not zip_name:
        from reportgen.documents.parallel import make_cards_parallel

        result = make_cards_parallel(
            run, selection, year=year, pdf=pdf, progress=progress, workers=workers
        )
        if result is not None:
            return result
    result = CardResult()
    rosters: list[OutputEntry] = []
    used_rosters: set[Path] = set()
    suffix = f"_{selection.class_name}" if selection.class_name else ""
    footer = run.meta()["footnote"]

    def records() -> Iterator[dict[str, Any]]:
        for school, students in iter_selected(run.dataset, selection):
            result.schools += 1
            roster_rows, review_rows = [], []
            for student in students:
                ctx = card_context(student, run, year)
                ctx["_group"] = school.code
                ctx["_file"] = _card_file(school.name, suffix)
                roster, review = _roster_rows(student, ctx, run)
                roster_rows.append(roster)
                if review is not None:
                    review_rows.append(review)
                result.students += 1
                yield ctx
            book = _roster_file(run.out_dir, school.name, suffix)
            n = 2
            while book in used_rosters:  # two schools of the same name: like the print files, _2
                book = book.with_name(
                    f"{_roster_file(run.out_dir, school.name, suffix).stem}_{n}.xlsx"
                )
                n += 1
            used_rosters.add(book)
            _write_roster(book, school.name, year, roster_rows, review_rows, footer)
            rosters.append(run.entry(book, len(roster_rows), school.code))

    batch = render_batch(
        TEMPLATE,
        records(),
        run.out_dir,
        group_by="_group",
        file_name=lambda group, ctx: ctx["_file"],
        zip_name=zip_name,
        split="record" if split else "group",
        record_name=lambda group, ctx: (
            f"{ctx['grade']}{ctx['class_name']}_{ctx['name']}_{ctx['student_no']}"
        ),
        pdf=pdf,
        meta=run.meta(public=True),
        label=_card_label,
        workspace=run.settings.workspace,
        progress=progress,
        manifest=False,
        raise_on_failure=False,
    )
    result.outputs = batch.outputs + rosters
    result.failures = batch.failures
    batch.write_manifest(run.run_info(), extra_outputs=rosters)
    batch.raise_for_failures()
    return result


def roster_path(out_dir: Path, school_name: str) -> Path:
    return out_dir / f"{safe_filename('学生资助明白卡名单_' + school_name)}.xlsx"
