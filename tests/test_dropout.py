"""控辍保学: each check just inside and just outside its boundary, the 送教 month window, the example
county's D-cases, and the archive and ledger read back as a user would."""

import datetime as dt
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from builders import CHILD_A, REGIONS, SCHOOLS, full_county, make_id, write_xlsx
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from reportgen.cli import cli
from reportgen.config import load_settings
from reportgen.dropout import (
    CLEARED,
    OPEN,
    SECURED,
    DropoutCase,
    HouseholdLink,
    Persuasion,
    Standard,
    Visit,
    case_problems,
    home_teaching_months,
    judged_months,
    last_complete_month,
    standing,
)
from reportgen.rules import builtin_rules
from reportgen.workspace import open_dataset

D = dt.date
AS_OF = D(2023, 10, 1)
BLANK = "＿＿＿＿＿＿＿＿"
EXAMPLE = Path(__file__).resolve().parent.parent / "data_examples" / "示例县"


@pytest.fixture(scope="module")
def std(tmp_path_factory) -> Standard:
    """The shipped policy's numbers (henan-2023: 3 attempts; 2 visits × 3 课时 a month)."""
    return Standard.from_policy(load_settings(tmp_path_factory.mktemp("policy")).policy)


def case(status="劝返中", attempts=(), visits=(), **kw) -> DropoutCase:
    facts = dict(student_no="X001", name="测试生", id_number=CHILD_A, school_code="S01", school="城关镇第一初级中学",
                 school_township="城关镇", school_township_code="411599101", stage="初中", grade="八年级",
                 class_name="1班", found_on=D(2023, 3, 1), status=status)  # fmt: skip
    facts.update(kw)
    return DropoutCase(
        **facts,
        persuasions=tuple(Persuasion(d, "班主任", "入户劝返", r) for d, r in attempts),
        visits=tuple(Visit(d, "王老师", Decimal(str(h)), "语文") for d, h in visits),
    )


def failed(*days) -> list:
    return [(d, "未返校") for d in days]


def codes(c: DropoutCase, std: Standard, as_of: dt.date = AS_OF) -> list[str]:
    return [f.code for f in case_problems(c, as_of, std)]


THREE = failed(D(2023, 3, 5), D(2023, 3, 12), D(2023, 3, 19))


# ------------------------------------------------------------------------------ persuasions
def test_two_attempts_are_too_few_three_are_enough(std):
    two = case_problems(case(attempts=THREE[:2], reported_county_on=D(2023, 3, 20)), AS_OF, std)
    assert [f.code for f in two] == ["dropout.persuasion_count"]
    assert two[0].title == "劝返不足3次仍未复学"
    assert two[0].text == "截至2023年10月1日劝返2次，不足3次，仍未复学（当前状态：劝返中）"
    assert codes(case(attempts=THREE, reported_county_on=D(2023, 3, 20)), std) == []


def test_rules_apply_to_every_status_still_out_of_school(std):
    for status in ("送教上门", "延缓入学", "休学"):
        c = case(status, attempts=THREE[:2], county_approved_on=D(2023, 4, 1),
                 visits=[(D(2023, 9, 5), 3), (D(2023, 9, 19), 3)])  # fmt: skip
        assert "dropout.persuasion_count" in codes(c, std), status


def test_returned_student_with_one_attempt_raises_nothing(std):
    c = case("已复学", attempts=[(D(2023, 9, 12), "已返校")])
    assert case_problems(c, AS_OF, std) == []
    assert c.returned_on == D(2023, 9, 12)


def test_closed_cases_raise_nothing(std):
    for status in ("超龄离校", "已销号"):
        assert codes(case(status, attempts=THREE), std) == [], status


def test_attempts_after_as_of_do_not_count_yet(std):
    c = case(attempts=THREE, reported_county_on=D(2023, 3, 20))
    assert codes(c, std, as_of=D(2023, 3, 18)) == ["dropout.persuasion_count"]
    assert codes(c, std, as_of=D(2023, 3, 20)) == []


