"""reportgen notice --kind inclusion-result / elimination-result: the 结果公告 after the county's
approval, in the township's name, posted in the village (seed 三.一.(二).2③ 六是结果公告, 4②)."""

import json

import pytest
from builders import db_rows, full_county, write_xlsx
from test_notices import text_of

OUT = ("输出", "公示公告")
HEADER = [
    "户编号",
    "程序类型",
    "风险类型",
    "风险发现日期",
    "入户核实日期",
    "县级审批日期",
    "公告日期",
    "系统录入日期",
]


@pytest.fixture
def ws(run, workspace, monkeypatch):
    """河口乡王庄村 (411599102201): H002 风险消除 approved 9月10日, not announced; 城关镇王庄村: H001
    识别纳入 approved 9月11日, not announced; H003 (河口乡李湾村) 识别纳入 approved 9月1日, announced
    9月5日; full_county's own H002 识别纳入 (approved 8月16日) is entered in the system, not announced."""
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-20")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\ncounty = "青山县乡村振兴局"\n'
        '[hotlines]\nsupervision = "0376-5550317"\n',
        encoding="utf-8",
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    procs = [HEADER,
             ["H002", "识别纳入", "因病、因学", "2023-08-01", "", "2023-08-16", "", "2023-08-20"],
             ["H002", "风险消除", "因病", "2023-08-20", "2023-08-25", "2023-09-10", "", ""],
             ["H001", "识别纳入", "因病", "2023-08-28", "2023-08-30", "2023-09-11", "", ""],
             ["H003", "识别纳入", "因灾", "2023-08-20", "2023-08-22", "2023-09-01", "2023-09-05", ""]]  # fmt: skip
    write_xlsx(workspace / "more.xlsx", {"监测帮扶": procs})
    assert run("import", "more.xlsx").exit_code == 0
    return workspace


def announced(ws, household, kind):
    return db_rows(
        ws,
        "select announced_on from monitoring_procedures where household_id = :h and kind = :k",
        h=household,
        k=kind,
    )[0][0]


def test_approved_on_the_day_is_announced_the_day_before_is_not(run, ws):
    # approved 9月11日: not on the 9月10日 notice, on the 9月11日 one
    early = run("notice", "--village", "城关镇/王庄村", "--kind", "inclusion-result",
                "--date", "2023-09-10")  # fmt: skip
    assert early.exit_code == 0, early.output
    assert "监测对象识别纳入结果公告：没有符合条件的内容，未生成" in early.output
    assert announced(ws, "H001", "识别纳入") is None
    result = run("notice", "--village", "城关镇/王庄村", "--kind", "inclusion-result",
                 "--date", "2023-09-11")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 户的公告日期（2023年9月11日）已记入数据" in result.output
    doc = ws.joinpath(*OUT) / "城关镇王庄村_监测对象识别纳入结果公告_2023年9月11日.docx"
    text = text_of(doc)
    assert "城关镇王庄村监测对象识别纳入结果公告" in text
    assert "以下1户已纳入防止返贫监测对象，现予以公告" in text
    assert "张大山" in text and "2023年9月11日" in text
    # in the township's name, not the village committee's
    assert "城关镇人民政府" in text and "村民委员会" not in text
    assert announced(ws, "H001", "识别纳入") == "2023-09-11"
    rows = db_rows(ws, "select kind, period_start, period_end from notices")
    assert rows == [("inclusion-result", "2023-09-11", "2023-09-11")]


def test_a_recorded_announcement_prints_on_its_own_day_only(run, ws):
    for day, listed in (("2023-09-05", True), ("2023-09-06", False)):
        result = run("notice", "--village", "河口乡/李湾村", "--kind", "inclusion-result",
                     "--date", day, "--out", day)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert bool(list((ws / day).glob("*.docx"))) is listed, day
    assert announced(ws, "H003", "识别纳入") == "2023-09-05"  # unchanged


def test_entered_without_an_announcement_is_the_self_checks_not_a_late_notice(run, ws):
    # full_county's H002 识别纳入: approved 8月16日, entered 8月20日, never announced
    result = run("notice", "--village", "河口乡/王庄村", "--kind", "inclusion-result",
                 "--date", "2023-09-20")  # fmt: skip
    assert "没有符合条件的内容" in result.output
    assert announced(ws, "H002", "识别纳入") is None
    check = run("check", "--as-of", "2023-09-20", "--rule", "M-NO-ANNOUNCE")
    assert "识别纳入县级审批2023年8月16日，截至2023年9月20日已35天无结果公告" in check.output


def test_elimination_result_and_the_township_notice(run, ws):
    result = run("notice", "--township", "河口乡", "--kind", "elimination-result",
                 "--date", "2023-09-12")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = text_of(ws.joinpath(*OUT) / "河口乡_风险消除结果公告_2023年9月12日.docx")
    assert "返贫致贫风险已稳定消除，已标注风险消除，现予以公告" in text
    assert "| 王庄村 | 李二河 |" in text  # a township's notice has a 村 column
    assert "河口乡人民政府" in text
    assert announced(ws, "H002", "风险消除") == "2023-09-12"
    # announced 2 days after the approval: in time; H002's 识别纳入 (entered, never announced) stays
    check = run("check", "--as-of", "2023-09-30", "--rule", "M-NO-ANNOUNCE", "--json")
    details = sorted(f["detail"] for f in json.loads(check.stdout))
    assert details == [
        "识别纳入县级审批2023年8月16日，截至2023年9月30日已45天无结果公告（不超过10天）",
        "识别纳入县级审批2023年9月11日，截至2023年9月30日已19天无结果公告（不超过10天）",  # H001
    ]


def test_the_county_does_not_announce_households(run, ws):
    result = run("notice", "--county", "--kind", "inclusion-result", "--date", "2023-09-11")
    assert result.exit_code == 3
    assert "在村内张贴" in result.stderr
    assert announced(ws, "H001", "识别纳入") is None
