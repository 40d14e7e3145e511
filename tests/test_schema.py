"""The schema version and in-place migration of an existing user database."""

import sqlalchemy as sa
from builders import db_execute, db_rows, db_url

from reportgen.dataset.schema import PROJECT_RESULT_COLUMNS, SCHEMA_VERSION, V6_COLUMNS
from reportgen.dataset.store import Dataset


def test_a_version_1_database_is_migrated_without_losing_data(run, imported, workspace):
    db_execute(
        workspace,
        "drop table notice_items",
        "drop table notices",
        "drop table findings",
        "drop table check_runs",
        "drop table schedule_runs",
        "drop table schedule_jobs",
        *[f"alter table projects drop column {c}" for c in PROJECT_RESULT_COLUMNS],
        *[f"alter table {t} drop column {c}" for t, c in V6_COLUMNS],
        "update meta set value='1' where key='schema_version'",
    )
    households = db_rows(workspace, "select count(*) from households")
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION == 6
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
    assert db_rows(workspace, "select count(*) from households") == households
    assert run("data", "summary").exit_code == 0


def test_a_version_4_database_gets_the_project_result_columns(run, imported, workspace):
    projects = db_rows(
        workspace, "select project_no, name, status from projects order by project_no"
    )
    db_execute(
        workspace,
        *[f"alter table projects drop column {c}" for c in PROJECT_RESULT_COLUMNS],
        *[f"alter table {t} drop column {c}" for t, c in V6_COLUMNS],
        "update meta set value='4' where key='schema_version'",
    )
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == 6
        columns = {c["name"] for c in sa.inspect(ds.engine).get_columns("projects")}
        assert set(PROJECT_RESULT_COLUMNS) <= columns
    finally:
        ds.dispose()
    assert (
        db_rows(workspace, "select project_no, name, status from projects order by project_no")
        == projects
    )
    assert db_rows(workspace, "select count(*) from projects where actual_end is not null") == [
        (0,)
    ]


def test_a_version_5_database_gets_the_income_and_school_status_columns(run, imported, workspace):
    persons = db_rows(workspace, "select id_number, name from persons order by id_number")
    db_execute(
        workspace,
        *[f"alter table {t} drop column {c}" for t, c in V6_COLUMNS],
        "update meta set value='5' where key='schema_version'",
    )
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == 6
        inspector = sa.inspect(ds.engine)
        for table, column in V6_COLUMNS:
            assert column in {c["name"] for c in inspector.get_columns(table)}, column
    finally:
        ds.dispose()
    assert db_rows(workspace, "select id_number, name from persons order by id_number") == persons
    assert db_rows(workspace, "select count(*) from persons where school_status is not null") == [(0,)]


def test_a_newer_database_is_refused(run, imported, workspace):
    db_execute(workspace, "update meta set value='99' where key='schema_version'")
    result = run("data", "summary")
    assert result.exit_code == 3 and "请升级 reportgen" in result.stderr


def test_a_foreign_database_is_refused(run, workspace, new_db):
    other = new_db()
    engine = sa.create_engine(other)
    with engine.begin() as conn:
        conn.execute(sa.text("create table t (x integer)"))
    engine.dispose()
    result = run("--db", other, "data", "summary")
    assert result.exit_code == 3 and "不是 reportgen 数据库" in result.stderr
