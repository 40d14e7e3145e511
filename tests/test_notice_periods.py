"""Monitoring notices tell the same story as the data (DOMAIN §5): who is listed on which day
(seed 三.一.(二).2③, 4②, 5②), recorded publicity dates printed exactly or the notice refused, and the
period of a notice for households not yet publicised written back into the data."""

import json

import pytest
from builders import D, db_rows, full_county, make_id, write_xlsx
from docx import Document

OUT = ("输出", "公示公告")
VILLAGE = "河口乡/王庄村"  # 411599102201: H002 李二河 and the households below
PROC_HEAD = ["户编号", "程序类型", "风险类型", "风险发现日期", "入户核实日期", "公示开始日期", "公示结束日期", "乡级审核日期"]  # fmt: skip
NEW_HOUSEHOLDS = [
    ["户编号", "村区划代码", "户主姓名", "户主证件号码", "户类型"],
    *[[f"H01{i}", "411599102201", name, make_id("19700101", 20 + i), "一般农户"]
      for i, name in enumerate(["赵一", "钱二", "孙三", "周四"], start=1)],
]  # fmt: skip
NEW_PERSONS = [
    ["证件号码", "户编号", "姓名", "与户主关系"],
    *[[row[3], row[0], row[2], "户主"] for row in NEW_HOUSEHOLDS[1:]],
]


@pytest.fixture
def ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-01")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[hotlines]\nsupervision = "0376-5550317"\n', encoding="utf-8"
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    write_xlsx(workspace / "hh.xlsx", {"户信息": NEW_HOUSEHOLDS, "人员信息": NEW_PERSONS})
    assert run("import", "hh.xlsx").exit_code == 0
    return workspace


def procedures(run, ws, *rows, name="procs.xlsx"):
    write_xlsx(ws / name, {"监测帮扶": [PROC_HEAD, *rows]})
    result = run("import", name)
    assert result.exit_code == 0, result.output


def h002_elimination(run, ws, publicity_end):
    """H002's 风险消除, verified 8月25日, publicised from 9月1日 to `publicity_end`."""
    procedures(
        run,
        ws,
        [
            "H002",
            "风险消除",
            "因病",
            D(2023, 8, 20),
            D(2023, 8, 25),
            D(2023, 9, 1),
            publicity_end,
            "",
        ],
    )


def table_rows(path) -> list[str]:
    doc = Document(path)
    return [" | ".join(c.text for c in r.cells) for t in doc.tables for r in t.rows][1:]


def text_of(path) -> str:
    return "\n".join(p.text for p in Document(path).paragraphs)


def notice(run, *args):
    return run("notice", "--village", VILLAGE, *args)


def file(ws, kind, day="2023年9月1日"):
    return ws.joinpath(*OUT) / f"河口乡王庄村_{kind}_{day}.docx"


# ---------------------------------------------------------------------------- who is listed
def test_inclusion_lists_households_verified_by_the_notice_date_and_not_past_publicity(run, ws):
    procedures(
        run, ws,
        ["H011", "识别纳入", "因灾", D(2023, 8, 28), D(2023, 9, 1), "", "", ""],  # verified on the day: in
        ["H012", "识别纳入", "因病", D(2023, 8, 28), D(2023, 9, 2), "", "", ""],  # the day after: out
        ["H013", "识别纳入", "因学", D(2023, 8, 10), D(2023, 8, 12), "", "", D(2023, 8, 25)],  # past 公示: out
        ["H014", "识别纳入", "因残", D(2023, 8, 10), D(2023, 8, 12), D(2023, 8, 14), D(2023, 8, 18), ""],  # another day
    )  # fmt: skip
    result = notice(run, "--kind", "inclusion", "--date", "2023-09-01")
    assert result.exit_code == 0, result.output
    # Not monitored yet: the type is decided by the county's approval, and the notice says so.
    assert table_rows(file(ws, "监测对象识别纳入公示")) == [
        "1 | 赵一 | 1人 | 待认定 | 因灾 | 2023年8月28日"
    ]
    assert "表中“待认定”的监测类型，经县级审批后认定。" in text_of(file(ws, "监测对象识别纳入公示"))
    # The next day: H012 is verified by then; H011 was publicised from 9月1日, so not again.
    assert notice(run, "--kind", "inclusion", "--date", "2023-09-02").exit_code == 0
    assert table_rows(file(ws, "监测对象识别纳入公示", "2023年9月2日")) == [
        "1 | 钱二 | 1人 | 待认定 | 因病 | 2023年8月28日"
    ]


