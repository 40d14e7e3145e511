"""What every document kind shares: run context (settings, dataset, provenance) and small formatters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportgen.config import Settings
from reportgen.dataset.store import Dataset
from reportgen.engine import OutputEntry, RunInfo, make_meta


@dataclass
class DocumentRun:
    """One command's run: where the data and settings come from and what to say in small print."""

    settings: Settings
    dataset: Dataset
    out_dir: Path
    command: str
    options: dict[str, Any]
    today: dt.date

    @property
    def policy(self):
        return self.settings.policy

    def meta(self, public: bool = False, day: dt.date | None = None) -> dict[str, Any]:
        """The `_meta` small print. Internal documents (reports, letters, ledgers, lists) name
        the import and the generation date; `public` documents (cards, 告知书, 明白纸, notices,
        DOMAIN §4) say only the date the data are as of, never later than the document's `day`
        (default: the generation day)."""
        if public:
            meta = make_meta(self.dataset.data_as_of_line(day or self.today), self.today)
            meta["footnote"] = meta["data_source"]
            return meta
        return make_meta(self.dataset.data_source_line(), self.today)

    def run_info(self) -> RunInfo:
        last = self.dataset.latest_import() or {}
        finished = last.get("finished_at")
        return RunInfo(
            self.command,
            self.options,
            last.get("id"),
            finished.isoformat(timespec="seconds") if finished else None,
        )

    def entry(self, path: Path, records: int, group: str = "") -> OutputEntry:
        return OutputEntry.for_file(path, self.out_dir, records, group)


def yuan(amount: Decimal | int | float | None) -> str:
    """1250 → '1,250'; 312.5 → '312.50'; None → ''."""
    if amount is None:
        return ""
    value = Decimal(str(amount))
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def school_year_label(year: int) -> str:
    return f"{year}—{year + 1}学年"


def current_school_year(today: dt.date) -> int:
    """The school year starts in September: 2023-09-01 … 2024-08-31 is school year 2023."""
    return today.year if today.month >= 9 else today.year - 1


@dataclass
class StepOutput:
    """What a kind's demo step made, and what it has to tell the user (e.g. a notice it refused)."""

    outputs: list[OutputEntry]
    notes: list[str] = field(default_factory=list)
