"""Partitions in worker processes: a local process pool (forked on Linux, spawned elsewhere) or,
inside an `on_cluster` block, a Dask distributed cluster through its concurrent.futures executor; and what a
worker opens once per process (settings and dataset).

`run_partitions` is what every partitioned command uses (documents/runner.py for the print
files, rules/partition.py for the self-check). This module imports no document or engine module,
so a worker that only checks rules starts without them (about 0.5 s less per worker process).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reportgen.errors import ConfigError, ExternalToolError, RenderError

# Settings and dataset per (workspace, database, run) in a worker process; a Dask worker lives on
# across runs, so a new run re-reads reportgen.toml and the oldest entries are let go.
_OPEN: dict[tuple[str, str, str], tuple[Any, Any]] = {}
_OPEN_LOCK = threading.Lock()
_OPEN_KEEP = 4
# What a forked worker inherited from its parent (the parent's open datasets): never used (a
# worker on the parent's PostgreSQL session would interleave its queries with the parent's) and
# kept referenced, so the child never finalizes them: psycopg 3 does not close another process's
# connection, but a driver that did would end the parent's session. Forked processes leave
# through os._exit, without finalizing what is still referenced.
_INHERITED: list[Any] = []

# How the local pool starts its processes. On Linux a forked worker starts with the parent's
# modules already imported: a county self-check on 2 workers went from 8.7–9.0 s to 8.0 s (the
# spawned workers spent 0.6 s each importing before the first record). Elsewhere spawn, the only
# method on Windows (fork is unsafe on macOS), and on Linux too when this process runs other
# threads. Tasks and results are pickled either way, and the tests run one batch with spawn as
# well (tests/test_parallel.py).
START_METHOD = "fork" if sys.platform == "linux" else "spawn"


def forks_here() -> bool:
    """Whether the local pool and `beside` fork (START_METHOD fork, one thread running)."""
    return START_METHOD == "fork" and _single_threaded()


def _single_threaded() -> bool:
    """Whether this process runs one thread: forking copies only the calling thread, and a lock
    another thread held at that moment would stay locked in the child (after a --cluster run,
    Dask's event loop thread may still be running)."""
    return threading.active_count() == 1


def worker_open(task: dict[str, Any]):
    """(settings, dataset) of a task's workspace and database URL, reused within a run."""
    from reportgen import tune_gc
    from reportgen.config import load_settings
    from reportgen.dataset.store import Dataset

    tune_gc()  # a spawned worker (or Dask worker) starts with the interpreter's default
    key = (task["workspace"], task["db_url"], task.get("run", ""))
    with _OPEN_LOCK:
        if key not in _OPEN:
            settings = load_settings(Path(task["workspace"]), db_option=task["db_url"])
            _OPEN[key] = (settings, Dataset.open(task["db_url"]))
            while len(_OPEN) > _OPEN_KEEP:
                _OPEN.pop(next(iter(_OPEN)))[1].dispose()
        return _OPEN[key]


# The Dask cluster of the active `on_cluster` block: {"address": …, "workers": …}, else empty.
_CLUSTER: dict[str, Any] = {}
CLUSTER_EXTRA = "pip install 'reportgen[cluster]'"


def on_local_pool() -> bool:
    """Whether run_partitions would use the local process pool (not a Dask cluster): its workers
    end with the run, a Dask worker lives on."""
    return not _CLUSTER


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_executor(workers: int) -> Executor:
    """A local process pool started with START_METHOD; spawned instead of forked when this
    process runs other threads (see _single_threaded). Each worker ends when this process is
    gone (watch_parent); on Windows also through a job object that ends them with this process."""
    _in_a_job()
    parent = os.getpid()
    if forks_here():
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_forked, initargs=(parent,))  # fmt: skip
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=watch_parent, initargs=(parent,))  # fmt: skip


PARENT_POLL_SECONDS = 0.5


def _in_a_job() -> None:
    """Windows: this process and all it starts in a kill-on-close job (reportgen/processes.py);
    why not, if it cannot be, is said (the parent watch still ends the workers)."""
    from reportgen.processes import end_children_with_me

    problem = end_children_with_me()
    if problem:
        logging.getLogger("reportgen").warning(
            "提示：%s；本命令被强行结束时，并行工作进程会自行退出，但它们启动的 LibreOffice 可能留下",
            problem,
        )