def test_inclusion_type_is_the_one_decided_by_the_notice_day(run, ws):
    """A notice made later from newer data still speaks as of its own day: a type the county
    approved after the notice date is 待认定 on it; approved on or before, it is printed."""
    households = [NEW_HOUSEHOLDS[0], [*NEW_HOUSEHOLDS[1][:4], "监测户", "突发严重困难户"],
                  [*NEW_HOUSEHOLDS[2][:4], "监测户", "边缘易致贫户"]]  # fmt: skip
    write_xlsx(ws / "typed.xlsx", {"户信息": [[*NEW_HOUSEHOLDS[0], "监测类型"], *households[1:]],
                                   "监测帮扶": [[*PROC_HEAD, "县级审批日期"],
        ["H011", "识别纳入", "因灾", D(2023, 8, 20), D(2023, 8, 22), D(2023, 9, 1), D(2023, 9, 5), "", D(2023, 9, 2)],
        ["H012", "识别纳入", "因病", D(2023, 8, 20), D(2023, 8, 22), D(2023, 9, 1), D(2023, 9, 5), "", D(2023, 9, 1)]]})  # fmt: skip
    result = run("import", "typed.xlsx")
    assert result.exit_code == 0, result.output
    assert notice(run, "--kind", "inclusion", "--date", "2023-09-01").exit_code == 0
    assert table_rows(file(ws, "监测对象识别纳入公示")) == [
        "1 | 赵一 | 1人 | 待认定 | 因灾 | 2023年8月20日",  # approved 9月2日, after the notice
        "2 | 钱二 | 1人 | 边缘易致贫户 | 因病 | 2023年8月20日",  # approved on the notice day
    ]
    assert "表中“待认定”的监测类型，经县级审批后认定。" in text_of(file(ws, "监测对象识别纳入公示"))


def test_elimination_follows_its_own_steps(run, ws):
    # H002 (full_county) already has an approved 识别纳入: never on a notice of 9月1日.
    procedures(
        run, ws,
        ["H002", "风险消除", "因病", D(2023, 8, 20), D(2023, 9, 1), "", "", ""],
        ["H002", "风险消除", "因病", D(2023, 6, 1), D(2023, 6, 3), "", "", D(2023, 6, 20)],
    )  # fmt: skip
    assert notice(run, "--date", "2023-08-31", "--kind", "elimination").exit_code == 0
    assert not file(ws, "风险消除公示", "2023年8月31日").exists()  # verified the day after
    assert notice(run, "--date", "2023-09-01").exit_code == 0
    assert table_rows(file(ws, "风险消除公示")) == [
        "1 | 李二河 | 2人 | 边缘易致贫户 | 因病 | 2023年9月1日"
    ]
    assert not file(ws, "监测对象识别纳入公示").exists()


# ---------------------------------------------------------------------------- recorded periods
def test_a_recorded_period_is_printed_exactly(run, ws):
    h002_elimination(run, ws, publicity_end=D(2023, 9, 5))
    result = notice(run, "--kind", "elimination", "--date", "2023-09-01", "--days", "7")
    assert result.exit_code == 0, result.output
    assert (
        "按数据记录的公示期2023年9月1日至2023年9月5日（共5天）生成，未采用 --days 7"
        in result.output
    )
    assert "公示期：2023年9月1日至2023年9月5日（共5天）。" in text_of(file(ws, "风险消除公示"))
    assert db_rows(ws, "select period_start, period_end from notices where kind='elimination'") == [
        ("2023-09-01", "2023-09-05")
    ]


