"""Cell parsers: one Excel/CSV cell → one typed value, or a CellError saying in Chinese what is wrong.

Accepts the spellings clerks actually type (DOMAIN §2): dates as 2023-09-01, 2023/9/1, 2023年9月1日,
2023.9.1 or Excel date cells; booleans 是/否, Y/N, 1/0, √/空; numbers with thousands separators.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from stdnum.cn import ric

from reportgen.dataset import sheets as S
from reportgen.dates import DateTextError, parse_day


class CellError(ValueError):
    """Raised for a cell that cannot be read as its field's type; the message is shown to the user."""


_EMPTY = {"", "-", "—", "／", "/", "无数据", "null", "none", "nan", "#n/a"}


def is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _EMPTY
    return False


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip().replace("\u3000", " ")


# -------------------------------------------------------------------------------------- text
def parse_text(value: object) -> str:
    return re.sub(r"\s+", " ", _text(value)).strip()


def parse_code(value: object) -> str:
    if isinstance(value, bool):
        raise CellError("应为代码（文字）")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("代码不应含小数")
        return str(int(value))
    text = _text(value).replace(" ", "")
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text


# ------------------------------------------------------------------------------------ numbers
# (decimal places, integer digits) of each decimal kind: the columns' Numeric(precision, scale)
# in dataset/schema.py, so a value that parses also fits.
DECIMAL_KINDS = {S.MONEY: (2, 12), S.WAN: (4, 10), S.NUMBER: (2, 10)}
_UNITS = ("万元", "元", "㎡", "平方米", "m2", "升", "l", "分钟", "分", "次", "人", "户", "天", "个")


def parse_decimal(
    value: object, places: int | None = None, integer_digits: int | None = None
) -> Decimal:
    if isinstance(value, bool):
        raise CellError("应为数字")
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = _text(value).replace(",", "").replace("，", "").replace(" ", "")
        lowered = text.lower()
        for unit in _UNITS:
            if lowered.endswith(unit):
                text = text[: len(text) - len(unit)]
                break
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError("应为数字") from None
    if not number.is_finite():
        raise CellError("应为数字")
    if number < 0:
        raise CellError("不能为负数")
    if integer_digits is not None and number >= Decimal(10) ** integer_digits:
        # The column's capacity, checked here so that SQLite (which would keep a float and lose
        # cents) and PostgreSQL (which would refuse mid-load) behave alike.
        raise CellError(f"数值过大（整数部分最多 {integer_digits} 位）")
    if number.adjusted() > 20:  # beyond any quantity here; quantize would overflow
        raise CellError("数值过大")
    if places is not None:
        rounded = number.quantize(Decimal(1).scaleb(-places))
        if abs(number - rounded) > Decimal("1e-9"):  # tolerate binary-float noise from Excel
            raise CellError(f"最多保留 {places} 位小数")
        number = rounded
    return number


INT_MAX = 2**31 - 1  # a 4-byte INTEGER column on both backends


def parse_int(value: object) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError("应为整数")
    if number > INT_MAX:
        raise CellError(f"数值过大（最大 {INT_MAX}）")
    return int(number)


# -------------------------------------------------------------------------------------- dates
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date:
    """A day from a date or datetime cell, an Excel serial, or text with an optional time part
    (reportgen.dates.parse_day, the time checked and dropped: every date field of the import
    contract is a day); CellError with the Chinese reason otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # An Excel serial number that lost its date format (CSV exports do this); a fraction is
        # the time of day.
        if 20000 <= value <= 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError("应为日期，如 2023-09-01")
    try:
        return parse_day(value)
    except DateTextError as e:
        raise CellError(str(e)) from None


# ----------------------------------------------------------------------------------- booleans
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "✘", "无", "f"}


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise CellError("应为 是/否")
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("应为 是/否（也可写 Y/N、1/0、√）")


# ------------------------------------------------------------------------------ ids and phones
def parse_id_number(value: object) -> str:
    """An 18-character resident ID (GB 11643-1999); lowercase x normalised to X.

    Checks length, digits, the ISO 7064 MOD 11-2 check character, the birth date and the
    province part of the region code. The full county part is not checked against
    python-stdnum's list: that list lags behind renamed counties, and a valid ID of a real
    person must never be refused.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(
            "证件号码被存成了数字（Excel 只保留 15 位有效数字，后几位已丢失），请把该列设为文本后重新录入"
        )
    text = _text(value).replace(" ", "").upper()
    if len(text) != 18:
        raise CellError(f"身份证号码应为 18 位，实为 {len(text)} 位")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise CellError("身份证号码只能由数字组成，最后一位可为 X")
    if ric.calc_check_digit(text) != text[17]:
        raise CellError("身份证号码校验位不正确")
    if not 11 <= int(text[:2]) <= 82:
        raise CellError("身份证号码的地址码不正确")
    try:
        birth = ric.get_birth_date(text)
    except Exception:
        raise CellError("身份证号码中的出生日期不存在") from None
    if birth.year < 1900:
        raise CellError("身份证号码中的出生日期不正确")
    return text


