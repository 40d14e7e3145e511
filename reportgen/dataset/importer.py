"""`reportgen import`: read files, validate everything, then change the dataset all at once or not at all.

Flow, inside ONE database transaction:
  1. every sheet is recognised (by name or header row) and streamed row by row into a staging
     table, each cell parsed and checked (problems collected, never raised one by one);
  2. set checks in SQL over staging ∪ dataset: duplicates inside the input, references across
     sheets and against what is already stored;
  3. upsert by natural key (parents first), then consistency checks on the result
     (student ↔ household, region levels);
  4. any problem → rollback, the full list as an .xlsx, DataError; none → commit and record the import.
Memory stays flat: rows go to the database in batches, never into Python lists of a whole file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa

from reportgen.dataset import sheets as S
from reportgen.dataset import values as V
from reportgen.dataset.checks import run_post_upsert_checks, run_staging_checks
from reportgen.dataset.headers import match_sheet
from reportgen.dataset.readers import ERROR_REPORT_SUFFIX, RawSheet, collect_files, open_sheets
from reportgen.dataset.schema import (
    TABLES,
    TRACKED_HOUSEHOLD_FIELDS,
    household_changes,
    imports,
    project_places,
)
from reportgen.dataset.staging import Staging
from reportgen.dataset.store import Dataset
from reportgen.errors import DataError, Problem

BATCH = 5000
MAX_PROBLEMS = 200_000  # past this the input is clearly the wrong file; stop reading


class Progress(Protocol):
    """How far an import is: a phase per sheet (start), rows done (advance), the end (finish).
    The CLI draws a bar (cli/progress.py ClickProgress); by default nothing is shown."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...

    def finish(self) -> None: ...


