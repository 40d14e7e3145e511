"""Database passwords never appear in output, files or process arguments (issue 17)."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest
import sqlalchemy as sa

from reportgen.redact import redact, without_password
from reportgen.schedule import install as inst
from reportgen.schedule.runner import Scheduler

SECRET = "s3cr@t-P@ss"  # an unencoded '@' leaked its second half before
URL = f"postgresql+psycopg://clerk:{SECRET}@db.county.local:5432/青山县"


@pytest.mark.parametrize(
    "text, shown",
    [
        (URL, "postgresql+psycopg://clerk:****@db.county.local:5432/青山县"),
        (f"reportgen --db {URL} card --county", "reportgen --db postgresql+psycopg://clerk:****@db.county.local:5432/青山县 card --county"),
        (f"--db={URL}", "--db=postgresql+psycopg://clerk:****@db.county.local:5432/青山县"),
        ("postgresql://clerk@host/db", "postgresql://clerk@host/db"),
        ("sqlite:////data/reportgen.db", "sqlite:////data/reportgen.db"),
    ],
)  # fmt: skip
def test_redact_hides_the_whole_password(text, shown):
    assert redact(text) == shown
    assert "P@ss" not in redact(text) and "s3cr" not in redact(text)


def test_timer_lines_never_carry_the_password(tmp_path):
    assert without_password(URL) == ("postgresql+psycopg://clerk@db.county.local:5432/青山县", True)
    texts = [
        inst.crontab_line(tmp_path, sys.executable, db_option=URL),
        "".join(inst.systemd_units(tmp_path, sys.executable, db_option=URL).values()),
        inst.windows_task_xml(tmp_path, sys.executable, db_option=URL),
    ]
    for text in texts:
        assert "clerk@db.county.local" in text  # the database is still named
        assert "s3cr" not in text and "P@ss" not in text


def test_scheduled_child_gets_the_url_in_its_environment_not_its_arguments(run, workspace):
    assert run("schedule", "init").exit_code == 0
    scheduler = Scheduler(workspace, db_option=URL)
    assert not any("s3cr" in a for a in scheduler.global_args())
    assert (
        scheduler.child_env(dt.datetime(2023, 10, 1, tzinfo=dt.timezone.utc))["REPORTGEN_DB"] == URL
    )


def test_config_show_and_doctor_hide_the_password(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_DB", URL)
    for args in (("config", "show"), ("config", "show", "--json")):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "s3cr" not in result.output and "P@ss" not in result.output
        assert "clerk:****@db.county.local" in result.output
    assert json.loads(run("config", "show", "--json").output)["settings"]["database"][
        "value"
    ].startswith("postgresql+psycopg://clerk:****@")


def test_manifest_command_hides_the_password(run, imported, workspace, monkeypatch, backend):
    """The manifest records the command line as typed, minus the password. On PostgreSQL the
    test server trusts local connections, so a URL with any password still connects."""
    if backend != "postgres":
        pytest.skip("a password belongs to a database URL (PostgreSQL)")
    import os

    url = sa.engine.make_url(os.environ["REPORTGEN_DB"]).set(password=SECRET)
    typed = url.render_as_string(hide_password=False)
    argv = ["reportgen", "--db", typed, "card", "--county", "--workers", "1"]
    monkeypatch.setattr(sys, "argv", argv)
    result = run(*argv[1:])
    assert result.exit_code == 0, result.output
    manifests = list((workspace / "输出").rglob("manifest.json"))
    assert manifests
    for m in manifests:
        text = m.read_text(encoding="utf-8")
        assert "s3cr" not in text and "P@ss" not in text
        assert ":****@" in json.loads(text)["command"]


def test_password_file_supplies_the_password(tmp_path):
    from reportgen.config import load_settings

    ws = tmp_path / "ws"
    ws.mkdir()
    secret = ws / "db.pass"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    secret.chmod(0o600)
    (ws / "reportgen.toml").write_text(
        'database = "postgresql+psycopg://clerk@db.county.local:5432/qs"\n'
        'database_password_file = "db.pass"\n',
        encoding="utf-8",
    )
    settings = load_settings(ws)
    assert sa.engine.make_url(settings.db_url).password == SECRET
    # a URL that carries its own password keeps it
    (ws / "reportgen.toml").write_text(
        'database = "postgresql+psycopg://clerk:other@db/qs"\ndatabase_password_file = "db.pass"\n',
        encoding="utf-8",
    )
    assert sa.engine.make_url(load_settings(ws).db_url).password == "other"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_password_file_others_can_read_is_refused(tmp_path):
    from reportgen.config import load_settings
    from reportgen.errors import ConfigError

    ws = tmp_path / "ws"
    ws.mkdir()
    secret = ws / "db.pass"
    secret.write_text(SECRET, encoding="utf-8")
    secret.chmod(0o644)
    (ws / "reportgen.toml").write_text(
        'database = "postgresql+psycopg://clerk@db/qs"\ndatabase_password_file = "db.pass"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="chmod 600"):
        _ = load_settings(ws).db_url


def test_schedule_install_says_where_the_password_must_come_from(run, workspace, monkeypatch):
    assert run("schedule", "init").exit_code == 0
    result = run("--db", URL, "schedule", "install", "--cron")
    assert result.exit_code == 0, result.output
    assert "s3cr" not in result.output and "P@ss" not in result.output
    assert "数据库密码不会写入计划任务" in result.stderr
    assert "database_password_file" in result.stderr
