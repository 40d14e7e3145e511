"""Database tables (SQLAlchemy Core), built from the sheet declarations, and the schema version.

The same tables run on SQLite (default) and PostgreSQL. SCHEMA_VERSION increases with every change;
MIGRATIONS upgrade an existing user database in place, in one transaction, without losing data.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from reportgen.dataset import sheets as S

# SQLite stores NUMERIC without a decimal type; SQLAlchemy converts, and says so once per type.
warnings.filterwarnings(
    "ignore", message=".*does \\*not\\* support Decimal objects natively", category=sa_exc.SAWarning
)

SCHEMA_VERSION = 10

metadata = sa.MetaData()

_TYPES: dict[str, Callable[[], sa.types.TypeEngine]] = {
    S.CODE: lambda: sa.String(64),
    S.TEXT: lambda: sa.Text(),
    S.INT: lambda: sa.Integer(),
    S.MONEY: lambda: sa.Numeric(14, 2),
    S.WAN: lambda: sa.Numeric(14, 4),
    S.NUMBER: lambda: sa.Numeric(12, 2),
    S.DATE: lambda: sa.Date(),
    S.BOOL: lambda: sa.Boolean(),
    S.ENUM: lambda: sa.String(32),
    S.MULTI: lambda: sa.Text(),
    S.ID_NUMBER: lambda: sa.String(18),
    S.PHONE: lambda: sa.String(32),
}


def column_type(field: S.Field) -> sa.types.TypeEngine:
    return _TYPES[field.kind]()


def _data_table(spec: S.SheetSpec) -> sa.Table:
    cols: list[Any] = []  # columns and constraints
    for f in spec.fields:
        in_key = f.name in spec.key
        cols.append(
            sa.Column(
                f.name,
                column_type(f),
                primary_key=in_key,
                nullable=not (in_key or f.required or f.default is not None),
            )
        )
    cols.append(sa.Column("extra", sa.JSON, nullable=True, comment="导入时未识别的列，原样保留"))
    cols.append(sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=True))
    for ref in spec.references:
        cols.append(
            sa.ForeignKeyConstraint(
                list(ref.columns),
                [f"{ref.target}.{c}" for c in ref.target_columns],
                name=f"fk_{spec.table}_{'_'.join(ref.columns)}",
            )
        )
    return sa.Table(spec.table, metadata, *cols, comment=spec.title)


meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)  # fmt: skip

imports = sa.Table(
    "imports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=False),
    sa.Column("files", sa.JSON, nullable=False, comment="[{path, sha256, sheets: {sheet: table}}]"),
    sa.Column("counts", sa.JSON, nullable=False, comment="{table: {added, updated}}"),
    comment="每次导入的记录",
)  # fmt: skip

TABLES: dict[str, sa.Table] = {spec.table: _data_table(spec) for spec in S.SHEETS}

# Regions may reference their parent; declared apart so a county row (no parent) is allowed.
TABLES["regions"].append_constraint(
    sa.ForeignKeyConstraint(["parent_code"], ["regions.code"], name="fk_regions_parent")
)

# One row per (project, village) of 项目.实施地点, kept in step with projects by the importer.
project_places = sa.Table(
    "project_places", metadata,
    sa.Column("project_no", sa.String(64), sa.ForeignKey("projects.project_no"), primary_key=True),
    sa.Column("village_code", sa.String(64), sa.ForeignKey("regions.code"), primary_key=True),
)  # fmt: skip

# What changed on a household between imports (category, monitoring, 兜底): the monthly
# 新增/退出 report reads this (seed 二.二.(二).5).
household_changes = sa.Table(
    "household_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id"), nullable=False),
    sa.Column("household_id", sa.String(64), nullable=False, index=True),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("old_value", sa.Text),
    sa.Column("new_value", sa.Text),
    sa.Column("changed_at", sa.DateTime, nullable=False),
)  # fmt: skip
TRACKED_HOUSEHOLD_FIELDS = (
    "category",
    "monitor_type",
    "risk_eliminated",
    "baodi_type",
    "no_labor_baodi",
)

sa.Index("ix_persons_household", TABLES["persons"].c.household_id)
sa.Index("ix_households_village", TABLES["households"].c.village_code)
sa.Index("ix_students_school", TABLES["students"].c.school_code)
sa.Index("ix_students_id_number", TABLES["students"].c.id_number)
sa.Index("ix_regions_parent", TABLES["regions"].c.parent_code)


# Every public notice issued (`reportgen notice`): the self-check reads whether publicity
# happened and for how long. One row per notice file, one item row per household/project on it.
notices = sa.Table(
    "notices", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("place_code", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False, comment="project / project-result / inclusion / elimination / baodi"),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("import_id", sa.Integer, nullable=True),
    sa.UniqueConstraint("place_code", "kind", "period_start", name="uq_notices_place_kind_start"),
)  # fmt: skip
notice_items = sa.Table(
    "notice_items", metadata,
    sa.Column("notice_id", sa.Integer, sa.ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("item_key", sa.String(64), primary_key=True, comment="户编号 or 项目编号"),
)  # fmt: skip


def _v1_to_v2(conn: sa.Connection) -> None:
    """Version 2 adds the record of issued notices."""
    notices.create(conn)
    notice_items.create(conn)


# Findings of each self-check run, so that the next report can say what was fixed since.
check_runs = sa.Table(
    "check_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False, comment="check / selfcheck / monthly"),
    sa.Column("scope", sa.String(64), nullable=False, comment="county, or a township/village code"),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("label", sa.Text, nullable=False, comment="e.g. 2023年第三季度"),
    sa.Column("run_at", sa.DateTime, nullable=False),
    sa.Column("import_id", sa.Integer, nullable=True),
)  # fmt: skip
findings = sa.Table(
    "findings", metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("check_runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("rule", sa.String(32), nullable=False, index=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("household", sa.String(64)),
    sa.Column("place", sa.Text),
    sa.Column("detail", sa.Text),
    sa.Column("township", sa.String(64)),
    sa.Column("village", sa.String(64)),
)  # fmt: skip


def _v2_to_v3(conn: sa.Connection) -> None:
    """Version 3 stores the findings of each self-check run."""
    check_runs.create(conn)
    findings.create(conn)


# The scheduled-run ledger (`reportgen schedule`): one row per attempt of a job for a period.
# Times are naive UTC. The unique keys make "each (job, period) succeeds at most once" and
# "one attempt at a time" hold in the database itself, whatever the processes do.
schedule_jobs = sa.Table(
    "schedule_jobs", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("first_seen", sa.DateTime, nullable=False, comment="UTC; periods due before are not run"),
)  # fmt: skip
schedule_runs = sa.Table(
    "schedule_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job", sa.String(64), nullable=False),
    sa.Column("period", sa.String(32), nullable=False, comment="2023-08, 2023Q3, 2023, 2023-08-15"),
    sa.Column("attempt", sa.Integer, nullable=False, comment="1, 2, ...; 0 for a skipped period"),
    sa.Column("status", sa.String(16), nullable=False, comment="running / success / error / failed / interrupted / skipped"),
    sa.Column("scheduled_at", sa.DateTime, nullable=False, comment="UTC: when the trigger fired"),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("heartbeat_at", sa.DateTime),
    sa.Column("command", sa.JSON, nullable=False, comment="reportgen arguments as run"),
    sa.Column("output_dir", sa.Text, nullable=False, server_default=""),
    sa.Column("outputs", sa.JSON, comment="[{file, records, sha256}] from manifest.json"),
    sa.Column("exit_code", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("notify_error", sa.Text),
    sa.Column("pid", sa.Integer, comment="the run-due (or rerun) process that claimed the run"),
    sa.Column("host", sa.String(255)),
    sa.Column("child_pid", sa.Integer, comment="the command's process: it may outlive run-due"),
    sa.Column("child_started", sa.Float, comment="its start, epoch seconds: a reused pid is not it"),
    sa.UniqueConstraint("job", "period", "attempt", name="uq_schedule_runs_attempt"),
)  # fmt: skip
sa.Index(
    "uq_schedule_runs_success", schedule_runs.c.job, schedule_runs.c.period, unique=True,
    sqlite_where=schedule_runs.c.status == "success",
    postgresql_where=schedule_runs.c.status == "success",
)  # fmt: skip
sa.Index(
    "uq_schedule_runs_running", schedule_runs.c.job, schedule_runs.c.period, unique=True,
    sqlite_where=schedule_runs.c.status == "running",
    postgresql_where=schedule_runs.c.status == "running",
)  # fmt: skip


# Accounts of the web portal (issue 23) and the audit log of what people did, from the browser or
# the command line: who, when, what, from where. Passwords only as scrypt hashes (accounts.py).
users = sa.Table(
    "users", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False, comment="admin / county / township / school"),
    sa.Column("scope_code", sa.String(64), comment="the township's region code or the school's code"),
    sa.Column("scope_label", sa.Text, comment="as shown: 青山县城关镇, 城关镇第一小学（S01）"),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("password_changed_at", sa.DateTime, nullable=False, comment="UTC"),
)  # fmt: skip
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("user_name", sa.String(64), comment="who (empty: someone not logged in)"),
    sa.Column("action", sa.String(32), nullable=False, comment="login, login_failed, import, generate, download, view, user_add …"),
    sa.Column("target", sa.Text, nullable=False, server_default=""),
    sa.Column("source", sa.String(255), nullable=False, server_default="", comment="an IP address, or 命令行"),
    sa.Column("detail", sa.JSON),
)  # fmt: skip
sa.Index("ix_audit_log_at", audit_log.c.at)
# Tokens for the portal's JSON API (other tools of the county): only their SHA-256 is kept; each
# acts as its user, with the user's role and scope.
api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("last_used_at", sa.DateTime, comment="UTC"),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
)  # fmt: skip
# The portal's sessions: the cookie carries a random id, the database its SHA-256 and whether it
# has ended (logout), so a copied cookie is worth nothing once its session is over.
web_sessions = sa.Table(
    "web_sessions", metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("source", sa.String(255), nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("last_seen_at", sa.DateTime, nullable=False, comment="UTC"),
    sa.Column("ended_at", sa.DateTime, comment="UTC: logout, timeout"),
)  # fmt: skip


def _v3_to_v4(conn: sa.Connection) -> None:
    """Version 4 adds the ledger of scheduled runs."""
    schedule_jobs.create(conn)
    schedule_runs.create(conn)


PROJECT_RESULT_COLUMNS = ("actual_end", "accepted_on", "funds_allocated", "funds_paid")


def _v4_to_v5(conn: sa.Connection) -> None:
    """Version 5 adds the projects' results (实际完工日期, 验收日期, 已拨付资金, 已支付资金) that the
    项目公告 prints."""
    projects = TABLES["projects"]
    quote = conn.dialect.identifier_preparer.quote
    for name in PROJECT_RESULT_COLUMNS:
        kind = projects.c[name].type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {quote('projects')} ADD COLUMN {quote(name)} {kind}")


# (table, column) added by version 6: the income of the year before and its make-up (户信息), and
# the 在校生状况 of a person (人员信息).
V6_COLUMNS = (
    ("households", "prev_income_per_capita"), ("households", "wage_income"),
    ("households", "business_income"), ("persons", "school_status"),
)  # fmt: skip


def _add_columns(conn: sa.Connection, columns: tuple[tuple[str, str], ...]) -> None:
    """ADD COLUMN each (table, column) the table lacks (a table an earlier step created from
    today's definition already has them)."""
    quote = conn.dialect.identifier_preparer.quote
    inspector = sa.inspect(conn)
    for table, name in columns:
        if name in {c["name"] for c in inspector.get_columns(table)}:
            continue
        kind = metadata.tables[table].c[name].type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {kind}")


def _v5_to_v6(conn: sa.Connection) -> None:
    """Version 6 adds 上年家庭年人均纯收入, 人均工资性收入, 人均生产经营性收入 and 在校生状况 (the 两类群体 and
    suspected-dropout checks read them)."""
    _add_columns(conn, V6_COLUMNS)


def _v6_to_v7(conn: sa.Connection) -> None:
    """Version 7 adds the 项目资产 sheet (扶贫项目资产台账: 确权, 移交, 运营, 处置)."""
    TABLES["project_assets"].create(conn)


def _v7_to_v8(conn: sa.Connection) -> None:
    """Version 8 records a scheduled run's command process (its pid and start), so that a command
    that outlives a killed run-due is never started a second time beside itself (issue 22)."""
    _add_columns(conn, (("schedule_runs", "child_pid"), ("schedule_runs", "child_started")))


def _v8_to_v9(conn: sa.Connection) -> None:
    """Version 9 adds the portal's accounts and the audit log (issue 23)."""
    users.create(conn, checkfirst=True)
    audit_log.create(conn, checkfirst=True)


def _v9_to_v10(conn: sa.Connection) -> None:
    """Version 10 adds the API tokens and the sessions of the portal (issue 23)."""
    api_tokens.create(conn, checkfirst=True)
    web_sessions.create(conn, checkfirst=True)


# Migrations: MIGRATIONS[n] upgrades a database at version n to n + 1 (inside one transaction).
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {
    1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7,
    7: _v7_to_v8, 8: _v8_to_v9, 9: _v9_to_v10,
}  # fmt: skip