class SilentProgress:
    """The default Progress: shows nothing."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class SheetResult:
    file: str
    sheet: str
    table: str | None  # None: not recognised, skipped
    rows: int = 0
    extra_columns: list[str] = field(default_factory=list)
    skipped: str = ""  # why the reader did not read the sheet (a hidden sheet), for the summary


@dataclass
class ImportResult:
    import_id: int
    counts: dict[str, dict[str, int]]  # table → {"added": n, "updated": m}
    sheets: list[SheetResult]
    skipped_files: list[tuple[str, str]] = field(default_factory=list)  # (file, why not imported)

    @property
    def total_rows(self) -> int:
        return sum(s.rows for s in self.sheets)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _display_path(path: Path, root: Path | None = None) -> str:
    """How a problem names its file: relative to `root` (the portal's upload folder: the name the
    user uploaded) or to the current directory, else in full."""
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


# Columns filled from other cells when empty, so always written (birth date and sex come from the ID).
DERIVED_COLUMNS = {"persons": {"birth_date", "sex"}}


class _RowParser:
    """Turns one sheet's cells into staging rows, collecting problems with their cell."""

    def __init__(
        self, raw: RawSheet, colmap: S.ColumnMap, file_label: str, problems: list[Problem]
    ):
        self.spec = colmap.spec
        self.colmap = colmap
        self.file_label = file_label
        self.sheet = raw.name
        self.problems = problems
        present = {f.name for f in colmap.columns.values()} | (
            {"extra"} if colmap.extras else set()
        )
        present |= DERIVED_COLUMNS.get(self.spec.table, set())
        self.colset = ",".join(sorted(present))
        self.fields = [(i, f, V.compile_parser(f)) for i, f in colmap.columns.items()]
        self.absent_required = [f for f in self.spec.required if f not in colmap.columns.values()]

    def problem(self, row: int, header: str, text: str, value: object = "") -> None:
        self.problems.append(
            Problem(self.file_label, self.sheet, row, header, text, V.display(value))
        )

    def parse(self, number: int, cells: list[object]) -> dict | None:
        blank = V.is_blank
        record: dict[str, object] = {
            "_file": self.file_label,
            "_sheet": self.sheet,
            "_row": number,
            "_cols": self.colset,
        }
        ok = True
        filled = 0
        missing: list[S.Field] = []
        width = len(cells)
        for index, f, parser in self.fields:
            raw = cells[index] if index < width else None
            if blank(raw):
                if f.required:
                    missing.append(f)
                record[f.name] = f.default
                continue
            filled += 1
            try:
                if type(raw) is str:
                    V.check_controls(raw)
                record[f.name] = parser(raw)
            except V.CellError as err:
                self.problem(number, f.header, str(err), raw)
                ok = False
                record[f.name] = None
        extra: dict[str, str] | None = None
        if self.colmap.extras:
            # Unrecognised columns are kept whole (DOMAIN §2), so they are checked like the rest.
            extra = {}
            for i, header in self.colmap.extras.items():
                if i < width and not blank(cells[i]):
                    text = V.full_text(cells[i])
                    try:
                        V.check_controls(text)
                    except V.CellError as err:
                        self.problem(number, header, str(err), text)
                        ok = False
                        continue
                    extra[header] = text
            extra = extra or None
        if not filled and not extra:
            return None  # blank rows are normal in hand-made sheets
        for f in missing:
            self.problem(number, f.header, "必填项为空")
            ok = False
        for f in self.spec.fields:
            record.setdefault(f.name, f.default)
        record["extra"] = extra
        if ok:
            ok = self._row_rules(number, record)
        # Rows with problems are staged too (flagged), so that duplicate and reference checks
        # still see them and report everything in one pass; they are never upserted.
        record["_bad"] = not ok
        return record

    def _row_rules(self, number: int, r: dict) -> bool:
        """Checks that need only this row (DOMAIN §2)."""
        table = self.spec.table
        before = len(self.problems)
        if table == "persons":
            born = V.id_birth_date(r["id_number"])
            if r["birth_date"] is None:
                r["birth_date"] = born  # derived from the ID when empty
            elif r["birth_date"] != born:
                self.problem(
                    number,
                    "出生日期",
                    f"与身份证号码中的出生日期（{born.isoformat()}）不一致",
                    r["birth_date"].isoformat(),
                )
            sex = V.id_sex(r["id_number"])
            if r["sex"] is None:
                r["sex"] = sex
            elif r["sex"] != sex:
                self.problem(number, "性别", f"与身份证号码（第17位表示{sex}）不一致", r["sex"])
        elif table == "households":
            if r["category"] == "监测户" and not r["monitor_type"]:
                self.problem(
                    number,
                    "监测类型",
                    "监测户必须填写监测类型（脱贫不稳定户/边缘易致贫户/突发严重困难户）",
                )
            if r["category"] == "一般农户" and r["monitor_type"]:
                self.problem(
                    number,
                    "监测类型",
                    "一般农户不应有监测类型；如已纳入监测，户类型应为“监测户”",
                    r["monitor_type"],
                )
        elif table == "regions":
            if r["level"] != "县" and not r["parent_code"]:
                self.problem(number, "上级区划代码", f"{r['level']}级区划必须填写上级区划代码")
        elif table == "projects":
            bad = [c for c in r["places"].split("、") if not c.isdigit()]
            if bad:
                self.problem(number, "实施地点", "应为村区划代码，多个用“、”分隔", "、".join(bad))
        return len(self.problems) == before


def import_paths(
    dataset: Dataset,
    paths: Iterable[str | Path],
    *,
    errors_path: str | Path | None = None,
    progress: Progress | None = None,
    now: Callable[[], dt.datetime] = dt.datetime.now,
    wait: float | None = None,
    on_wait: Callable[[], None] | None = None,
    display_root: Path | None = None,
) -> ImportResult:
    """Import files/folders into the dataset, all or nothing. Raises DataError listing every problem.
    Problems name files relative to `display_root` (default: the current directory).

    One import at a time per dataset: a second one waits up to `wait` seconds for the first
    (calling `on_wait` when it starts waiting), then raises BusyError."""
    wait = IMPORT_WAIT_SECONDS if wait is None else wait
    with dataset.exclusive("import", wait, on_wait):
        return _import_paths(dataset, paths, errors_path=errors_path, progress=progress, now=now,
                             display_root=display_root)  # fmt: skip


IMPORT_WAIT_SECONDS = 300.0


