"""Student-aid eligibility (seed 二.一.(二).2②): which items of the policy's table a student likely gets.

Pure functions over plain facts and the loaded policy; no numbers here. A student's group flags are
the student sheet's own flags OR what the linked household says (DOMAIN §2 学生): the household
adds 原建档立卡 / 监测户 / 低保 / 特困, and the student's own person record adds 残疾.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from reportgen.config import Policy

# The special groups the seed asks schools to prioritise when deciding 家庭经济困难 (二.一.(二).2①).
SPECIAL_GROUPS = {
    "former_poor": "原建档立卡",
    "monitored": "监测户",
    "dibao": "低保",
    "tekun": "特困",
    "orphan": "孤儿",
    "unsupported": "事实无人抚养",
    "disabled": "残疾",
}


@dataclass(frozen=True)
class SchoolFacts:
    code: str
    name: str
    stage: str
    inclusive_kindergarten: bool = False
    national_nutrition: bool = False
    tuition: Decimal | None = None
    lodging_fee: Decimal | None = None
    aid_hotline: str | None = None
    region_code: str = ""


@dataclass(frozen=True)
class StudentFacts:
    student_no: str
    name: str
    id_number: str
    stage: str
    grade: str
    class_name: str
    school: SchoolFacts
    boarding: bool = False
    formal: bool = True
    hardship: bool = False
    groups: frozenset[str] = field(default_factory=frozenset)  # effective special groups
    household_id: str | None = None
    household_category: str | None = None
    household_village: str | None = None  # the linked household's village code
    guardian_name: str | None = None
    guardian_phone: str | None = None

    def has(self, group: str) -> bool:
        return group in self.groups


@dataclass(frozen=True)
class AidItem:
    id: str
    name: str
    who: str
    amount: Decimal | None  # 元/年; None when the school's fee standard is missing
    basis: str
    note: str = ""


def _in_group(student: StudentFacts, group: str) -> bool:
    if group == "all":
        return True
    if group == "hardship":
        return student.hardship
    if group == "poor_or_monitored":
        return student.has("former_poor") or student.has("monitored")
    if group == "hardship_disabled":
        return student.hardship and student.has("disabled")
    return student.has(group)


def _meets(student: StudentFacts, requirement: str) -> bool:
    if requirement == "formal":
        return student.formal
    if requirement == "inclusive_kindergarten":
        return student.school.inclusive_kindergarten
    if requirement == "not_national_nutrition":
        return not student.school.national_nutrition
    if requirement == "boarding":
        return student.boarding
    if requirement == "non_boarding":
        return not student.boarding
    raise ValueError(requirement)


def _amount(item: dict, school: SchoolFacts) -> tuple[Decimal | None, str]:
    if "amount" in item:
        return Decimal(str(item["amount"])), ""
    fee = school.tuition if item["amount_from"] == "tuition" else school.lodging_fee
    what = "学费" if item["amount_from"] == "tuition" else "住宿费"
    if fee is None:
        return None, f"按学校{what}标准（学校未填报标准）"
    return Decimal(fee), f"按学校{what}标准"


def stage_items(policy: Policy, stage: str, school: SchoolFacts) -> list[AidItem]:
    """Every aid item of a stage, as the card's policy table shows it."""
    out = []
    for item in policy.student_aid:
        if stage in item["stage"]:
            amount, note = _amount(item, school)
            out.append(
                AidItem(
                    item["id"],
                    item["name"],
                    item.get("who", ""),
                    amount,
                    item.get("basis", ""),
                    note,
                )
            )
    return out


def eligible_items(student: StudentFacts, policy: Policy) -> list[AidItem]:
    """The items this student is likely eligible for, in the policy's order."""
    out = []
    for item in policy.student_aid:
        if student.stage not in item["stage"]:
            continue
        if not any(_in_group(student, g) for g in item["groups"]):
            continue
        if not all(_meets(student, r) for r in item.get("requires", [])):
            continue
        amount, note = _amount(item, student.school)
        out.append(
            AidItem(
                item["id"], item["name"], item.get("who", ""), amount, item.get("basis", ""), note
            )
        )
    return out


def expected_total(items: list[AidItem]) -> Decimal:
    return sum((i.amount for i in items if i.amount is not None), Decimal(0))


def special_groups_without_hardship(student: StudentFacts) -> list[str]:
    """The special groups of a student not 认定 家庭经济困难 (listed for review); empty otherwise."""
    if student.hardship:
        return []
    return [label for key, label in SPECIAL_GROUPS.items() if student.has(key)]
