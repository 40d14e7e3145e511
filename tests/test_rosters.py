"""reportgen roster: the township's lists for the county — 拟纳入防止返贫监测对象名单 (乡级审核 → 县级审批)
and 整户无劳动能力兜底保障户县级备案名单 (乡级确定 → 县级备案), seed 三.一.(二).2③ 四是, 5②."""

import pytest
from builders import full_county, write_xlsx
from printed import records
from test_notices import text_of

OUT = ("输出", "上报名单")
HEADER = ["户编号", "程序类型", "风险类型", "风险发现日期", "入户核实日期", "公示开始日期", "公示结束日期",
          "乡级审核日期", "县级审批日期"]  # fmt: skip


@pytest.fixture
def ws(run, workspace, monkeypatch):
    """河口乡: H002 (王庄村) 识别纳入 reviewed 9月10日, approved 9月15日; H003 (李湾村) 识别纳入
    reviewed 9月12日, not approved, publicised 4 days; H003 整户无劳动能力认定 determined 9月12日, no
    publicity recorded (王小川 is a 普通劳动力 in full_county)."""
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-20")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\ncounty = "青山县乡村振兴局"\n', encoding="utf-8"
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    procs = [HEADER,
             ["H002", "识别纳入", "因病、因学", "2023-08-01", "2023-08-03", "2023-08-05", "2023-08-09",
              "2023-09-10", "2023-09-15"],
             ["H003", "识别纳入", "因灾", "2023-08-20", "2023-08-22", "2023-08-25", "2023-08-28",
              "2023-09-12", ""],
             ["H003", "整户无劳动能力认定", "", "2023-08-20", "2023-08-22", "", "", "2023-09-12", ""]]  # fmt: skip
    write_xlsx(workspace / "more.xlsx", {"监测帮扶": procs})
    assert run("import", "more.xlsx").exit_code == 0
    return workspace


def heads(ws, name):
    return [r["户主"] for r in records(ws.joinpath(*OUT) / name)]


def test_listed_between_the_townships_step_and_the_countys(run, ws):
    # 9月14日: H002 reviewed (9月10日) and not yet approved (9月15日); 9月15日: approved, gone
    for day, expected in (("2023-09-14", ["李二河", "王小川"]), ("2023-09-15", ["王小川"]),
                          ("2023-09-11", ["李二河"])):  # fmt: skip
        result = run("roster", "--township", "河口乡", "--kind", "proposed", "--date", day,
                     "--out", f"输出/上报名单/{day}")  # fmt: skip
        assert result.exit_code == 0, result.output
        stem = f"河口乡_拟纳入防止返贫监测对象名单_{day[:4]}年{int(day[5:7])}月{int(day[8:])}日"
        assert heads(ws, f"{day}/{stem}.xlsx") == expected, day


def test_the_report_reads_as_the_townships_and_says_what_the_county_must_check(run, ws):
    result = run("roster", "--township", "河口乡", "--date", "2023-09-14")
    assert result.exit_code == 0, result.output
    assert "拟纳入防止返贫监测对象名单：2 户" in result.output
    assert "整户无劳动能力兜底保障户县级备案名单：1 户" in result.output
    assert "李湾村 王小川（H003）公示期4天，少于5天" in result.output
    assert "王小川（H003）无公示记录；王小川有劳动能力，与整户无劳动能力不符" in result.output
    folder = ws.joinpath(*OUT)
    text = text_of(folder / "河口乡_拟纳入防止返贫监测对象名单_2023年9月14日.docx")
    assert "青山县乡村振兴局" in text and "河口乡人民政府" in text
    assert "确定拟纳入防止返贫监测对象2户（截至2023年9月14日）" in text
    # eight columns do not fit 12 pt on A4 with whole dates: 五号, the range broken after 至 and
    # the single dates after 年 (engine/official_table), never inside a number
    assert (
        "2 | 李湾村 | 王小川 | 1人 | 因灾 | 2023年\n8月20日 | 2023年8月25日至\n2023年8月28日 | 2023年\n9月12日"
        in text
    )
    rows = records(folder / "河口乡_整户无劳动能力兜底保障户县级备案名单_2023年9月14日.xlsx")
    assert [(r["户主"], r["公示期"], r["备注"]) for r in rows] == [
        ("王小川", "未记录", "无公示记录；王小川有劳动能力，与整户无劳动能力不符")
    ]


def test_a_village_is_not_a_township(run, ws):
    result = run("roster", "--township", "411599102201", "--date", "2023-09-14")
    assert result.exit_code != 0
    assert not ws.joinpath(*OUT).exists() or not list(ws.joinpath(*OUT).glob("*.docx"))


def test_nothing_to_report_is_said(run, ws):
    result = run("roster", "--township", "城关镇", "--date", "2023-09-14")
    assert result.exit_code == 0
    assert "截至2023年9月14日没有需要上报的户" in result.output