def watch_parent(parent: int) -> None:
    """In a pool worker: a daemon thread that, once the process that started the pool is gone
    (killed with kill -9, ended by a scheduler's timeout), ends this worker and everything it
    started — a LibreOffice conversion — instead of converting on into the output folder and
    then waiting forever for work. A worker whose parent dies is re-parented, so its parent id
    changes (POSIX); on Windows the parent's id is checked for a live process."""

    def gone() -> bool:
        if os.name == "posix":
            return os.getppid() != parent
        from reportgen.processes import pid_alive

        return not pid_alive(parent)

    def watch() -> None:
        while not gone():
            threading.Event().wait(PARENT_POLL_SECONDS)
        _kill_descendants(os.getpid())
        os._exit(1)

    if gone():  # the parent died while this worker started
        os._exit(1)
    threading.Thread(target=watch, name="reportgen-parent-watch", daemon=True).start()


def _kill_descendants(pid: int) -> None:
    """SIGKILL every process below `pid` (Linux: /proc's children lists), deepest first."""
    for child in _children(pid):
        _kill_descendants(child)
        try:
            os.kill(child, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        except OSError:
            pass


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(x) for x in (task / "children").read_text().split()]
    except OSError:  # not Linux, or the process has ended
        pass
    return out


def _forked(parent: int | None = None) -> None:
    """A forked worker's first step: the parent's open datasets are set aside (never used, never
    closed here), so worker_open opens the worker's own; everything inherited is frozen out of
    the garbage collector, which would otherwise finalize the parent's unreachable objects (and
    their connections) in the child and touch every inherited page."""
    global _OPEN, _OPEN_LOCK
    gc.freeze()
    _INHERITED.append(_OPEN)
    _OPEN, _OPEN_LOCK = {}, threading.Lock()
    if parent is not None:  # a pool worker (a `beside` process dies with its parent by _die_with)
        watch_parent(parent)


def require_distributed():
    """The `distributed` module, or an ExternalToolError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ExternalToolError(
            f"--cluster 需要 Dask distributed，但它没有安装。请运行：{CLUSTER_EXTRA}"
        ) from None
    return distributed


def check_cluster_address(address: str) -> str:
    """`local` or a scheduler address such as tcp://HOST:PORT; ConfigError otherwise."""
    if address != "local" and "://" not in address:
        raise ConfigError(f"--cluster 应为 local 或调度器地址 tcp://主机:端口：{address}")
    return address


@contextmanager
def on_cluster(address: str | None, workers: int) -> Iterator[None]:
    """Within: run_partitions sends the partitions to a Dask cluster (`tcp://HOST:PORT`, or
    `local` for a LocalCluster of `workers` processes); address None: the local process pool.
    Fails at once (exit 8) when `distributed` is not installed; connects on the first batch."""
    if not address:
        yield
        return
    check_cluster_address(address)
    require_distributed()
    _CLUSTER.update(address=address, workers=workers)
    try:
        yield
    finally:
        _CLUSTER.clear()


@contextmanager
def cluster_executor(address: str, workers: int) -> Iterator[tuple[Executor, int]]:
    """(concurrent.futures executor of a Dask client, the cluster's threads); closed after."""
    distributed = require_distributed()
    cluster = client = None
    try:
        try:
            if address == "local":
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                client = distributed.Client(cluster)
            else:
                client = distributed.Client(address, timeout="20s")
            client.wait_for_workers(1, timeout=60)
        except (OSError, TimeoutError) as err:
            raise ExternalToolError(
                f"无法连接 Dask 集群 {address}（或集群中没有工作进程）：{err}"
            ) from None
        threads = sum(client.nthreads().values()) or 1
        executor = client.get_executor(pure=False)
        try:
            yield executor, threads
        finally:
            executor.shutdown(wait=False)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def run_bounded(
    executor: Executor, fn: Callable[[Any], Any], tasks: Iterable[Any], in_flight: int
) -> Iterator[tuple[int, Any]]:
    """(task index, result) as tasks complete, never more than `in_flight` submitted at once."""
    todo = enumerate(tasks)
    pending: dict[Any, int] = {}

    def fill() -> None:
        while len(pending) < in_flight:
            try:
                i, task = next(todo)
            except StopIteration:
                return
            pending[executor.submit(fn, task)] = i

    fill()
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            i = pending.pop(future)
            yield i, future.result()
        fill()


