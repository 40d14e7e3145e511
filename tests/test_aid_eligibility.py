"""Every row of the student-aid table (DOMAIN §3, seed 二.一.(二).2②) just inside and just outside."""

from decimal import Decimal

import pytest

from reportgen.aid.eligibility import (
    SchoolFacts,
    StudentFacts,
    eligible_items,
    expected_total,
    special_groups_without_hardship,
    stage_items,
)
from reportgen.config import load_policy

POLICY = load_policy("henan-2023")


def school(stage="初中", **kw) -> SchoolFacts:
    return SchoolFacts(code="S", name="某校", stage=stage, **kw)


def student(stage, sch=None, groups=(), **kw) -> StudentFacts:
    return StudentFacts(
        "G",
        "某生",
        "411521201009010078",
        stage,
        "一年级",
        "1班",
        sch or school(stage),
        groups=frozenset(groups),
        **kw,
    )


def items(s) -> dict[str, Decimal | None]:
    return {i.id: i.amount for i in eligible_items(s, POLICY)}


# ---- 学前
def test_preschool_living_allowance_only_in_inclusive_kindergartens():
    inclusive = school("学前", inclusive_kindergarten=True)
    assert items(student("学前", inclusive, hardship=True)) == {"preschool_living": 400}
    assert items(student("学前", inclusive, groups={"orphan"})) == {"preschool_living": 400}
    assert items(student("学前", inclusive, groups={"disabled"})) == {"preschool_living": 400}
    assert items(student("学前", school("学前", inclusive_kindergarten=False), hardship=True)) == {}
    assert items(student("学前", inclusive)) == {}


def test_preschool_fee_needs_former_poor_and_formal_enrollment():
    k = school("学前", inclusive_kindergarten=False)
    assert items(student("学前", k, groups={"former_poor"})) == {"preschool_fee": 600}
    assert items(student("学前", k, groups={"former_poor"}, formal=False)) == {}
    assert items(student("学前", k, groups={"monitored"})) == {}


# ---- 义务教育
def test_provincial_nutrition_unless_school_in_national_plan():
    assert items(student("小学", school("小学"), groups={"former_poor"})) == {
        "provincial_nutrition": 800
    }
    assert (
        items(student("初中", school("初中", national_nutrition=True), groups={"former_poor"}))
        == {}
    )
    assert items(student("初中", school("初中"), groups={"dibao"})) == {}


@pytest.mark.parametrize(
    "stage,boarding,item,amount",
    [("小学", True, "primary_boarding", 1000), ("小学", False, "primary_day", 500),
     ("初中", True, "junior_boarding", 1250), ("初中", False, "junior_day", 625)],
)  # fmt: skip
def test_living_allowance_boarding_vs_day(stage, boarding, item, amount):
    assert items(student(stage, hardship=True, boarding=boarding)) == {item: amount}
    assert (
        items(student(stage, hardship=True, boarding=boarding, formal=False)) == {}
    )  # 正式学籍 否
    assert items(student(stage, hardship=False, boarding=boarding)) == {}


def test_junior_poor_hardship_boarder_gets_both_and_total():
    s = student("初中", hardship=True, boarding=True, groups={"former_poor"})
    assert items(s) == {"provincial_nutrition": 800, "junior_boarding": 1250}
    assert expected_total(eligible_items(s, POLICY)) == 2050


# ---- 普通高中
def test_senior_fee_waivers_follow_the_school_standard():
    sch = school("普通高中", tuition=Decimal(1600), lodging_fee=Decimal(400))
    assert items(student("普通高中", sch, groups={"former_poor"}, boarding=True)) == {
        "senior_tuition": 1600,
        "senior_lodging": 400,
    }
    assert items(student("普通高中", sch, groups={"former_poor"}, boarding=False)) == {
        "senior_tuition": 1600
    }
    assert items(student("普通高中", sch, groups={"tekun"})) == {"senior_tuition": 1600}


