"""A portal user sees only their scope (issue 23, part 2), enforced where the data are read
(reportgen/scope.py): search and one household's page, for each role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from builders import HEAD_A, WIFE_A

from reportgen.accounts import add_user
from reportgen.dataset.schema import TABLES
from reportgen.scope import NotFound, OutOfScope, Scope, find_households, household

PASSWORD = "Qingshan#2023"


def scope_of(dataset, name, role, where=None) -> Scope:
    return Scope.of(dataset, add_user(dataset, name, role, where, PASSWORD))


def ids(rows) -> list[str]:
    return [r["household_id"] for r in rows]


def test_a_township_user_finds_only_the_townships_households(dataset):
    cgz = scope_of(
        dataset, "cgz", "township", "城关镇"
    )  # H001 is in 城关镇, H002 and H003 in 河口乡
    assert ids(find_households(dataset, cgz)) == ["H001"]
    assert ids(find_households(dataset, cgz, "李")) == []  # 李二河 exists, in 河口乡
    assert ids(find_households(dataset, cgz, "刘秀英")) == ["H001"]  # a member's name
    assert ids(find_households(dataset, cgz, "H00")) == ["H001"]
    hk = scope_of(dataset, "hk", "township", "河口乡")
    assert ids(find_households(dataset, hk)) == ["H002", "H003"]
    assert ids(find_households(dataset, hk, "李")) == ["H002"]


def test_a_household_outside_the_scope_is_refused_without_its_data(dataset):
    cgz = scope_of(dataset, "cgz", "township", "城关镇")
    page = household(dataset, cgz, "H001")
    assert page["head_name"] == "张大山" and len(page["members"]) == 3
    with pytest.raises(OutOfScope) as refused:
        household(dataset, cgz, "H002")
    assert "李二河" not in refused.value.message and "城关镇" in refused.value.message
    with pytest.raises(NotFound):
        household(dataset, cgz, "H999")


def test_search_by_a_masked_id_or_its_last_digits(dataset):
    county = scope_of(dataset, "xj", "county")
    masked = WIFE_A[:6] + "*" * 8 + WIFE_A[-4:]  # as the documents print it
    assert ids(find_households(dataset, county, masked)) == ["H001"]
    assert ids(find_households(dataset, county, HEAD_A[-6:])) == ["H001"]
    assert ids(find_households(dataset, county, "%")) == []  # a LIKE wildcard is text, not "all"


def test_county_sees_all_and_a_school_no_households_but_its_students(dataset):
    county = scope_of(dataset, "xj", "county")
    assert ids(find_households(dataset, county)) == ["H001", "H002", "H003"]
    school = scope_of(dataset, "s01", "school", "S01")
    assert find_households(dataset, school) == []
    with pytest.raises(OutOfScope):
        household(dataset, school, "H001")
    students = TABLES["students"]
    with dataset.engine.connect() as conn:
        seen = set(
            conn.execute(
                sa.select(students.c.school_code).where(school.students_filter())
            ).scalars()
        )
        every = set(conn.execute(sa.select(students.c.school_code)).scalars())
    assert seen == {"S01"} and every > seen
    # a township sees the schools located in it
    assert scope_of(dataset, "cgz", "township", "城关镇").schools == frozenset({"S01", "S02"})
    assert scope_of(dataset, "hk", "township", "河口乡").schools == frozenset()