def run_partitions(
    fn: Callable[[dict], dict],
    tasks: Iterable[dict],
    partitions: int,
    workers: int,
    progress,
    count: str,
    weights: Sequence[int] | None = None,
) -> list[dict]:
    """The partitions' results in task order, from a pool of min(workers, partitions) processes
    (or the Dask cluster of an `on_cluster` block); progress(result[count]) as each completes.
    `weights`: each task's expected work; the heaviest start first, so that a large partition
    left to the end does not keep one worker busy while the others wait (a county's three
    10,000-student schools come last in code order)."""
    done: dict[int, dict] = {}
    order: Sequence[int] = range(partitions)
    if weights is not None:
        tasks = list(tasks)
        order = sorted(range(len(tasks)), key=lambda i: -weights[i])
        tasks = [tasks[i] for i in order]

    def collect(executor: Executor, in_flight: int) -> None:
        for j, got in run_bounded(executor, fn, tasks, in_flight=in_flight):
            done[order[j]] = got
            if progress:
                progress(got[count])

    try:
        if _CLUSTER:
            with cluster_executor(_CLUSTER["address"], _CLUSTER["workers"]) as (executor, threads):
                collect(executor, 2 * threads)
            return [done[i] for i in sorted(done)]
        executor = make_executor(min(workers, partitions))
        try:
            collect(executor, 2 * workers)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    except Exception as err:
        if not _worker_died(err):
            raise
        raise RenderError(
            f"有工作进程意外退出（可能是内存不足或被终止）：已完成 {len(done)} 个分区、共 {partitions} 个；"
            "已完成分区的文件是完整的，但没有写 manifest.json。请减少 --workers 后重新生成。"
            f"（{type(err).__name__}）"
        ) from err
    return [done[i] for i in sorted(done)]


class ChildTraceback(Exception):
    """Where an error raised in a `beside` process came from (its traceback, as text)."""


@contextmanager
def beside(fn: Callable[[], object], fork: bool) -> Iterator[None]:
    """fn() beside the block (its result is dropped): with `fork` (where forks_here) in a forked process while the block
    runs, which inherits what fn needs instead of receiving it pickled; otherwise in this process
    after the block. fn's error is raised after the block, as the same exception (or, if it
    cannot be sent, a RenderError with its type and text); an error in the block, or while
    waiting, ends the forked process first. The forked process also ends if this one is killed."""
    if not (fork and forks_here()):
        yield
        fn()
        return
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()  # else text this process has not written yet could be written twice
    sys.stderr.flush()
    # Signals wait until the child is inside its try (it must never run the parent's block).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_fd)
            _die_with(parent)
            _forked()
            fn()
            status = 0
        except BaseException as exc:  # noqa: BLE001 (sent to the parent, raised there)
            _send_error(write_fd, exc)
        finally:
            os._exit(status)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    os.close(write_fd)
    pipe = os.fdopen(read_fd, "rb")
    try:
        yield
        sent = pipe.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:
        _end(pid)
        raise
    finally:
        pipe.close()
    if sent:
        try:
            error, where = pickle.loads(sent)
        except Exception:  # cut short (the process was killed while sending) or not loadable
            raise RenderError(
                f"并行写文件的进程出错，错误信息无法读出（状态 {status}），请用 --workers 1 重新生成。"
            ) from None
        raise error from ChildTraceback(where)
    if status != 0:
        raise RenderError(f"并行写文件的进程意外退出（状态 {status}），请用 --workers 1 重新生成。")


def _die_with(parent: int) -> None:
    """Linux: this (forked) process is killed when its parent dies (prctl PR_SET_PDEATHSIG), so
    it does not go on writing after the command was ended; ended at once if that already
    happened."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not glibc/musl: the parent still kills it on errors
        pass
    if os.getppid() != parent:
        os._exit(1)


def _end(pid: int) -> None:
    """Kill a `beside` process and reap it."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _send_error(fd: int, exc: BaseException) -> None:
    where = "".join(traceback.format_exception(exc))
    try:
        data = pickle.dumps((exc, where))
        pickle.loads(data)  # an exception whose class cannot be rebuilt from its args
    except Exception:  # one that does not pickle, or not back: its type and text
        data = pickle.dumps((RenderError(f"{type(exc).__name__}：{exc}"), where))
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)


def _worker_died(err: BaseException) -> bool:
    """A process of the local pool or a Dask worker died under a partition (not a Python error
    raised by the partition itself, which is re-raised as it is)."""
    if isinstance(err, BrokenProcessPool):
        return True
    return type(err).__name__ == "KilledWorker"  # distributed's; the import is optional