def test_three_failed_attempts_not_reported_vs_reported(std):
    (f,) = case_problems(case(attempts=THREE), AS_OF, std)
    assert f.code == "dropout.county_report"
    assert f.text == "劝返3次未返校（最近一次2023年3月19日），未报县联合劝返工作组"
    assert codes(case(attempts=THREE, reported_county_on=D(2023, 3, 22)), std) == []
    # a report dated after as-of has not happened yet on that day
    assert codes(case(attempts=THREE, reported_county_on=D(2023, 10, 2)), std) == [
        "dropout.county_report"
    ]


def test_only_failed_attempts_count_towards_the_county_report(std):
    once_back = [*failed(D(2023, 3, 5), D(2023, 3, 12)), (D(2023, 3, 19), "已返校")]
    assert codes(case(attempts=once_back), std) == []  # 3 attempts, 2 failed
    assert codes(case(attempts=[*once_back, (D(2023, 4, 2), "")]), std) == [
        "dropout.county_report"  # a blank result is not a return
    ]


def test_policy_numbers_drive_the_checks(tmp_path):
    (tmp_path / "reportgen.toml").write_text(
        "[policy_overrides]\ndropout.persuasion_min_attempts = 4\n"
        "dropout.home_teaching_min_hours_per_visit = 2\n",
        encoding="utf-8",
    )
    strict = Standard.from_policy(load_settings(tmp_path).policy)
    c = case(attempts=THREE, reported_county_on=D(2023, 3, 20))
    (f,) = case_problems(c, AS_OF, strict)
    assert f.title == "劝返不足4次仍未复学" and "劝返3次，不足4次" in f.text
    short = case("送教上门", attempts=THREE, reported_county_on=D(2023, 3, 20),
                 visits=[(D(2023, 9, 5), 2), (D(2023, 9, 19), 2)])  # fmt: skip
    assert "dropout.home_teaching_short" not in codes(short, strict)


def test_the_dropout_rules_read_the_runs_policy(run, workspace):
    """The rules judge and word their findings with the workspace's policy, not the built-in one."""
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    (workspace / "reportgen.toml").write_text(
        "[policy_overrides]\ndropout.persuasion_min_attempts = 4\n", encoding="utf-8"
    )
    result = run("check", "--as-of", "2023-09-30", "--json", "--rule", "D-ATTEMPTS")
    (found,) = json.loads(result.stdout)
    assert found["title"] == "劝返不足4次仍未复学"
    assert found["detail"] == "截至2023年9月30日劝返1次，不足4次，仍未复学（当前状态：劝返中）"
    policy = load_settings(workspace).policy
    assert builtin_rules()["D-ATTEMPTS"].title_text(policy) == "劝返不足4次仍未复学"
    assert (
        builtin_rules()["D-NOT-REPORTED"].title_text(policy)
        == "劝返4次以上仍未复学，未报县联合劝返工作组"
    )


# ------------------------------------------------------------------------------ 延缓/休学
def test_deferral_needs_county_approval(std):
    for status in ("延缓入学", "休学"):
        c = case(status, attempts=THREE, reported_county_on=D(2023, 3, 20))
        (f,) = case_problems(c, AS_OF, std)
        assert (
            f.code == "dropout.deferral_approval" and f.text == f"已办理{status}，没有县级批准日期"
        )
        approved = case(status, attempts=THREE, reported_county_on=D(2023, 3, 20),
                        county_approved_on=D(2023, 4, 10))  # fmt: skip
        assert codes(approved, std) == []


def _deferred(**kw) -> DropoutCase:
    base = dict(
        attempts=THREE, reported_county_on=D(2023, 3, 20), county_approved_on=D(2023, 4, 10)
    )
    return case("延缓入学", **{**base, **kw})


