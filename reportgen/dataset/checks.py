"""Set checks of an import, in SQL: duplicates, references, region levels, student ↔ household.

Each problem is located at the input cell that caused it (file, sheet, row, column, value).
"""

from __future__ import annotations

import sqlalchemy as sa

from reportgen.dataset import sheets as S
from reportgen.dataset.schema import TABLES
from reportgen.dataset.staging import Staging
from reportgen.dataset.store import household_flag_exprs
from reportgen.errors import Problem

FLAG_HEADERS = {f: S.STUDENTS.field(f).header for f in S.HOUSEHOLD_DERIVED_FLAGS}


def _headers(spec: S.SheetSpec, names: tuple[str, ...]) -> str:
    return "、".join(spec.field(n).header for n in names)


def _fmt(values) -> str:
    return "、".join("" if v is None else str(v) for v in values)


def run_staging_checks(conn: sa.Connection, staging: Staging, problems: list[Problem]) -> None:
    for spec, stg in staging.tables():
        _duplicates(conn, spec, stg, problems)
    for spec, stg in staging.tables():
        for ref in spec.references:
            _references(conn, staging, spec, stg, ref, problems)
    if staging.has_rows(S.PROJECTS):
        _project_places(conn, staging, problems)


def _duplicates(
    conn: sa.Connection, spec: S.SheetSpec, stg: sa.Table, problems: list[Problem]
) -> None:
    keys = [stg.c[k] for k in spec.key]
    dup_keys = sa.select(*keys).group_by(*keys).having(sa.func.count() > 1).subquery()
    query = (
        sa.select(*keys, stg.c._file, stg.c._sheet, stg.c._row)
        .join(dup_keys, sa.and_(*[stg.c[k] == dup_keys.c[k] for k in spec.key]))
        .order_by(*keys, stg.c._file, stg.c._sheet, stg.c._row)
    )
    first: dict[tuple, tuple] = {}
    for row in conn.execute(query):
        key = tuple(row[: len(spec.key)])
        where = (row._file, row._sheet, row._row)
        if key not in first:
            first[key] = where
            continue
        f, s, r = first[key]
        place = f"第{r}行" if (f, s) == where[:2] else f"{f} / {s} / 第{r}行"
        problems.append(
            Problem(
                row._file,
                row._sheet,
                row._row,
                _headers(spec, spec.key),
                f"与{place}重复：同一{_headers(spec, spec.key)}只能出现一次",
                _fmt(key),
            )
        )


def _references(
    conn,
    staging: Staging,
    spec: S.SheetSpec,
    stg: sa.Table,
    ref: S.Reference,
    problems: list[Problem],
) -> None:
    real = TABLES[ref.target]
    target_spec = S.SHEETS_BY_TABLE[ref.target]
    cols = [stg.c[c] for c in ref.columns]
    in_real = sa.exists().where(
        sa.and_(*[real.c[t] == stg.c[c] for c, t in zip(ref.columns, ref.target_columns)])
    )
    condition = sa.and_(*[c.isnot(None) for c in cols], ~in_real)
    if staging.has_rows(target_spec):
        tgt = staging.table(target_spec)
        in_staged = sa.exists().where(
            sa.and_(*[tgt.c[t] == stg.c[c] for c, t in zip(ref.columns, ref.target_columns)])
        )
        condition = sa.and_(condition, ~in_staged)
    query = (
        sa.select(*cols, stg.c._file, stg.c._sheet, stg.c._row)
        .where(condition)
        .order_by(stg.c._file, stg.c._sheet, stg.c._row)
    )
    what = _headers(target_spec, ref.target_columns)
    for row in conn.execute(query):
        problems.append(
            Problem(row._file, row._sheet, row._row, _headers(spec, ref.columns),
                    f"在{target_spec.title}中（本次导入和已有数据里）都找不到这个{what}", _fmt(row[: len(cols)]))
        )  # fmt: skip


def _region_codes(conn, staging: Staging, codes: set[str]) -> dict[str, str]:
    """code → level, from stored and staged regions."""
    found: dict[str, str] = {}
    code_list = sorted(codes)
    real = TABLES["regions"]
    tables = [real] + ([staging.table(S.REGIONS)] if staging.has_rows(S.REGIONS) else [])
    for table in tables:
        for i in range(0, len(code_list), 500):
            chunk = code_list[i : i + 500]
            for code, level in conn.execute(
                sa.select(table.c.code, table.c.level).where(table.c.code.in_(chunk))
            ):
                found[code] = level
    return found


def _project_places(conn, staging: Staging, problems: list[Problem]) -> None:
    stg = staging.table(S.PROJECTS)
    rows = list(conn.execute(sa.select(stg.c.places, stg.c._file, stg.c._sheet, stg.c._row)))
    levels = _region_codes(conn, staging, {c for r in rows for c in r.places.split("、")})
    for r in rows:
        for code in r.places.split("、"):
            if code not in levels:
                problems.append(
                    Problem(
                        r._file,
                        r._sheet,
                        r._row,
                        "实施地点",
                        "在行政区划中找不到这个区划代码",
                        code,
                    )
                )
            elif levels[code] != "村":
                problems.append(
                    Problem(
                        r._file,
                        r._sheet,
                        r._row,
                        "实施地点",
                        f"实施地点应为村级区划代码，这是{levels[code]}级",
                        code,
                    )
                )


