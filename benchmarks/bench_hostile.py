"""Resource bombs of issue 17: how long `reportgen import` takes to refuse each, and its peak memory.

    python benchmarks/bench_hostile.py                  # every bomb at the size of the issue
    python benchmarks/bench_hostile.py --only huge_cell --scale 0.1

Each bomb is written by tests/data/hostile/make_hostile.py into a temporary folder, then imported
(the library import_paths, into a new SQLite database) in a fresh child process, so that the peak
RSS (ru_maxrss) is the import's own; the child runs under a 4 GB address-space cap so that a
regression fails instead of swapping; peak memory is the child's VmHWM. `baseline` is a valid
tiny county: the floor the other figures stand on. Prints seconds, peak MB and the message; figures, not asserts
(docs/导入格式.md “文件限制” quotes them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "data" / "hostile"))

import make_hostile  # noqa: E402

# What each bomb is, as the issue measured it before the limits.
BOMBS = {
    "baseline": "有效的小县数据（tests/builders.tiny_county，两个工作簿，对照）",
    "empty_rows": "10 亿个空 <row/>（6 GB XML；此前超过 5 分钟）",
    "empty_rows_stored": "1000 万个空 <row/>，不压缩（60 MB；逐行计数到第 1,048,577 行）",
    "huge_cell": "一个 512 MB 的单元格（压缩后 512 KB；此前数据库 1 GB、内存 2.1 GB）",
    "huge_cell_stored": "一个 64 MB 的单元格，不压缩（逐字节计数）",
    "shared_strings": "2000 万条共享字符串（此前耗尽 4 GB 内存）",
    "dimension": "维度与单元格为 FZZZZZ2 的 2 KB 工作表（此前 1.4 GB）",
    "wide_row": "每行 16,385 个单元格",
    "declared_size": "声明解压后 4 GB 的工作表",
    "many_cells": "4500 万个空单元格，不压缩（逐个计数到第 40,000,001 个）",
}

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
from reportgen.dataset.importer import import_paths
from reportgen.dataset.store import Dataset
from reportgen.errors import ReportgenError
ds = Dataset.open("sqlite:///" + sys.argv[2], create=True)
start = time.perf_counter()
try:
    import_paths(ds, [sys.argv[1]])
    outcome = "导入成功"
except ReportgenError as err:
    problems = getattr(err, "problems", None)
    outcome = problems[0].problem if problems else err.message
seconds = time.perf_counter() - start
try:  # VmHWM: this process's own peak (ru_maxrss would include the parent's, kept across exec)
    with open("/proc/self/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "outcome": outcome, "peak_mb": peak}))
"""


def build(kind: str, folder: Path, scale: float) -> Path:
    if kind == "baseline":
        return make_hostile.tiny_county(folder / "tiny")
    if kind == "empty_rows_stored":
        path = folder / "empty_rows_stored.xlsx"
        rows = b"<row/>" * int(10_000_000 * scale)
        xml = (
            f'<worksheet xmlns="{make_hostile.MAIN}"><sheetData>'.encode()
            + rows
            + b"</sheetData></worksheet>"
        )
        return make_hostile.write_zip(
            path, make_hostile.workbook_parts({"户信息": xml}), zipfile.ZIP_STORED
        )
    if kind == "huge_cell_stored":
        big = "a" * int((64 << 20) * scale)
        xml = make_hostile.sheet_xml(
            make_hostile.ROWS, {"C3": f'<c r="C3" t="inlineStr"><is><t>{big}</t></is></c>'}
        )
        return make_hostile.write_zip(folder / "huge_cell_stored.xlsx", make_hostile.workbook_parts({"户信息": xml}), zipfile.ZIP_STORED)  # fmt: skip
    scale = scale * (0.01 if kind == "wide_row" else 0.9 if kind == "many_cells" else 1)
    return make_hostile.bomb(kind, folder, scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BOMBS), help="just these bombs")
    parser.add_argument("--scale", type=float, default=1.0, help="bomb size (1 = as in the issue)")
    args = parser.parse_args()
    print(f"{'bomb':<18}{'file':>10}{'build s':>9}{'refusal s':>11}{'peak MB':>9}  message")
    for kind in args.only or BOMBS:
        with tempfile.TemporaryDirectory(prefix="bench_hostile_") as tmp:
            folder = Path(tmp)
            t = time.perf_counter()
            path = build(kind, folder, args.scale)
            built = time.perf_counter() - t
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(folder / "bench.db")],
                capture_output=True, text=True, timeout=900, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                print(f"{kind:<18} child failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            files = [path] if path.is_file() else list(path.iterdir())
            size = sum(f.stat().st_size for f in files)
            shown = f"{size / (1 << 20):.1f} MB" if size >= 1 << 20 else f"{size / 1024:.0f} KB"
            print(
                f"{kind:<18}{shown:>10}{built:>9.1f}{r['seconds']:>11.2f}{r['peak_mb']:>9.0f}  {r['outcome'][:70]}"
            )
            print(f"{'':<18}{BOMBS[kind]}")
    print("(peak = VmHWM of the import process, Python and reportgen included)")


if __name__ == "__main__":
    main()