def test_disability_based_deferral_needs_the_disability_federation(std):
    (f,) = case_problems(_deferred(reason="身体原因（肢体残疾二级）"), AS_OF, std)
    assert f.code == "dropout.disability_assessment"
    assert f.text == "因残疾办理延缓入学（辍学原因写明残疾），没有县残联评估认定日期"
    assessed = _deferred(reason="身体原因（肢体残疾二级）", disability_assessed_on=D(2023, 4, 1))
    assert codes(assessed, std) == []
    # the student's own flag, or the linked person's record, makes it disability-based too
    assert codes(_deferred(reason="身体原因", student_disabled=True), std) == [
        "dropout.disability_assessment"
    ]
    linked = HouseholdLink(
        "H1", "脱贫户", None, "411599101201", "王庄村", "城关镇", person_disabled=True
    )
    assert codes(_deferred(reason="", household=linked), std) == ["dropout.disability_assessment"]
    assert codes(_deferred(reason="厌学，本人拒不返校"), std) == []
    # not deferred: no 残联 rule (送教上门 is judged by its visits)
    assert (
        codes(case(reason="肢体残疾", attempts=THREE, reported_county_on=D(2023, 3, 20)), std) == []
    )


# ------------------------------------------------------------------------------ 送教上门
def _teaching(visits, **kw) -> DropoutCase:
    return case("送教上门", attempts=THREE, reported_county_on=D(2023, 3, 20), visits=visits, **kw)


def test_a_month_with_two_visits_of_three_hours_passes(std):
    assert codes(_teaching([(D(2023, 9, 5), 3), (D(2023, 9, 19), 3)]), std) == []


def test_two_visits_of_two_hours_or_one_visit_fail(std):
    (short,) = case_problems(_teaching([(D(2023, 9, 5), 2), (D(2023, 9, 19), 2)]), AS_OF, std)
    assert short.code == "dropout.home_teaching_short"
    assert short.title == "送教上门每月不足2次或每次不足3课时"
    assert short.text == (
        "未达到每月不少于2次、每次不少于3课时的月份：2023年9月送教2次（达到3课时的0次）"
    )
    (single,) = case_problems(_teaching([(D(2023, 9, 5), 3)]), AS_OF, std)
    assert single.text.endswith("2023年9月送教1次（达到3课时的1次）")
    # a shorter visit does not count, even beside two good ones it is simply not counted
    mixed = _teaching([(D(2023, 9, 5), 3), (D(2023, 9, 12), 2.5), (D(2023, 9, 19), 3)])
    assert codes(mixed, std) == []
    assert codes(_teaching([(D(2023, 9, 5), 3), (D(2023, 9, 12), 2.5)]), std) == [
        "dropout.home_teaching_short"
    ]


def test_the_month_window_runs_from_the_first_visit_to_the_last_complete_month(std):
    assert last_complete_month(D(2023, 10, 1)) == (2023, 9)
    assert last_complete_month(D(2023, 9, 30)) == (2023, 9)  # as-of counts whole
    assert last_complete_month(D(2023, 9, 29)) == (2023, 8)
    assert last_complete_month(D(2024, 1, 15)) == (2023, 12)
    assert judged_months(D(2023, 11, 20), D(2024, 2, 1)) == [(2023, 11), (2023, 12), (2024, 1)]
    # June and July fine, nothing in August (a gap month counts as 0), September short
    c = _teaching([(D(2023, 6, 9), 3), (D(2023, 6, 23), 3), (D(2023, 7, 9), 3), (D(2023, 7, 23), 3),
                   (D(2023, 9, 8), 3)])  # fmt: skip
    months = home_teaching_months(c, AS_OF, std)
    assert [(m.label, m.visits, m.counted, m.under) for m in months] == [
        ("2023年6月", 2, 2, False), ("2023年7月", 2, 2, False),
        ("2023年8月", 0, 0, True), ("2023年9月", 1, 1, True),
    ]  # fmt: skip
    (f,) = case_problems(c, AS_OF, std)
    assert "2023年8月送教0次" in f.text and "2023年9月送教1次" in f.text
    # the current month is not judged until it is complete; months before the first visit never are
    assert [m.label for m in home_teaching_months(c, D(2023, 9, 29), std)][-1] == "2023年8月"
    first_this_month = _teaching([(D(2023, 9, 15), 3)])
    assert codes(first_this_month, std, as_of=D(2023, 9, 29)) == []
    assert codes(first_this_month, std, as_of=D(2023, 9, 30)) == ["dropout.home_teaching_short"]


