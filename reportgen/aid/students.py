"""Students as StudentFacts, read from the dataset with their school and linked household.

Also the selection every student-facing command shares (--school / --township / --county, --class)
and the order schools print cards in (grade, class, name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from reportgen.aid.eligibility import SchoolFacts, StudentFacts
from reportgen.aid.terms import grade_number
from reportgen.dataset.schema import TABLES
from reportgen.dataset.sheets import HOUSEHOLD_DERIVED_FLAGS
from reportgen.dataset.store import Dataset, household_flag_exprs
from reportgen.errors import ConfigError
from reportgen.places import resolve_place, resolve_school, villages_under


@dataclass(frozen=True)
class Selection:
    """Which schools (codes, in print order) and optionally which class; `label` names the scope."""

    school_codes: tuple[str, ...]
    label: str
    class_name: str | None = None

    @property
    def file_label(self) -> str:
        """The scope in file names: 全县, or 全县_1班 when one class is chosen."""
        return f"{self.label}_{self.class_name}" if self.class_name else self.label

    @property
    def title_label(self) -> str:
        """The scope in titles: 全县, or 全县（1班）when one class is chosen."""
        return f"{self.label}（{self.class_name}）" if self.class_name else self.label


def select_schools(
    dataset: Dataset,
    *,
    school: str | None = None,
    township: str | None = None,
    county: bool = False,
    class_name: str | None = None,
) -> Selection:
    chosen = [x for x in (school, township) if x] + (["county"] if county else [])
    if len(chosen) != 1:
        raise ConfigError("请且只请给出一个范围：--school 学校、--township 乡镇 或 --county")
    schools = TABLES["schools"]
    if school:
        found = resolve_school(dataset, school)
        return Selection((found.code,), found.name, class_name)
    with dataset.engine.connect() as conn:
        rows = list(
            conn.execute(
                sa.select(schools.c.school_code, schools.c.region_code).order_by(
                    schools.c.school_code
                )
            )
        )
    if county:
        return Selection(tuple(r.school_code for r in rows), "全县", class_name)
    assert township is not None  # one of school / township / county was checked above
    place = resolve_place(dataset, township, level="乡")
    inside = {place.code} | {v.code for v in villages_under(dataset, place)}
    return Selection(
        tuple(r.school_code for r in rows if r.region_code in inside), place.name, class_name
    )


_GRADE_WORDS = {
    "小班": -3,
    "中班": -2,
    "大班": -1,
    "初一": 7,
    "初二": 8,
    "初三": 9,
    "高一": 10,
    "高二": 11,
    "高三": 12,
}


def grade_key(grade: str) -> tuple[int, str]:
    """七年级 < 八年级, 初一 < 初二, 小班 < 大班, 高一 < 高三; unknown spellings sort last, by text."""
    for word, value in _GRADE_WORDS.items():
        if word in grade:
            return value, grade
    n = grade_number(grade)
    if n is not None:
        return n, grade
    return 99, grade


def natural_key(text: str | None) -> tuple:
    """'2班' < '10班'."""
    parts = re.split(r"(\d+)", text or "")
    return tuple(int(p) if p.isdigit() else p for p in parts)


def print_order(student: StudentFacts) -> tuple:
    return (
        grade_key(student.grade),
        natural_key(student.class_name),
        student.name,
        student.student_no,
    )


def load_school(conn: sa.Connection, code: str) -> SchoolFacts:
    s = TABLES["schools"]
    r = conn.execute(sa.select(s).where(s.c.school_code == code)).one()
    return SchoolFacts(
        code=r.school_code,
        name=r.name,
        stage=r.stage,
        inclusive_kindergarten=bool(r.inclusive_kindergarten),
        national_nutrition=bool(r.national_nutrition),
        tuition=r.tuition,
        lodging_fee=r.lodging_fee,
        aid_hotline=r.aid_hotline,
        region_code=r.region_code,
    )


def students_of_school(
    dataset: Dataset, school_code: str, class_name: str | None = None
) -> list[StudentFacts]:
    """One school's students with effective flags, in print order (grade, class, name)."""
    st, persons, households = TABLES["students"], TABLES["persons"], TABLES["households"]
    derived = household_flag_exprs(households)
    person_disabled = sa.or_(persons.c.health == "残疾", persons.c.disability_grade.isnot(None))
    query = (
        sa.select(
            st,
            households.c.household_id.label("hh_id"),
            households.c.category.label("hh_category"),
            households.c.village_code.label("hh_village"),
            person_disabled.label("p_disabled"),
            *[derived[f].label(f"hh_{f}") for f in HOUSEHOLD_DERIVED_FLAGS],
        )
        .select_from(st)
        .outerjoin(persons, persons.c.id_number == st.c.id_number)
        .outerjoin(households, households.c.household_id == persons.c.household_id)
        .where(st.c.school_code == school_code)
    )
    if class_name:
        query = query.where(st.c.class_name == class_name)
    with dataset.engine.connect() as conn:
        school = load_school(conn, school_code)
        rows = list(conn.execute(query))
    students = [_facts(r, school) for r in rows]
    students.sort(key=print_order)
    return students


def _facts(r: sa.Row, school: SchoolFacts) -> StudentFacts:
    m = r._mapping
    groups = {
        g
        for g in ("former_poor", "monitored", "dibao", "tekun", "orphan", "unsupported", "disabled")
        if m[g]
    }
    groups |= {f for f in HOUSEHOLD_DERIVED_FLAGS if m[f"hh_{f}"]}
    if m["p_disabled"]:
        groups.add("disabled")
    return StudentFacts(
        student_no=m["student_no"],
        name=m["name"],
        id_number=m["id_number"],
        stage=m["stage"],
        grade=m["grade"],
        class_name=m["class_name"] or "",
        school=school,
        boarding=bool(m["boarding"]),
        formal=m["formal_enrollment"] is not False,
        hardship=bool(m["hardship"]),
        groups=frozenset(groups),
        household_id=m["hh_id"],
        household_category=m["hh_category"],
        household_village=m["hh_village"],
        guardian_name=m["guardian_name"],
        guardian_phone=m["guardian_phone"],
    )


def iter_selected(
    dataset: Dataset, selection: Selection
) -> Iterator[tuple[SchoolFacts, list[StudentFacts]]]:
    """(school, its students in print order) for each selected school that has students."""
    for code in selection.school_codes:
        students = students_of_school(dataset, code, selection.class_name)
        if students:
            yield students[0].school, students


def count_students(dataset: Dataset, selection: Selection) -> int:
    st = TABLES["students"]
    query = (
        sa.select(sa.func.count())
        .select_from(st)
        .where(st.c.school_code.in_(selection.school_codes))
    )
    if selection.class_name:
        query = query.where(st.c.class_name == selection.class_name)
    with dataset.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def students_per_school(dataset: Dataset, selection: Selection) -> list[tuple[str, str, int]]:
    """(school code, school name, students) of each selected school with students, in selection
    order: one query, for planning a batch."""
    st, schools = TABLES["students"], TABLES["schools"]
    counts = (
        sa.select(st.c.school_code, schools.c.name, sa.func.count())
        .join(schools, schools.c.school_code == st.c.school_code)
        .where(st.c.school_code.in_(selection.school_codes))
        .group_by(st.c.school_code, schools.c.name)
    )
    if selection.class_name:
        counts = counts.where(st.c.class_name == selection.class_name)
    with dataset.engine.connect() as conn:
        having = {code: (name, n) for code, name, n in conn.execute(counts)}
    return [(code, *having[code]) for code in selection.school_codes if code in having]
