"""The schema version and in-place migration of an existing user database."""

import sqlalchemy as sa
from builders import db_execute, db_rows, db_url, write_xlsx

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
        "drop table project_assets",
        "drop table web_sessions",
        "drop table api_tokens",
        "drop table users",
        "drop table audit_log",
        *[f"alter table projects drop column {c}" for c in PROJECT_RESULT_COLUMNS],
        *[f"alter table {t} drop column {c}" for t, c in V6_COLUMNS],
        "update meta set value='1' where key='schema_version'",
    )
    households = db_rows(workspace, "select count(*) from households")
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION == 10
        inspector = sa.inspect(ds.engine)
        assert {
            "notices",
            "notice_items",
            "check_runs",
            "findings",
            "schedule_jobs",
            "schedule_runs",
            "project_assets",
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
        "drop table project_assets",
        *[f"alter table projects drop column {c}" for c in PROJECT_RESULT_COLUMNS],
        *[f"alter table {t} drop column {c}" for t, c in V6_COLUMNS],
        "update meta set value='4' where key='schema_version'",
    )
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION
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
        "drop table project_assets",
        *[f"alter table {t} drop column {c}" for t, c in V6_COLUMNS],
        "update meta set value='5' where key='schema_version'",
    )
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION
        inspector = sa.inspect(ds.engine)
        for table, column in V6_COLUMNS:
            assert column in {c["name"] for c in inspector.get_columns(table)}, column
    finally:
        ds.dispose()
    assert db_rows(workspace, "select id_number, name from persons order by id_number") == persons
    assert db_rows(workspace, "select count(*) from persons where school_status is not null") == [
        (0,)
    ]


def test_a_version_7_database_gets_the_columns_of_the_command_process(workspace):
    Dataset.open(db_url(workspace), create=True).dispose()
    db_execute(
        workspace,
        "alter table schedule_runs drop column child_pid",
        "alter table schedule_runs drop column child_started",
        "drop table web_sessions",
        "drop table api_tokens",
        "drop table users",
        "drop table audit_log",
        "update meta set value='7' where key='schema_version'",
    )
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION == 10
        columns = {c["name"] for c in sa.inspect(ds.engine).get_columns("schedule_runs")}
        assert {"child_pid", "child_started"} <= columns
    finally:
        ds.dispose()


def test_a_version_8_database_gets_the_accounts_and_the_audit_log(workspace):
    Dataset.open(db_url(workspace), create=True).dispose()
    db_execute(workspace, "drop table web_sessions",
        "drop table api_tokens", "drop table users", "drop table audit_log",
               "update meta set value='8' where key='schema_version'")  # fmt: skip
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION == 10
        assert {"users", "audit_log", "api_tokens"} <= set(sa.inspect(ds.engine).get_table_names())
    finally:
        ds.dispose()


def test_a_version_9_database_gets_the_api_tokens(workspace):
    Dataset.open(db_url(workspace), create=True).dispose()
    db_execute(
        workspace,
        "drop table web_sessions",
        "drop table api_tokens",
        "update meta set value='9' where key='schema_version'",
    )
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION == 10
        columns = {c["name"] for c in sa.inspect(ds.engine).get_columns("api_tokens")}
        assert {"user_name", "token_sha256", "revoked"} <= columns
        assert "web_sessions" in sa.inspect(ds.engine).get_table_names()
    finally:
        ds.dispose()


def test_a_version_6_database_gets_the_project_assets_table(run, imported, workspace):
    households = db_rows(workspace, "select household_id, head_name from households order by 1")
    db_execute(
        workspace,
        "drop table project_assets",
        "update meta set value='6' where key='schema_version'",
    )
    ds = Dataset.open(db_url(workspace))
    try:
        assert ds.schema_version() == SCHEMA_VERSION == 10
        inspector = sa.inspect(ds.engine)
        assert "project_assets" in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("project_assets")}
        assert {
            "project_no",
            "asset_name",
            "asset_type",
            "original_value",
            "disposed_on",
        } <= columns
    finally:
        ds.dispose()
    assert (
        db_rows(workspace, "select household_id, head_name from households order by 1")
        == households
    )
    # the migrated table takes assets: an import of the 项目资产 sheet lands in it
    write_xlsx(
        workspace / "assets.xlsx",
        {
            "项目": [
                ["项目编号", "项目名称", "项目类型", "实施地点", "建设内容及规模", "实施单位"],
                ["XM001", "冷库建设", "产业发展", "411599101201", "冷库1座", "城关镇人民政府"],
            ],
            "项目资产": [
                ["项目编号", "资产名称", "资产类型", "原值"],
                ["XM001", "冷库", "经营性资产", 12.5],
            ],
        },
    )
    result = run("import", str(workspace / "assets.xlsx"))
    assert result.exit_code == 0, result.output + result.stderr
    assert db_rows(workspace, "select project_no, asset_name, asset_type from project_assets") == [
        ("XM001", "冷库", "经营性资产")
    ]


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
