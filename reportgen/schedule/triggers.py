"""Triggers: pure objects that say when a job fires next (`trigger.next(after) -> datetime`).

A trigger is either a preset (`monthly day=3 at=08:00`, `quarterly month_offset=0 day=5`,
`daily at=07:30`, `yearly month=1 day=10`) or a cron expression (`0 8 3 * *`, via croniter).
Times are wall-clock times in the schedule's time zone. A preset day past the end of a month
(day=31 in April, day=29..31 in February) fires on the month's last day; a cron day-of-month
keeps cron's meaning and skips such months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from reportgen.schedule.periods import last_day_of_month


class Trigger(Protocol):
    """When a job fires. `unit` is the report-period unit the trigger implies (None for cron)."""

    @property
    def unit(self) -> str | None: ...

    def next(self, after: dt.datetime) -> dt.datetime:
        """The first fire time strictly after `after` (an aware datetime), in the trigger's zone."""
        ...

    def describe(self) -> str: ...


def _at(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=tz)


@dataclass(frozen=True)
class DailyTrigger:
    at: dt.time
    tz: ZoneInfo
    unit: str | None = "day"

    def next(self, after: dt.datetime) -> dt.datetime:
        day = after.astimezone(self.tz).date()
        while True:
            fire = _at(day, self.at, self.tz)
            if fire > after:
                return fire
            day += dt.timedelta(days=1)

    def describe(self) -> str:
        return f"每天 {self.at:%H:%M}"


@dataclass(frozen=True)
class MonthDayTrigger:
    """Fires on `day` (1–31, or 0 for the last day) of each month in `months`, at `at`."""

    months: tuple[int, ...]
    day: int
    at: dt.time
    tz: ZoneInfo
    unit: str | None = "month"

    def fire_in(self, year: int, month: int) -> dt.datetime:
        last = last_day_of_month(year, month)
        day = last if self.day == 0 else min(self.day, last)
        return _at(dt.date(year, month, day), self.at, self.tz)

    def next(self, after: dt.datetime) -> dt.datetime:
        local = after.astimezone(self.tz)
        year, month = local.year, local.month
        for _ in range(13 * 4):
            if month in self.months:
                fire = self.fire_in(year, month)
                if fire > after:
                    return fire
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        raise AssertionError("a month-day trigger fires at least once a year")

    def describe(self) -> str:
        day = "最后一天" if self.day == 0 else f"{self.day}日"
        short = "（月内无此日则为月末）" if 28 < self.day else ""
        if self.unit == "month":
            when = "每月"
        elif self.unit == "quarter":
            when = f"每季度第{'一二三'[self.months[0] - 1]}个月"
        else:
            when = f"每年{self.months[0]}月"
        return f"{when}{day} {self.at:%H:%M}{short}"


@dataclass(frozen=True)
class CronTrigger:
    expression: str
    tz: ZoneInfo
    unit: str | None = None

    def next(self, after: dt.datetime) -> dt.datetime:
        from croniter import croniter

        fire = croniter(self.expression, after.astimezone(self.tz)).get_next(dt.datetime)
        return fire.astimezone(self.tz)

    def describe(self) -> str:
        return f"cron {self.expression}"


PRESETS = {
    "daily": ("at",),
    "monthly": ("day", "at"),
    "quarterly": ("month_offset", "day", "at"),
    "yearly": ("month", "day", "at"),
}
DEFAULT_AT = dt.time(8, 0)


def _parse_time(text: str) -> dt.time:
    try:
        hour, minute = (int(x) for x in text.split(":"))
        return dt.time(hour, minute)
    except ValueError:
        raise ValueError(f"时间应为 时:分（如 08:00），实为 {text}") from None


def _parse_int(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} 应为整数，实为 {text}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} 应在 {low}—{high} 之间，实为 {value}")
    return value


def _parse_day(text: str) -> int:
    return 0 if text.lower() == "last" else _parse_int("day", text, 1, 31)


def parse_trigger(text: str, tz: ZoneInfo) -> Trigger:
    """A trigger from its text; ValueError with a Chinese reason if it is not one."""
    words = text.split()
    if not words:
        raise ValueError("触发时间为空")
    kind = words[0].lower()
    if kind not in PRESETS:
        if kind[0].isalpha():
            raise ValueError(
                f"未知的触发方式“{words[0]}”：可用 {'、'.join(PRESETS)} 或 cron 表达式（如 0 8 3 * *）"
            )
        return _cron(text.strip(), tz)
    options: dict[str, str] = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or not value:
            raise ValueError(f"“{word}”应写成 名称=值（如 day=3）")
        if key not in PRESETS[kind]:
            raise ValueError(f"{kind} 没有“{key}”选项；可用：{'、'.join(PRESETS[kind])}")
        options[key] = value
    at = _parse_time(options["at"]) if "at" in options else DEFAULT_AT
    if kind == "daily":
        return DailyTrigger(at, tz)
    day = _parse_day(options.get("day", "1"))
    if kind == "monthly":
        return MonthDayTrigger(tuple(range(1, 13)), day, at, tz, "month")
    if kind == "quarterly":
        offset = _parse_int("month_offset", options.get("month_offset", "0"), 0, 2)
        return MonthDayTrigger(tuple(m + offset for m in (1, 4, 7, 10)), day, at, tz, "quarter")
    month = _parse_int("month", options.get("month", "1"), 1, 12)
    return MonthDayTrigger((month,), day, at, tz, "year")


def _cron(expression: str, tz: ZoneInfo) -> CronTrigger:
    from croniter import croniter

    if len(expression.split()) != 5 and not expression.startswith("@"):
        raise ValueError(f"cron 表达式应有 5 项（分 时 日 月 周），实为“{expression}”")
    if not croniter.is_valid(expression):
        raise ValueError(f"cron 表达式无效：“{expression}”")
    return CronTrigger(expression, tz)
