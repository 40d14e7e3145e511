"""reportgen card --workers: the process pool writes the same files (same bytes) as one process."""

import hashlib
import json
import sys

import pytest
from builders import bad_template, full_county

from reportgen.workers import run_bounded


@pytest.fixture
def county_ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-02")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\neducation = "青山县教育局"\n[hotlines]\naid = "0376-5550123"\n',
        encoding="utf-8",
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    return workspace


def files(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def manifest(folder):
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    doc.pop("generated_at")
    doc.pop("command")
    doc["options"].pop("workers", None)
    return doc


# Linux forks the pool's workers; Windows can only spawn them. Both run here, so that the tasks,
# results and worker imports keep working without the parent's memory.
START_METHODS = ["fork", "spawn"] if sys.platform == "linux" else ["spawn"]


@pytest.mark.parametrize("start", START_METHODS)
def test_pool_writes_the_same_bytes_as_one_process(run, county_ws, monkeypatch, start, one_thread):
    from reportgen import workers as pool_module

    monkeypatch.setattr(pool_module, "START_METHOD", start)
    pools = []
    real = pool_module.make_executor
    monkeypatch.setattr(pool_module, "make_executor", lambda n: pools.append(n) or real(n))
    one = run("card", "--county", "--year", "2023", "--workers", "1", "--out", "one")
    two = run("card", "--county", "--year", "2023", "--workers", "2", "--out", "two")
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert pools == [2]  # --workers 1 ran in this process, --workers 2 in a pool of two
    assert one.output.replace("/one/", "/two/") == two.output
    a, b = files(county_ws / "one"), files(county_ws / "two")
    assert sorted(a) == sorted(b) and a == b
    assert sum(name.endswith(".docx") for name in a) == 2  # two schools: two partitions
    assert manifest(county_ws / "one") == manifest(county_ws / "two")


def test_a_bad_record_fails_its_school_only(run, county_ws):
    bad_template(county_ws, "学生资助政策明白卡", "李小红")
    outs = {}
    for workers in ("1", "2"):
        result = run("card", "--county", "--year", "2023", "--workers", workers, "--out", workers)
        assert result.exit_code == 7, result.output
        assert "李小红（学籍号 G002）" in result.stderr
        outs[workers] = result.stderr
        folder = county_ws / workers
        assert [p.name for p in folder.glob("*.docx")] == [
            "学生资助政策明白卡_城关镇第一初级中学.docx"
        ]
        assert len(list(folder.glob("*.xlsx"))) == 2  # rosters are still written
    assert outs["1"] == outs["2"]
    assert files(county_ws / "1") == files(county_ws / "2")
    assert manifest(county_ws / "1") == manifest(county_ws / "2")


def test_split_and_zip_still_work_with_workers(run, county_ws):
    result = run("card", "--county", "--year", "2023", "--workers", "2", "--zip")
    assert result.exit_code == 0, result.output
    result = run("card", "--county", "--year", "2023", "--workers", "2", "--split")
    assert result.exit_code == 0, result.output


@pytest.mark.soffice
def test_pdf_in_the_workers(run, county_ws, backend):
    if backend != "sqlite":
        pytest.skip("PDF conversion does not depend on the database")
    result = run("card", "--county", "--year", "2023", "--workers", "2", "--pdf", "--out", "p")
    assert result.exit_code == 0, result.output
    folder = county_ws / "p"
    pdfs = sorted(p.stem for p in folder.glob("*.pdf"))
    assert pdfs == sorted(p.stem for p in folder.glob("*.docx")) and len(pdfs) == 2
    kinds = sorted(o["kind"] for o in json.loads((folder / "manifest.json").read_text())["outputs"])
    assert kinds == ["docx", "docx", "pdf", "pdf", "xlsx", "xlsx"]


def _square(x):
    return x * x


def test_run_bounded_keeps_at_most_in_flight():
    from concurrent.futures import Future

    class Recording:
        def __init__(self):
            self.live, self.most = 0, 0

        def submit(self, fn, arg):
            self.live += 1
            self.most = max(self.most, self.live)
            fut = Future()
            fut.set_result(fn(arg))
            fut.add_done_callback(lambda _: None)
            return fut

    ex = Recording()
    got = []
    for i, value in run_bounded(ex, _square, range(10), in_flight=3):
        ex.live -= 1
        got.append((i, value))
    assert sorted(got) == [(i, i * i) for i in range(10)]
    assert ex.most <= 3


def _die_on_three(x):
    if x["n"] == 3:
        import os

        os._exit(9)  # as the OOM killer would end it: no exception, no clean-up
    return {"records": 1}


def test_a_worker_that_dies_is_a_clear_error():
    from reportgen.errors import RenderError
    from reportgen.workers import run_partitions

    with pytest.raises(RenderError) as caught:
        run_partitions(_die_on_three, ({"n": i} for i in range(6)), 6, 2, None, "records")
    message = caught.value.message
    assert "有工作进程意外退出" in message and "共 6 个" in message
    assert "没有写 manifest.json" in message and caught.value.exit_code == 7


def test_an_error_raised_in_a_partition_is_not_mistaken_for_a_dead_worker():
    from reportgen.workers import run_partitions

    with pytest.raises(ZeroDivisionError):
        run_partitions(_divide, ({"n": i} for i in range(3)), 3, 2, None, "records")


def _divide(x):
    return {"records": 1 // (x["n"] - 1)}


def test_heaviest_partitions_start_first_and_results_keep_task_order(monkeypatch):
    """A county's biggest schools come last in code order; started last, one of them would keep
    one worker busy while the others wait. With weights they are submitted first."""
    from concurrent.futures import Future

    from reportgen import workers

    submitted = []

    class Inline:
        def submit(self, fn, arg):
            submitted.append(arg["n"])
            fut = Future()
            fut.set_result(fn(arg))
            return fut

        def shutdown(self, wait=True, cancel_futures=False):
            pass

    monkeypatch.setattr(workers, "make_executor", lambda n: Inline())
    tasks = [{"n": i} for i in range(5)]
    got = workers.run_partitions(
        _twice, iter(tasks), 5, 2, None, "records", weights=[1, 5, 2, 9, 2]
    )
    assert submitted == [3, 1, 2, 4, 0]  # by weight, ties in task order
    assert [g["n"] for g in got] == [0, 2, 4, 6, 8]  # results in task order
    submitted.clear()
    workers.run_partitions(_twice, iter(tasks), 5, 2, None, "records")
    assert submitted == [0, 1, 2, 3, 4]


def _twice(x):
    return {"records": 1, "n": 2 * x["n"]}


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_the_pool_forks_only_from_a_process_with_one_thread(monkeypatch):
    import threading

    from reportgen import workers

    def start_method():
        pool = workers.make_executor(1)
        try:
            return pool._mp_context.get_start_method()
        finally:
            pool.shutdown()

    monkeypatch.setattr(workers, "_single_threaded", lambda: True)
    assert start_method() == "fork"
    monkeypatch.undo()
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert start_method() == "spawn"  # a lock the other thread holds would stay held in a fork
    finally:
        release.set()
        other.join()


def _backend_pid(task):
    """The dataset this process's worker_open gives (its id: a forked child that reused the
    parent's would give the parent's, which stays where it was) and its database session."""
    from reportgen.workers import worker_open

    _, dataset = worker_open(task)
    return {"records": 1, "dataset": id(dataset), "pid": _session_pid(dataset)}


def _session_pid(dataset):
    """The PostgreSQL backend's pid (one per session); on SQLite, None."""
    import sqlalchemy as sa

    with dataset.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return conn.execute(sa.text("select pg_backend_pid()")).scalar()
        conn.execute(sa.text("select count(*) from regions")).scalar()
        return None


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_forked_workers_leave_the_parents_connections_alone(county_ws, one_thread):
    """A forked worker inherits the parent's open datasets (here one opened in the parent, as an
    in-process run leaves it) and must not use them: on PostgreSQL a worker on the parent's
    session would interleave its queries with the parent's, and must not end that session."""
    from reportgen import workers
    from reportgen.config import load_settings

    task = {"workspace": str(county_ws), "db_url": load_settings(county_ws).db_url}
    # Only workers._OPEN refers to the parent's dataset (no local here), as after a run.
    parent = _backend_pid(task)  # with a pooled connection, open while the workers run
    try:
        got = workers.run_partitions(_backend_pid, iter([task, task]), 2, 2, None, "records")
        assert all(g["dataset"] != parent["dataset"] for g in got)  # the workers opened their own
        if parent["pid"] is not None:  # PostgreSQL: their own sessions
            assert all(g["pid"] != parent["pid"] for g in got)
        assert _backend_pid(task) == parent  # the parent's dataset and session, still alive
    finally:
        for _, dataset in workers._OPEN.values():
            dataset.dispose()
        workers._OPEN.clear()


def _write(path, text):
    path.write_text(text, encoding="utf-8")


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_beside_runs_in_a_forked_process_while_the_block_runs(tmp_path, one_thread):
    import os

    from reportgen import workers

    pids = {}

    def fn():
        _write(tmp_path / "child", str(os.getpid()))

    with workers.beside(fn, fork=True):
        pids["block"] = os.getpid()
    assert int((tmp_path / "child").read_text(encoding="utf-8")) != pids["block"]


def test_beside_in_a_process_with_other_threads_runs_after_the_block(tmp_path):
    import os
    import threading

    from reportgen import workers

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        pids = []
        with workers.beside(lambda: pids.append(os.getpid()), fork=True):
            pids.append("block")
        assert pids == ["block", os.getpid()]  # here, after the block: not forked
    finally:
        release.set()
        other.join()


def test_beside_without_fork_runs_after_the_block(tmp_path):
    from reportgen import workers

    order = []
    with workers.beside(lambda: order.append("fn"), fork=False):
        order.append("block")
    assert order == ["block", "fn"]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_beside_raises_the_forked_process_error_after_the_block(tmp_path, one_thread):
    from reportgen import workers
    from reportgen.errors import RenderError

    def fn():
        raise PermissionError(13, "拒绝访问", str(tmp_path / "清单.xlsx"))

    done = []
    with pytest.raises(PermissionError) as caught:
        with workers.beside(fn, fork=True):
            done.append("block")
    assert done == ["block"]  # the block ran to its end first
    assert caught.value.filename == str(tmp_path / "清单.xlsx")
    assert "PermissionError" in str(caught.value.__cause__)  # the child's traceback, as text

    with pytest.raises(RenderError) as caught:  # an error that does not pickle: type and text
        with workers.beside(lambda: (_ for _ in ()).throw(_Unpicklable("坏了")), fork=True):
            pass
    assert "_Unpicklable：坏了" in caught.value.message


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no")


def _refuse():
    raise TypeError("cannot be rebuilt here")


class _Rebuilt:
    """Pickles, but loading it fails (as a value whose class the parent cannot rebuild)."""

    def __reduce__(self):
        return (_refuse, ())


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_beside_an_error_that_does_not_load_again_is_sent_as_its_type_and_text(one_thread):
    from reportgen import workers
    from reportgen.errors import RenderError

    def fn():
        raise ValueError("清单.xlsx 写不进去", _Rebuilt())

    with pytest.raises(RenderError) as caught:
        with workers.beside(fn, fork=True):
            pass
    assert caught.value.message.startswith("ValueError：('清单.xlsx 写不进去', ")
    assert "ValueError" in str(caught.value.__cause__)  # the child's traceback


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_beside_an_error_while_waiting_ends_the_forked_process(tmp_path, one_thread):
    """Interrupted while it waits for the forked process (as Ctrl-C would): that process is
    killed and reaped, not left writing."""
    import os
    import signal
    import time

    from reportgen import workers

    def slow():
        _write(tmp_path / "pid.tmp", str(os.getpid()))
        os.replace(tmp_path / "pid.tmp", tmp_path / "pid")
        time.sleep(2)
        _write(tmp_path / "finished", "yes")

    class Interrupted(Exception):
        pass

    def interrupt(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(Interrupted):
            with workers.beside(slow, fork=True):
                while not (tmp_path / "pid").exists():
                    time.sleep(0.01)
                signal.setitimer(signal.ITIMER_REAL, 0.2)  # fires while beside waits
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(ProcessLookupError):  # reaped
        os.kill(int((tmp_path / "pid").read_text(encoding="utf-8")), 0)
    time.sleep(2.2)
    assert not (tmp_path / "finished").exists()  # killed, not left writing


_BESIDE_KILLED = """
import os, sys, time
from pathlib import Path
from reportgen import workers
workers._single_threaded = lambda: True
folder = Path(sys.argv[1])

def slow():
    (folder / "pid.tmp").write_text(str(os.getpid()))
    os.replace(folder / "pid.tmp", folder / "pid")
    time.sleep(2)
    (folder / "finished").write_text("yes")

with workers.beside(slow, fork=True):
    time.sleep(60)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_beside_a_killed_command_takes_its_forked_process_with_it(tmp_path):
    """The scheduler ends a command that runs too long with SIGKILL: the list writer forked from
    it must not go on writing into the output folder."""
    import os
    import subprocess
    import time

    command = subprocess.Popen([sys.executable, "-c", _BESIDE_KILLED, str(tmp_path)])
    try:
        while not (tmp_path / "pid").exists():
            assert command.poll() is None
            time.sleep(0.01)
        command.kill()
        command.wait()
        time.sleep(2.5)
        assert not (tmp_path / "finished").exists()
        with pytest.raises(ProcessLookupError):
            os.kill(int((tmp_path / "pid").read_text(encoding="utf-8")), 0)
    finally:
        command.kill()


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_beside_a_forked_process_that_dies_is_a_clear_error(one_thread):
    import os

    from reportgen import workers
    from reportgen.errors import RenderError

    with pytest.raises(RenderError) as caught:
        with workers.beside(lambda: os._exit(9), fork=True):
            pass
    assert "意外退出" in caught.value.message and caught.value.exit_code == 7


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_beside_an_error_in_the_block_ends_the_forked_process(tmp_path, one_thread):
    import os
    import time

    from reportgen import workers

    def slow():
        _write(tmp_path / "pid.tmp", str(os.getpid()))
        os.replace(tmp_path / "pid.tmp", tmp_path / "pid")
        time.sleep(2)
        _write(tmp_path / "finished", "yes")

    with pytest.raises(KeyError):
        with workers.beside(slow, fork=True):
            while not (tmp_path / "pid").exists():  # the child is running
                time.sleep(0.01)
            raise KeyError("the block failed")
    with pytest.raises(ProcessLookupError):  # reaped, not left behind
        os.kill(int((tmp_path / "pid").read_text(encoding="utf-8")), 0)
    assert not (tmp_path / "finished").exists()  # killed, not waited for
