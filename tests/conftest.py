import os
import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from builders import tiny_county  # noqa: E402
from pgserver import Databases, ThrowawayCluster, Unavailable, server_bindir  # noqa: E402

from reportgen.cli import cli  # noqa: E402


def pytest_runtest_setup(item):
    """A test marked `soffice` needs LibreOffice: skipped on a developer machine without it; in CI
    (CI set, .ci/run installs it) a missing soffice fails the test instead."""
    if item.get_closest_marker("soffice") and not os.environ.get("CI"):
        if shutil.which("soffice") is None:
            pytest.skip("LibreOffice (soffice) is not installed")


def pytest_collection_modifyitems(config, items):
    """The Dask tests last: the distributed client leaves a thread running in this process, after
    which the local pool spawns its workers (it forks only from a single-threaded process); the
    other tests should run the pool as it runs on Linux, forked."""
    items.sort(key=lambda item: item.path.name == "test_cluster.py")  # stable: order otherwise kept


# ----------------------------------------------------------------------------- database backends
# The dataset, rule and document tests run on SQLite and on PostgreSQL: every test built on the
# `workspace` fixture (or on `backend`) runs once per backend, ids ending in [sqlite] / [postgres].
# PostgreSQL is the server REPORTGEN_TEST_PG names (an SQLAlchemy URL, e.g.
# postgresql+psycopg://postgres@127.0.0.1:5432/postgres), else a throwaway cluster made from the
# local server binaries. Without one the PostgreSQL variants are skipped on a developer machine and
# fail in CI (CI set). `-m "not postgres"` leaves them out.


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is needed in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_databases():
    """Databases on the tests' PostgreSQL server; skips (fails in CI) when there is none."""
    cluster = None
    url = os.environ.get("REPORTGEN_TEST_PG")
    if not url:
        bindir = server_bindir()
        if bindir is None:
            _unavailable("no REPORTGEN_TEST_PG and no initdb (Debian: apt-get install postgresql)")
        try:
            cluster = ThrowawayCluster(bindir)
            url = cluster.start()
        except Unavailable as exc:
            if cluster is not None:
                cluster.stop()
            _unavailable(str(exc))
    try:
        databases = Databases(url)
    except Exception as exc:  # psycopg missing, server refusing, …
        if cluster is not None:
            cluster.stop()
        _unavailable(f"cannot connect to {sa.engine.make_url(url)!r}: {exc}")
    yield databases
    databases.close()
    if cluster is not None:
        cluster.stop()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend(request) -> str:
    """The database backend of this test variant: "sqlite" or "postgres"."""
    if request.param == "postgres":
        request.getfixturevalue("pg_databases")
    return request.param


class BackendDatabases:
    """New empty databases on one backend: SQLite files in a folder, or PostgreSQL databases."""

    def __init__(self, backend: str, folder: Path, pg: Databases | None, database: bool):
        self.backend, self.folder, self.pg, self.database = backend, folder, pg, database
        self.made: list[str] = []

    def new(self, template: str | None = None) -> str:
        """The URL of a new empty database, or of a copy of the database at `template`."""
        if self.pg is not None:
            url = self.pg.create(template, database=self.database)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"db{len(self.made) + 1}.db"
            if template:
                shutil.copy(sa.engine.make_url(template).database, path)
            url = f"sqlite:///{path}"
        self.made.append(url)
        return url

    def drop_all(self) -> None:
        if self.pg is not None:
            for url in self.made:
                self.pg.drop(url)
        self.made.clear()


def backend_databases(request, backend: str, folder: Path, database: bool) -> BackendDatabases:
    pg = request.getfixturevalue("pg_databases") if backend == "postgres" else None
    dbs = BackendDatabases(backend, folder, pg, database)
    request.addfinalizer(dbs.drop_all)
    return dbs


@pytest.fixture
def new_db(request, backend, tmp_path):
    """new_db() -> URL of a new empty database on the test's backend (on PostgreSQL a schema of its
    own); new_db(template=url) a copy of the database at url. Dropped after the test."""
    return backend_databases(request, backend, tmp_path / "dbs", database=False).new


@pytest.fixture(scope="module")
def module_db(request, backend, tmp_path_factory):
    """module_db() -> URL of a new empty database for a module's shared fixture (e.g. the example
    county imported once); on PostgreSQL a real database, so that new_db(template=…) can copy it."""
    return backend_databases(request, backend, tmp_path_factory.mktemp("dbs"), database=True).new


@pytest.fixture
def workspace(tmp_path, monkeypatch, backend, new_db):
    """An empty workspace folder as the current directory. Its database is the default
    reportgen.db (SQLite) or, on PostgreSQL, an empty schema of its own given by REPORTGEN_DB."""
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    monkeypatch.delenv("REPORTGEN_DB", raising=False)
    if backend == "postgres":
        monkeypatch.setenv("REPORTGEN_DB", new_db())
    return ws


@pytest.fixture
def run(workspace):
    """Run the CLI in the workspace: run("import", "x.xlsx") -> click Result (exit_code, output)."""
    runner = CliRunner()

    def _run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _run


@pytest.fixture
def county(workspace):
    """The tiny two-file county written into the workspace."""
    return tiny_county(workspace / "in")


@pytest.fixture
def imported(run, county):
    result = run("import", str(county))
    assert result.exit_code == 0, result.output
    return county


@pytest.fixture
def dataset(imported, workspace):
    """The imported tiny county's dataset, opened as the commands open it (closed after)."""
    from reportgen.config import load_settings
    from reportgen.workspace import open_dataset

    ds = open_dataset(load_settings(workspace))
    yield ds
    ds.dispose()


os.environ.setdefault("PYTHONHASHSEED", "0")


@pytest.fixture
def pools(monkeypatch):
    """The sizes of the local process pools started."""
    from reportgen import workers as pool_module

    started = []
    real = pool_module.make_executor
    monkeypatch.setattr(pool_module, "make_executor", lambda n: started.append(n) or real(n))
    return started


@pytest.fixture
def one_thread(monkeypatch):
    """The local pool and workers.beside fork only from a process running one thread; threads
    earlier tests leave behind (Dask's event loop after tests/test_cluster.py) would make the pool
    spawn its workers and beside run in this process."""
    from reportgen import workers

    monkeypatch.setattr(workers, "_single_threaded", lambda: True)


@pytest.fixture
def forget_user_rules():
    """A test that writes a workspace's rules/*.py: afterwards the built-in rules are still the
    built-in ones only (a workspace's rules belong to that workspace, never to the process)."""
    from reportgen.rules import builtin_rules

    before = set(builtin_rules())
    yield
    assert set(builtin_rules()) == before and all(r.builtin for r in builtin_rules().values())


# ------------------------------------------------------------------ the example county
@pytest.fixture(scope="module")
def example_db(module_db):
    """The example county imported once per module; each test works on a copy of the database."""
    from reportgen.dataset.importer import import_paths
    from reportgen.dataset.store import Dataset
    from reportgen.paths import example_data_dir

    url = module_db()
    dataset = Dataset.open(url, create=True)
    import_paths(dataset, [example_data_dir() / "示例县"])
    dataset.dispose()
    return url


@pytest.fixture
def example(workspace, example_db, new_db, backend, monkeypatch):
    """A workspace on a copy of the example county (on the test's backend), as of 2023-10-08."""
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    if backend == "sqlite":
        shutil.copy(sa.engine.make_url(example_db).database, workspace / "reportgen.db")
    else:
        monkeypatch.setenv("REPORTGEN_DB", new_db(template=example_db))
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\ncounty = "青山县乡村振兴局"\n', encoding="utf-8"
    )
    return workspace
