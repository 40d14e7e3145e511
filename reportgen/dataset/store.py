"""The dataset: one database (SQLite by default, PostgreSQL by URL), its schema version and queries
every document kind shares (household-derived flags, import provenance)."""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from reportgen.dataset.schema import MIGRATIONS, SCHEMA_VERSION, TABLES, imports, meta, metadata
from reportgen.dates import cn_date
from reportgen.errors import BusyError, ConfigError

# 正在监测 (being monitored now), the one definition (DOMAIN §2 户信息; seed 三.一.(二).2 and 4):
# 户类型 监测户, or a 监测类型 (a 脱贫户 that is a 脱贫不稳定户 keeps its 户类型), and the risk not
# marked eliminated. Two forms of the one rule: over a household's three values in Python, over the
# households table in SQL; tests/test_monitored.py runs both on every combination of the three.
MONITORED_CATEGORY = "监测户"


def is_monitored(
    category: str | None, monitor_type: str | None, risk_eliminated: bool | None
) -> bool:
    """Whether a household with these 户类型, 监测类型 and 风险是否消除 is being monitored now."""
    return (category == MONITORED_CATEGORY or monitor_type is not None) and not risk_eliminated


def monitored_sql(h: sa.Table | sa.Alias) -> sa.ColumnElement[bool]:
    """`is_monitored` over the households table `h` (or an alias of it)."""
    not_eliminated = sa.or_(h.c.risk_eliminated.is_(None), h.c.risk_eliminated == sa.false())
    return sa.and_(
        sa.or_(h.c.category == MONITORED_CATEGORY, h.c.monitor_type.isnot(None)), not_eliminated
    )


def household_flag_exprs(h: sa.Table | sa.Alias) -> dict[str, sa.ColumnElement[bool]]:
    """What a household's record says about its members (DOMAIN §2 学生): 脱贫户 → 原建档立卡;
    being monitored now (`is_monitored`) → 监测户; 兜底类型 → 低保/特困."""
    return {
        "former_poor": h.c.category == "脱贫户",
        "monitored": monitored_sql(h),
        "dibao": h.c.baodi_type == "低保",
        "tekun": h.c.baodi_type == "特困",
    }


_LOCKS = {"import": "导入数据"}


