"""Staging rows in bulk: COPY on PostgreSQL, one executemany per batch on SQLite; the values come
through unchanged, whatever characters they hold."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from builders import (
    HOUSEHOLDS,
    PERSONS,
    REGIONS,
    db_rows,
    full_county,
    make_id,
    sqlite_only,
    write_xlsx,
)
from openpyxl import load_workbook

from reportgen.config import load_settings
from reportgen.dataset.importer import import_paths
from reportgen.workspace import open_dataset

# COPY's text format escapes backslashes and spells NULL \\N: a cell holding them stays as it was.
# (Tabs and line breaks inside a cell are already folded to spaces by the value parser.)
ODD = "甲\\N乙 \\\\丙 \"引号\" '戊' ,;|"


def test_awkward_characters_survive_the_bulk_load(run, workspace):
    households = [HOUSEHOLDS[0] + ["备注"]] + [r + [ODD] for r in HOUSEHOLDS[1:]]
    households[1][2] = ODD  # a text column (户主姓名)
    write_xlsx(
        workspace / "odd.xlsx", {"行政区划": REGIONS, "户信息": households, "人员信息": PERSONS}
    )
    result = run("import", "odd.xlsx")
    assert result.exit_code == 0, result.output
    [(name, extra)] = db_rows(
        workspace, "select head_name, extra from households where household_id='H001'"
    )
    assert name == ODD
    assert json.loads(extra) == {"备注": ODD}


def test_many_rows_in_several_batches(run, workspace):
    # more rows than one staging batch (importer.BATCH = 5000)
    first = dt.date(1950, 1, 1)
    persons = [PERSONS[0]] + [
        [
            make_id(f"{first + dt.timedelta(days=i):%Y%m%d}"),
            "H003",
            f"成员{i}",
            "其他",
            "",
            "",
            "是" if i % 2 else "否",
        ]
        for i in range(1, 5200)
    ]
    write_xlsx(
        workspace / "many.xlsx", {"行政区划": REGIONS, "户信息": HOUSEHOLDS, "人员信息": persons}
    )
    result = run("import", "many.xlsx")
    assert result.exit_code == 0, result.output
    assert db_rows(
        workspace,
        "select count(*), sum(case when medical_insured then 1 else 0 end) from persons",
    ) == [(5199, 2600)]


def test_staging_rows_are_not_inserted_one_statement_each(workspace, backend, county):
    """PostgreSQL: COPY (no INSERT into a staging table goes through SQLAlchemy at all);
    SQLite: one executemany per batch."""
    dataset = open_dataset(load_settings(workspace), create=True)
    staged = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO STG_"):
            staged.append(executemany)

    sa.event.listen(dataset.engine, "before_cursor_execute", seen)
    try:
        import_paths(dataset, [county])
    finally:
        dataset.dispose()
    if backend == "postgres":
        assert staged == []
    else:
        assert staged and all(staged)


def test_a_failed_import_does_not_use_up_an_import_number(run, imported, workspace, request):
    """The documents print 第N次导入: after a refused import the next one is still number 2."""
    bad = [r[:] for r in HOUSEHOLDS]
    bad[1][4] = "贫困户"
    write_xlsx(workspace / "bad.xlsx", {"户信息": bad})
    assert run("import", "bad.xlsx").exit_code == 4
    assert run("import", str(imported)).exit_code == 0
    assert db_rows(workspace, "select id from imports order by id") == [(1,), (2,)]


@pytest.mark.postgres
@sqlite_only
def test_a_sqlite_dataset_moves_to_postgresql(run, workspace, pg_databases, request):
    """A county's SQLite file exported and imported into a PostgreSQL server exports the same."""
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    assert run("data", "export", "one.xlsx").exit_code == 0
    server = pg_databases.create()
    request.addfinalizer(lambda: pg_databases.drop(server))
    assert run("--db", server, "import", "one.xlsx").exit_code == 0
    assert run("--db", server, "data", "export", "two.xlsx").exit_code == 0
    first, second = load_workbook(workspace / "one.xlsx"), load_workbook(workspace / "two.xlsx")
    assert first.sheetnames == second.sheetnames
    for name in first.sheetnames:
        assert list(first[name].values) == list(second[name].values), name


@pytest.mark.postgres
@sqlite_only
def test_a_plain_postgresql_url_uses_psycopg_3(workspace, pg_databases, request):
    from reportgen.dataset.store import Dataset

    server = pg_databases.create()
    request.addfinalizer(lambda: pg_databases.drop(server))
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    dataset = Dataset.open(plain, create=True)
    try:
        assert dataset.engine.dialect.driver == "psycopg"
        assert dataset.schema_version() >= 1
    finally:
        dataset.dispose()


def test_postgres_statistics_are_fresh_after_an_import(run, workspace, backend):
    """After a bulk load the planner must know the tables' sizes, or the documents' per-village
    and per-school queries run as sequential scans until autovacuum catches up."""
    if backend != "postgres":
        pytest.skip("planner statistics (ANALYZE) are a PostgreSQL matter")
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    stats = dict(
        db_rows(
            workspace,
            "select c.relname, c.reltuples from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = current_schema() and c.relkind = 'r'",
        )
    )
    persons = db_rows(workspace, "select count(*) from persons")[0][0]
    assert persons > 0
    # reltuples is -1 (never analyzed) before ANALYZE, the row count after
    assert stats["persons"] == persons
    assert stats["households"] == db_rows(workspace, "select count(*) from households")[0][0]
    assert stats["students"] == db_rows(workspace, "select count(*) from students")[0][0]
