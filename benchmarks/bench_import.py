"""Import speed and memory on a county-size dataset, against a bare openpyxl read of the same files.

    python benchmarks/bench_import.py                 # 500,000 persons, 150,000 students
    python benchmarks/bench_import.py --persons 100000 --students 30000

Generates the workbooks once (data_examples/generate.py: generate_large) under benchmarks/_work/,
then, each in a fresh subprocess so that peak memory is its own:
  1. openpyxl read-only: iterate every row of every sheet (the floor a Python xlsx import stands on);
  2. `reportgen import` (parse + validate + store) into a new SQLite database;
and prints rows, seconds, rows/s, peak RSS and the ratio import / openpyxl. Figures, not asserts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work"

OPENPYXL_CHILD = """
import json, resource, sys, time
from pathlib import Path
import openpyxl
start = time.perf_counter(); rows = 0
for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        for _ in ws.iter_rows(values_only=True):
            rows += 1
    wb.close()
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

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


def child(code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def dataset(persons: int, students: int) -> Path:
    folder = WORK / f"county_{persons}_{students}"
    if not (folder / ".done").exists():
        sys.path.insert(0, str(ROOT / "data_examples"))
        from generate import generate_large

        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate_large(folder, persons=persons, students=students)
        (folder / ".done").write_text("ok")
        print(f"generated {folder.name} in {time.perf_counter() - t:.0f} s")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--students", type=int, default=150_000)
    parser.add_argument(
        "--small",
        action="store_true",
        help="also import a 1/5 dataset to show memory does not grow with size",
    )
    args = parser.parse_args()
    sizes = [(args.persons, args.students)]
    if args.small:
        sizes.insert(0, (args.persons // 5, args.students // 5))
    print(f"{'dataset':<26}{'step':<22}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak MB':>10}")
    for persons, students in sizes:
        folder = dataset(persons, students)
        size_mb = sum(p.stat().st_size for p in folder.glob("*.xlsx")) / 1e6
        label = f"{persons // 1000}k persons ({size_mb:.0f} MB)"
        bare = child(OPENPYXL_CHILD, str(folder))
        db = WORK / f"bench_{persons}.db"
        db.unlink(missing_ok=True)
        imp = child(IMPORT_CHILD, str(folder), str(db))
        for name, r in (("openpyxl read-only", bare), ("reportgen import", imp)):
            print(
                f"{label:<26}{name:<22}{r['rows']:>10}{r['seconds']:>10.1f}{r['rows'] / r['seconds']:>10.0f}{r['peak_mb']:>10.0f}"
            )
        print(f"{'':<26}{'import / openpyxl':<22}{imp['seconds'] / bare['seconds']:>30.2f}×")
        db.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
