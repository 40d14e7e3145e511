"""Chinese date text, `2023年9月1日` (no zero padding): one definition for the document filters,
the rules and the dropout checks (which must not import the engine: rule workers start without it)."""

from __future__ import annotations

import datetime as dt


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"