def test_home_teaching_without_any_visit(std):
    (f,) = case_problems(_teaching([]), AS_OF, std)
    assert f.code == "dropout.home_teaching_missing"
    assert f.text == "状态为送教上门，截至2023年10月1日没有送教记录"
    # a visit after as-of does not exist yet
    assert codes(_teaching([(D(2023, 10, 8), 3)]), std) == ["dropout.home_teaching_missing"]


# ------------------------------------------------------------------------------ example county
# data_examples/README.md, 边界用例 D01–D15, as of 2023-10-01.
EXPECTED = {
    "0620230010": ["dropout.persuasion_count"],  # D01
    "0520220006": [],  # D02
    "0620210010": ["dropout.county_report"],  # D03
    "0520210005": [],  # D04
    "0620210008": [],  # D05
    "0320190008": [],  # D06
    "0620210011": [],  # D07
    "0620210014": ["dropout.deferral_approval"],  # D08
    "0420230004": [],  # D09
    "0320230004": ["dropout.disability_assessment"],  # D10
    "0520220004": [],  # D11
    "0320180003": ["dropout.home_teaching_short"],  # D12
    "0520230006": ["dropout.home_teaching_short"],  # D13
    "0520210009": [],  # D14
    "0520220003": [],  # D15
}


@pytest.fixture(scope="module")
def example(tmp_path_factory, module_db):
    """The example county imported once into a workspace (CLI runs use their own --out)."""
    ws = tmp_path_factory.mktemp("example")
    (ws / "reportgen.toml").write_text(
        f"database = '{module_db()}'\n"
        '[county]\nname = "青山县"\n[offices]\neducation = "青山县教育局"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["-C", str(ws), "-q", "import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    return ws


def example_run(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(ws), "-q", "dropout", *args], catch_exceptions=False)


def example_cases(ws: Path):
    from reportgen.dropout import load_cases

    settings = load_settings(ws)
    dataset = open_dataset(settings)
    try:
        return load_cases(dataset), Standard.from_policy(settings.policy)
    finally:
        dataset.dispose()


def test_example_county_d_cases_give_exactly_the_readme_findings(example):
    cases, std = example_cases(example)
    found = {c.student_no: [f.code for f in case_problems(c, AS_OF, std)] for c in cases}
    assert found == EXPECTED
    texts = {c.student_no: [f.text for f in case_problems(c, AS_OF, std)] for c in cases}
    assert texts["0320180003"] == [
        "未达到每月不少于2次、每次不少于3课时的月份：2023年9月送教2次（达到3课时的0次）"
    ]
    assert texts["0520230006"][0].endswith("2023年9月送教1次（达到3课时的1次）")
    # the self-check judges as of the quarter's last day: the same findings
    assert {
        c.student_no: [f.code for f in case_problems(c, D(2023, 9, 30), std)] for c in cases
    } == EXPECTED
    d14 = next(c for c in cases if c.student_no == "0520210009")
    assert d14.household is None  # no linked person: the archive leaves the household blank


