"""PostgreSQL for the tests: a server given by REPORTGEN_TEST_PG, or a throwaway cluster made with
the local server binaries (Debian's package puts them in /usr/lib/postgresql/<version>/bin), and a
fresh database per test on it."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa

DRIVER = "postgresql+psycopg"


class Unavailable(Exception):
    """No PostgreSQL server can be had on this machine (the reason is the message)."""


def server_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl: on PATH, else the newest Debian/Ubuntu version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not candidates:
        return None
    newest = max(candidates, key=lambda p: int(Path(p).parts[-3].split(".")[0]))
    return Path(newest).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    """initdb + pg_ctl in a temporary folder, on a free port of 127.0.0.1, trust authentication.

    Run as root (as here and in CI), the server runs as the `postgres` user: initdb refuses root.
    Durability is switched off (fsync, full-page writes): the cluster is deleted afterwards.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no `postgres` user") from None
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="reportgen-pg-"))
        if owner is not None:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = 0

    def _run(self, program: str, *args: str) -> None:
        cmd = [*self.as_user, str(self.bindir / program), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise Unavailable(
                f"{program} failed: {done.stderr.strip() or done.stdout.strip()}\n{log}"
            )

    def start(self) -> str:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        for attempt in range(3):
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c max_connections=200"
            )
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                    "-o", options, "start",
                )  # fmt: skip
                break
            except Unavailable:
                if attempt == 2:
                    raise
        return f"{DRIVER}://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Databases:
    """The tests' databases on one server, through autocommit admin connections.

    A test's empty database is a schema of its own (CREATE SCHEMA is instant, CREATE DATABASE
    takes ~0.2 s) in one database made for this run: the URL sets search_path to it, and
    application_name to the same name, so that the test's connections can be ended before the
    schema is dropped. A copy of a database (`template`) is a real database (CREATE DATABASE …
    TEMPLATE), as is `create(database=True)`.
    """

    def __init__(self, admin_url: str):
        self.url = sa.engine.make_url(admin_url).set(drivername=DRIVER)
        self.admin = self._connect(self.url.database or "postgres")
        prefix = f"rg_test_{os.getpid()}"
        self._names = (f"{prefix}_{n}" for n in itertools.count(1))
        self.home = prefix
        self.drop(self._url(self.home))  # left by an earlier run that was killed
        self.admin.execute(f'CREATE DATABASE "{self.home}"')
        self.home_admin = self._connect(self.home)

    def _connect(self, dbname: str):
        import psycopg

        u = self.url
        return psycopg.connect(
            host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username,
            password=u.password, dbname=dbname, autocommit=True,
        )  # fmt: skip

    def _url(self, database: str, schema: str | None = None) -> str:
        url = self.url.set(database=database)
        if schema:
            url = url.update_query_dict(
                {"options": f"-csearch_path={schema}", "application_name": schema}
            )
        return url.render_as_string(hide_password=False)

    def create(self, template: str | None = None, database: bool = False) -> str:
        """The URL of a new empty schema (or database), or of a copy of the `template` database."""
        name = next(self._names)
        if not template and not database:
            self.home_admin.execute(f'CREATE SCHEMA "{name}"')
            return self._url(self.home, name)
        sql = f'CREATE DATABASE "{name}"'
        if template:
            sql += f' TEMPLATE "{sa.engine.make_url(template).database}"'
        self.admin.execute(sql)
        return self._url(name)

    def drop(self, url: str) -> None:
        parsed = sa.engine.make_url(url)
        schema = parsed.query.get("application_name")
        if schema:
            self._end_sessions("application_name", schema)
            self.home_admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            return
        if self.admin.info.server_version >= 130000:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            return
        self._end_sessions("datname", parsed.database)
        self.admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}"')

    def _end_sessions(self, column: str, value: str) -> None:
        """End the connections a test left open (an engine not disposed keeps its pool)."""
        self.admin.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {column} = %s"
            " AND pid <> pg_backend_pid()",
            (value,),
        )

    def close(self) -> None:
        self.home_admin.close()
        self.drop(self._url(self.home))
        self.admin.close()
