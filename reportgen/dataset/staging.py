"""Temporary staging tables: parsed input rows with their file/sheet/row, checked in SQL before the upsert.

A staging table mirrors a data table (all columns nullable) plus `_file`, `_sheet`, `_row` (to
name the cell in a message) and `_cols` (which columns the source sheet had: only those are
written on upsert, so a sheet without a column never erases what an earlier import stored).
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from reportgen.dataset import sheets as S
from reportgen.dataset.schema import column_type


def _sqlite_value(value: object) -> object:
    if value is None or type(value) in (str, int, float):
        return value
    if type(value) is bool:
        return int(value)
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def bulk_insert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows (dicts by column name) inside the connection's transaction, the fast way
    for the database: COPY on PostgreSQL (psycopg 3), DB-API executemany with tuples on SQLite,
    SQLAlchemy's executemany elsewhere. Used for the import's staging tables and stored findings."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        _copy(conn, table, rows)
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    # SQLite: plain DB-API executemany with tuples. SQLAlchemy's per-row parameter
    # processing cost more than SQLite's own work here; the values are converted as its
    # SQLite types would (dates ISO text, decimals text → NUMERIC, booleans 0/1, JSON text).
    names = [c.name for c in table.columns]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    getter = operator.itemgetter(*names)
    # Only columns whose values are not plain str/int/float need converting.
    convert = [
        i
        for i, c in enumerate(table.columns)
        if not isinstance(c.type, (sa.String, sa.Text, sa.Integer))
    ]
    params = []
    for r in rows:
        values = list(getter(r))
        for i in convert:
            values[i] = _sqlite_value(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


def _copy(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """PostgreSQL (psycopg 3): one COPY … FROM STDIN per batch, inside the transaction.
    psycopg adapts str/int/float/Decimal/date/bool itself; JSON values are written as text."""
    quote = conn.dialect.identifier_preparer.quote
    names = [c.name for c in table.columns]
    getter = operator.itemgetter(*names)
    json_cols = [i for i, c in enumerate(table.columns) if isinstance(c.type, sa.JSON)]
    sql = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    dbapi_conn = conn.connection.driver_connection
    assert dbapi_conn is not None  # a live connection (COPY runs inside the import's transaction)
    with dbapi_conn.cursor() as cursor, cursor.copy(sql) as copy:
        for r in rows:
            values = list(getter(r))
            for i in json_cols:
                if values[i] is not None:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
            copy.write_row(values)


class Staging:
    def __init__(self, conn: sa.Connection):
        self.conn = conn
        self.metadata = sa.MetaData()
        self._tables: dict[str, sa.Table] = {}

    def table(self, spec: S.SheetSpec) -> sa.Table:
        if spec.table not in self._tables:
            cols = [sa.Column(f.name, column_type(f), nullable=True) for f in spec.fields]
            cols += [
                sa.Column("extra", sa.JSON),
                sa.Column("_file", sa.Text),
                sa.Column("_sheet", sa.Text),
                sa.Column("_row", sa.Integer),
                sa.Column("_cols", sa.Text),
                sa.Column("_bad", sa.Boolean),
            ]
            table = sa.Table(f"stg_{spec.table}", self.metadata, *cols, prefixes=["TEMPORARY"])
            table.create(self.conn)
            sa.Index(f"ix_stg_{spec.table}_key", *[table.c[k] for k in spec.key]).create(self.conn)
            self._tables[spec.table] = table
        return self._tables[spec.table]

    def insert(self, spec: S.SheetSpec, rows: list[dict]) -> None:
        bulk_insert(self.conn, self.table(spec), rows)

    def drop_all(self) -> None:
        """Drop the staging tables: a TEMPORARY table outlives the transaction on its pooled connection."""
        for table in self._tables.values():
            table.drop(self.conn)
        self._tables.clear()

    def has_rows(self, spec: S.SheetSpec) -> bool:
        return spec.table in self._tables

    def tables(self) -> list[tuple[S.SheetSpec, sa.Table]]:
        return [(S.SHEETS_BY_TABLE[name], t) for name, t in self._tables.items()]

    def count(self, spec: S.SheetSpec) -> int:
        return self.conn.execute(
            sa.select(sa.func.count()).select_from(self.table(spec))
        ).scalar_one()

    def count_existing(self, spec: S.SheetSpec, real: sa.Table) -> int:
        stg = self.table(spec)
        match = sa.and_(*[real.c[k] == stg.c[k] for k in spec.key])
        return self.conn.execute(
            sa.select(sa.func.count()).select_from(stg).where(sa.exists().where(match))
        ).scalar_one()

    def upsert(self, spec: S.SheetSpec, real: sa.Table, import_id: int) -> None:
        """INSERT … ON CONFLICT (key) DO UPDATE, once per distinct column set of the sources."""
        stg = self.table(spec)
        colsets = [r[0] for r in self.conn.execute(sa.select(stg.c._cols).distinct())]
        insert = postgresql.insert if self.conn.dialect.name == "postgresql" else sqlite.insert
        for colset in colsets:
            present = [f.name for f in spec.fields if f.name in colset.split(",")]
            # Columns the sheet lacks still need a value on INSERT: required defaults (e.g. 正式学籍=是).
            defaults = [f for f in spec.fields if f.name not in present and f.default is not None]
            names = (
                present
                + [f.name for f in defaults]
                + (["extra"] if "extra" in colset.split(",") else [])
            )
            select_cols: list[Any] = [stg.c[n] for n in present]
            select_cols += [sa.literal(f.default, column_type(f)).label(f.name) for f in defaults]
            if "extra" in names:
                select_cols.append(stg.c.extra)
            select_cols.append(sa.literal(import_id).label("import_id"))
            names.append("import_id")
            source = sa.select(*select_cols).where(stg.c._cols == colset)
            if spec.table == "regions":  # parents first, for the self-reference
                source = source.order_by(sa.case({"县": 0, "乡": 1}, value=stg.c.level, else_=2))
            stmt = insert(real).from_select(names, source)
            updatable = (
                [n for n in present if n not in spec.key]
                + (["extra"] if "extra" in names else [])
                + ["import_id"]
            )
            keep = {f.name for f in spec.fields if f.keep_when_blank}
            stmt = stmt.on_conflict_do_update(
                index_elements=list(spec.key),
                set_={
                    n: sa.func.coalesce(stmt.excluded[n], real.c[n])
                    if n in keep
                    else stmt.excluded[n]
                    for n in updatable
                },
            )
            self.conn.execute(stmt)
