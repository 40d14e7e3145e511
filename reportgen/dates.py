"""Dates, one definition each: reading the day a cell, an option or a template value names
(`parse_day`), and writing it as Chinese text (`cn_date`). Neutral ground: the import, the engine's
filters, the rules and the CLI all use it, and it imports nothing of theirs."""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["DateTextError", "cn_date", "parse_day"]


def cn_date(d: dt.date) -> str:
    """`2023年9月1日` (no zero padding)."""
    return f"{d.year}年{d.month}月{d.day}日"


class DateTextError(ValueError):
    """Raised by `parse_day` for a value that names no day; the message is the Chinese reason,
    worded for a clerk (each caller may put its own message in front of it instead)."""


NOT_A_DATE = "应为日期，如 2023-09-01、2023/9/1 或 2023年9月1日（可带时间，如 2023/9/21 9:05）"
BAD_TIME = "日期后的时间不正确"
NO_SUCH_DAY = "日期不存在"

# The day: 2023-09-01, 2023/9/1, 2023.9.1 (one separator throughout), 2023年9月1日 (日 optional),
# 20230901; spaces are allowed around the separators and the characters.
_DATE_PART = (
    r"(?P<y>\d{4})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
    r"|(?P<cy>\d{4})\s*年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*日?"
    r"|(?P<ny>\d{4})(?P<nm>\d{2})(?P<nd>\d{2})"
)
# The time a spreadsheet writes after the day (Excel's CSV export `2023/9/21 9:05`,
# `2023-09-11 08:30:00`; ISO `2023-09-11T08:30:00.000+08:00`; Chinese locales
# `2023/9/21 上午 9:05`, `2023年9月21日 9时05分`), after a space, a T or straight after 日.
_HALF = r"(?:上午|下午|AM|PM|am|pm|a\.m\.|p\.m\.)"
_TIME_PART = (
    rf"(?:{_HALF}\s*)?(?P<H>\d{{1,2}})"
    r"(?::(?P<M>\d{1,2})(?::(?P<S>\d{1,2})(?:\.\d{1,9})?)?"
    r"|时(?:\s*(?P<CM>\d{1,2})\s*分(?:\s*(?P<CS>\d{1,2})\s*秒)?)?)"
    rf"(?:\s*(?P<half>{_HALF}))?"
    r"(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?"
)
_AFTER_DAY = r"(?:\s+|T|(?<=日))"
_CHECKED = re.compile(rf"(?:{_DATE_PART})(?:{_AFTER_DAY}(?:{_TIME_PART}))?")
# Unchecked: whatever follows the day after a space, a T or 日 is not read (a superset of the
# checked form: every text the checked form accepts, this accepts as the same day).
_UNCHECKED = re.compile(rf"(?:{_DATE_PART})(?:(?:\s|T|(?<=日)).*)?")


def parse_day(value: object, *, check_time: bool = True) -> dt.date:
    """The day a date, a datetime or a text names (a datetime's or a text's time is dropped: every
    date here is a day). Raises DateTextError for anything else, blanks included.

    check_time: a time written after the day must be a time of day (`9:05`, `下午 3:05`,
    `9时05分`, with seconds, fraction and zone); False: whatever follows the day after a space or
    T is ignored unread (the template filters take `2023-09-01 (周五)` too)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = (_CHECKED if check_time else _UNCHECKED).fullmatch(text)
    if not m:
        raise DateTextError(NOT_A_DATE)
    if check_time and m["H"] is not None:
        hour = int(m["H"])
        minute, second = int(m["M"] or m["CM"] or 0), int(m["S"] or m["CS"] or 0)
        if hour > 24 or minute > 59 or second > 60 or (m["half"] and not 1 <= hour <= 12):
            raise DateTextError(BAD_TIME)
    y, mo, d = (
        (m["y"], m["m"], m["d"])
        if m["y"]
        else ((m["cy"], m["cm"], m["cd"]) if m["cy"] else (m["ny"], m["nm"], m["nd"]))
    )
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError:
        raise DateTextError(NO_SUCH_DAY) from None


def birth_from_id(id_number: str | None) -> dt.date | None:
    """The birth date an 18-character resident ID number carries (characters 7–14), or None."""
    text = id_number or ""
    if len(text) == 18 and text[6:14].isdigit():
        try:
            return dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        except ValueError:
            return None
    return None


def full_years(born: dt.date, on: dt.date) -> int:
    """Full years of age on a day (周岁): 2008-10-02 is 14 on 2023-10-01 and 15 on 2023-10-02."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
