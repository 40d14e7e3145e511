"""The schema version and in-place migration of an existing user database."""

import sqlite3

import sqlalchemy as sa

from reportgen.dataset.schema import SCHEMA_VERSION
from reportgen.dataset.store import Dataset


def test_a_version_1_database_is_migrated_without_losing_data(run, imported, workspace):
    db = workspace / "reportgen.db"
    con = sqlite3.connect(db)
    con.execute("drop table notice_items")
    con.execute("drop table notices")
    con.execute("drop table findings")
    con.execute("drop table check_runs")
    con.execute("drop table schedule_runs")
    con.execute("drop table schedule_jobs")
    con.execute("update meta set value='1' where key='schema_version'")
    con.commit()
    households = con.execute("select count(*) from households").fetchone()
    con.close()
    ds = Dataset.open(f"sqlite:///{db}")
    try:
        assert ds.schema_version() == SCHEMA_VERSION == 4
        inspector = sa.inspect(ds.engine)
        assert {
            "notices",
            "notice_items",
            "check_runs",
            "findings",
            "schedule_jobs",
            "schedule_runs",
        } <= set(inspector.get_table_names())
    finally:
        ds.dispose()
    assert sqlite3.connect(db).execute("select count(*) from households").fetchone() == households
    assert run("data", "summary").exit_code == 0


def test_a_newer_database_is_refused(run, imported, workspace):
    con = sqlite3.connect(workspace / "reportgen.db")
    con.execute("update meta set value='99' where key='schema_version'")
    con.commit()
    result = run("data", "summary")
    assert result.exit_code == 3 and "请升级 reportgen" in result.stderr


def test_a_foreign_database_is_refused(run, workspace):
    con = sqlite3.connect(workspace / "other.db")
    con.execute("create table t (x)")
    con.commit()
    result = run("--db", "other.db", "data", "summary")
    assert result.exit_code == 3 and "不是 reportgen 数据库" in result.stderr
