"""reportgen card / monitor-sheet / aid-notice / dropout / selfcheck --cluster: the same partitions on a Dask
distributed cluster write the same files (same sha256) and manifest as the local process pool.

One scheduler and two workers, started as processes on 127.0.0.1 from a folder outside the
repository without PYTHONPATH (so the workers import only the installed package), serve the whole
module; `--cluster local` starts its own LocalCluster. SQLite only: the cluster path does not
touch the database layer, which the local-pool tests cover on both backends.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import bad_template, full_county, write_xlsx
from test_parallel import files, manifest

if os.environ.get("CI"):
    import distributed  # CI installs '.[test]', which includes it: missing is an error there
else:
    distributed = pytest.importorskip(
        "distributed", reason="Dask distributed is not installed (pip install 'reportgen[test]')"
    )

START_TIMEOUT = 60  # seconds for the scheduler file and both workers
STOP_TIMEOUT = 15


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """tcp://127.0.0.1:PORT of a scheduler with two single-threaded workers; stopped after."""
    home = tmp_path_factory.mktemp("dask")  # outside the repository
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    sched_file = home / "scheduler.json"
    procs: list[tuple[subprocess.Popen, Path]] = []

    def start(name: str, *args: str) -> None:
        log = home / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=home,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        procs.append((proc, log))

    def logs() -> str:
        return "\n".join(f"--- {log.name}\n{_tail(log)}" for _, log in procs)

    try:
        start(
            "scheduler",
            "distributed.cli.dask_scheduler",
            "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
            "--scheduler-file", str(sched_file),
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        address = None
        while address is None:
            if procs[0][0].poll() is not None:
                pytest.fail(f"the Dask scheduler exited:\n{logs()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"no scheduler file after {START_TIMEOUT}s:\n{logs()}", pytrace=False)
            try:
                address = json.loads(sched_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        assert address.startswith("tcp://127.0.0.1:"), address
        for i in (1, 2):
            start(
                f"worker{i}",
                "distributed.cli.dask_worker",
                "--scheduler-file", str(sched_file), "--host", "127.0.0.1",
                "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                "--death-timeout", "60",
            )  # fmt: skip
        with distributed.Client(address, timeout="20s") as client:
            try:
                client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
            except TimeoutError:
                pytest.fail(f"two Dask workers did not start in time:\n{logs()}", pytrace=False)
            origins = client.run(lambda: __import__("reportgen").__file__)
            assert len(origins) == 2  # both workers import the installed reportgen
        yield address
    finally:
        for proc, _ in reversed(procs):
            proc.terminate()
        for proc, _ in reversed(procs):
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def county_ws(run, workspace, backend, monkeypatch):
    if backend != "sqlite":
        pytest.skip("the cluster path does not depend on the database")
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-02")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\neducation = "青山县教育局"\n'
        '[hotlines]\naid = "0376-5550123"\nmonitoring = "0376-5550110"\n'
        '[monitoring]\nyimatong_url = "https://example.org/yimatong"\n',
        encoding="utf-8",
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    return workspace


@pytest.fixture
def clusters(monkeypatch):
    """The addresses run_partitions sent partitions to; the local process pool is not used."""
    from reportgen import workers as pool_module

    used = []
    real = pool_module.cluster_executor

    def recording(address, workers):
        used.append(address)
        return real(address, workers)

    def no_pool(n):
        raise AssertionError("the local process pool was used with --cluster")

    monkeypatch.setattr(pool_module, "cluster_executor", recording)
    monkeypatch.setattr(pool_module, "make_executor", no_pool)
    return used


def test_local_cluster_writes_the_same_bytes_as_one_process(run, county_ws, monkeypatch):
    one = run("card", "--county", "--year", "2023", "--workers", "1", "--out", "one")
    assert one.exit_code == 0, one.output
    from reportgen import workers as pool_module

    used = []
    real = pool_module.cluster_executor
    monkeypatch.setattr(
        pool_module, "cluster_executor", lambda a, w: used.append((a, w)) or real(a, w)
    )
    two = run(
        "card", "--county", "--year", "2023", "--cluster", "local", "--workers", "2", "--out", "c"
    )
    assert two.exit_code == 0, two.output
    assert used == [("local", 2)]
    assert one.output.replace("/one/", "/c/") == two.output
    a, b = files(county_ws / "one"), files(county_ws / "c")
    assert a == b and sum(name.endswith(".docx") for name in a) == 2
    assert manifest(county_ws / "one") == manifest(county_ws / "c")


def test_scheduler_writes_the_same_bytes_as_the_pool(run, county_ws, scheduler, clusters):
    pool = run("card", "--county", "--year", "2023", "--workers", "1", "--out", "pool")
    dask = run("card", "--county", "--year", "2023", "--cluster", scheduler, "--out", "dask")
    assert pool.exit_code == 0, pool.output
    assert dask.exit_code == 0, dask.output
    assert clusters == [scheduler]
    assert pool.output.replace("/pool/", "/dask/") == dask.output
    a, b = files(county_ws / "pool"), files(county_ws / "dask")
    assert a == b and sum(name.endswith(".docx") for name in a) == 2
    assert manifest(county_ws / "pool") == manifest(county_ws / "dask")

    args = ("monitor-sheet", "--county", "--all")
    pool = run(*args, "--workers", "1", "--out", "mpool")
    dask = run(*args, "--cluster", scheduler, "--workers", "1", "--out", "mdask")
    assert pool.exit_code == 0, pool.output
    assert dask.exit_code == 0, dask.output
    assert clusters == [scheduler, scheduler]  # --workers 1 does not stop the cluster path
    a, b = files(county_ws / "mpool"), files(county_ws / "mdask")
    assert a == b and sum(name.endswith(".docx") for name in a) == 3  # --all: 李湾村's 一般农户 too
    assert manifest(county_ws / "mpool") == manifest(county_ws / "mdask")


def test_a_bad_record_fails_its_school_only_on_the_cluster(run, county_ws, scheduler, clusters):
    bad_template(county_ws, "学生资助政策明白卡", "李小红")
    outs = {}
    for folder, how in (("pool", ("--workers", "1")), ("dask", ("--cluster", scheduler))):
        result = run("card", "--county", "--year", "2023", *how, "--out", folder)
        assert result.exit_code == 7, result.output
        assert "李小红（学籍号 G002）" in result.stderr
        outs[folder] = result.stderr
        assert [p.name for p in (county_ws / folder).glob("*.docx")] == [
            "学生资助政策明白卡_城关镇第一初级中学.docx"
        ]
        assert len(list((county_ws / folder).glob("*.xlsx"))) == 2  # rosters are still written
    assert clusters == [scheduler]
    assert outs["pool"] == outs["dask"]
    assert files(county_ws / "pool") == files(county_ws / "dask")
    assert manifest(county_ws / "pool") == manifest(county_ws / "dask")


def test_aid_notice_on_the_scheduler_writes_the_same_bytes(run, county_ws, scheduler, clusters):
    write_xlsx(
        county_ws / "pay.xlsx",
        {"资助发放": [["学籍号", "资助项目", "金额", "学期", "发放日期"],
                   ["G002", "国家助学金", 1000, "2023年秋季学期", "2023-11-01"]]},
    )  # fmt: skip
    assert run("import", "pay.xlsx").exit_code == 0
    pool = run("aid-notice", "--county", "--workers", "1", "--out", "pool")
    dask = run("aid-notice", "--county", "--cluster", scheduler, "--out", "dask")
    assert pool.exit_code == 0, pool.output
    assert dask.exit_code == 0, dask.output
    assert clusters == [scheduler]  # one school per partition, on the cluster
    assert pool.output.replace("/pool/", "/dask/") == dask.output
    a, b = files(county_ws / "pool"), files(county_ws / "dask")
    assert a == b and sum(name.endswith(".docx") for name in a) == 2
    assert manifest(county_ws / "pool") == manifest(county_ws / "dask")


def test_dropout_on_the_scheduler_writes_the_same_bytes(
    run, county_ws, scheduler, clusters, monkeypatch
):
    from reportgen.documents import dropout_archive

    monkeypatch.setattr(dropout_archive, "CHUNK_MIN", 1)  # two students: two chunks
    write_xlsx(
        county_ws / "more.xlsx",
        {"辍学学生": [["学籍号", "发现日期", "辍学原因", "当前状态"], ["G002", "2023-09-06", "外出务工", "劝返中"]]},
    )  # fmt: skip
    assert run("import", "more.xlsx").exit_code == 0
    args = ("dropout", "--county", "--as-of", "2023-10-01")
    pool = run(*args, "--workers", "1", "--out", "pool")
    dask = run(*args, "--cluster", scheduler, "--out", "dask")
    assert pool.exit_code == 0, pool.output
    assert dask.exit_code == 0, dask.output
    assert clusters == [scheduler]
    assert pool.output.replace("/pool/", "/dask/") == dask.output
    a, b = files(county_ws / "pool"), files(county_ws / "dask")
    assert a == b and sum(name.endswith(".docx") for name in a) == 2
    assert manifest(county_ws / "pool") == manifest(county_ws / "dask")


def test_selfcheck_on_the_scheduler_writes_the_same_files(
    run, county_ws, scheduler, clusters, monkeypatch
):
    """Both townships of the tiny county as partitions on the cluster (partitioned although it is
    small); the report and the problem list are those of one process."""
    from reportgen.rules import partition

    monkeypatch.setattr(partition, "min_weight", lambda: 0)
    pool = run("selfcheck", "--quarter", "2023Q3", "--workers", "1", "--out", "pool")
    dask = run("selfcheck", "--quarter", "2023Q3", "--cluster", scheduler, "--out", "dask")
    assert pool.exit_code == 0, pool.output
    assert dask.exit_code == 0, dask.output
    assert clusters == [scheduler]
    assert pool.output.replace("/pool/", "/dask/") == dask.output
    a, b = files(county_ws / "pool"), files(county_ws / "dask")
    assert a == b and len(a) == 2
    assert manifest(county_ws / "pool") == manifest(county_ws / "dask")


def test_without_distributed_a_clear_error(run, county_ws, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    for args in (
        ("card", "--county", "--year", "2023"),
        ("monitor-sheet", "--county", "--all"),
        ("aid-notice", "--county"),
        ("dropout", "--county", "--as-of", "2023-10-01"),
    ):
        result = run(*args, "--cluster", "local", "--out", "x")
        assert result.exit_code == 8, result.output
        assert "需要 Dask distributed" in result.stderr
        assert "pip install 'reportgen[cluster]'" in result.stderr
        assert not list((county_ws / "x").glob("*.*"))  # nothing written, not even a roster


def test_a_bad_address_is_a_config_error(run, county_ws):
    result = run("card", "--county", "--year", "2023", "--cluster", "127.0.0.1:8786")
    assert result.exit_code == 3, result.output
    assert "tcp://主机:端口" in result.stderr