def test_ledger_rows_and_counts(example):
    result = example_run(example, "--county", "--as-of", "2023-10-01", "--out", "全县")
    assert result.exit_code == 0, result.output
    assert "已生成 15 名辍学学生的控辍保学档案；发现问题 6 条，涉及 6 名学生" in result.output
    out = example / "全县"
    assert len(list(out.glob("控辍保学档案_*.docx"))) == 15
    wb = load_workbook(out / "控辍保学台账_青山县_2023年10月1日.xlsx")
    rows = list(wb["台账"].iter_rows(values_only=True))
    assert rows[0][0] == "青山县控辍保学台账（截至2023年10月1日）"
    header = rows[2]
    data = [dict(zip(header, r)) for r in rows[3:]]
    assert [r["序号"] for r in data] == list(range(1, 16))
    assert {r["学籍号"]: bool(r["问题"]) for r in data} == {k: bool(v) for k, v in EXPECTED.items()}
    d03 = next(r for r in data if r["学籍号"] == "0620210010")
    assert (d03["姓名"], d03["学校"], d03["当前状态"], d03["劝返次数"]) == (
        "杨可馨",
        "石桥镇九年一贯制学校",
        "劝返中",
        3,
    )
    assert d03["最近劝返日期"].date() == D(2023, 5, 9) and d03["最近劝返结果"] == "未返校"
    assert d03["是否报县"] == "否" and d03["报县日期"] is None
    assert d03["问题"] == (
        "1．劝返3次以上仍未复学，未报县联合劝返工作组：劝返3次未返校（最近一次2023年5月9日），未报县联合劝返工作组"
    )
    d12 = next(r for r in data if r["学籍号"] == "0320180003")
    assert d12["送教次数"] == 8 and d12["是否报县"] == "是" and d12["户类型"] == "一般农户"
    assert d12["所在村"] == "城关镇东关村"
    assert d12["销号"] == "未销号：送教上门，义务教育有保障，继续跟踪"
    assert {r["销号"] for r in data if r["当前状态"] in ("已复学", "超龄离校", "已销号")} <= {
        "已销号（已复学）", "已销号（超龄离校）", "已销号（已销号）"}  # fmt: skip
    assert d03["销号"] == "未销号：劝返中"
    counts = list(wb["分乡镇分学校统计"].iter_rows(values_only=True))
    assert counts[1][:10] == ("乡镇", "学校", "辍学学生", "已复学", "劝返中", "送教上门", "延缓入学/休学",
                              "已结案（超龄离校/已销号）", "有问题的学生", "问题条数")  # fmt: skip
    assert [r[:10] for r in counts[2:]] == [
        ("城关镇", "城关镇第一小学", 3, 1, 0, 1, 1, 0, 2, 2),
        ("城关镇", "城关镇第一初级中学", 6, 0, 2, 2, 0, 2, 1, 1),
        ("城关镇小计", None, 9, 1, 2, 3, 1, 2, 3, 3),
        ("河口乡", "河口乡中心小学", 1, 0, 0, 0, 1, 0, 0, 0),
        ("河口乡小计", None, 1, 0, 0, 0, 1, 0, 0, 0),
        ("石桥镇", "石桥镇九年一贯制学校", 5, 1, 2, 0, 2, 0, 3, 3),
        ("石桥镇小计", None, 5, 1, 2, 0, 2, 0, 3, 3),
        ("合计", None, 15, 2, 4, 3, 4, 2, 6, 6),
    ]


def _doc_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            seen: list = []  # a merged cell appears once per grid column it spans
            cells = []
            for c in row.cells:
                if not any(c._tc is tc for tc in seen):
                    seen.append(c._tc)
                    cells.append(c.text)
            parts.append(" | ".join(cells))
    return "\n".join(parts)


def test_home_teaching_archive(example):
    assert (
        example_run(
            example, "--student", "0320180003", "--as-of", "2023-10-01", "--out", "d12"
        ).exit_code
        == 0
    )
    out = example / "d12"
    path = out / "控辍保学档案_城关镇第一小学_徐梓涵_0320180003.docx"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [path.name, "控辍保学台账_徐梓涵_0320180003_2023年10月1日.xlsx", "manifest.json"]
    )
    text = _doc_text(path)
    assert "姓名 | 徐梓涵 | 学籍号 | 0320180003" in text
    assert "当前状态 | 送教上门" in text and "家庭类别 | 一般农户 | 所在村 | 城关镇东关村" in text
    assert "三、送教上门记录表" in text and "四、处置情况" in text and "五、发现的问题" in text
    assert "7 | 2023年9月8日 | 城关镇第一小学王老师 | 2 | 绘画与手工 | 课时不足不计" in text
    assert "2023年8月 | 2 | 2 | 达标" in text and "2023年9月 | 2 | 0 | 未达标" in text
    assert "检查期间：2023年6月至2023年9月" in text
    assert "报县联合劝返工作组日期 | 2023年6月2日" in text
    assert "县残联评估认定日期 | 2023年6月9日" in text
    assert "县级批准日期（延缓入学/休学） | —（不涉及）" in text
    assert "1．送教上门每月不足2次或每次不足3课时：" in text