def _import_paths(
    dataset: Dataset,
    paths: Iterable[str | Path],
    *,
    errors_path: str | Path | None,
    progress: Progress | None,
    now: Callable[[], dt.datetime],
    display_root: Path | None = None,
) -> ImportResult:
    progress = progress or SilentProgress()
    inputs = [Path(p) for p in paths]
    skipped_files: list[tuple[Path, str]] = []
    files = collect_files(inputs, skipped_files)
    started = now()
    problems: list[Problem] = []
    sheet_results: list[SheetResult] = []
    file_records: list[dict] = []
    try:
        with dataset.engine.begin() as conn:
            staging = Staging(conn)
            # Numbered max + 1 inside the transaction (not by a sequence, which PostgreSQL never
            # rolls back): a refused import must not use up a number, documents print 第N次导入.
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("LOCK TABLE imports IN SHARE ROW EXCLUSIVE MODE")
            import_id = (conn.execute(sa.select(sa.func.max(imports.c.id))).scalar() or 0) + 1
            conn.execute(
                imports.insert().values(
                    id=import_id, started_at=started, finished_at=started, files=[], counts={}
                )
            )
            for path in files:
                label = _display_path(path, display_root)
                sheets_of_file: dict[str, str] = {}
                for raw in open_sheets(path):
                    if raw.skipped:
                        sheet_results.append(
                            SheetResult(label, raw.name, None, skipped=raw.skipped)
                        )
                        continue
                    result = _stage_sheet(raw, label, staging, problems, progress)
                    sheet_results.append(result)
                    if result.table:
                        sheets_of_file[raw.name] = result.table
                    if len(problems) >= MAX_PROBLEMS:
                        break
                file_records.append(
                    {"path": str(path.resolve()), "sha256": _sha256(path), "sheets": sheets_of_file}
                )
            if not any(r.table for r in sheet_results):
                problems.append(
                    Problem(
                        ", ".join(_display_path(f, display_root) for f in files),
                        "",
                        None,
                        "",
                        "没有识别出任何数据表：工作表名或表头应与导入格式一致（见 README）",
                    )
                )
            if any(r.table for r in sheet_results):
                run_staging_checks(conn, staging, problems)
            counts: dict[str, dict[str, int]] = {}
            if not problems:
                counts = _upsert_all(conn, staging, import_id, now())
                run_post_upsert_checks(conn, staging, problems)
            if problems:
                raise _Rollback()
            staging.drop_all()
            conn.execute(
                imports.update()
                .where(imports.c.id == import_id)
                .values(finished_at=now(), files=file_records, counts=counts)
            )
    except _Rollback:
        problems.sort(key=lambda p: (p.file, p.sheet, p.row or 0))
        report = _write_problem_report(problems, files, inputs, errors_path)
        raise DataError(
            f"导入失败：发现 {len(problems)} 个问题，数据库未作任何改动。请按问题清单修改后重新导入。",
            problems,
            str(report) if report else None,
        ) from None
    finally:
        progress.finish()
    loaded = [table for table, n in counts.items() if sum(n.values())]
    _analyze(dataset, loaded + (["project_places"] if "projects" in loaded else []))
    return ImportResult(
        import_id,
        counts,
        sheet_results,
        [(_display_path(p, display_root), why) for p, why in skipped_files],
    )


def _analyze(dataset: Dataset, tables: list[str]) -> None:
    """Fresh planner statistics for the tables just loaded (PostgreSQL). Without them the planner
    keeps its estimates from before a bulk load until autovacuum gets round to it, and picks
    sequential scans for the per-village and per-school queries of the documents (measured: the
    first monitor-sheet run after a county import took 2.4x as long)."""
    if dataset.engine.dialect.name != "postgresql" or not tables:
        return
    names = ", ".join(dataset.engine.dialect.identifier_preparer.quote(t) for t in tables)
    with dataset.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"ANALYZE {names}")


class _Rollback(Exception):
    """Raised inside the transaction to undo it when problems were found."""


