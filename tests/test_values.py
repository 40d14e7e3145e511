import datetime as dt
from decimal import Decimal

import pytest
from builders import make_id

from reportgen.dataset import sheets as S
from reportgen.dataset import values as V


@pytest.mark.parametrize(
    "text",
    ["2023-09-01", "2023/9/1", "2023年9月1日", "2023.9.1", "20230901", "2023-09-01 00:00:00", dt.date(2023, 9, 1),
     dt.datetime(2023, 9, 1, 8, 30), 45170.0],
)  # fmt: skip
def test_every_date_spelling(text):
    assert V.parse_date(text) == dt.date(2023, 9, 1)


@pytest.mark.parametrize("text", ["2023-02-30", "2023-13-01", "九月一日", "2023-9", "abc"])
def test_bad_dates(text):
    with pytest.raises(V.CellError):
        V.parse_date(text)


@pytest.mark.parametrize("text,expected", [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), (0, False),
                                           ("√", True), ("×", False), (True, True)])  # fmt: skip
def test_booleans(text, expected):
    assert V.parse_bool(text) is expected


def test_bad_boolean():
    with pytest.raises(V.CellError, match="是/否"):
        V.parse_bool("也许")


def test_blank_and_check_mark_columns():
    # √/空: an empty cell is "not stated", stored as None (treated as 否 by the rules).
    assert V.is_empty("") and V.is_empty("  ") and V.is_empty(None)
    assert not V.is_empty("√")


def test_id_lowercase_x_normalised():
    good = make_id("19900101", 7)
    # find a sequence whose check character is X
    seq = next(s for s in range(1, 500) if make_id("19900101", s).endswith("X"))
    with_x = make_id("19900101", seq)
    assert V.parse_id_number(with_x.lower()) == with_x
    assert V.parse_id_number(f" {good} ") == good


@pytest.mark.parametrize(
    "value,message",
    [
        ("41152119900101001", "应为 18 位"),
        ("4115211990010100A1", "只能由数字组成"),
        ("411521199001010011", "校验位"),
        (4.11521199001011e17, "存成了数字"),
    ],
)
def test_bad_ids(value, message):
    with pytest.raises(V.CellError, match=message):
        V.parse_id_number(value)


def test_id_with_impossible_birth_date():
    body = "41152119900231001"  # 31 February
    from stdnum.cn import ric

    with pytest.raises(V.CellError, match="出生日期"):
        V.parse_id_number(body + ric.calc_check_digit(body + "0"))


@pytest.mark.parametrize(
    "phone", ["13812345678", "0376-1234567", "03761234567", "12317", "+8613812345678"]
)
def test_good_phones(phone):
    assert V.parse_phone(phone)


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "电话", "12-34"])
def test_bad_phones(phone):
    with pytest.raises(V.CellError, match="电话号码格式"):
        V.parse_phone(phone)


def test_codes_keep_leading_zeros_and_drop_excel_float():
    assert V.parse_code("0012") == "0012"
    assert V.parse_code(411599101201.0) == "411599101201"
    assert V.parse_code("411599.0") == "411599"


def test_money_and_wan():
    money = S.Field("x", "金额", S.MONEY)
    wan = S.Field("y", "资金", S.WAN)
    assert V.parse_cell(money, "1,250.5元") == Decimal("1250.50")
    assert V.parse_cell(wan, 12.3456) == Decimal("12.3456")
    assert V.parse_cell(wan, 0.1 + 0.2) == Decimal("0.3000")  # binary noise tolerated
    with pytest.raises(V.CellError, match="4 位小数"):
        V.parse_cell(wan, "1.23456")
    with pytest.raises(V.CellError, match="负数"):
        V.parse_cell(money, -5)


def test_enum_and_multi():
    risk = S.MONITORING_PROCEDURES.field("risk_types")
    assert V.parse_cell(risk, "因病、因学,因病") == "因病、因学"
    with pytest.raises(V.CellError, match="因穷"):
        V.parse_cell(risk, "因病、因穷")
    kind = S.HOUSEHOLDS.field("category")
    with pytest.raises(V.CellError, match="脱贫户/监测户/一般农户"):
        V.parse_cell(kind, "贫困户")


SAMPLES = ["", " 是 ", "否", "Y", "2023-09-01", "2023年9月1日", "411599101201", "0012", "H 001", "a  b", "x\ny", "脱贫户", "贫困户",
           "13812345678", "41152119900101001X", "41152119900101001x", "411521199001010011", 12.0, 411599101201.0, 45170.0, True, 1.5,
           "1,250.5元", "壮劳力", "普通劳动力"]  # fmt: skip


@pytest.mark.parametrize("spec", S.SHEETS, ids=lambda s: s.table)
def test_fast_parsers_agree_with_the_general_parser(spec):
    for field in spec.fields:
        fast = V.compile_parser(field)
        for sample in SAMPLES + [
            make_id("19900101", 5),
            dt.date(2023, 9, 1),
            dt.datetime(2023, 9, 1, 8),
        ]:
            if V.is_empty(sample):
                continue
            try:
                expected = ("ok", V.parse_cell(field, sample))
            except V.CellError as err:
                expected = ("error", str(err))
            try:
                got = ("ok", fast(sample))
            except V.CellError as err:
                got = ("error", str(err))
            assert got == expected, (spec.table, field.name, sample)
