"""Rules the example county does not plant both sides of: each just inside and just outside."""

import datetime as dt
import json

import sqlalchemy as sa
from builders import HOUSEHOLDS, PERSONS, REGIONS, full_county, make_id, write_xlsx

from reportgen.config import load_settings
from reportgen.dataset.importer import import_paths
from reportgen.workspace import open_dataset


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


# ------------------------------------------------------------------ 风险消除: income above the line
def test_risk_elimination_needs_income_above_the_line_not_at_it(run, workspace):
    """Seed 三.一.(二).4①: “收入稳定超过当年监测范围” — 7500 is not above 7500; 7500.01 is."""
    header = HOUSEHOLDS[0] + ["风险是否消除"]
    # H105 sits at the line too, but its risk is not eliminated
    cases = {"H101": (7500, "是"), "H102": (7500.01, "是"), "H103": (7499.99, "是"), "H104": (7501, "是"),
             "H105": (7500, "否")}  # fmt: skip
    eliminated = [
        [hid, "411599101201", f"户主{i}", make_id("19700101", 60 + i), "监测户", "边缘易致贫户", "", income, done]
        for i, (hid, (income, done)) in enumerate(cases.items(), start=1)
    ]  # fmt: skip
    households = [header, *[h + [""] for h in HOUSEHOLDS[1:]], *eliminated]
    assert run("import", str(base(workspace, households))).exit_code == 0
    assert findings(run, "M-ELIM-INCOME") == {
        "H101": "已风险消除，家庭年人均纯收入7,500元，未超过监测范围7,500元（须稳定超过）",
        "H103": "已风险消除，家庭年人均纯收入7,499.99元，未超过监测范围7,500元（须稳定超过）",
    }


# ------------------------------------------------------------------ dates after the as-of date
def import_at(workspace, when: dt.datetime, path) -> None:
    """Import as the CLI does, on a fixed clock (the import's date is what DATA-FUTURE compares)."""
    dataset = open_dataset(load_settings(workspace), create=True)
    try:
        import_paths(dataset, [path], now=lambda: when)
    finally:
        dataset.dispose()


def test_a_date_after_its_import_is_impossible_a_date_after_the_as_of_date_is_not(run, workspace):
    procs = [["户编号", "程序类型", "风险发现日期", "县级审批日期", "系统录入日期"],
             ["H002", "识别纳入", "2023-09-14", "2023-09-28", "2023-10-08"],  # the import's day
             ["H003", "识别纳入", "2023-09-14", "2023-09-28", "2023-10-09"]]  # the day after  # fmt: skip
    measures = [["户编号", "措施类别", "措施内容", "落实日期"],
                ["H002", "健康帮扶", "家庭医生签约", "2023-10-08"],
                ["H001", "产业帮扶", "养牛", "2023-10-09"]]  # fmt: skip
    path = base(workspace, 监测帮扶=procs, 帮扶措施=measures)
    import_at(workspace, dt.datetime(2023, 10, 8, 16, 30), path)
    impossible = {
        "H003": "识别纳入：系统录入2023年10月9日晚于数据采集日期2023年10月8日（不可能发生）",
        "H001": "帮扶措施“产业帮扶”落实日期2023年10月9日晚于数据采集日期2023年10月8日（不可能发生）",
    }
    # a quarter's report as of 9月30日 cannot judge 10月8日: only what is impossible is reported
    assert findings(run, "DATA-FUTURE") == impossible
    assert findings(run, "DATA-FUTURE", as_of="2023-12-31") == impossible


def test_time_limits_do_not_use_dates_after_the_as_of_date(run, workspace):
    """A step dated after the as-of date has not happened yet on that day: the limit counts on to
    the as-of date, as for a step with no date (10 days by 9月30日 pass, 11 do not)."""
    procs = [["户编号", "程序类型", "风险发现日期", "县级审批日期", "系统录入日期", "帮扶计划制定日期"],
             ["H001", "识别纳入", "2023-09-15", "2023-10-02", "2023-10-03", "2023-10-03"],  # 15 days by 9-30
             ["H002", "识别纳入", "2023-09-10", "2023-09-20", "2023-10-08", "2023-10-08"],  # 10 days by 9-30
             ["H003", "识别纳入", "2023-09-10", "2023-09-19", "2023-10-08", "2023-09-21"]]  # 11 days by 9-30  # fmt: skip
    assert run("import", str(base(workspace, 监测帮扶=procs))).exit_code == 0
    assert findings(run, "M-IDENT") == {}
    assert findings(run, "M-ENTRY") == {
        "H003": "县级审批2023年9月19日，截至2023年9月30日未录入，用时11天（不超过10天）"
    }
    assert findings(run, "M-PLAN") == {}
    # judged on a later day, the same dates count
    assert findings(run, "M-IDENT", as_of="2023-10-08") == {
        "H001": "风险发现2023年9月15日，县级审批2023年10月2日，用时17天（不超过15天）"
    }
    assert findings(run, "M-ENTRY", as_of="2023-10-08") == {
        "H002": "县级审批2023年9月20日，系统录入2023年10月8日，用时18天（不超过10天）",
        "H003": "县级审批2023年9月19日，系统录入2023年10月8日，用时19天（不超过10天）",
    }
    assert findings(run, "M-PLAN", as_of="2023-10-08") == {
        "H002": "县级审批2023年9月20日，帮扶计划2023年10月8日，用时18天（不超过10天）"
    }