def _redact(url: str) -> str:
    """The URL as a user reads it: no password; an SQLite file's path as written (a workspace
    named 青山县工作区 is not shown as %E9%9D%92…)."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database and not parsed.query:
        return f"{parsed.drivername}:///{parsed.database}"
    return parsed.render_as_string(hide_password=True)


class Dataset:
    """An open dataset. `Dataset.open(url)` checks (and if asked, creates or migrates) the schema."""

    def __init__(self, engine: sa.Engine, url: str):
        self.engine = engine
        self.url = url

    @property
    def display_url(self) -> str:
        return _redact(self.url)

    @classmethod
    def open(cls, url: str, *, create: bool = False) -> Dataset:
        parsed = sa.engine.make_url(url)
        if parsed.drivername == "postgresql":
            # psycopg 3 (reportgen[postgres]) whatever SQLAlchemy's default PostgreSQL driver is.
            parsed = parsed.set(drivername="postgresql+psycopg")
            url = parsed.render_as_string(hide_password=False)
        kwargs: dict = {}
        if (
            parsed.get_backend_name() == "sqlite"
            and parsed.database
            and parsed.database != ":memory:"
        ):
            path = Path(parsed.database)
            if not path.exists() and not create:
                raise ConfigError(
                    f"数据库不存在：{path}。请先用 `reportgen import 数据文件` 导入数据，或用 --db 指定数据库。"
                )
            if not path.parent.is_dir():
                raise ConfigError(f"数据库所在文件夹不存在：{path.parent}")
        try:
            engine = sa.create_engine(url, **kwargs)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise ConfigError(f"数据库地址无法识别：{_redact(url)}（{exc}）") from None
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"连接该数据库需要额外的驱动：{exc.name}。PostgreSQL 请安装：pip install 'reportgen[postgres]'"
            ) from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        dataset = cls(engine, url)
        dataset._ensure_schema(create)
        return dataset

    def _ensure_schema(self, create: bool) -> None:
        try:
            with self.engine.begin() as conn:
                has_meta = sa.inspect(conn).has_table("meta")
                if not has_meta:
                    existing = sa.inspect(conn).get_table_names()
                    if existing:
                        raise ConfigError(
                            f"该数据库不是 reportgen 数据库（已有其他表：{'、'.join(existing[:5])}）：{self.display_url}"
                        )
                    if not create:
                        raise ConfigError(f"数据库是空的，请先导入数据：{self.display_url}")
                    metadata.create_all(conn)
                    conn.execute(
                        meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
                    )
                    return
                version = int(
                    conn.execute(
                        sa.select(meta.c.value).where(meta.c.key == "schema_version")
                    ).scalar_one()
                )
                if version > SCHEMA_VERSION:
                    raise ConfigError(
                        f"数据库版本（{version}）比本程序（{SCHEMA_VERSION}）新，请升级 reportgen。"
                    )
                while version < SCHEMA_VERSION:
                    MIGRATIONS[version](conn)
                    version += 1
                    conn.execute(
                        meta.update()
                        .where(meta.c.key == "schema_version")
                        .values(value=str(version))
                    )
        except sa.exc.OperationalError as exc:
            raise ConfigError(f"无法打开数据库 {self.display_url}：{exc.orig}") from None
        except sa.exc.DatabaseError as exc:
            raise ConfigError(
                f"无法读取数据库 {self.display_url}（文件损坏或不是数据库）：{exc.orig}"
            ) from None

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(meta.c.value).where(meta.c.key == "schema_version")
                ).scalar_one()
            )

    def latest_import(self) -> dict | None:
        """The last import (id, finished_at, files): documents print it as their data source."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(imports).order_by(imports.c.id.desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    def data_source_line(self) -> str:
        last = self.latest_import()
        if last is None:
            return "数据来源：尚未导入"
        when: dt.datetime = last["finished_at"]
        return f"数据来源：第{last['id']}次导入（{cn_date(when)} {when:%H:%M}）"

    def data_as_of_line(self, document_day: dt.date | None = None) -> str:
        """What documents for parents and the public print (DOMAIN §4): the date the data are as
        of, without import numbers or times (those stay in manifest.json and internal documents).
        That is the last import's day, or the document's own day when that is earlier (a notice
        dated 9月1日 made later from newer data speaks of 9月1日)."""
        last = self.latest_import()
        if last is None:
            return ""
        day = last["finished_at"].date()
        if document_day is not None and document_day < day:
            day = document_day
        return f"数据截至{cn_date(day)}"

    @contextmanager
    def exclusive(
        self, what: str, timeout: float, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the dataset's lock named `what` (e.g. "import") for the block: a second holder
        waits up to `timeout` seconds (calling `on_wait` once when it starts waiting), then gets
        BusyError. SQLite: a file lock beside the database; PostgreSQL: a session advisory lock.
        Without it two imports both number themselves max(id) + 1 and the second fails with a raw
        UNIQUE or "database is locked" error."""
        parsed = sa.engine.make_url(self.url)
        busy = BusyError(
            f"另一个 reportgen 进程正在{_LOCKS.get(what, what)}（同一数据库：{self.display_url}），"
            f"已等待 {timeout:g} 秒。请等它完成后再试。"
        )
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                yield
                return
            from filelock import FileLock, Timeout

            db = Path(parsed.database)
            lock = FileLock(db.with_name(f".{db.name}.{what}.lock"))  # hidden beside the database
            try:
                lock.acquire(timeout=0)
            except Timeout:
                if on_wait:
                    on_wait()
                try:
                    lock.acquire(timeout=timeout)
                except Timeout:
                    raise busy from None
            try:
                yield
            finally:
                lock.release()
            return
        key = zlib.crc32(f"reportgen:{what}".encode())
        with self.engine.connect() as conn:
            got = conn.execute(sa.text("select pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            if not got:
                if on_wait:
                    on_wait()
                deadline = time.monotonic() + timeout
                while not got and time.monotonic() < deadline:
                    time.sleep(0.2)
                    got = conn.execute(
                        sa.text("select pg_try_advisory_lock(:k)"), {"k": key}
                    ).scalar()
                if not got:
                    raise busy
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(TABLES[table])).scalar_one()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
