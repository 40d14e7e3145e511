"""Terms (学期) and school years of student aid: 2023年秋季学期 and 2024年春季学期 are school year 2023."""

from __future__ import annotations

import re

from reportgen.errors import ConfigError

_TERM = re.compile(r"(\d{4})年(春季|秋季)学期")


def parse_term(term: str) -> tuple[int, int]:
    """'2024年春季学期' → (2024, 1); '2023年秋季学期' → (2023, 2). Sorts terms in time order."""
    m = _TERM.fullmatch(term.strip())
    if not m:
        raise ConfigError(f"学期写法应为“2024年春季学期”或“2023年秋季学期”：{term}")
    return int(m.group(1)), 1 if m.group(2) == "春季" else 2


def school_year_of(term: str) -> int:
    """The school year a term belongs to: 2023年秋季 and 2024年春季 are school year 2023."""
    year, season = parse_term(term)
    return year if season == 2 else year - 1


def terms_of_school_year(year: int) -> tuple[str, str]:
    return f"{year}年秋季学期", f"{year + 1}年春季学期"