def run_post_upsert_checks(conn: sa.Connection, staging: Staging, problems: list[Problem]) -> None:
    """Checks on the dataset as it would be after this import (still inside the transaction)."""
    _region_levels(conn, staging, problems)
    _household_villages(conn, staging, problems)
    _student_household_flags(conn, staging, problems)


def _region_levels(conn, staging: Staging, problems: list[Problem]) -> None:
    if not staging.has_rows(S.REGIONS):
        return
    stg = staging.table(S.REGIONS)
    parent = TABLES["regions"].alias("parent")
    expected = sa.case({"乡": "县", "村": "乡"}, value=stg.c.level, else_=None)
    query = (
        sa.select(
            stg.c.parent_code,
            stg.c.level,
            parent.c.level.label("parent_level"),
            stg.c._file,
            stg.c._sheet,
            stg.c._row,
        )
        .join(parent, parent.c.code == stg.c.parent_code)
        .where(stg.c.level != "县", parent.c.level != expected)
    )
    for r in conn.execute(query):
        need = {"乡": "县", "村": "乡"}[r.level]
        problems.append(
            Problem(
                r._file,
                r._sheet,
                r._row,
                "上级区划代码",
                f"{r.level}级区划的上级应为{need}级，这是{r.parent_level}级",
                r.parent_code,
            )
        )


def _household_villages(conn, staging: Staging, problems: list[Problem]) -> None:
    if not staging.has_rows(S.HOUSEHOLDS):
        return
    stg = staging.table(S.HOUSEHOLDS)
    regions = TABLES["regions"]
    query = (
        sa.select(stg.c.village_code, regions.c.level, stg.c._file, stg.c._sheet, stg.c._row)
        .join(regions, regions.c.code == stg.c.village_code)
        .where(regions.c.level != "村")
    )
    for r in conn.execute(query):
        problems.append(
            Problem(
                r._file,
                r._sheet,
                r._row,
                "村区划代码",
                f"应为村级区划代码，这是{r.level}级",
                r.village_code,
            )
        )


def _student_household_flags(conn, staging: Staging, problems: list[Problem]) -> None:
    """A student's explicit 否 must not contradict the linked household's category (DOMAIN §2 学生)."""
    if not any(staging.has_rows(s) for s in (S.STUDENTS, S.PERSONS, S.HOUSEHOLDS)):
        return
    students, persons, households = TABLES["students"], TABLES["persons"], TABLES["households"]
    derived = household_flag_exprs(households)
    contradiction = sa.or_(
        *[sa.and_(students.c[f] == sa.false(), derived[f]) for f in S.HOUSEHOLD_DERIVED_FLAGS]
    )
    query = (
        sa.select(students, households.c.household_id.label("hh"), households.c.category, households.c.baodi_type,
                  households.c.monitor_type, *[derived[f].label(f"d_{f}") for f in S.HOUSEHOLD_DERIVED_FLAGS])
        .join(persons, persons.c.id_number == students.c.id_number)
        .join(households, households.c.household_id == persons.c.household_id)
        .where(contradiction)
    )  # fmt: skip
    for r in conn.execute(query):
        flags = [
            f for f in S.HOUSEHOLD_DERIVED_FLAGS if r._mapping[f] is False and r._mapping[f"d_{f}"]
        ]
        situation = (
            r.category
            + (f"、{r.baodi_type}" if r.baodi_type else "")
            + (f"（{r.monitor_type}）" if r.monitor_type else "")
        )
        for flag in flags:
            text = f"学生已关联到户 {r.hh}（{situation}），该户决定“{FLAG_HEADERS[flag]}”为“是”；请改为“是”或留空"
            where = _locate(conn, staging, S.STUDENTS, (r.student_no,))
            if where is not None:
                problems.append(Problem(*where, FLAG_HEADERS[flag], text, "否"))
                continue
            where = _locate(conn, staging, S.HOUSEHOLDS, (r.hh,)) or _locate(
                conn, staging, S.PERSONS, (r.id_number,)
            )
            if where is not None:
                problems.append(
                    Problem(
                        *where,
                        "户类型",
                        f"与已导入学生 {r.name}（学籍号 {r.student_no}）的“{FLAG_HEADERS[flag]}=否”矛盾",
                        r.category,
                    )
                )


def _locate(conn, staging: Staging, spec: S.SheetSpec, key: tuple) -> tuple[str, str, int] | None:
    if not staging.has_rows(spec):
        return None
    stg = staging.table(spec)
    row = conn.execute(
        sa.select(stg.c._file, stg.c._sheet, stg.c._row)
        .where(*[stg.c[k] == v for k, v in zip(spec.key, key)])
        .limit(1)
    ).first()
    return (row._file, row._sheet, row._row) if row else None