def id_birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_sex(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 == 1 else "女"


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_SERVICE = re.compile(r"1\d{4}|400-?\d{3}-?\d{4}")  # 12317, 12345, 400 numbers


def parse_phone(value: object) -> str:
    text = _text(value).replace(" ", "").replace("—", "-").replace("－", "-")
    if text.startswith("+86"):
        text = text[3:]
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text) or _SERVICE.fullmatch(text):
        return text
    raise CellError("电话号码格式不正确（手机 11 位，座机如 0376-1234567）")


# ---------------------------------------------------------------------------------- dispatcher
def _split_multi(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[、，,;；/\s]+", text) if p.strip()]


def parse_cell(field: S.Field, value: object) -> object:
    """Parse one non-empty cell for `field`; raise CellError with a Chinese reason."""
    kind = field.kind
    if kind == S.TEXT:
        return parse_text(value)
    if kind == S.CODE:
        return parse_code(value)
    if kind == S.ENUM:
        text = parse_text(value)
        if text not in field.choices:
            raise CellError(f"应为 {'/'.join(field.choices)} 之一")
        return text
    if kind == S.MULTI:
        parts = _split_multi(parse_code(value) if isinstance(value, float) else _text(value))
        if field.choices:
            bad = [p for p in parts if p not in field.choices]
            if bad:
                raise CellError(
                    f"“{'、'.join(bad)}”不是可选值（{'/'.join(field.choices)}），多个用“、”分隔"
                )
        seen: list[str] = []
        for p in parts:
            if p not in seen:
                seen.append(p)
        return "、".join(seen)
    if kind == S.INT:
        return parse_int(value)
    if kind in DECIMAL_KINDS:
        return parse_decimal(value, *DECIMAL_KINDS[kind])
    if kind == S.DATE:
        return parse_date(value)
    if kind == S.BOOL:
        return parse_bool(value)
    if kind == S.ID_NUMBER:
        return parse_id_number(value)
    if kind == S.PHONE:
        return parse_phone(value)
    raise AssertionError(kind)


def display(value: object) -> str:
    """A cell value as shown in an error message (control characters spelled out, e.g. \\x07)."""
    if value is None:
        return ""
    text = _text(value)
    text = text if len(text) <= 60 else text[:57] + "…"
    return _CONTROL.sub(lambda m: _spell(m.group()), text)


def full_text(value: object) -> str:
    """An unrecognised column's cell as kept in `extra`: the whole text, not the display form."""
    return _text(value)


# Characters no document may carry: C0 controls except tab/newline/carriage return, DEL and C1
# controls, lone surrogates and the two non-characters XML 1.0 forbids. Excel shows none of them,
# so a clerk cannot see what is wrong: the cell is refused with the character spelled out.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _spell(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def check_controls(text: str) -> None:
    """Raise CellError when `text` holds a character no document may carry."""
    if text.isprintable():  # the common case, no regex
        return
    m = _CONTROL.search(text)
    if m:
        raise CellError(
            f"含有看不见的控制字符 {_spell(m.group())}（第 {m.start() + 1} 个字符），多为从其他系统复制而来，请删除后重新导入"
        )


# ------------------------------------------------------------------------------ fast paths
# The import parses millions of cells: each field gets a parser with a fast path for the
# common, already-clean cell, falling back to the general parser (and its messages) otherwise.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"
_BOOL_WORDS = {**{w: True for w in _TRUE}, **{w: False for w in _FALSE}}


def _fast_id(value: object) -> str:
    if type(value) is str and len(value) == 18 and value[:17].isdigit():
        text = value.upper()
        if (
            _ID_CHECK[sum(int(c) * w for c, w in zip(text, _ID_WEIGHTS)) % 11] == text[17]
            and 11 <= int(text[:2]) <= 82
        ):
            try:
                if dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14])).year >= 1900:
                    return text
            except ValueError:
                pass
    return parse_id_number(value)


def compile_parser(field: S.Field):
    """A one-argument parser for `field` (same results and errors as parse_cell, faster)."""
    kind = field.kind
    if kind == S.TEXT:

        def text(value: object) -> str:
            if type(value) is str:
                s = value.strip()
                if (
                    "  " not in s
                    and "\n" not in s
                    and "\t" not in s
                    and "\u3000" not in s
                    and "\r" not in s
                ):
                    return s
            return parse_text(value)

        return text
    if kind == S.CODE:

        def code(value: object) -> str:
            if type(value) is str and value.isalnum() and value.isascii():
                return value
            return parse_code(value)

        return code
    if kind == S.ENUM:
        choices = frozenset(field.choices)

        def enum(value: object) -> object:
            if type(value) is str and value in choices:
                return value
            return parse_cell(field, value)

        return enum
    if kind == S.DATE:

        def date(value: object) -> dt.date:
            if type(value) is dt.date:
                return value
            return parse_date(value)

        return date
    if kind == S.BOOL:

        def boolean(value: object) -> bool:
            if type(value) is str:
                found = _BOOL_WORDS.get(value.strip().lower())
                if found is not None:
                    return found
            return parse_bool(value)

        return boolean
    if kind == S.ID_NUMBER:
        return _fast_id
    return lambda value: parse_cell(field, value)


def is_blank(value: object) -> bool:
    """is_empty with the common cases first."""
    if value is None or value == "":
        return True
    if type(value) is str:
        return value.strip().lower() in _EMPTY
    return False
