import datetime as dt
from decimal import Decimal

import pytest

from reportgen.engine import ENV, age, cndate, daxie, mask_id, mask_phone, money, wan, wenhao


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, "零元整"),
        (10, "壹拾元整"),
        (100000, "壹拾万元整"),
        (1000001, "壹佰万零壹元整"),
        (0.5, "伍角"),
        (2.05, "贰元零伍分"),
        (0.05, "伍分"),
        (1250, "壹仟贰佰伍拾元整"),
        (1250.5, "壹仟贰佰伍拾元伍角"),
        (1010, "壹仟零壹拾元整"),
        (100010000, "壹亿零壹万元整"),
        (100000001, "壹亿零壹元整"),
        (230000000, "贰亿叁仟万元整"),
        (10.57, "壹拾元伍角柒分"),
        (Decimal("3300"), "叁仟叁佰元整"),
        ("1,250.00", "壹仟贰佰伍拾元整"),
        (0.005, "壹分"),
        (-12, "负壹拾贰元整"),
        (None, ""),
    ],
)
def test_daxie(value, expected):
    assert daxie(value) == expected


def test_money_and_wan():
    assert money(1250) == "1,250.00"
    assert money(1234567.891) == "1,234,567.89"
    assert money(None) == ""
    assert money("") == ""
    assert wan(12.5) == "12.5000"
    assert wan(125000, yuan=True) == "12.5000"
    assert wan(0.00005) == "0.0001"
    with pytest.raises(ValueError):
        money("abc")


@pytest.mark.parametrize(
    "value, expected",
    [
        (dt.date(2023, 9, 1), "2023年9月1日"),
        (dt.datetime(2023, 12, 31, 8, 30), "2023年12月31日"),
        ("2023-09-01", "2023年9月1日"),
        ("2023/9/1", "2023年9月1日"),
        ("2023年09月01日", "2023年9月1日"),
        ("20230901", "2023年9月1日"),
        ("2023-09-01T10:00:00", "2023年9月1日"),
        (None, ""),
        ("", ""),
    ],
)
def test_cndate(value, expected):
    assert cndate(value) == expected


def test_cndate_rejects_nonsense():
    with pytest.raises(ValueError, match="无法识别的日期"):
        cndate("2023-02-30")


def test_masks():
    assert mask_id("410102200501011234") == "410***********1234"
    assert mask_id("41010220050101123X") == "410***********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("12345") == "1***5"
    assert mask_id("12") == "**"
    assert mask_phone("") == ""
    assert mask_id(None) == ""


def test_wenhao():
    assert wenhao("豫政", 2023, 12) == "豫政〔2023〕12号"
    assert wenhao("豫政 2023 12") == "豫政〔2023〕12号"
    assert wenhao("豫政[2023]12号") == "豫政〔2023〕12号"
    assert wenhao("豫政（2023）第12号") == "豫政〔2023〕12号"
    with pytest.raises(ValueError):
        wenhao("豫政")


def test_age():
    assert age("410102200509011234", "2023-09-01") == 18
    assert age("410102200509021234", "2023-09-01") == 17
    assert age("", "2023-09-01") is None
    assert age("410102200509011234") >= 18
    with pytest.raises(ValueError):
        age("123", "2023-09-01")


def test_filters_in_the_environment_escape_xml():
    out = ENV.from_string("{{ a }} {{ n|money }} {{ d|cndate }}").render(
        a="<王&李>", n=1250, d="2023-09-01"
    )
    assert out == "&lt;王&amp;李&gt; 1,250.00 2023年9月1日"


def test_none_prints_blank():
    assert ENV.from_string("[{{ x }}]").render(x=None) == "[]"


def test_line_breaks_in_data_become_word_breaks_and_stay_escaped():
    from reportgen.engine import ENV, TEXT_ENV

    out = ENV.from_string('<w:t xml:space="preserve">{{ x }}</w:t>').render(
        x="中央 1.0000\n合计 <2>"
    )
    assert (
        out
        == '<w:t xml:space="preserve">中央 1.0000</w:t><w:br/><w:t xml:space="preserve">合计 &lt;2&gt;</w:t>'
    )
    assert TEXT_ENV.from_string("{{ x }}").render(x="a\nb") == "a\nb"
