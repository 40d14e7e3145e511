"""engine/official_table: the 公文's list columns come from the values, so nothing breaks inside a
date, a name or a number, and the table never runs past the 156 mm text width (issue 21). The
printed result, under both font setups, is checked in tests/test_page_fit.py."""

from __future__ import annotations

import pytest

from reportgen.engine.official_table import (
    LATIN_EM,
    PADDING_TWIPS,
    TEXT_TWIPS,
    break_dates,
    em,
    fit_table,
    split_header,
)

ROSTER = ["序号", "村", "户主", "家庭人口", "风险类型", "风险发现日期", "公示期", "乡级审核日期"]
ROW = ["1", "杨楼村", "彭勇", "4人", "因务工就业不稳", "2023年9月1日", "2023年9月3日至2023年9月7日", "2023年9月10日"]  # fmt: skip


def test_width_counts_latin_narrow_and_the_gap_where_chinese_meets_a_digit():
    assert em("王家乐") == 3
    assert em("2023") == pytest.approx(4 * LATIN_EM)
    # 2023 年 9 月 1 日: four gaps
    assert em("2023年9月1日") == pytest.approx(6 * LATIN_EM + 3 + 5 * 0.25)


def test_dates_break_only_between_their_parts():
    assert break_dates("2023年9月3日至2023年9月7日", 1) == "2023年9月3日至\n2023年9月7日"
    assert break_dates("2023年9月10日", 1) == "2023年9月10日"
    assert break_dates("2023年9月10日", 2) == "2023年\n9月10日"
    assert break_dates("2023年秋季学期", 2) == "2023年秋季学期"  # not a date with a month


def test_headers_break_where_they_read_well():
    assert split_header("风险发现日期") == ["风险发现", "日期"]
    assert split_header("补助金额（元）") == ["补助金额", "（元）"]
    assert split_header("家庭人口") == ["家庭", "人口"]
    assert split_header("村") == ["村"]


def test_a_short_list_keeps_12_pt_and_every_value_whole():
    columns = ["序号", "户主", "家庭人口", "监测类型", "风险类型", "风险发现日期"]
    table = fit_table("名单", columns, [["1", "欧阳建国", "8人", "突发严重困难户", "因病、因残", "2023年12月31日"]],
                      wrap={4})  # fmt: skip
    assert table["small"] is False
    assert table["rows"] == [
        ["1", "欧阳建国", "8人", "突发严重困难户", "因病、因残", "2023年12月31日"]
    ]
    assert sum(table["widths"]) == TEXT_TWIPS
    scale = 12 * 20
    for value, width in zip(table["rows"][0], table["widths"]):
        if value != "因病、因残":
            assert em(value) * scale + PADDING_TWIPS <= width, value
    # the free text wraps, but keeps at least four characters a line
    assert table["widths"][4] >= 4 * scale + PADDING_TWIPS


def test_a_wide_list_goes_to_wuhao_and_breaks_dates_after_nian_only_as_far_as_needed():
    table = fit_table("名单", ROSTER, [ROW], wrap={4})
    assert table["small"] is True
    row = table["rows"][0]
    assert row[6] == "2023年9月3日至\n2023年9月7日"  # the range after 至 first
    # then dates after 年, a column at a time, single dates (one line more) before the range (two)
    assert row[5] == "2023年\n9月1日" and row[7] == "2023年\n9月10日"
    assert sum(table["widths"]) == TEXT_TWIPS
    scale = 10.5 * 20
    for i, (value, width) in enumerate(zip(row, table["widths"])):
        if i != 4:
            assert max(em(x) for x in value.split("\n")) * scale + PADDING_TWIPS <= width, value
    # headers that do not fit print on two lines, broken where they read well
    assert "家庭\n人口" in table["columns"]


def test_12_pt_with_the_range_broken_comes_before_wuhao():
    columns = ["序号", "户主", "风险类型", "公示期"]
    table = fit_table(
        "名单", columns, [["1", "王五", "因病", "2023年12月13日至2023年12月17日"]], wrap={2}
    )
    assert table["small"] is False and table["rows"][0][3] == "2023年12月13日至2023年12月17日"
    many = ["序号", "村", "户主", "家庭人口", "风险类型", "公示期"]
    row = ["1", "东关社区", "欧阳建国", "8人", "因病", "2023年12月13日至2023年12月17日"]
    table = fit_table("名单", many, [row], wrap={4})
    assert table["small"] is False and table["rows"][0][5] == "2023年12月13日至\n2023年12月17日"


def test_a_list_that_cannot_fit_is_refused_not_printed_cut():
    with pytest.raises(ValueError, match="放不下"):
        fit_table("名单", [f"列{i}" for i in range(12)], [["2023年12月31日"] * 12])
