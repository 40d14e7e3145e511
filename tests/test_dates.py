"""One date parser (reportgen.dates.parse_day) behind the import's cells, the template filters and
the CLI's date options: the same text names the same day everywhere; the callers differ only
where they mean to (blanks, numbers, what may follow the day, the message)."""

import datetime as dt

import pytest

from reportgen.cli.options import parse_date_option
from reportgen.dataset import values as V
from reportgen.dates import DateTextError, parse_day
from reportgen.engine import filters as F
from reportgen.errors import ConfigError

DAY = dt.date(2023, 9, 21)

# Every way a day is written that the import accepts (DOMAIN §2, spreadsheet date-times included).
SPELLINGS = [
    "2023-09-21", "2023/9/21", "2023.9.21", "2023-9-21", "2023 - 9 - 21", "2023年9月21日",
    "2023年9月21", "2023 年 9 月 21 日", "20230921", "\u30002023-09-21\u3000", "２０２３-０９-２１",
    "2023/9/21 9:05", "2023-09-21 08:30:00", "2023-09-21T08:30:00.000+08:00", "2023-09-21T08:30:00Z",
    "2023/9/21 上午 9:05", "2023-9-21 9:05 PM", "2023-09-21 12:00 am", "2023年9月21日 9时05分",
    "2023年9月21日9时05分30秒", "2023年9月21日9时", "2023-09-21\t08:30", "20230921 08:30",
    "2023/09/21 00:00:00.123456789", "2023.09.21 09:05:07 Z", "2023-09-21 08:30 +08",
]  # fmt: skip

NOT_DATES = ["2023-09/21", "2023/9.21", "九月二十一日", "2023-9", "abc", "x2023-09-21",
             "2023-09-21x", "202309211", "2023-009-21", "12023-09-21", "None"]  # fmt: skip
NO_SUCH_DAYS = ["2023-02-30", "2023-13-01", "0000-01-01", "2023年2月30日", "20230230"]
BAD_TIMES = ["2023-09-21 25:00", "2023-09-21 23:60", "2023-09-21 08:30:61", "2023-09-21 13:00 PM",
             "2023-09-21 0:00 am"]  # fmt: skip


@pytest.mark.parametrize("text", SPELLINGS)
def test_every_caller_reads_every_spelling_as_the_same_day(text):
    assert parse_day(text) == DAY
    assert V.parse_date(text) == DAY
    assert F.parse_date(text) == DAY
    assert F.cndate(text) == "2023年9月21日"
    assert parse_date_option(text) == DAY


@pytest.mark.parametrize("value", [DAY, dt.datetime(2023, 9, 21, 23, 59)])
def test_date_and_datetime_values(value):
    assert parse_day(value) == V.parse_date(value) == F.parse_date(value) == DAY


@pytest.mark.parametrize("text", NOT_DATES + NO_SUCH_DAYS)
def test_no_caller_reads_a_non_date(text):
    with pytest.raises(DateTextError):
        parse_day(text, check_time=False)
    with pytest.raises(V.CellError):
        V.parse_date(text)
    with pytest.raises(ValueError, match="无法识别的日期"):
        F.parse_date(text)
    with pytest.raises(ConfigError, match="日期写法不对"):
        parse_date_option(text)


def test_the_import_says_what_is_wrong_in_chinese():
    with pytest.raises(V.CellError, match=r"^应为日期，如 2023-09-01、2023/9/1 或 2023年9月1日"):
        V.parse_date("九月一日")
    with pytest.raises(V.CellError, match="^日期不存在$"):
        V.parse_date("2023-02-30")
    with pytest.raises(V.CellError, match="^日期后的时间不正确$"):
        V.parse_date("2023-09-21 25:00")


# Where the callers differ on purpose ------------------------------------------------------------
@pytest.mark.parametrize(
    "text", BAD_TIMES + ["2023-09-21 (周四)", "2023-09-21T", "2023年9月21日 上班"]
)
def test_the_filter_ignores_what_follows_the_day_the_import_checks_it(text):
    assert F.parse_date(text) == DAY
    with pytest.raises(V.CellError):
        V.parse_date(text)


@pytest.mark.parametrize("blank", [None, "", "  ", "\u3000"])
def test_a_blank_is_nothing_in_a_template_and_an_error_in_a_cell(blank):
    assert F.parse_date(blank) is None
    assert F.cndate(blank) == ""
    with pytest.raises(V.CellError):
        V.parse_date(blank)


def test_a_number_is_an_excel_serial_in_a_cell_and_digits_in_a_template():
    # 45190 is 2023-09-21 counted from Excel's epoch; a CSV export loses the date format.
    assert V.parse_date(45190) == V.parse_date(45190.75) == DAY
    with pytest.raises(V.CellError):
        V.parse_date(20230921)
    with pytest.raises(V.CellError):
        V.parse_date(19999)
    assert F.parse_date(20230921) == DAY
    with pytest.raises(ValueError, match="无法识别的日期"):
        F.parse_date(45190)
    with pytest.raises(V.CellError):
        V.parse_date(True)


def test_age_at_a_blank_date_is_age_today():
    # `age(at)` with an empty cell counts to today, as with no date at all (it used to fail on None)
    id_number = "11010519491231002X"
    assert F.age(id_number, at="") == F.age(id_number, at="  ") == F.age(id_number)
    assert F.age(id_number, at="2023-12-30") == 73 and F.age(id_number, at="2023年12月31日") == 74
