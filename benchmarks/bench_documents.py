"""Document batches on a county-size dataset: `reportgen card --county` with 1 and 2 workers.

    python benchmarks/bench_documents.py                     # 500,000 persons, 150,000 students
    python benchmarks/bench_documents.py --persons 100000 --students 30000

Generates the workbooks once (data_examples/generate.py: generate_large) under benchmarks/_work/
(shared with bench_import.py), imports them once into an SQLite database there, then runs
`reportgen card --county --workers N` for each N in a fresh subprocess and prints cards, seconds,
ms/card, peak RSS of the parent and of the largest worker (ru_maxrss of RUSAGE_SELF and
RUSAGE_CHILDREN) and the speed-up against 1 worker. Figures, not asserts.
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

IMPORT_CHILD = """
import json, resource, sys, time
from reportgen.dataset.importer import import_paths
from reportgen.dataset.store import Dataset
ds = Dataset.open("sqlite:///" + sys.argv[2], create=True)
start = time.perf_counter()
result = import_paths(ds, [sys.argv[1]])
print(json.dumps({"rows": result.total_rows, "seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CARD_CHILD = """
import json, resource, sys, time
from pathlib import Path
from reportgen.cli import cli
out = Path(sys.argv[3])
start = time.perf_counter()
try:
    cli.main(["-q", "--db", sys.argv[1], "--workspace", sys.argv[2], "card", "--county",
              "--year", "2023", "--out", str(out), "--workers", sys.argv[4]],
             standalone_mode=False)
finally:
    seconds = time.perf_counter() - start
manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
docx = [o for o in manifest["outputs"] if o["kind"] == "docx"]
print(json.dumps({
    "cards": sum(o["records"] for o in docx), "files": len(docx), "seconds": seconds,
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


def imported(folder: Path) -> Path:
    """The dataset imported once into benchmarks/_work/<folder>.db (reused on later runs)."""
    db = WORK / f"{folder.name}.db"
    done = db.with_suffix(".db.done")
    if not done.exists():
        db.unlink(missing_ok=True)
        r = child(IMPORT_CHILD, str(folder), str(db))
        done.write_text("ok")
        print(f"imported {r['rows']} rows in {r['seconds']:.0f} s (peak {r['peak_mb']:.0f} MB)")
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--students", type=int, default=150_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", action="store_true", help="keep the output folders")
    args = parser.parse_args()
    folder = dataset(args.persons, args.students)
    db = imported(folder)
    ws = WORK / "cards_ws"
    ws.mkdir(parents=True, exist_ok=True)
    print(f"cpus: {os.cpu_count()}; dataset: {folder.name}")
    head = f"{'workers':>8}{'cards':>9}{'files':>7}{'seconds':>10}{'ms/card':>9}"
    print(head + f"{'parent MB':>11}{'worker MB':>11}{'output MB':>11}{'speed-up':>10}")
    base = None
    for n in args.workers:
        out = WORK / f"cards_out_{n}"
        shutil.rmtree(out, ignore_errors=True)
        r = child(CARD_CHILD, str(db), str(ws), str(out), str(n))
        base = base or r["seconds"]
        print(
            f"{n:>8}{r['cards']:>9}{r['files']:>7}{r['seconds']:>10.1f}"
            f"{r['seconds'] * 1000 / max(r['cards'], 1):>9.2f}{r['peak_mb']:>11.0f}"
            f"{r['worker_mb']:>11.0f}{r['bytes'] / 1e6:>11.0f}{base / r['seconds']:>9.2f}×"
        )
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
