"""Document batches on a county-size dataset: cards, monitor sheets, the quarterly self-check.

    python benchmarks/bench_documents.py                     # 500,000 persons, 150,000 students
    python benchmarks/bench_documents.py --persons 100000 --students 30000
    python benchmarks/bench_documents.py --only monitor selfcheck
    python benchmarks/bench_documents.py --only pg           # cards on a throwaway PostgreSQL

Generates the workbooks once (data_examples/generate.py: generate_large; 20,000 monitored
households and 2,000 projects at the default size) under benchmarks/_work/ (shared with
bench_import.py), imports them once into an SQLite database there, then runs, each in a fresh
subprocess, and prints records, seconds, ms/record, peak RSS of the parent and of the largest
worker (ru_maxrss of RUSAGE_SELF and RUSAGE_CHILDREN) and the speed-up against the first worker
count:

- cards:     `reportgen card --county --workers N` for each N in --workers;
- monitor:   `reportgen monitor-sheet --county --workers N` for each N (monitored households);
- selfcheck: `reportgen selfcheck --quarter 2023Q3 --workers N` for each N (townships in
             partitions; records = findings);
- aidnotice: `reportgen aid-notice --county --workers N` (the latest term's letters, one school per
             partition, and the summary workbook written by the parent);
- pg:        a throwaway PostgreSQL server (tests/pgserver.py: initdb + pg_ctl on 127.0.0.1, as
             the postgres user when run as root), the same import into it (timed), then cards,
             monitor sheets and the self-check against `--db postgresql+psycopg://…`; the server
             is removed afterwards;
- cluster:   cards and monitor sheets through Dask distributed (`reportgen[cluster]`): a
             LocalCluster (`--cluster local --workers N`) and a scheduler with N workers started
             as separate processes on 127.0.0.1 (`--cluster tcp://127.0.0.1:PORT`); the times
             include connecting, and for `local` starting the cluster;
- pdf:       cards with `--pdf` (LibreOffice in each worker) for one township (`--township`,
             default 第1乡镇), for each N; ms/rec is per card page, conversion included.

Figures, not asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work"
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_import import dataset  # noqa: E402  (the same cached county-size workbooks)

PARTS = ("cards", "monitor", "selfcheck", "aidnotice", "pg", "cluster", "pdf")

IMPORT_CHILD = """
import json, resource, sys, time
from reportgen.dataset.importer import import_paths
from reportgen.dataset.store import Dataset
ds = Dataset.open(sys.argv[2], create=True)
start = time.perf_counter()
result = import_paths(ds, [sys.argv[1]])
print(json.dumps({"rows": result.total_rows, "seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# argv: db URL, workspace, output folder, then the command's own arguments (without --out).
RUN_CHILD = """
import json, resource, sys, time
from pathlib import Path
from reportgen.cli import cli
out = Path(sys.argv[3])
start = time.perf_counter()
try:
    cli.main(["-q", "--db", sys.argv[1], "--workspace", sys.argv[2], *sys.argv[4:],
              "--out", str(out)], standalone_mode=False)
finally:
    seconds = time.perf_counter() - start
manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
docx = [o for o in manifest["outputs"] if o["kind"] == "docx"]
xlsx = [o for o in manifest["outputs"] if o["kind"] == "xlsx"]
print(json.dumps({
    "records": sum(o["records"] for o in docx), "files": len(docx),
    "xlsx_records": sum(o["records"] for o in xlsx), "seconds": seconds,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "bytes": sum(o["size"] for o in manifest["outputs"]),
}))
"""


def child(code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "REPORTGEN_TODAY": "2023-09-02"},
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_into(folder: Path, url: str) -> None:
    r = child(IMPORT_CHILD, str(folder), url)
    print(f"imported {r['rows']} rows in {r['seconds']:.0f} s (peak {r['peak_mb']:.0f} MB)")


def imported(folder: Path) -> Path:
    """The dataset imported once into benchmarks/_work/<folder>.db (reused on later runs)."""
    db = WORK / f"{folder.name}.db"
    done = db.with_suffix(".db.done")
    if not done.exists():
        db.unlink(missing_ok=True)
        import_into(folder, "sqlite:///" + str(db))
        done.write_text("ok")
    return db


def header(title: str, unit: str) -> None:
    print(f"\n{title}")
    head = f"{'workers':>8}{unit:>9}{'files':>7}{'seconds':>10}{'ms/rec':>9}"
    print(head + f"{'parent MB':>11}{'worker MB':>11}{'output MB':>11}{'speed-up':>10}")


def series(
    name: str,
    url: str,
    ws: Path,
    args: list[str],
    workers: list[int],
    keep: bool,
    unit: str,
    extra=lambda n: [],
    count: str = "records",
) -> None:
    """One command for each worker count (`extra(n)`: more arguments); speed-up against the first;
    `count`: what a record is, the docx records or the xlsx rows ("xlsx_records")."""
    header(name, unit)
    base = None
    for n in workers:
        out = WORK / f"{name.split()[0]}_out_{n}"
        shutil.rmtree(out, ignore_errors=True)
        r = child(RUN_CHILD, url, str(ws), str(out), *args, "--workers", str(n), *extra(n))
        base = base or r["seconds"]
        external = "tcp://" in " ".join(extra(n))  # its workers are not this run's children
        worker = f"{r['worker_mb']:>11.0f}" if n > 1 and not external else f"{'–':>11}"
        print(
            f"{n:>8}{r[count]:>9}{r['files']:>7}{r['seconds']:>10.1f}"
            f"{r['seconds'] * 1000 / max(r[count], 1):>9.2f}{r['peak_mb']:>11.0f}"
            f"{worker}{r['bytes'] / 1e6:>11.1f}{base / r['seconds']:>9.2f}×"
        )
        if not keep:
            shutil.rmtree(out, ignore_errors=True)


def selfcheck(url: str, ws: Path, workers: list[int], keep: bool, where: str = "") -> None:
    """The county's quarterly self-check for each worker count (records = findings; files = the
    report; the problem list is the xlsx). Re-running replaces the stored run of the same quarter,
    so every run sees the same database."""
    series(f"selfcheck --quarter 2023Q3{where} (as of 2023-09-02)", url, ws,
           ["selfcheck", "--quarter", "2023Q3"], workers, keep, "findings", count="xlsx_records")  # fmt: skip


def on_postgres(folder: Path, ws: Path, workers: list[int], keep: bool) -> None:
    """A throwaway server (as the tests make one), the import into it, the cards run on it."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import ThrowawayCluster, Unavailable, server_bindir

    bindir = server_bindir()
    if bindir is None:
        print("\npg: no PostgreSQL server binaries (initdb) on this machine; skipped")
        return
    cluster = ThrowawayCluster(bindir)
    try:
        try:
            url = cluster.start()
        except Unavailable as exc:
            print(f"\npg: cannot start a server: {exc}; skipped")
            return
        version = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        print(f"\npg: throwaway server ({version}) on 127.0.0.1:{cluster.port}")
        import_into(folder, url)
        series("cards on PostgreSQL", url, ws, ["card", "--county", "--year", "2023"],
               workers, keep, "cards")  # fmt: skip
        series("monitor sheets on PostgreSQL", url, ws, ["monitor-sheet", "--county"],
               workers, keep, "homes")  # fmt: skip
        selfcheck(url, ws, workers, keep, " on PostgreSQL")
    finally:
        cluster.stop()


def on_dask(url: str, ws: Path, workers: list[int], keep: bool) -> None:
    """Cards and monitor sheets on a LocalCluster and on a scheduler + workers as processes."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        print(
            "\ncluster: Dask distributed is not installed (pip install 'reportgen[cluster]'); skipped"
        )
        return
    jobs = [("cards", ["card", "--county", "--year", "2023"], "cards"),
            ("monitor", ["monitor-sheet", "--county"], "homes")]  # fmt: skip
    for name, args, unit in jobs:
        series(f"{name} on --cluster local", url, ws, args, workers, keep, unit,
               extra=lambda n: ["--cluster", "local"])  # fmt: skip
    for n in workers:
        with dask_processes(n) as address:
            for name, args, unit in jobs:
                series(f"{name} on --cluster {address} ({n} worker processes)", url, ws, args,
                       [n], keep, unit, extra=lambda n: ["--cluster", address])  # fmt: skip


class dask_processes:
    """`dask scheduler` and `n` `dask worker` processes (one thread each) on 127.0.0.1."""

    def __init__(self, n: int):
        self.n, self.procs = n, []

    def __enter__(self) -> str:
        import socket
        import time

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        address = f"tcp://127.0.0.1:{port}"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": "/"}
        cli = [sys.executable, "-m", "distributed.cli.dask_"]
        self.procs.append(subprocess.Popen([*cli[:-1], cli[-1] + "scheduler", "--host", "127.0.0.1",
                                            "--port", str(port), "--no-dashboard"], **quiet))  # fmt: skip
        for _ in range(self.n):
            self.procs.append(subprocess.Popen([*cli[:-1], cli[-1] + "worker", address, "--nthreads", "1",
                                                "--no-dashboard"], **quiet))  # fmt: skip
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(self.n, timeout=60)
        time.sleep(0.5)
        return address

    def __exit__(self, *exc) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            p.wait(timeout=30)


def with_pdf(url: str, ws: Path, township: str, workers: list[int], keep: bool) -> None:
    """Cards of one township with --pdf: LibreOffice converts each school's print file."""
    sys.path.insert(0, str(ROOT))
    from reportgen.engine.pdf import find_soffice

    if find_soffice() is None:
        print("\npdf: LibreOffice (soffice) is not installed; skipped")
        return
    series(f"cards --township {township} --pdf", url, ws,
           ["card", "--township", township, "--year", "2023", "--pdf"], workers, keep, "cards")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--students", type=int, default=150_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=["cards", "monitor", "selfcheck"],
        help="which parts to run (default: cards monitor selfcheck; pg starts a PostgreSQL server)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the output folders")
    parser.add_argument("--township", default="第1乡镇", help="the township of the pdf part")
    args = parser.parse_args()
    folder = dataset(args.persons, args.students)
    db = imported(folder)
    url = "sqlite:///" + str(db)
    ws = WORK / "cards_ws"
    ws.mkdir(parents=True, exist_ok=True)
    print(f"cpus: {os.cpu_count()}; dataset: {folder.name}")
    if "cards" in args.only:
        card = ["card", "--county", "--year", "2023"]
        series("cards", url, ws, card, args.workers, args.keep, "cards")
    if "monitor" in args.only:
        sheet = ["monitor-sheet", "--county"]
        series("monitor sheets", url, ws, sheet, args.workers, args.keep, "homes")
    if "selfcheck" in args.only:
        selfcheck(url, ws, args.workers, args.keep)
    if "aidnotice" in args.only:
        letters = ["aid-notice", "--county"]
        series("aid-notice letters", url, ws, letters, args.workers, args.keep, "letters")
    if "pg" in args.only:
        on_postgres(folder, ws, args.workers, args.keep)
    if "cluster" in args.only:
        on_dask(url, ws, args.workers, args.keep)
    if "pdf" in args.only:
        with_pdf(url, ws, args.township, args.workers, args.keep)


if __name__ == "__main__":
    main()
