"""Boundary cases of the columns added in schema version 6 and of the rules reading them: the
“两类群体” (I-DROP, I-LOW), 在校生状况 (D-NOT-FOUND), and 残疾 without 特困/低保 or without a grade
(B-SEVERE-DISABLED, B-NO-DISABILITY-GRADE).

Planted after everything else is built, on households and persons chosen in a fixed order, with
no random draw: every value the example county had before stays the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Household, household_key

if TYPE_CHECKING:
    from .county import AddCase, Example


def _plain_poor(ex: Example) -> list[Household]:
    """Background 脱贫户, not monitored, without 兜底, income 10,500–20,000 元, in household order."""
    return [
        h for h in ex.households
        if not h.special and id(h) not in ex.claimed and h.category == "脱贫户" and not h.monitored
        and h.baodi is None and h.income is not None and 10500 <= h.income <= 20000
    ]  # fmt: skip


def plant(ex: Example) -> None:
    poor = _plain_poor(ex)
    fell, flat, low, line, *rest = poor
    for label, h in (("G1", fell), ("G2", flat), ("G3", low), ("G4", line)):
        h.special = label
        ex.special[label] = h
        ex.claimed.add(id(h))
    fell.prev_income = (fell.income or 0) + 1  # 1 元 below last year: reported
    flat.prev_income = flat.income  # the same as last year: not
    low.income, line.income = 9999.0, 10000.0  # 收入较低: below the pack's 10,000 line, and at it
    for h in (fell, flat, low, line):
        income = h.income or 0
        h.wage, h.business = float(round(income * 0.6)), float(round(income * 0.2))
    # 在校生状况: the one member of compulsory age in a priority household without a school
    # record (D-NOT-FOUND's case) is recorded as 辍学
    for h in ex.households:
        if h.category == "脱贫户" or h.monitored or h.baodi:
            for p in h.members:
                if 6 <= p.age <= 15 and p.student is None:
                    p.school_status = "辍学"
    # 残疾: a healthy adult (18–59) of each of the next plain 脱贫户 that has one, eldest first
    chosen = []
    for h in rest:
        adults = [p for p in h.members if p.health in (None, "健康") and 18 <= p.age <= 59]
        if adults:
            chosen.append((h, adults[0]))
        if len(chosen) == 3:
            break
    (severe_h, severe), (moderate_h, moderate), (ungraded_h, ungraded) = chosen
    for label, h in (("G5", severe_h), ("G6", moderate_h), ("G7", ungraded_h)):
        h.special = label
        ex.special[label] = h
        ex.claimed.add(id(h))
    severe.health, severe.disability_grade, severe.disability_type = "残疾", "二级", "智力"
    moderate.health, moderate.disability_grade, moderate.disability_type = "残疾", "三级", "智力"
    ungraded.health, ungraded.disability_grade, ungraded.disability_type = "残疾", None, None


def income_cases(ex: Example, add: AddCase) -> None:
    S = ex.special
    add(
        "脱贫人口收入同比下降（I-DROP）",
        household_key(S["G1"]),
        f"家庭年人均纯收入 {S['G1'].income:.0f} 元，上年 {S['G1'].prev_income:.0f} 元",
        True,
        "G1",
    )
    add(
        "脱贫人口收入同比下降（I-DROP）",
        household_key(S["G2"]),
        f"家庭年人均纯收入 {S['G2'].income:.0f} 元，上年相同",
        False,
        "G2",
    )
    add(
        "收入较低的脱贫人口（I-LOW，低于10,000元）",
        household_key(S["G3"]),
        "家庭年人均纯收入 9999 元",
        True,
        "G3",
    )
    add(
        "收入较低的脱贫人口（I-LOW，低于10,000元）",
        household_key(S["G4"]),
        "家庭年人均纯收入 10000 元",
        False,
        "G4",
    )
    add(
        "一、二级智力或精神残疾未纳入特困或低保（B-SEVERE-DISABLED）",
        household_key(S["G5"]),
        "一名成员二级智力残疾，无兜底类型",
        True,
        "G5",
    )
    add(
        "一、二级智力或精神残疾未纳入特困或低保（B-SEVERE-DISABLED）",
        household_key(S["G6"]),
        "一名成员三级智力残疾，无兜底类型",
        False,
        "G6",
    )
    add(
        "残疾未评定等级（B-NO-DISABILITY-GRADE）",
        household_key(S["G7"]),
        "一名成员健康状况为残疾，残疾等级未填",
        True,
        "G7",
    )