def test_archive_without_home_teaching_leaves_missing_dates_blank(example):
    assert (
        example_run(
            example, "--school", "城关镇第一初级中学", "--as-of", "2023-10-01", "--out", "s"
        ).exit_code
        == 0
    )
    text = _doc_text(example / "s" / "控辍保学档案_城关镇第一初级中学_叶睿_0520210009.docx")  # D14
    assert "送教上门记录表" not in text and "三、处置情况" in text and "四、发现的问题" in text
    assert (
        f"家庭类别 | {BLANK} | 所在村 | {BLANK}" in text
    )  # no linked household: blank, not guessed
    assert "县级批准日期（延缓入学/休学） | 2023年6月20日" in text
    assert f"复学或结案 | 超龄离校，离校标注日期：{BLANK}" in text
    assert "截至2023年10月1日未发现问题。" in text
    assert len(list((example / "s").glob("*.docx"))) == 6


def test_scope_and_errors(example):
    assert (
        example_run(
            example, "--township", "石桥镇", "--as-of", "2023-10-01", "--out", "t"
        ).exit_code
        == 0
    )
    out = example / "t"
    assert len(list(out.glob("*.docx"))) == 5
    assert (out / "控辍保学台账_石桥镇_2023年10月1日.xlsx").is_file()
    none = example_run(example, "--as-of", "2023-10-01")
    assert none.exit_code == 3 and "请且只请给出一个范围" in none.stderr
    unknown = example_run(example, "--student", "9999")
    assert unknown.exit_code == 5 and "没有学籍号为 9999 的学生" in unknown.stderr
    bad_date = example_run(example, "--county", "--as-of", "十月")
    assert bad_date.exit_code == 3
    # a case found after as-of did not exist yet: D01 and D05 were found on 2023-09-04 and 09-11
    early = example_run(example, "--township", "石桥镇", "--as-of", "2023-09-01", "--out", "early")
    assert "已生成 3 名" in early.output
    assert not list((example / "early").glob("*刘锦程*")) and not list(
        (example / "early").glob("*杨欣怡*")
    )


# ------------------------------------------------------------------------------ archive order, privacy
@pytest.fixture
def small_ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    write_xlsx(
        workspace / "more.xlsx",
        {"劝返记录": [["学籍号", "劝返日期", "劝返人员", "劝返方式", "劝返结果"],
                   ["G001", "2023-09-20", "县联合劝返工作组", "联合劝返", "未返校"],
                   ["G001", "2023-09-12", "校长、村支书", "", "未返校"]]},
    )  # fmt: skip
    assert run("import", "more.xlsx").exit_code == 0
    return workspace


def test_archive_lists_attempts_in_date_order_and_masks_the_id(run, small_ws):
    result = run("dropout", "--student", "G001", "--as-of", "2023-10-01")
    assert result.exit_code == 0, result.output
    path = small_ws / "输出" / "控辍保学" / "控辍保学档案_城关镇第一初级中学_张小明_G001.docx"
    doc = Document(path)
    table = next(
        t
        for t in doc.tables
        if t.rows[0].cells[0].text == "序号" and "劝返日期" in t.rows[0].cells[1].text
    )
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert rows == [
        ["1", "2023年9月5日", "班主任王老师", "入户", "未返校"],
        ["2", "2023年9月12日", "校长、村支书", BLANK, "未返校"],
        ["3", "2023年9月20日", "县联合劝返工作组", "联合劝返", "未返校"],
    ]
    text = _doc_text(path)
    masked = CHILD_A[:3] + "*" * 11 + CHILD_A[-4:]
    assert f"身份证号 | {masked}" in text
    for part in zipfile.ZipFile(path).namelist():
        if part.endswith(".xml"):
            assert CHILD_A not in zipfile.ZipFile(path).read(part).decode("utf-8")
    assert "家庭类别 | 脱贫户 | 所在村 | 城关镇王庄村" in text
    assert f"报县联合劝返工作组日期 | {BLANK}" in text
    assert (
        "1．劝返3次以上仍未复学，未报县联合劝返工作组：劝返3次未返校（最近一次2023年9月20日）"
        in text
    )


