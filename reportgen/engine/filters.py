"""Formatting filters shared by every template (money, 大写金额, Chinese dates, masking, 文号, age)."""

from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

from reportgen.dates import DateTextError, birth_from_id, cn_date, full_years, parse_day
from reportgen.engine.media import MEDIA_FILTERS
from reportgen.engine.subdoc import subdoc

__all__ = [
    "FILTERS",
    "age",
    "cndate",
    "daxie",
    "mask_id",
    "mask_phone",
    "money",
    "parse_date",
    "wan",
    "wenhao",
]

_CENT = Decimal("0.01")
# Parsed once: babel's format_decimal re-parses locale and pattern on every call (~70 µs).
_LOCALE = Locale.parse("zh_CN")
_PATTERNS: dict[str, NumberPattern] = {}


_GROUPED = {"#,##0": 0, "#,##0.00": 2, "#,##0.0000": 4}


def _format(number: Decimal, pattern: str) -> str:
    places = _GROUPED.get(pattern)
    if places is not None and number == number.quantize(Decimal(1).scaleb(-places)):
        # zh_CN groups by three with "," and uses "." (babel's CLDR data): for an amount already
        # rounded to the pattern's places Python's own format gives the same text, ~10× faster
        # (the card batch formats every amount).
        return format(number, f",.{places}f")
    parsed = _PATTERNS.get(pattern)
    if parsed is None:
        parsed = _PATTERNS[pattern] = parse_pattern(pattern)
    return parsed.apply(number, _LOCALE)


def _decimal(value) -> Decimal | None:
    """A number (int, float, Decimal or numeric text such as '1,250.5') as a Decimal; None for blanks."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"不是金额：{value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace(",", "").replace("，", "")
    if text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"不是金额：{value!r}") from None


class MoneyText(str):
    """What `money` returns: the text `1,250.00` wherever text is written (Word, mixed cells), plus
    the rounded `amount` and its Excel `number_format`, so that an Excel template cell holding only
    `{{ x|money }}` is written as a NUMBER that SUM adds up (xlsx_template)."""

    amount: Decimal
    number_format: str

    def __new__(cls, text: str, amount: Decimal, number_format: str) -> MoneyText:
        self = super().__new__(cls, text)
        self.amount = amount
        self.number_format = number_format
        return self

    def __reduce__(self):
        return MoneyText, (str(self), self.amount, self.number_format)


def money(value, decimals: int = 2) -> str:
    """`1250` → `1,250.00` (babel zh_CN grouping); blanks → ''. The text carries the rounded amount
    (MoneyText) for Excel cells."""
    number = _decimal(value)
    if number is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    amount = number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return MoneyText(_format(amount, pattern), amount, pattern)


def wan(value, yuan: bool = False) -> str:
    """A 万元 amount with 4 decimals: `12.5` → `12.5000`; with yuan=True the value is in 元 (`125000` → `12.5000`)."""
    number = _decimal(value)
    if number is None:
        return ""
    if yuan:
        number = number / Decimal(10000)
    return _format(number.quantize(Decimal("0.0001"), ROUND_HALF_UP), "#,##0.0000")


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _daxie_integer(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(_BIG_UNITS):
        raise ValueError("金额过大，无法写成大写")
    out = ""
    zero_pending = False
    for gi in range(len(groups) - 1, -1, -1):
        g = groups[gi]
        if g == 0:
            zero_pending = bool(out)
            continue
        # A zero group in between, or a group with leading zeros after a higher group, reads 零 once.
        if out and (zero_pending or g < 1000):
            out += "零"
        zero_pending = False
        part = ""
        inner_zero = False
        for pos in range(3, -1, -1):
            d = g // 10**pos % 10
            if d == 0:
                inner_zero = bool(part)
                continue
            if inner_zero:
                part += "零"
                inner_zero = False
            part += _DIGITS[d] + _SMALL_UNITS[pos]
        out += part + _BIG_UNITS[gi]
    return out


def daxie(value) -> str:
    """大写金额 by the usual financial rules: `1250` → `壹仟贰佰伍拾元整`, `2.05` → `贰元零伍分`."""
    number = _decimal(value)
    if number is None:
        return ""
    number = number.quantize(_CENT, ROUND_HALF_UP)
    sign = "负" if number < 0 else ""
    cents = int(abs(number) * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    text = _daxie_integer(yuan) + "元" if yuan else ""
    if jiao:
        text += _DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            text += "零"
        text += _DIGITS[fen] + "分"
    if not jiao and not fen:
        text += "整"
    return sign + text


def parse_date(value) -> _dt.date | None:
    """The day a template value names (reportgen.dates.parse_day), read leniently: None and
    blank text are None (an empty cell prints as nothing), and whatever follows the day after a
    space or T is ignored unread (`2023-09-01 08:30:00`, `2023-09-01 (周五)`). A number is read as
    its digits (`20230901`), never as an Excel serial: that is the import's business."""
    if value is None:
        return None
    if isinstance(value, _dt.date):
        return parse_day(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        return parse_day(text, check_time=False)
    except DateTextError:
        raise ValueError(f"无法识别的日期：{value!r}") from None


def cndate(value) -> str:
    """`2023年9月1日` (no zero padding) from a date, datetime or ISO text; blanks → ''."""
    d = parse_date(value)
    return "" if d is None else cn_date(d)


def _mask(text: str, head: int, tail: int) -> str:
    if len(text) >= head + tail + 1:
        return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]
    if len(text) >= 3:
        return text[0] + "*" * (len(text) - 2) + text[-1]
    return "*" * len(text)


