"""Rules the example county does not plant both sides of: each just inside and just outside."""

import json

import sqlalchemy as sa
from builders import HOUSEHOLDS, PERSONS, REGIONS, full_county, make_id, write_xlsx

from reportgen.config import load_settings


def findings(run, rule_id, as_of="2023-09-30"):
    result = run("check", "--as-of", as_of, "--json", "--rule", rule_id)
    assert result.exit_code == 0, result.output
    return {f["key"]: f["detail"] for f in json.loads(result.stdout)}


def base(workspace, households=None, persons=None, **sheets):
    write_xlsx(
        workspace / "base.xlsx",
        {
            "行政区划": REGIONS,
            "户信息": households or HOUSEHOLDS,
            "人员信息": persons or PERSONS,
            **sheets,
        },
    )
    return workspace / "base.xlsx"


def test_monitored_household_without_a_helper(run, workspace):
    households = [h[:] + [""] for h in HOUSEHOLDS]
    households[0][-1] = "帮扶责任人"
    households[3] = households[3][:5] + ["突发严重困难户"] + households[3][6:-1] + ["王干部"]
    households[3][4] = "监测户"
    assert run("import", str(base(workspace, households))).exit_code == 0
    found = findings(run, "M-NO-HELPER")
    assert found == {"H002": "监测户无帮扶责任人"}  # H003 is monitored too, but has 王干部


def test_member_count_stated_in_an_extra_column(run, workspace):
    households = [
        h[:] + ["家庭人口"] if i == 0 else h[:] + [n]
        for i, (h, n) in enumerate(zip(HOUSEHOLDS, ["", 3, 3, 1]))
    ]
    assert run("import", str(base(workspace, households))).exit_code == 0
    # H001 has 3 person rows (as stated), H002 has 2 (stated 3), H003 has 1 (as stated)
    assert findings(run, "DATA-SIZE") == {"H002": "家庭人口填报3人，人员信息中有2人"}


def test_monitored_household_without_a_type_written_by_other_means(run, workspace):
    assert run("import", str(base(workspace))).exit_code == 0
    assert findings(run, "DATA-TYPE") == {}
    engine = sa.create_engine(load_settings(workspace).db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("update households set monitor_type = null where household_id = 'H002'")
        )
    engine.dispose()
    assert findings(run, "DATA-TYPE") == {"H002": "户类型为监测户，监测类型为空"}


def test_dates_in_order_and_out_of_order(run, workspace):
    procs = [["户编号", "程序类型", "风险发现日期", "入户核实日期", "县级审批日期", "公示开始日期", "公示结束日期"],
             ["H002", "识别纳入", "2023-08-01", "2023-08-01", "2023-08-10", "2023-08-02", "2023-08-06"],
             ["H003", "识别纳入", "2023-08-05", "2023-08-04", "2023-08-10", "2023-08-06", "2023-08-10"]]  # fmt: skip
    assert run("import", str(base(workspace, 监测帮扶=procs))).exit_code == 0
    assert findings(run, "DATA-ORDER") == {
        "H003": "识别纳入：入户核实2023年8月4日早于风险发现2023年8月5日"
    }


def test_two_posts_at_once_versus_one_after_another(run, workspace):
    a, b = PERSONS[1][0], PERSONS[4][0]
    jobs = [["证件号码", "岗位名称", "开始日期", "结束日期"],
            [a, "保洁员", "2022-01-01", ""], [a, "护林员", "2023-01-01", ""],
            [b, "保洁员", "2021-01-01", "2022-12-31"], [b, "护林员", "2023-01-01", ""]]  # fmt: skip
    assert run("import", str(base(workspace, 公益岗位=jobs))).exit_code == 0
    assert set(findings(run, "J-TWO-POSTS")) == {a}


def test_project_publicity_record(run, workspace):
    projects = [["项目编号", "项目名称", "项目类型", "实施地点", "建设内容及规模", "中央衔接资金", "实施单位", "计划开工日期", "项目状态"],
                ["XM1", "道路", "乡村建设", "411599102201", "2公里", 1, "河口乡人民政府", "2023-05-01", "实施中"],
                ["XM2", "水渠", "乡村建设", "411599102202", "1公里", 1, "河口乡人民政府", "2023-10-15", "计划"]]  # fmt: skip
    assert run("import", str(base(workspace, 项目=projects))).exit_code == 0
    assert set(findings(run, "P-NO-PUBLICITY")) == {"XM1"}  # XM2 has not started by 9月30日
    assert (
        run(
            "notice", "--village", "河口乡/王庄村", "--kind", "project", "--date", "2023-06-01"
        ).exit_code
        == 0
    )
    assert findings(run, "P-NO-PUBLICITY") == {}
    assert set(findings(run, "P-NO-PUBLICITY", as_of="2023-05-31")) == {
        "XM1"
    }  # the notice came later


def test_home_teaching_without_any_visit(run, workspace):
    students = [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级"],
                ["G1", "甲", make_id("20110101", 61), "S1", "初中", "七年级"],
                ["G2", "乙", make_id("20110101", 62), "S1", "初中", "七年级"]]  # fmt: skip
    schools = [
        ["学校代码", "学校名称", "所在区划代码", "学段"],
        ["S1", "一中", "411599101", "初中"],
    ]
    cases = [
        ["学籍号", "发现日期", "当前状态"],
        ["G1", "2023-03-01", "送教上门"],
        ["G2", "2023-03-01", "送教上门"],
    ]
    visits = [
        ["学籍号", "送教日期", "送教教师", "课时"],
        ["G2", "2023-09-05", "李老师", 3],
        ["G2", "2023-09-12", "李老师", 3],
    ]
    assert (
        run(
            "import",
            str(base(workspace, 学校=schools, 学生=students, 辍学学生=cases, 送教记录=visits)),
        ).exit_code
        == 0
    )
    assert set(findings(run, "D-NO-VISITS", as_of="2023-10-01")) == {"G1"}


def test_table_rows_and_built_facts_do_not_share_a_cache_entry(run, workspace):
    """A rule reading raw rows of `students` or `dropout_cases` first must not hand the aid and
    dropout rules rows where they expect their facts objects (and the other way round)."""
    import datetime as dt

    from reportgen.config import load_settings
    from reportgen.rules import load_rules
    from reportgen.rules.context import RuleContext
    from reportgen.workspace import open_dataset

    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    settings = load_settings(workspace)
    dataset = open_dataset(settings)
    try:
        rules = load_rules(workspace)
        fresh = RuleContext(dataset, settings.policy, dt.date(2023, 10, 8))
        expected = {r: list(rules[r].check(fresh)) for r in ("A-UNPAID", "A-SPECIAL", "D-ATTEMPTS")}
        ctx = RuleContext(dataset, settings.policy, dt.date(2023, 10, 8))
        rows = ctx._all("students"), ctx._all("dropout_cases")
        assert all(len(r) for r in rows)
        got = {r: list(rules[r].check(ctx)) for r in expected}
        assert got == expected
        assert ctx._all("students") is rows[0] and ctx._all("dropout_cases") is rows[1]
    finally:
        dataset.dispose()