@pytest.mark.soffice
def test_archive_prints_on_one_page_without_home_teaching(example):
    import subprocess

    result = example_run(
        example, "--student", "0620230010", "--as-of", "2023-10-01", "--pdf", "--out", "pdf"
    )
    assert result.exit_code == 0, result.output
    pdf = example / "pdf" / "控辍保学档案_石桥镇九年一贯制学校_刘锦程_0620230010.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert " ".join(info.split()).count("Pages: 1") == 1
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = "".join(text.split())  # pdftotext spaces digits apart from Chinese
    assert "控辍保学学生档案" in text and "刘锦程" in text and "劝返不足3次仍未复学" in text


# ------------------------------------------------------------------------------ the 第四部分 indicator
def test_standing_secured_open_or_cleared(std):
    """Seed 二.一.(二).1③④: 送教上门 and a 休学 / 延缓入学 approved by the county (assessed by the 残联
    when on disability grounds) count as 有保障; an approval dated after the day has not happened."""
    as_of = D(2023, 9, 30)
    approved = {"county_approved_on": as_of}
    assert standing(case("劝返中"), as_of, std) == (OPEN, "劝返中")
    assert standing(case("送教上门"), as_of, std) == (SECURED, "送教上门")
    for status in ("休学", "延缓入学"):
        assert standing(case(status, **approved), as_of, std) == (SECURED, status)
        late = case(status, county_approved_on=as_of + dt.timedelta(days=1))
        assert standing(late, as_of, std) == (OPEN, f"{status}未经县级批准")
        ill = case(status, reason="身体原因（肢体残疾）", **approved)
        assert standing(ill, as_of, std) == (OPEN, f"{status}未经县残联评估认定")
        assessed = case(
            status, reason="身体原因（肢体残疾）", disability_assessed_on=as_of, **approved
        )
        assert standing(assessed, as_of, std) == (SECURED, status)
    for status in ("已复学", "超龄离校", "已销号"):
        assert standing(case(status), as_of, std)[0] == CLEARED, status


def test_closure_marks_over_age_students_and_says_what_is_closed(std):
    """Seed 二.一.(二).1③ 超龄后的离校标注和台账销号: over the pack's compulsory age (15: full years
    from the ID number) a student still out of school is due the 超龄离校 mark; 16 on the day is
    over, the day before still 15."""
    from reportgen.documents.dropout_archive import closure

    sixteen = make_id("20071001", 55)  # 16 on 2023-10-01
    assert closure(case(id_number=sixteen), AS_OF, std, 15) == (
        "已满16周岁，应办理超龄离校标注",
        "未销号：劝返中",
    )
    assert closure(case(id_number=sixteen), AS_OF - dt.timedelta(days=1), std, 15) == ("", "未销号：劝返中")
    assert closure(case("超龄离校", id_number=sixteen), AS_OF, std, 15) == ("已标注超龄离校", "已销号（超龄离校）")
    assert closure(case("已复学", id_number=sixteen), AS_OF, std, 15) == ("", "已销号（已复学）")
    assert closure(case("送教上门"), AS_OF, std, 15) == ("", "未销号：送教上门，义务教育有保障，继续跟踪")
    assert closure(case("休学", county_approved_on=AS_OF), AS_OF, std, 15)[1] == (
        "未销号：休学，义务教育有保障，继续跟踪"
    )
    assert closure(case("休学"), AS_OF, std, 15)[1] == "未销号：休学未经县级批准"
    assert closure(case(id_number="411521X"), AS_OF, std, 15) == ("", "未销号：劝返中")  # no birth date


