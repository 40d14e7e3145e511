"""Terms (学期) and school years of student aid, and the terms a student was in their current stage.

2023年秋季学期 and 2024年春季学期 are school year 2023 (2023—2024学年). The 学段 and 年级 of the
学生 sheet describe one school year (the current one): a first-year student (小班, 一年级, 七年级 or
初一, 高一, 中职/高校一年级 …) entered in that year's autumn, so earlier terms are not theirs when
counting 应享未享 (DOMAIN §5; seed 二.一.(二).2③).
"""

from __future__ import annotations

import re
import unicodedata

from reportgen.errors import ConfigError

TERM_PATTERN = re.compile(r"(\d{4})年(春季|秋季)学期")


def is_term(text: str) -> bool:
    """Whether `text` is written as a term: 2023年秋季学期, 2024年春季学期."""
    return TERM_PATTERN.fullmatch(text.strip()) is not None


def parse_term(term: str) -> tuple[int, int]:
    """'2024年春季学期' → (2024, 1); '2023年秋季学期' → (2023, 2). Sorts terms in time order."""
    m = TERM_PATTERN.fullmatch(term.strip())
    if not m:
        raise ConfigError(f"学期写法应为“2024年春季学期”或“2023年秋季学期”：{term}")
    return int(m.group(1)), 1 if m.group(2) == "春季" else 2


def school_year_of(term: str) -> int:
    """The school year a term belongs to: 2023年秋季 and 2024年春季 are school year 2023."""
    year, season = parse_term(term)
    return year if season == 2 else year - 1


def terms_of_school_year(year: int) -> tuple[str, str]:
    """Both terms of a school year in time order: autumn, then the next spring."""
    return f"{year}年秋季学期", f"{year + 1}年春季学期"


# ------------------------------------------------------------------------------------- grades

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_GRADE_NUMBER = re.compile(r"([0-9]+|十[一二]?|[一二三四五六七八九])\s*年级")
_COHORT = re.compile(r"((?:19|20)\d{2})\s*级")
# Spellings that say the year within the stage themselves (0 = the first year).
_YEAR_WORDS = {"小班": 0, "中班": 1, "大班": 2}
_YEAR_PREFIXES = ("初", "高", "大", "研", "博")  # 初一, 高二, 大三, 研一, 博二


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + (_CN_DIGITS.get(text[1:], 0) if len(text) == 2 else 0)
    return _CN_DIGITS.get(text)


def grade_number(grade: str) -> int | None:
    """七年级 → 7, 3年级 → 3, 十一年级 → 11; None when the grade is not written as N年级."""
    m = _GRADE_NUMBER.search(unicodedata.normalize("NFKC", grade))
    return _cn_number(m.group(1)) if m else None


# How 年级 N counts within a stage where it continues the numbering of the stage before
# (六三制, as in Henan): 初中 七年级 is its first year, 普通高中 十年级 likewise. The stage's own
# 一/二/三年级 (初中一年级) are read as written. Stages not listed count from 一年级 with no upper
# bound (本科五年级, 博士四年级 are real).
_NUMBERED_FROM = {"小学": (1, 6), "初中": (7, 9), "普通高中": (10, 12)}
_STAGE_YEARS = {"学前": 3, "小学": 6, "初中": 3, "普通高中": 3}


def years_in_stage(stage: str, grade: str) -> int | None:
    """How many school years the student has been in the stage before the grade's: 高一 → 0,
    高二 → 1, 初中 八年级 → 1, 中班 → 1, 本科 三年级 → 2. None when the spelling does not tell (or
    does not fit the stage, such as 小学 七年级)."""
    text = unicodedata.normalize("NFKC", grade).replace(" ", "")
    found: int | None = None
    for word, years in _YEAR_WORDS.items():
        if word in text:
            found = years
            break
    if found is None:
        m = re.search(f"[{''.join(_YEAR_PREFIXES)}]([一二三四五])(?!年级)", text)
        if m:
            found = _CN_DIGITS[m.group(1)] - 1
    if found is None:
        n = grade_number(text)
        if n is None or n < 1:
            return None
        first, last = _NUMBERED_FROM.get(stage, (1, 0))
        if first <= n <= last:
            found = n - first
        elif n <= _STAGE_YEARS.get(stage, n):
            found = n - 1  # 初中一年级, 高中二年级, 中职三年级 …
    limit = _STAGE_YEARS.get(stage)
    if found is None or (limit is not None and found >= limit):
        return None
    return found


def entry_school_year(stage: str, grade: str, grade_year: int) -> int | None:
    """The school year the student entered the current stage, when the 年级 (as of school year
    `grade_year`) tells: 高一 in 2023 → 2023, 高二 in 2023 → 2022; a cohort (2022级) says it
    outright. None when the spelling does not tell."""
    cohort = _COHORT.search(unicodedata.normalize("NFKC", grade))
    if cohort:
        return int(cohort.group(1))
    years = years_in_stage(stage, grade)
    return None if years is None else grade_year - years


def enrolled_in_term(stage: str, grade: str, term: str, grade_year: int) -> bool | None:
    """Was the student in the current stage in `term`? The 学段 and 年级 are as of school year
    `grade_year`. A stage starts with an autumn term, so 高一 of 2023 was enrolled in 2023年秋季学期
    but not in 2023年春季学期 (then still in 初中); 高二 of 2023 was enrolled in both.

    None when the 年级 is written in a way this cannot read: callers count such a student and say
    so (DOMAIN §5). Terms after `grade_year` are counted as enrolled: the data cannot say whether
    the student has since moved on.
    """
    entry = entry_school_year(stage, grade, grade_year)
    if entry is None:
        return None
    return school_year_of(term) >= entry


def enrolled_in_school_year(stage: str, grade: str, year: int, grade_year: int) -> bool | None:
    """Was the student in the current stage in any term of school year `year` (what 应享未享 of
    that year asks)? None when the 年级 does not tell: count the student and say so."""
    found = [enrolled_in_term(stage, grade, t, grade_year) for t in terms_of_school_year(year)]
    if None in found:
        return None
    return any(found)
