"""学生资助政策明白卡 (seed 二.一.(二).2③ “两张卡”): one card per student, one print file per school.

Records: the selected schools' students in grade/class/name order. Context: the student, the
policy table of the student's stage with the items this student likely gets marked, the expected
yearly total, how to apply, the hotlines. Beside each print file: a roster .xlsx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportgen.aid.eligibility import (
    AidItem,
    StudentFacts,
    eligible_items,
    expected_total,
    special_groups_without_hardship,
    stage_items,
)
from reportgen.aid.students import (
    Selection,
    count_students,
    students_of_school,
    students_per_school,
)
from reportgen.documents.common import DocumentRun, school_year_label, yuan
from reportgen.documents.kind import DocumentKind, Part
from reportgen.documents.runner import make_documents
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    daxie,
    declare_template,
    mask_id,
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


def _card_file(school_name: str, suffix: str) -> str:
    return f"学生资助政策明白卡_{school_name}{suffix}"


def _roster_stem(school_name: str, suffix: str) -> str:
    return f"学生资助明白卡名单_{school_name}{suffix}"


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


@dataclass(frozen=True)
class CardJob:
    selection: Selection
    year: int  # the school year: 2023 is 2023—2024

    @property
    def suffix(self) -> str:
        return f"_{self.selection.class_name}" if self.selection.class_name else ""


class CardKind(DocumentKind):
    """One card per student; one print file and one roster per school (the schools in selection
    order, students in grade/class/name order)."""

    name = "card"
    title = "学生资助政策明白卡"
    template = TEMPLATE

    def plan(self, run: DocumentRun, job: CardJob, workers: int = 1) -> list[Part]:
        having = students_per_school(run.dataset, job.selection)
        return [
            Part(code, code, n, name, _card_file(name, job.suffix), _roster_stem(name, job.suffix))
            for code, name, n in having
        ]

    def total(self, run: DocumentRun, job: CardJob) -> int:
        return count_students(run.dataset, job.selection)

    def records(self, run: DocumentRun, job: CardJob, part: Part) -> list[StudentFacts]:
        return students_of_school(run.dataset, part.key, job.selection.class_name)

    def context(self, run: DocumentRun, job: CardJob, record: StudentFacts) -> dict[str, Any]:
        return card_context(record, run, job.year)

    def rows(self, run, job, record, ctx):
        roster, review = _roster_rows(record, ctx, run)
        return {"roster": [roster], "review": [review] if review else []}

    def tally(self, record, ctx) -> dict[str, int]:
        return {"students": 1}

    def write_part_list(self, run, job: CardJob, part: Part, rows, path) -> int:
        school = part.name
        write_table_workbook(
            path,
            [
                Sheet("明白卡名单", ROSTER_COLUMNS, rows.get("roster", []),
                      title=f"{school}学生资助明白卡名单（{school_year_label(job.year)}）"),
                Sheet("特殊群体未认定困难", REVIEW_COLUMNS, rows.get("review", []),
                      title=f"{school}特殊困难群体学生未认定家庭经济困难名单（供复核）"),
            ],
            footer=run.meta()["footnote"],
        )  # fmt: skip
        return len(rows.get("roster", []))

    def label(self, ctx: dict[str, Any]) -> str:
        return f"{ctx['name']}（学籍号 {ctx['student_no']}）"

    def record_name(self, ctx: dict[str, Any]) -> str:
        return f"{ctx['grade']}{ctx['class_name']}_{ctx['name']}_{ctx['student_no']}"


KIND = CardKind()


@dataclass
class CardResult:
    outputs: list[OutputEntry] = field(default_factory=list)
    students: int = 0
    schools: int = 0
    failures: list = field(default_factory=list)


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
    """Cards and rosters for the selection into run.out_dir; raises RenderError after writing the
    rest. workers > 1: one partition per school in worker processes (documents.runner), same
    files, same bytes; --split and --zip run in this process."""
    got = make_documents(KIND, run, CardJob(selection, year), split=split, pdf=pdf,
                         zip_name=zip_name, progress=progress, workers=workers)  # fmt: skip
    return CardResult(got.outputs, got.counts.get("students", 0), got.parts, got.failures)


def demo(run: DocumentRun) -> list[OutputEntry]:
    """The demo: every school of the example county, school year 2023—2024."""
    from reportgen.aid.students import select_schools

    return make_cards(run, select_schools(run.dataset, county=True), year=2023).outputs