def test_senior_dibao_without_hardship_gets_waiver_but_no_grant():
    sch = school("普通高中", tuition=Decimal(1600))
    assert items(student("普通高中", sch, groups={"dibao"})) == {"senior_tuition": 1600}
    assert items(student("普通高中", sch, groups={"dibao"}, hardship=True)) == {
        "senior_tuition": 1600,
        "senior_grant": 2000,
    }


def test_senior_disabled_needs_hardship_for_the_waiver():
    sch = school("普通高中", tuition=Decimal(1600))
    assert items(student("普通高中", sch, groups={"disabled"})) == {}
    assert items(student("普通高中", sch, groups={"disabled"}, hardship=True)) == {
        "senior_tuition": 1600,
        "senior_grant": 2000,
    }


def test_missing_fee_standard_is_listed_without_an_amount():
    s = student("普通高中", school("普通高中"), groups={"former_poor"})
    (item,) = eligible_items(s, POLICY)
    assert item.amount is None and "学校未填报标准" in item.note
    assert expected_total([item]) == 0


# ---- 中职
def test_vocational_non_poor_family_gets_only_free_tuition():
    sch = school("中职", tuition=Decimal(2000))
    assert items(student("中职", sch)) == {"vocational_tuition": 2000}
    assert items(student("中职", sch, formal=False)) == {}
    assert items(student("中职", sch, hardship=True)) == {
        "vocational_tuition": 2000,
        "vocational_grant": 2000,
    }


def test_yulu_only_for_poor_or_monitored_families():
    sch = school("中职", tuition=Decimal(2000))
    assert items(student("中职", sch, groups={"monitored"}))["yulu"] == 3000
    assert items(student("中职", sch, groups={"former_poor"}))["yulu"] == 3000
    assert "yulu" not in items(student("中职", sch, groups={"dibao"}, hardship=True))
    assert items(student("高职专科", school("高职"), groups={"former_poor"})) == {"yulu": 3000}
    assert items(student("本科", school("本科"), groups={"former_poor"})) == {}


# ---- 高等教育
def test_college_grant_needs_hardship():
    assert items(student("本科", school("本科"), hardship=True)) == {"college_grant": 3300}
    assert items(student("高职专科", school("高职"), hardship=True)) == {"college_grant": 3300}
    assert items(student("本科", school("本科"))) == {}


def test_graduate_grants_both_levels():
    assert items(student("硕士研究生", school("研究生"))) == {"master_grant": 6000}
    assert items(student("博士研究生", school("研究生"))) == {"doctor_grant": 13000}


# ---- the card's policy table and the review list
def test_stage_table_lists_every_item_of_the_stage():
    names = [i.name for i in stage_items(POLICY, "初中", school("初中"))]
    assert names == ["省定营养改善计划", "寄宿生生活补助", "非寄宿生生活补助"]


def test_special_group_not_hardship_is_listed_for_review():
    assert special_groups_without_hardship(student("初中", groups={"dibao", "orphan"})) == [
        "低保",
        "孤儿",
    ]
    assert special_groups_without_hardship(student("初中", groups={"dibao"}, hardship=True)) == []
    assert special_groups_without_hardship(student("初中")) == []


def test_amounts_come_from_the_policy_file(tmp_path):
    from reportgen.paths import policies_dir

    text = (policies_dir() / "henan-2023" / "policy.toml").read_text(encoding="utf-8")
    custom = tmp_path / "p.toml"
    text = text.replace("[meta]\n", '[meta]\nbased_on = "henan-2023"  # its texts\n', 1)
    custom.write_text(text.replace("amount = 1250", "amount = 1300"), encoding="utf-8")
    policy = load_policy(str(custom))
    s = student("初中", hardship=True, boarding=True)
    assert {i.id: i.amount for i in eligible_items(s, policy)} == {"junior_boarding": 1300}
