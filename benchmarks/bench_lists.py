"""Time a 150,000-row list workbook (engine/xlsx_list.write_table_workbook): the per-row work of
the print layout (columns widened for IDs, phones, 户编号 and dates; wrapped rows' heights) on a
roster of the county's size. Prints min and median of three runs.

    python benchmarks/bench_lists.py [label]
"""

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from reportgen.engine.xlsx_list import Column, Sheet, write_table_workbook

COLUMNS = [Column("序号", 6, "int"), Column("户编号", 8), Column("姓名", 8), Column("证件号码", 20),
           Column("联系电话", 14), Column("日期", 12, "cndate"), Column("说明", 30), Column("金额", 12, "money")]  # fmt: skip


def main() -> None:
    rows = [[i, f"H{i:06d}", "王建国", f"41152120080118{i % 10000:04d}", "0376-5550317", dt.date(2023, 9, 1 + i % 28),
             "家庭年人均纯收入低于监测线，需要重点关注并落实帮扶措施" if i % 3 == 0 else "无", 1234.5]
            for i in range(150_000)]  # fmt: skip
    times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as d:
            start = time.perf_counter()
            write_table_workbook(Path(d) / "名单.xlsx", [Sheet("名单", COLUMNS, rows, title="名单")])
            times.append(time.perf_counter() - start)
    label = sys.argv[1] if len(sys.argv) > 1 else "150,000 行名单"
    print(f"{label}：最短 {min(times):.2f} 秒，中位 {sorted(times)[1]:.2f} 秒")


if __name__ == "__main__":
    main()
