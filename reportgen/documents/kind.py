"""What a batch document kind declares; `documents.runner` does the rest, in one process, in a local
process pool or on a Dask cluster, with the same files, bytes and manifest either way.

A kind is one object (a `DocumentKind` subclass instance named `KIND` in its module, listed in
`documents.catalog`). It declares:

* `plan(run, job, workers)`: which records, counted and cut into partitions (`Part`: a school, a village,
  a chunk), in print order, with the file names each partition's outputs take;
* `records(run, job, part)`: one partition's records, loaded where the partition is rendered;
* `context(run, job, record)`: the template context of one record (None: this record gets no
  page, but may still give list rows, as a student paid nothing gives an 应享未享 row);
* `template`, `label` (how a failed record is named), `record_name` (a record's own file with
  --split);
* its lists: `rows(...)` per record, `write_part_list(...)` (the partition's list workbook, written
  where the partition is rendered) and `write_summary(...)` (one workbook for the whole batch,
  written by the parent from the rows the partitions sent back);
* `tally(record, ctx)`: what the command reports (students, households, problems…).

`job` is the kind's own frozen dataclass of the command's choices (selection, school year, as-of
day…): it is sent to worker processes, so it holds plain data only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from reportgen.documents.common import DocumentRun
    from reportgen.engine import OutputEntry
    from reportgen.engine.manifest import Failure


@dataclass
class Part:
    """One partition of a batch. `key` is what `records` needs (plain data, sent to workers);
    `group` the manifest group; `name` what it is called in list titles; `weight` the records it holds (progress, and the heaviest start
    first). Names are stems before `safe_filename` and the `_2` rule, which the runner applies
    over the whole plan: `stem` the print file (group kinds; empty: no page expected),
    `list_stem` the partition's list workbook (empty: none), `record_stems` each record's own
    file (kinds with one file per record)."""

    key: Any
    group: str
    weight: int
    name: str = ""  # what the partition is called in list titles: a school, a village
    stem: str = ""
    list_stem: str = ""
    record_stems: tuple[str, ...] = ()
    # set by the runner: the unique names inside the output folder
    file: str | None = None
    list_file: str | None = None
    record_files: tuple[str, ...] = ()


@dataclass
class KindResult:
    """What a batch wrote: outputs in manifest order, failed records, and the kind's tallies
    (`counts`, summed over records; `parts`: partitions with at least one record)."""

    outputs: list[OutputEntry] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    parts: int = 0

    def add(self, tally: dict[str, int]) -> None:
        for key, n in tally.items():
            self.counts[key] = self.counts.get(key, 0) + n


class DocumentKind:
    """The declaration of one batch document kind; see the module docstring."""

    name: ClassVar[str]  # the command: card, aid-notice… (catalog key)
    title: ClassVar[str]  # what the documents are called: 学生资助政策明白卡
    template: ClassVar[str]  # the Word template's name
    public: ClassVar[bool] = True  # small print says only the data's as-of day (DOMAIN §4)
    per_record: ClassVar[bool] = False  # one file per record instead of one per partition
    # rows(...) keys the parent collects for write_summary (the others stay with the partition)
    summary_rows: ClassVar[tuple[str, ...]] = ()

    # ------------------------------------------------------------------ in the parent
    def check(self, run: DocumentRun, job: Any) -> None:
        """Refusals that must come before any file is written (a template or pack lacking a part)."""

    def plan(self, run: DocumentRun, job: Any, workers: int = 1) -> list[Part]:
        """The partitions in print order. `workers`: for kinds that cut chunks, how many processes
        will share them (1: this process)."""
        raise NotImplementedError

    def total(self, run: DocumentRun, job: Any) -> int:
        """Records the batch will go through (the progress bar's length): one cheap query."""
        return sum(p.weight for p in self.plan(run, job))

    def parallel(self, job: Any, plan: list[Part]) -> bool:
        """Whether partitions are worth worker processes (at least two)."""
        return len(plan) >= 2

    def write_summary(
        self, run: DocumentRun, job: Any, rows: dict[str, list], result: KindResult
    ) -> list[OutputEntry]:
        """The batch-wide workbooks from the rows of `summary_rows`; listed after the print files."""
        return []

    # ------------------------------------------------------------------ where a partition renders
    def records(self, run: DocumentRun, job: Any, part: Part) -> Iterable[Any]:
        raise NotImplementedError

    def context(self, run: DocumentRun, job: Any, record: Any) -> dict[str, Any] | None:
        raise NotImplementedError

    def rows(
        self, run: DocumentRun, job: Any, record: Any, ctx: dict[str, Any] | None
    ) -> dict[str, list]:
        return {}

    def tally(self, record: Any, ctx: dict[str, Any] | None) -> dict[str, int]:
        return {"records": 1, "documents": ctx is not None}

    def write_part_list(
        self, run: DocumentRun, job: Any, part: Part, rows: dict[str, list], path
    ) -> int:
        """Write the partition's list workbook to `path` (when the part has a `list_stem`);
        returns its row count for the manifest."""
        raise NotImplementedError

    def meta(self, run: DocumentRun, job: Any) -> dict[str, Any]:
        """The `_meta` small print of every page (DocumentRun.meta)."""
        return run.meta(public=self.public)

    def inspect(self, run: DocumentRun, job: Any):
        """A check over each rendered record's XML (raising refuses that record), or None: public
        notices run the privacy check (documents/privacy.py)."""
        return None

    def label(self, ctx: dict[str, Any]) -> str:
        return str(ctx.get("name", ""))

    def record_name(self, ctx: dict[str, Any]) -> str:
        return self.label(ctx)
