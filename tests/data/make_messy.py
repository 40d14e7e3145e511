"""Writes tests/data/messy/: real-world-shaped input files that must all import cleanly.

Run `python tests/data/make_messy.py` after changing it; the files are committed.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from builders import CHILD_A, HEAD_A, HEAD_B, HEAD_C, REGIONS, WIFE_A, make_id, write_csv  # noqa: E402

OUT = HERE / "messy"
X_ID = next(make_id("20110707", s) for s in range(1, 500) if make_id("20110707", s).endswith("X"))


def _fixed(wb: Workbook) -> None:
    wb.properties.created = dt.datetime(2023, 1, 1)
    wb.properties.modified = dt.datetime(2023, 1, 1)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    # 1. A GBK CSV exported by an old system, with a trailing blank line.
    write_csv(OUT / "01_行政区划_GBK.csv", REGIONS + [[]], encoding="gbk")

    # 2. A hand-made sheet: merged title row, a units row in the header, blank rows, spaces.
    wb = Workbook()
    ws = wb.active
    ws.title = "户信息"
    ws["A1"] = "青山县农户基本信息表"
    ws.merge_cells("A1:H1")
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = "填报单位：青山县乡村振兴局    填报日期：2023年9月"
    ws.merge_cells("A2:H2")
    ws.append(
        [
            "户编号*",
            "村区划代码*",
            " 户主姓名 ",
            "户主证件号码*",
            "户类型*",
            "监测类型",
            "家庭年人均纯收入（元）",
            "联系电话",
        ]
    )
    ws.append(["H001", "411599101201", "张大山", HEAD_A, "脱贫户", None, "9,800", "138 0000 1111"])
    ws.append([None] * 8)
    ws.append(["H002", 411599102201, "李二河", HEAD_B, "监测户", "边缘易致贫户", 7100, None])
    ws.append(["H003", "411599102202", "王小川", HEAD_C, "一般农户", "", "12000元", "0376-5551234"])
    ws.append([None] * 8)
    _fixed(wb)
    wb.save(OUT / "02_户信息_合并标题与空行.xlsx")

    # 3. Persons: Excel date cells, every date spelling, a lowercase x, 出生日期 left empty.
    wb = Workbook()
    ws = wb.active
    ws.title = "人员信息"
    ws.append(["证件号码", "户编号", "姓名", "与户主关系", "出生日期", "参加城乡居民基本医疗保险"])
    ws.append([HEAD_A, "H001", "张大山", "户主", dt.datetime(1975, 3, 4), "是"])
    ws.append([WIFE_A, "H001", "刘秀英", "配偶", "1978/5/12", "Y"])
    ws.append([CHILD_A, "H001", "张小明", "子", "2010年9月1日", "1"])
    ws.append([HEAD_B, "H002", "李二河", "户主", "1968.1.1", "√"])
    ws.append([X_ID.lower(), "H002", "李小果", "女", None, "否"])
    ws.append([HEAD_C, "H003", "王小川", "户主", None, "N"])
    ws["E2"].number_format = "yyyy年m月d日"
    _fixed(wb)
    wb.save(OUT / "03_人员信息_日期与小写x.xlsx")

    # 4. A UTF-8 CSV with BOM (what Excel writes as "CSV UTF-8"), √/空 booleans, English headers.
    write_csv(
        OUT / "04_学校_BOM.csv",
        [["school_code", "name", "region_code", "stage", "national_nutrition", "tuition"],
         ["S01", "城关镇第一初级中学", "411599101", "初中", "", ""],
         ["S02", "青山县第一高级中学", "411599101", "普通高中", "", "1,600"]],
        encoding="utf-8-sig",
    )  # fmt: skip
    write_csv(
        OUT / "05_学生.csv",
        [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级", "寄宿生", "家庭经济困难"],
         ["G001", "张小明", CHILD_A, "S01", "初中", "七年级", "√", "是"],
         ["G002", "李小果", X_ID.lower(), "S01", "初中", "七年级", "", "Y"]],
        encoding="gbk",
    )  # fmt: skip


if __name__ == "__main__":
    main()