def mask_id(value) -> str:
    """ID number with only the first 3 and last 4 characters kept: `410***********1234`."""
    if value is None:
        return ""
    return _mask(str(value).strip(), 3, 4)


def mask_phone(value) -> str:
    """Phone number with the middle masked: `138****5678`."""
    if value is None:
        return ""
    return _mask(str(value).strip(), 3, 4)


_WENHAO = re.compile(
    r"^(?P<org>.*?)\s*[\[〔(（【]?\s*(?P<year>\d{4})\s*[\]〕)）】]?\s*第?\s*(?P<no>\d+)\s*号?$"
)


def wenhao(org, year=None, number=None) -> str:
    """文号 with 〔〕: `wenhao('豫政', 2023, 12)` or `wenhao('豫政 2023 12')` → `豫政〔2023〕12号`."""
    if org is None:
        return ""
    org = str(org).strip()
    if year is None and number is None:
        if not org:
            return ""
        m = _WENHAO.match(org)
        if not m:
            raise ValueError(f"无法识别的文号：{org!r}（应为“机关代字 年份 序号”）")
        org, year, number = m.group("org"), m.group("year"), m.group("no")
    if year is None or number is None:
        raise ValueError("文号需要年份和序号")
    return f"{org}〔{int(year)}〕{int(number)}号"


def age(id_number, at=None) -> int | None:
    """Full years of age at `at` (default, and for a blank `at`: today) from an 18-character ID
    number's birth date."""
    if id_number is None or str(id_number).strip() == "":
        return None
    text = str(id_number).strip()
    born = birth_from_id(text)
    if born is None:
        raise ValueError(f"无法从证件号码取出生日期：{mask_id(text)}")
    return full_years(born, parse_date(at) or _dt.date.today())


FILTERS = {
    "money": money,
    "wan": wan,
    "daxie": daxie,
    "cndate": cndate,
    "mask_id": mask_id,
    "mask_phone": mask_phone,
    "wenhao": wenhao,
    "age": age,
    **MEDIA_FILTERS,  # image, link: Word pictures and hyperlinks (media.py)
    "subdoc": subdoc,  # {{p 附件|subdoc }}: another .docx's body (subdoc.py)
}