# fmt: off
INDICATOR_CASES = [
    # 学籍号, 学段, 发现日期, 辍学原因, 当前状态, 县级批准日期, 残联评估日期
    ["K01", "初中", "2023-09-04", "厌学", "劝返中", "", ""],
    ["K02", "初中", "2023-03-01", "厌学", "已复学", "", ""],
    ["K03", "小学", "2023-03-01", "身体原因（肢体残疾）", "送教上门", "", "2023-03-10"],
    ["K04", "初中", "2023-03-01", "本人拒不返校", "延缓入学", "2023-09-30", ""],  # approved on the day
    ["K05", "初中", "2023-03-01", "厌学，本人拒不返校", "休学", "2023-05-10", ""],
    ["K06", "初中", "2023-03-01", "本人拒不返校", "延缓入学", "2023-10-01", ""],  # the day after
    ["K07", "小学", "2023-03-01", "身体原因（智力残疾）", "延缓入学", "2023-09-01", ""],  # no 残联
    ["K08", "小学", "2023-03-01", "身体原因（智力残疾）", "延缓入学", "2023-09-01", "2023-08-20"],
    ["K09", "初中", "2023-03-01", "厌学", "休学", "", ""],  # never approved
    ["K10", "初中", "2023-03-01", "超过16周岁", "超龄离校", "", ""],
    ["K11", "初中", "2023-03-01", "随父母外出", "已销号", "", ""],
    ["K12", "普通高中", "2023-03-01", "厌学", "劝返中", "", ""],  # not 义务教育阶段
    ["K13", "初中", "2023-10-05", "厌学", "劝返中", "", ""],  # found after the quarter
]
# fmt: on


def indicator_row(run, workspace, cases) -> tuple[list[str], dict[str, str]]:
    """Import a county with these dropout cases, write the 2023Q3 self-check and read back table 1's
    失学辍学 row and table 2's 辍学未清零 column by area."""
    students = [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级", "班级"]]
    for i, (no, stage, *_) in enumerate(cases):
        school = "S02" if stage == "普通高中" else "S01"
        students.append(
            [no, f"学生{no}", make_id("20100901", 20 + i), school, stage, "八年级", "1班"]
        )
    write_xlsx(
        workspace / "辍学.xlsx",
        {"行政区划": REGIONS, "学校": SCHOOLS, "学生": students,
         "辍学学生": [["学籍号", "发现日期", "辍学原因", "当前状态", "县级批准日期", "残联评估日期"],
                  *[[no, *rest] for no, _, *rest in cases]]},
    )  # fmt: skip
    (workspace / "reportgen.toml").write_text('[county]\nname = "青山县"\n', encoding="utf-8")
    assert run("import", "辍学.xlsx").exit_code == 0
    result = run("selfcheck", "--quarter", "2023Q3")
    assert result.exit_code == 0, result.output
    doc = Document(str(workspace / "输出/自查报告/青山县_2023年第三季度_自查报告.docx"))
    row = next(
        [c.text for c in r.cells]
        for r in doc.tables[0].rows
        if r.cells[0].text == "义务教育阶段失学辍学"
    )
    header = [c.text for c in doc.tables[1].rows[0].cells]
    column = header.index("辍学未清零（人）")
    return row, {r.cells[0].text: r.cells[column].text for r in doc.tables[1].rows[1:]}


def test_the_dropout_indicator_counts_only_real_dropouts(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    row, by_area = indicator_row(run, workspace, INDICATOR_CASES)
    assert by_area == {"城关镇": "4", "河口乡": "0", "合计": "4"}
    assert row[3] == "未清零"
    assert row[2] == (
        "失学辍学4人（劝返中1人、休学未经县级批准1人、延缓入学未经县残联评估认定1人、延缓入学未经县级批准1人）；"
        "另有送教上门1人、休学1人、延缓入学2人，按政策视为有保障"
    )


def test_secured_students_alone_leave_the_indicator_cleared(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    secured = [c for c in INDICATOR_CASES if c[0] in ("K02", "K03", "K04", "K05", "K08", "K12")]
    row, by_area = indicator_row(run, workspace, secured)
    assert by_area == {"城关镇": "0", "河口乡": "0", "合计": "0"}
    assert row[3] == "已清零"
    assert row[2] == "失学辍学0人；另有送教上门1人、休学1人、延缓入学2人，按政策视为有保障"
