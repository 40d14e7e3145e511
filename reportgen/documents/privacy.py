"""The last check before a public notice is written (DOMAIN §4.4): no ID number, resident phone,
bank card number or health detail beyond the risk type (因病 is fine, a diagnosis is not).

Text is normalised first, the way a reader's eye does it: full-width digits and letters become
half-width (NFKC), and spaces or dashes between digits are ignored, so `4115 2119 7503 0400 13`,
`４１１５２１…`, `138-1234-5678` and `１３８１２３４５６７８` are all caught.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from reportgen.errors import ReportgenError

# Disease and treatment names that must not be posted (seed 三.一.(三).4: privacy of monitored
# households); `privacy.health_terms` in reportgen.toml replaces the list. Risk types such as
# 因病、因残 are categories, not diagnoses, and stay allowed.
DEFAULT_HEALTH_TERMS = (
    "癌", "肿瘤", "白血病", "尿毒症", "透析", "化疗", "放疗", "肾衰", "肝硬化", "艾滋病", "HIV",
    "乙肝", "肝炎", "结核", "精神病", "精神分裂", "抑郁症", "癫痫", "脑梗", "脑出血", "脑瘫",
    "偏瘫", "瘫痪", "截肢", "心脏病", "冠心病", "糖尿病", "高血压", "慢阻肺", "血友病",
)  # fmt: skip


class PrivacyError(ReportgenError):
    """Raised when a rendered public notice still shows an ID number, a private phone or bank
    card number, or a health detail."""

    exit_code = 7


_TAGS = re.compile(r"<[^>]+>")
# A run of digits (an ID may end in X) with the separators people type between groups.
_NUMBER = re.compile(r"[0-9](?:[ \u00a0\-–—]*[0-9Xx])+")
_ID = re.compile(r"[1-9][0-9]{16}[0-9Xx]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _masked(number: str) -> str:
    return f"{number[:3]}…{number[-4:]}"


def find_private(
    text: str, office_numbers: Iterable[str], health_terms: Iterable[str]
) -> str | None:
    """The first thing in `text` a public notice must not show, described in Chinese; None if clean."""
    plain = unicodedata.normalize("NFKC", text)
    allowed = {re.sub(r"\D", "", n) for n in office_numbers}
    for m in _NUMBER.finditer(plain):
        number = re.sub(r"[^0-9Xx]", "", m.group())
        if _ID.fullmatch(number):
            return f"未遮挡的身份证号码（{_masked(number)}）"
        if "X" in number.upper():
            continue
        if _MOBILE.fullmatch(number) and number not in allowed:
            return f"居民手机号码（{number[:3]}****{number[-4:]}）"
        if 16 <= len(number) <= 19 and _luhn_ok(number):
            return f"疑似银行卡号（{_masked(number)}）"
    for term in health_terms:
        if term and term in plain:
            return f"病情等健康信息（“{term}”）"
    return None


def privacy_check(
    office_numbers: list[str], health_terms: Iterable[str] = DEFAULT_HEALTH_TERMS
) -> Callable[[str], None]:
    """An engine `inspect` hook: refuses rendered XML that shows what find_private finds."""
    terms = tuple(health_terms)

    def inspect(xml: str) -> None:
        # Tags become spaces: a number split across runs is still one number to a reader.
        found = find_private(_TAGS.sub(" ", xml), office_numbers, terms)
        if found:
            raise PrivacyError(
                f"公示内容含有{found}，已拒绝生成。公示不得公开身份证号、居民电话、银行卡号和病情；"
                "请检查数据或模板（办公电话请配置在 hotlines.office_numbers，健康用语清单见 privacy.health_terms）"
            )

    return inspect