def test_a_recorded_period_under_five_days_is_refused_naming_the_household(run, ws):
    h002_elimination(run, ws, publicity_end=D(2023, 9, 4))
    result = notice(run, "--date", "2023-09-01")
    assert result.exit_code == 7
    assert "H002 李二河 2023年9月1日至2023年9月4日（共4天）" in result.stderr
    assert "河口乡王庄村风险消除公示（2023年9月1日）未生成" in result.stderr
    assert not file(ws, "风险消除公示").exists()
    assert db_rows(ws, "select count(*) from notices where kind='elimination'") == [(0,)]
    manifest = json.loads((ws.joinpath(*OUT) / "manifest.json").read_text(encoding="utf-8"))
    assert [f["record"] for f in manifest["failures"]] == [
        "河口乡王庄村风险消除公示（2023年9月1日）"
    ]
    # The same household and dates as the self-check's finding.
    check = run("check", "--as-of", "2023-09-30", "--json", "--rule", "M-PUBLICITY")
    details = {f["key"]: f["detail"] for f in json.loads(check.stdout)}
    assert "2023年9月1日至2023年9月4日，共4天" in details["H002"]
    # A recorded five days passes.
    h002_elimination(run, ws, publicity_end=D(2023, 9, 5))
    assert notice(run, "--date", "2023-09-01", "--kind", "elimination").exit_code == 0


def test_the_other_notices_are_still_generated_when_one_is_refused(run, ws):
    write_xlsx(ws / "p.xlsx", {"项目": [
        ["项目编号", "项目名称", "项目类型", "实施地点", "建设内容及规模", "中央衔接资金", "实施单位", "计划开工日期", "项目状态"],
        ["XM9", "王庄村水渠", "乡村建设", "411599102201", "修渠1公里", 8, "河口乡人民政府", D(2023, 5, 1), "实施中"]]})  # fmt: skip
    assert run("import", "p.xlsx").exit_code == 0
    h002_elimination(run, ws, publicity_end=D(2023, 9, 4))
    result = notice(run, "--date", "2023-09-01")
    assert result.exit_code == 7
    assert "项目公示：1 条" in result.output
    assert file(ws, "项目公示").exists()


def test_two_recorded_periods_on_one_day_are_refused(run, ws):
    procedures(
        run, ws,
        ["H011", "识别纳入", "因灾", D(2023, 8, 28), D(2023, 8, 30), D(2023, 9, 1), D(2023, 9, 5), ""],
        ["H012", "识别纳入", "因病", D(2023, 8, 28), D(2023, 8, 30), D(2023, 9, 1), D(2023, 9, 7), ""],
    )  # fmt: skip
    result = notice(run, "--kind", "inclusion", "--date", "2023-09-01")
    assert result.exit_code == 7
    assert "结束日期不同" in result.stderr
    assert "H011 赵一 2023年9月1日至2023年9月5日（共5天）" in result.stderr
    assert "H012 钱二 2023年9月1日至2023年9月7日（共7天）" in result.stderr


