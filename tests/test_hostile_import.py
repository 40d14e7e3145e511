"""Hostile and careless input at import (issue 17): nothing wrong is ever stored.

Dates with a time part as spreadsheets write them keep their day; control characters, amounts
beyond their column and a second import running at once are refused with the cell (or the
reason) named, a documented exit code, and the database unchanged. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from builders import (
    HEAD_A,
    HOUSEHOLDS,
    db_execute,
    db_rows,
    db_snapshot,
    db_url,
    expect_refused,
    write_csv,
)

from reportgen.dataset import importer
from reportgen.dataset.store import Dataset

# Every date+time form a spreadsheet writes to CSV (Excel's one-digit hour above all), and
# the day each must keep. The first three were stored as 2023-09-02 / 09-01 / 10-01 before.
DATETIMES = [
    ("2023/9/21 9:05", dt.date(2023, 9, 21)),
    ("2023-09-11 8:30", dt.date(2023, 9, 11)),
    ("2023/10/12 9:41:00", dt.date(2023, 10, 12)),
    ("2023-09-01 8:30", dt.date(2023, 9, 1)),
    ("2023-09-11 08:30:00", dt.date(2023, 9, 11)),
    ("2023-09-11T08:30:00", dt.date(2023, 9, 11)),
    ("2023-09-11T08:30:00.000+08:00", dt.date(2023, 9, 11)),
    ("2023-09-11 08:30:00.123456", dt.date(2023, 9, 11)),
    ("2023/9/21 上午 9:05", dt.date(2023, 9, 21)),
    ("2023/9/21 9:05 PM", dt.date(2023, 9, 21)),
    ("2023年9月21日 9:05", dt.date(2023, 9, 21)),
    ("2023年9月21日 9时05分", dt.date(2023, 9, 21)),
    ("2023.9.21 23:59:59", dt.date(2023, 9, 21)),
    ("2023-9-1 0:00", dt.date(2023, 9, 1)),
]


@pytest.mark.parametrize("text, day", DATETIMES, ids=[t for t, _ in DATETIMES])
def test_csv_datetimes_keep_their_day(run, imported, workspace, text, day):
    path = write_csv(
        workspace / "监测帮扶.csv",
        [["户编号", "程序类型", "风险发现日期", "入户核实日期"], ["H002", "识别纳入", text, text]],
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert db_rows(
        workspace,
        "select found_on, verified_on from monitoring_procedures where household_id='H002'",
    ) == [(day.isoformat(), day.isoformat())]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2023-09-01 25:00", "日期后的时间不正确"),
        ("2023/9/21 13:05 PM", "日期后的时间不正确"),
        ("2023-02-30 8:00", "日期不存在"),
        ("2023-09-01 8", "应为日期"),
    ],
)
def test_impossible_datetimes_are_refused_with_their_cell(run, imported, workspace, text, reason):
    path = write_csv(
        workspace / "监测帮扶.csv",
        [["户编号", "程序类型", "风险发现日期"], ["H002", "识别纳入", text]],
    )
    expect_refused(
        run, workspace, path, f"监测帮扶.csv / 监测帮扶 / 第2行 / 风险发现日期: {reason}"
    )


@pytest.mark.parametrize("char", ["\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85"])
def test_control_characters_are_refused_with_their_cell(run, imported, workspace, char):
    rows = [r[:] for r in HOUSEHOLDS[:2]]
    rows[1][2] = f"张{char}大山"
    path = write_csv(workspace / "户信息.csv", rows)
    code = f"\\x{ord(char):02x}"
    expect_refused(
        run, workspace, path,
        f"户信息.csv / 户信息 / 第2行 / 户主姓名: 含有看不见的控制字符 {code}（第 2 个字符）",
    )  # fmt: skip


def test_control_characters_in_unrecognised_columns_are_refused_too(run, imported, workspace):
    rows = [HOUSEHOLDS[0] + ["备注"], HOUSEHOLDS[1] + ["见\x1b[31m附件"]]
    path = write_csv(workspace / "户信息.csv", rows)
    expect_refused(
        run, workspace, path, "户信息.csv / 户信息 / 第2行 / 备注: 含有看不见的控制字符 \\x1b"
    )


def test_tabs_and_newlines_in_text_are_kept_as_spaces(run, imported, workspace):
    rows = [r[:] for r in HOUSEHOLDS[:2]]
    rows[1][2] = "张\t大山\n"
    result = run("import", str(write_csv(workspace / "户信息.csv", rows)))
    assert result.exit_code == 0, result.output
    assert db_rows(workspace, "select head_name from households where household_id='H001'") == [
        ("张 大山",)
    ]


def test_unrecognised_columns_are_kept_whole(run, imported, workspace):
    note = "帮扶干部备注：" + "按月走访，" * 30  # well over the 60 characters a message shows
    rows = [HOUSEHOLDS[0] + ["备注"], HOUSEHOLDS[1] + [note]]
    result = run("import", str(write_csv(workspace / "户信息.csv", rows)))
    assert result.exit_code == 0, result.output
    [(extra,)] = db_rows(workspace, "select extra from households where household_id='H001'")
    assert note in extra


@pytest.mark.parametrize(
    "header, value, reason",
    [
        ("家庭年人均纯收入", "123456789012345678.99", "数值过大（整数部分最多 12 位）"),
        ("家庭年人均纯收入", "1e30", "数值过大（整数部分最多 12 位）"),
        ("家庭年人均纯收入", "1000000000000", "数值过大（整数部分最多 12 位）"),
        ("住房面积", "10000000000", "数值过大（整数部分最多 10 位）"),
    ],
)
def test_amounts_beyond_their_column_are_refused(run, imported, workspace, header, value, reason):
    rows = [
        HOUSEHOLDS[0][:4] + ["户类型", header],
        ["H001", "411599101201", "张大山", HEAD_A, "脱贫户", value],
    ]
    path = write_csv(workspace / "户信息.csv", rows)
    expect_refused(
        run, workspace, path, f"户信息.csv / 户信息 / 第2行 / {header}: {reason} ({value}"
    )


def test_largest_amount_that_fits_is_stored_exactly(run, imported, workspace):
    rows = [
        HOUSEHOLDS[0][:5] + ["家庭年人均纯收入"],
        ["H001", "411599101201", "张大山", HEAD_A, "脱贫户", "999999999999.99"],
    ]
    result = run("import", str(write_csv(workspace / "户信息.csv", rows)))
    assert result.exit_code == 0, result.output
    [(value,)] = db_rows(
        workspace,
        "select cast(income_per_capita as text) from households where household_id='H001'",
    )
    assert value in ("999999999999.99", "999999999999.990")


def _hold_import_lock(workspace, release: threading.Event, held: threading.Event):
    dataset = open_dataset_for(workspace)
    try:
        with dataset.exclusive("import", 5):
            held.set()
            release.wait(30)
    finally:
        dataset.dispose()


def open_dataset_for(workspace):
    return Dataset.open(db_url(workspace))


def test_a_second_import_waits_then_says_one_is_running(run, imported, workspace, monkeypatch):
    monkeypatch.setattr(importer, "IMPORT_WAIT_SECONDS", 0.5)
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_import_lock, args=(workspace, release, held))
    holder.start()
    try:
        assert held.wait(10)
        before = db_snapshot(workspace)
        result = run("import", str(write_csv(workspace / "户信息.csv", HOUSEHOLDS)))
        assert result.exit_code == 10, result.output
        assert "另一个导入正在进行" in result.stderr
        assert "另一个 reportgen 进程正在导入数据" in result.stderr
        assert db_snapshot(workspace) == before
    finally:
        release.set()
        holder.join()


def test_a_second_import_runs_once_the_first_is_done(run, imported, workspace, monkeypatch):
    monkeypatch.setattr(importer, "IMPORT_WAIT_SECONDS", 30)
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_import_lock, args=(workspace, release, held))
    holder.start()
    try:
        assert held.wait(10)
        threading.Timer(0.5, release.set).start()
        result = run("import", str(write_csv(workspace / "户信息.csv", HOUSEHOLDS)))
        assert result.exit_code == 0, result.output
        assert "另一个导入正在进行" in result.stderr
        assert db_rows(workspace, "select max(id) from imports") == [(2,)]
    finally:
        release.set()
        holder.join()


def test_files_of_a_folder_that_are_not_imported_are_listed(run, imported, workspace):
    folder = workspace / "数据"
    write_csv(folder / "户信息.csv", HOUSEHOLDS)
    (folder / "旧表.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "乡镇报表.et").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "说明.docx").write_bytes(b"PK")
    (folder / "~$户信息.xlsx").write_bytes(b"")
    result = run("import", str(folder))
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines() if "已跳过文件" in line]
    assert lines == [
        "已跳过文件：数据/~$户信息.xlsx（Excel/WPS 打开文件时的临时文件，未导入）",
        "已跳过文件：数据/乡镇报表.et（WPS 表格文件（.et），未导入：请在 WPS 中“另存为” .xlsx）",
        "已跳过文件：数据/旧表.xls（旧版 Excel 文件（.xls），未导入：请在 Excel/WPS 中“另存为” .xlsx）",
        "已跳过文件：数据/说明.docx（不是 .xlsx 或 .csv 数据文件，未导入）",
    ]


def test_export_refuses_a_cell_excel_would_cut(run, imported, workspace):
    # The import bounds cells at 32,767 characters; a value written by other means is refused at
    # export, naming the record, instead of being cut without a word.
    db_execute(
        workspace,
        f"update households set head_name = '{'长' * 32_768}' where household_id = 'H001'",
    )
    result = run("data", "export", "备份.xlsx")
    assert result.exit_code == 4, result.output
    assert (
        "无法导出：户信息 H001 的“户主姓名”有 32768 个字符，超过 Excel 单元格上限 32767"
        in result.stderr
    )
    assert not (workspace / "备份.xlsx").exists()
    assert not list(workspace.glob(".~*.xlsx"))  # no half-written file left
    db_execute(
        workspace,
        f"update households set head_name = '{'长' * 32_767}' where household_id = 'H001'",
    )
    assert run("data", "export", "备份.xlsx").exit_code == 0