def _stage_sheet(
    raw: RawSheet, label: str, staging: Staging, problems: list[Problem], progress: Progress
) -> SheetResult:
    head: list[tuple[int, list[object]]] = []
    for item in raw.rows:
        head.append(item)
        if len(head) >= 12:
            break
    colmap, header_problems = match_sheet(raw.name, head)
    if colmap is None:
        if header_problems:
            for text in header_problems:
                problems.append(Problem(label, raw.name, None, "", text))
        return SheetResult(label, raw.name, None)
    parser = _RowParser(raw, colmap, label, problems)
    for f in parser.absent_required:
        problems.append(Problem(label, raw.name, colmap.header_row, f.header, "缺少必填列"))
    if parser.absent_required:
        return SheetResult(label, raw.name, colmap.spec.table)
    result = SheetResult(
        label, raw.name, colmap.spec.table, extra_columns=list(colmap.extras.values())
    )
    progress.start(f"{Path(label).name} / {raw.name}", raw.total_rows)
    batch: list[dict] = []

    def rows():
        yield from (r for r in head if r[0] > colmap.header_row)
        yield from raw.rows

    for number, cells in rows():
        record = parser.parse(number, cells)
        if record is not None:
            batch.append(record)
            result.rows += 1
        if len(batch) >= BATCH:
            staging.insert(colmap.spec, batch)
            progress.advance(len(batch))
            batch = []
        if len(problems) >= MAX_PROBLEMS:
            break
    if batch:
        staging.insert(colmap.spec, batch)
        progress.advance(len(batch))
    return result


def _upsert_all(
    conn: sa.Connection, staging: Staging, import_id: int, when: dt.datetime
) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for spec in S.SHEETS:
        if not staging.has_rows(spec):
            continue
        updated = staging.count_existing(spec, TABLES[spec.table])
        total = staging.count(spec)
        if spec.table == "households":
            _record_household_changes(conn, staging, import_id, when)
        staging.upsert(spec, TABLES[spec.table], import_id)
        counts[spec.table] = {"added": total - updated, "updated": updated}
        if spec.table == "projects":
            _sync_project_places(conn, staging)
    return counts


def _record_household_changes(
    conn: sa.Connection, staging: Staging, import_id: int, when: dt.datetime
) -> None:
    stg = staging.table(S.HOUSEHOLDS)
    real = TABLES["households"]
    cols = [real.c[f] for f in TRACKED_HOUSEHOLD_FIELDS] + [
        stg.c[f] for f in TRACKED_HOUSEHOLD_FIELDS
    ]
    query = sa.select(stg.c.household_id, stg.c._cols, *cols).join(
        real, real.c.household_id == stg.c.household_id
    )
    rows = []
    for row in conn.execute(query):
        present = set(row._cols.split(","))
        for i, name in enumerate(TRACKED_HOUSEHOLD_FIELDS):
            old, new = row[2 + i], row[2 + len(TRACKED_HOUSEHOLD_FIELDS) + i]
            if name in present and old != new:
                rows.append({"import_id": import_id, "household_id": row.household_id, "field": name,
                             "old_value": _as_text(old), "new_value": _as_text(new), "changed_at": when})  # fmt: skip
    if rows:
        conn.execute(household_changes.insert(), rows)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _sync_project_places(conn: sa.Connection, staging: Staging) -> None:
    stg = staging.table(S.PROJECTS)
    staged = list(conn.execute(sa.select(stg.c.project_no, stg.c.places)))
    numbers = [r.project_no for r in staged]
    for i in range(0, len(numbers), 500):
        conn.execute(
            project_places.delete().where(project_places.c.project_no.in_(numbers[i : i + 500]))
        )
    rows = [
        {"project_no": r.project_no, "village_code": code}
        for r in staged
        for code in r.places.split("、")
    ]
    if rows:
        conn.execute(project_places.insert(), rows)


def _write_problem_report(
    problems: list[Problem], files: list[Path], inputs: list[Path], errors_path: str | Path | None
) -> Path | None:
    """The full problem list as an .xlsx the clerk can fix from; next to the input unless told."""
    from reportgen.dataset.report import write_problems_xlsx

    if errors_path:
        target = Path(errors_path)
    else:
        first = inputs[0] if inputs else files[0]
        first = first.resolve()
        target = (
            first.parent / f"{first.stem if first.is_file() else first.name}{ERROR_REPORT_SUFFIX}"
        )
    try:
        write_problems_xlsx(problems, target)
    except OSError:
        return None
    return target