# ---------------------------------------------------------------------------- written back
def test_a_notice_records_its_period_for_households_not_yet_publicised(run, ws):
    procedures(
        run, ws,
        ["H011", "识别纳入", "因灾", D(2023, 8, 28), D(2023, 8, 30), "", "", ""],
        ["H012", "识别纳入", "因病", D(2023, 8, 28), D(2023, 8, 30), D(2023, 9, 1), "", ""],  # start only
    )  # fmt: skip
    result = notice(run, "--kind", "inclusion", "--date", "2023-09-01", "--days", "6")
    assert result.exit_code == 0, result.output
    assert "2 户的公示起止日期（2023年9月1日至2023年9月6日（共6天））已记入数据" in result.output
    assert "公示期：2023年9月1日至2023年9月6日（共6天）。" in text_of(
        file(ws, "监测对象识别纳入公示")
    )
    assert db_rows(ws, "select household_id, publicity_start, publicity_end from monitoring_procedures "
                       "where household_id in ('H011', 'H012') order by household_id") == [
        ("H011", "2023-09-01", "2023-09-06"), ("H012", "2023-09-01", "2023-09-06")]  # fmt: skip
    # The township reviews them: the self-check reads the dates the notice printed (no "没有公示起止日期").
    write_xlsx(ws / "review.xlsx", {"监测帮扶": [["户编号", "程序类型", "风险发现日期", "乡级审核日期"],
                                               ["H011", "识别纳入", D(2023, 8, 28), D(2023, 9, 8)]]})  # fmt: skip
    assert run("import", "review.xlsx").exit_code == 0
    check = run("check", "--as-of", "2023-09-30", "--json", "--rule", "M-PUBLICITY")
    assert "H011" not in {f["key"] for f in json.loads(check.stdout)}
    # The next notice of the day prints the recorded period, whatever --days says now.
    assert notice(run, "--kind", "inclusion", "--date", "2023-09-01").exit_code == 0
    assert "公示期：2023年9月1日至2023年9月6日（共6天）。" in text_of(
        file(ws, "监测对象识别纳入公示")
    )
    assert len(table_rows(file(ws, "监测对象识别纳入公示"))) == 2


def test_re_importing_the_sheet_with_blank_publicity_cells_keeps_the_recorded_dates(run, ws):
    procedures(run, ws, ["H011", "识别纳入", "因灾", D(2023, 8, 28), D(2023, 8, 30), "", "", ""])
    assert notice(run, "--kind", "inclusion", "--date", "2023-09-01").exit_code == 0
    # The clerk's own sheet, still without publicity dates, now with the township's review.
    procedures(
        run, ws, ["H011", "识别纳入", "因灾", D(2023, 8, 28), D(2023, 8, 30), "", "", D(2023, 9, 8)], name="again.xlsx"
    )  # fmt: skip
    assert db_rows(ws, "select publicity_start, publicity_end, township_reviewed_on from monitoring_procedures "
                       "where household_id = 'H011'") == [("2023-09-01", "2023-09-05", "2023-09-08")]  # fmt: skip
    check = run("check", "--as-of", "2023-09-30", "--json", "--rule", "M-PUBLICITY")
    assert "H011" not in {f["key"] for f in json.loads(check.stdout)}
    # A date written in the sheet still wins.
    procedures(
        run, ws, ["H011", "识别纳入", "因灾", D(2023, 8, 28), D(2023, 8, 30), D(2023, 9, 2), D(2023, 9, 6), ""], name="fix.xlsx"
    )  # fmt: skip
    assert db_rows(
        ws,
        "select publicity_start, publicity_end from monitoring_procedures where household_id = 'H011'",
    ) == [("2023-09-02", "2023-09-06")]


def test_the_demo_shows_the_refused_notice_and_the_report_the_same_dates(tmp_path, monkeypatch):
    """The example county records a 4-day publicity on purpose (a self-check case): the demo
    completes, says which notice it refused and why, and the report flags the same dates."""
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from reportgen.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REPORTGEN_DB", raising=False)
    result = CliRunner().invoke(cli, ["-q", "demo", "--out", "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (
        "公示公告：河口乡张寨村监测对象识别纳入公示（2023年9月1日）未生成：数据记录的公示期少于5天"
        in result.output
    )
    assert "H0204 王永刚 2023年9月1日至2023年9月4日（共4天）" in result.output
    book = load_workbook(tmp_path / "demo" / "自查报告" / "青山县_2023年第三季度_自查问题清单.xlsx")
    sheet = book["公示少于5天或无公示记录"]
    detail = [c.value for c in sheet[3]].index("问题说明")
    rows = [r for r in sheet.iter_rows(values_only=True) if "H0204" in r]
    assert [r[detail] for r in rows] == ["识别纳入公示2023年9月1日至2023年9月4日，共4天（不少于5天）"]
