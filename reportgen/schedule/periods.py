"""Report periods (a day, month, quarter or year) a scheduled run reports on, and the placeholders
(`{period}`, `{month}`, `{quarter}` …) a job's command and output folder are filled with."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from reportgen.dates import cn_date

UNITS = ("day", "month", "quarter", "year")
UNIT_NAMES = {"day": "日", "month": "月", "quarter": "季度", "year": "年"}

# Every placeholder a command argument or the output pattern may use, and what it becomes.
PLACEHOLDERS: dict[str, str] = {
    "period": "报告期：2023-08（月）、2023Q3（季度）、2023（年）、2023-08-15（日）",
    "month": "报告期所在月（季度、年取最后一个月），如 2023-08",
    "quarter": "报告期所在季度（年取第四季度），如 2023Q3",
    "year": "报告期所在年，如 2023",
    "first_day": "报告期第一天，如 2023-08-01",
    "last_day": "报告期最后一天，如 2023-08-31",
    "run_date": "计划运行日（触发那天），如 2023-09-03",
    "job": "任务名称",
    "output": "本次运行的输出文件夹（output 设置的结果）",
}


def last_day_of_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@dataclass(frozen=True, order=True)
class Period:
    """One report period: the unit and its first day. `key` (e.g. 2023Q3) names it in the ledger."""

    first_day: dt.date
    unit: str

    @classmethod
    def containing(cls, day: dt.date, unit: str) -> Period:
        if unit == "day":
            return cls(day, unit)
        if unit == "month":
            return cls(day.replace(day=1), unit)
        if unit == "quarter":
            return cls(dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1), unit)
        if unit == "year":
            return cls(dt.date(day.year, 1, 1), unit)
        raise ValueError(unit)

    @property
    def last_day(self) -> dt.date:
        d = self.first_day
        if self.unit == "day":
            return d
        if self.unit == "year":
            return dt.date(d.year, 12, 31)
        last_month = d.month + (2 if self.unit == "quarter" else 0)
        return dt.date(d.year, last_month, last_day_of_month(d.year, last_month))

    def previous(self) -> Period:
        return Period.containing(self.first_day - dt.timedelta(days=1), self.unit)

    @property
    def key(self) -> str:
        d = self.first_day
        if self.unit == "day":
            return d.isoformat()
        if self.unit == "month":
            return f"{d.year}-{d.month:02d}"
        if self.unit == "quarter":
            return f"{d.year}Q{(d.month - 1) // 3 + 1}"
        return str(d.year)

    @property
    def label(self) -> str:
        """The period in Chinese, e.g. 2023年8月, 2023年第三季度."""
        d = self.first_day
        if self.unit == "day":
            return cn_date(d)
        if self.unit == "month":
            return f"{d.year}年{d.month}月"
        if self.unit == "quarter":
            return f"{d.year}年第{'一二三四'[(d.month - 1) // 3]}季度"
        return f"{d.year}年"

    def values(self) -> dict[str, str]:
        """The period placeholders: period, month, quarter, year, first_day, last_day."""
        last = self.last_day
        return {
            "period": self.key,
            "month": f"{last.year}-{last.month:02d}",
            "quarter": f"{last.year}Q{(last.month - 1) // 3 + 1}",
            "year": str(last.year),
            "first_day": self.first_day.isoformat(),
            "last_day": last.isoformat(),
        }


_KEY_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
)


def parse_period(key: str) -> Period:
    """A period from its key (2023-08, 2023Q3, 2023, 2023-08-15); ValueError if it is none."""
    key = key.strip().upper()
    for pattern, unit in _KEY_PATTERNS:
        m = pattern.match(key)
        if not m:
            continue
        nums = [int(g) for g in m.groups()]
        if unit == "day":
            return Period(dt.date(*nums), unit)
        if unit == "month":
            return Period(dt.date(nums[0], nums[1], 1), unit)
        if unit == "quarter":
            return Period(dt.date(nums[0], nums[1] * 3 - 2, 1), unit)
        return Period(dt.date(nums[0], 1, 1), unit)
    raise ValueError(key)
