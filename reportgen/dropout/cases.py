"""Dropout cases (控辍保学) as plain facts: the case row, the student, school, guardian, linked household,
every 劝返 in date order and every 送教上门 visit — read from the dataset once, checked elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from reportgen.aid.students import grade_key, natural_key
from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset

# Statuses of the 辍学学生 sheet (DOMAIN §2), in the groups the checks use. 已复学 is the seed's
# “复学”; 超龄离校 (超龄后的离校标注) and 已销号 (台账销号) are how the seed closes a case (二.一.(二).1③).
RETURNED = ("已复学",)
CLOSED = ("超龄离校", "已销号")
DEFERRED = ("延缓入学", "休学")
HOME_TEACHING = "送教上门"
IN_PERSUASION = "劝返中"

# A 劝返结果 that says the student came back; anything else (未返校, blank, 拒绝…) is a failed attempt.
_RETURN_RESULT = re.compile(r"^\s*(已经?)?(返校|复学|到校|入学)")
_DISABILITY_REASON = re.compile(r"残疾|因残")


@dataclass(frozen=True)
class Persuasion:
    """One 劝返: date, who (people and units), how, result."""

    date: dt.date
    persons: str
    method: str = ""
    result: str = ""

    @property
    def returned(self) -> bool:
        """The result says the student returned (已返校, 已复学, 返校…)."""
        return bool(_RETURN_RESULT.match(self.result or ""))


@dataclass(frozen=True)
class Visit:
    """One 送教上门 visit."""

    date: dt.date
    teacher: str
    hours: Decimal
    content: str = ""


@dataclass(frozen=True)
class HouseholdLink:
    """The household the student belongs to (student 证件号码 = a person's 证件号码)."""

    household_id: str
    category: str
    monitor_type: str | None
    village_code: str
    village: str
    township: str
    person_disabled: bool = False  # the person record says 残疾 (健康状况 or 残疾等级)

    @property
    def category_text(self) -> str:
        return self.category + (f"（{self.monitor_type}）" if self.monitor_type else "")


@dataclass(frozen=True)
class DropoutCase:
    """Everything the archive and the checks need about one dropout student."""

    student_no: str
    name: str
    id_number: str
    school_code: str
    school: str
    school_township: str  # the township the school is in ('' for schools under the county itself)
    school_township_code: str
    stage: str
    grade: str
    class_name: str
    found_on: dt.date
    status: str
    reason: str = ""
    reported_county_on: dt.date | None = None
    county_approved_on: dt.date | None = None
    disability_assessed_on: dt.date | None = None
    student_disabled: bool = False
    guardian_name: str | None = None
    guardian_phone: str | None = None
    household: HouseholdLink | None = None
    persuasions: tuple[Persuasion, ...] = field(default_factory=tuple)
    visits: tuple[Visit, ...] = field(default_factory=tuple)
    school_region: str = ""  # the school's 所在区划代码 (village or township)

    @property
    def returned(self) -> bool:
        return self.status in RETURNED

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def out_of_school(self) -> bool:
        """Neither returned nor closed: 劝返中, 送教上门, 延缓入学, 休学 — the persuasion rules apply."""
        return not self.returned and not self.closed

    @property
    def deferred(self) -> bool:
        return self.status in DEFERRED

    def disability_grounds(self) -> list[str]:
        """Why the case counts as disability-based (empty when it does not)."""
        grounds = []
        if _DISABILITY_REASON.search(self.reason or ""):
            grounds.append("辍学原因写明残疾")
        if self.student_disabled:
            grounds.append("学生登记为残疾")
        if self.household and self.household.person_disabled:
            grounds.append("户籍人员信息登记为残疾")
        return grounds

    def persuasions_until(self, day: dt.date) -> list[Persuasion]:
        return [p for p in self.persuasions if p.date <= day]

    def visits_until(self, day: dt.date) -> list[Visit]:
        return [v for v in self.visits if v.date <= day]

    @property
    def returned_on(self) -> dt.date | None:
        """For a returned student: the date of the last attempt whose result was a return."""
        if not self.returned:
            return None
        done = [p.date for p in self.persuasions if p.returned]
        return max(done) if done else None


def _regions(conn: sa.Connection) -> dict[str, tuple[str, str, str | None]]:
    r = TABLES["regions"]
    return {
        row.code: (row.name, row.level, row.parent_code)
        for row in conn.execute(sa.select(r.c.code, r.c.name, r.c.level, r.c.parent_code))
    }


def _township_of(code: str | None, regions: dict) -> tuple[str, str]:
    """(code, name) of the township at or above a region code; ('', '') above township level."""
    seen: set[str] = set()
    while code and code in regions and code not in seen:
        name, level, parent = regions[code]
        if level == "乡":
            return code, name
        seen.add(code)
        code = parent
    return "", ""


def case_order(case: DropoutCase) -> tuple:
    """Ledger and archive order: township of the school, school, grade, class, name."""
    return (
        case.school_township_code or "~",
        case.school_code,
        grade_key(case.grade),
        natural_key(case.class_name),
        case.name,
        case.student_no,
    )


def load_cases(
    dataset: Dataset,
    *,
    school_codes: Iterable[str] | None = None,
    student_nos: Iterable[str] | None = None,
    found_by: dt.date | None = None,
) -> list[DropoutCase]:
    """Dropout cases with their facts, in `case_order`.

    school_codes / student_nos narrow the selection (None: every case); found_by leaves out cases
    discovered after that date (a case found later did not exist yet on that day).
    """
    d, st, sc, persons, hh = (
        TABLES[t] for t in ("dropout_cases", "students", "schools", "persons", "households")
    )
    p_disabled = sa.or_(persons.c.health == "残疾", persons.c.disability_grade.isnot(None))
    query = (
        sa.select(
            d,
            st.c.name,
            st.c.id_number,
            st.c.school_code,
            st.c.stage,
            st.c.grade,
            st.c.class_name,
            st.c.disabled,
            st.c.guardian_name,
            st.c.guardian_phone,
            sc.c.name.label("school_name"),
            sc.c.region_code.label("school_region"),
            hh.c.household_id,
            hh.c.category,
            hh.c.monitor_type,
            hh.c.village_code,
            p_disabled.label("person_disabled"),
        )  # fmt: skip
        .select_from(d)
        .join(st, st.c.student_no == d.c.student_no)
        .join(sc, sc.c.school_code == st.c.school_code)
        .outerjoin(persons, persons.c.id_number == st.c.id_number)
        .outerjoin(hh, hh.c.household_id == persons.c.household_id)
    )
    if school_codes is not None:
        query = query.where(st.c.school_code.in_(list(school_codes)))
    if student_nos is not None:
        query = query.where(d.c.student_no.in_(list(student_nos)))
    if found_by is not None:
        query = query.where(d.c.found_on <= found_by)
    with dataset.engine.connect() as conn:
        regions = _regions(conn)
        rows = list(conn.execute(query))
        numbers = [r.student_no for r in rows]
        attempts: dict[str, list[Persuasion]] = {n: [] for n in numbers}
        visits: dict[str, list[Visit]] = {n: [] for n in numbers}
        pt, ht = TABLES["persuasions"], TABLES["home_teaching"]
        for i in range(0, len(numbers), 500):
            chunk = numbers[i : i + 500]
            for p in conn.execute(sa.select(pt).where(pt.c.student_no.in_(chunk))):
                attempts[p.student_no].append(
                    Persuasion(p.date, p.persons, p.method or "", p.result or "")
                )
            for v in conn.execute(sa.select(ht).where(ht.c.student_no.in_(chunk))):
                visits[v.student_no].append(
                    Visit(v.date, v.teacher, Decimal(str(v.hours)), v.content or "")
                )
    cases = []
    for r in rows:
        household = None
        if r.household_id:
            t_code, t_name = _township_of(r.village_code, regions)
            village = regions.get(r.village_code, ("", "", None))[0]
            household = HouseholdLink(r.household_id, r.category, r.monitor_type, r.village_code,
                                      village, t_name, bool(r.person_disabled))  # fmt: skip
        s_code, s_name = _township_of(r.school_region, regions)
        cases.append(
            DropoutCase(
                student_no=r.student_no, name=r.name, id_number=r.id_number,
                school_code=r.school_code, school=r.school_name,
                school_township=s_name, school_township_code=s_code,
                stage=r.stage, grade=r.grade, class_name=r.class_name or "",
                found_on=r.found_on, status=r.status, reason=r.reason or "",
                reported_county_on=r.reported_county_on, county_approved_on=r.county_approved_on,
                disability_assessed_on=r.disability_assessed_on,
                student_disabled=bool(r.disabled),
                guardian_name=r.guardian_name, guardian_phone=r.guardian_phone,
                household=household, school_region=r.school_region or "",
                persuasions=tuple(sorted(attempts[r.student_no], key=lambda p: (p.date, p.persons))),
                visits=tuple(sorted(visits[r.student_no], key=lambda v: (v.date, v.teacher))),
            )
        )  # fmt: skip
    cases.sort(key=case_order)
    return cases
