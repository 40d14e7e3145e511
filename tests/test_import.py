"""reportgen import: every sheet, every kind of validation error with its cell, atomicity, upsert."""

import datetime as dt
import json

import pytest
from builders import (
    CHILD_A,
    HEAD_A,
    HOUSEHOLDS,
    PERSONS,
    REGIONS,
    STUDENTS,
    db_rows,
    db_snapshot,
    expect_refused,
    full_county,
    make_id,
    write_csv,
    write_xlsx,
)
from openpyxl import load_workbook

from reportgen.dataset import sheets as S


def summary(run) -> dict:
    result = run("data", "summary", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_sheet_imported(run, workspace):
    folder = full_county(workspace / "in")
    result = run("import", str(folder))
    assert result.exit_code == 0, result.output
    counts = summary(run)
    assert {k: counts[k] for k in (s.summary_key for s in S.SHEETS)} == {
        "regions": 6, "households": 3, "persons": 6, "schools": 2, "students": 2, "aid_payments": 1,
        "dropout_cases": 1, "persuasions": 1, "home_teaching": 1, "monitoring_procedures": 1,
        "measures": 1, "projects": 1, "project_assets": 1, "welfare_jobs": 1, "loans": 1,
    }  # fmt: skip
    assert sorted(db_rows(workspace, "select village_code from project_places")) == [
        ("411599101201",),
        ("411599102201",),
    ]
    assert db_rows(workspace, "select fund_central from projects")[0][0] == pytest.approx(12.3456)
    # birth date and sex derived from the ID where the sheet left them empty
    assert db_rows(
        workspace, "select birth_date, sex from persons where id_number=:id", id=CHILD_A
    ) == [("2010-09-01", "男")]
    township = {t["name"]: t for t in counts["townships"]}
    assert township["河口乡"]["monitored_households"] == 1 and township["城关镇"]["students"] == 2


def test_import_is_recorded(run, imported, workspace):
    [(files, counts)] = db_rows(workspace, "select files, counts from imports")
    files, counts = json.loads(files), json.loads(counts)
    assert sorted(f["path"].rsplit("/", 1)[-1] for f in files) == ["区划与户.xlsx", "学校学生.xlsx"]
    assert all(len(f["sha256"]) == 64 for f in files)
    assert counts["persons"] == {"added": 6, "updated": 0}


def test_cell_errors_name_file_sheet_row_column_value(run, imported, workspace):
    rows = [r[:] for r in PERSONS]
    rows[1][0] = rows[1][0][:-1] + ("1" if rows[1][0][-1] != "1" else "2")
    rows[2][4] = "2023-13-01"
    rows[3][2] = ""
    rows[4][4] = "1999-01-01"
    rows[5][5] = "壮劳力"
    rows.append([make_id("19900101", 9), "H999", "赵六", "户主", "", "", ""])
    rows.append(rows[6][:])
    write_xlsx(workspace / "bad.xlsx", {"人员信息": rows})
    bad_id = rows[1][0]
    expect_refused(
        run, workspace, workspace / "bad.xlsx",
        f"bad.xlsx / 人员信息 / 第2行 / 证件号码: 身份证号码校验位不正确 ({bad_id})",
        "bad.xlsx / 人员信息 / 第3行 / 出生日期: 日期不存在 (2023-13-01)",
        "bad.xlsx / 人员信息 / 第4行 / 姓名: 必填项为空",
        "bad.xlsx / 人员信息 / 第5行 / 出生日期: 与身份证号码中的出生日期（1968-01-01）不一致 (1999-01-01)",
        "bad.xlsx / 人员信息 / 第6行 / 劳动技能: 应为 普通劳动力/技能劳动力/弱劳动力或半劳动力/丧失劳动力/无劳动力 之一 (壮劳力)",
        "bad.xlsx / 人员信息 / 第8行 / 户编号: 在户信息中（本次导入和已有数据里）都找不到这个户编号 (H999)",
        f"bad.xlsx / 人员信息 / 第9行 / 证件号码: 与第7行重复：同一证件号码只能出现一次 ({rows[6][0]})",
        "发现 7 个问题",
    )  # fmt: skip
    report = load_workbook(workspace / "bad_导入问题清单.xlsx")["导入问题"]
    table = [list(r) for r in report.iter_rows(values_only=True)]
    assert table[0] == ["序号", "文件", "工作表", "行", "列", "问题", "值"]
    assert len(table) == 8
    assert table[1][1:5] == ["bad.xlsx", "人员信息", 2, "证件号码"]


def test_other_validations(run, imported, workspace):
    households = [r[:] for r in HOUSEHOLDS]
    households[1][5] = ""  # fine: 脱贫户 without 监测类型
    households.append(
        ["H004", "411599102202", "周五", make_id("19700101", 11), "监测户", "", "", 5000]
    )
    households.append(
        ["H005", "411599102", "吴六", make_id("19700101", 12), "一般农户", "边缘易致贫户", "", 5000]
    )
    households.append(
        ["H006", "411599102202", "郑七", make_id("19700101", 13), "一般农户", "", "", "五千"]
    )
    write_xlsx(workspace / "hh.xlsx", {"户信息": households})
    expect_refused(
        run, workspace, workspace / "hh.xlsx",
        "hh.xlsx / 户信息 / 第5行 / 监测类型: 监测户必须填写监测类型",
        "hh.xlsx / 户信息 / 第6行 / 监测类型: 一般农户不应有监测类型",
        "hh.xlsx / 户信息 / 第7行 / 家庭年人均纯收入: 应为数字 (五千)",
    )  # fmt: skip


def test_village_code_must_be_a_village_and_region_levels(run, imported, workspace):
    households = [
        HOUSEHOLDS[0],
        ["H007", "411599102", "冯八", make_id("19700101", 14), "一般农户", "", "", 9000],
    ]
    regions = [REGIONS[0], ["411599103", "新乡镇", "乡", "411599101"]]
    write_xlsx(workspace / "lv.xlsx", {"户信息": households, "行政区划": regions})
    expect_refused(
        run, workspace, workspace / "lv.xlsx",
        "lv.xlsx / 户信息 / 第2行 / 村区划代码: 应为村级区划代码，这是乡级 (411599102)",
        "lv.xlsx / 行政区划 / 第2行 / 上级区划代码: 乡级区划的上级应为县级，这是乡级 (411599101)",
    )  # fmt: skip


def test_missing_required_column_and_unrecognised_sheet(run, workspace):
    write_xlsx(
        workspace / "cols.xlsx",
        {
            "户信息": [["户编号", "户主姓名", "户类型"], ["H1", "张三", "脱贫户"]],
            "说明": [["这是说明页"]],
        },
    )
    result = expect_refused(
        run, workspace, workspace / "cols.xlsx",
        "cols.xlsx / 户信息 / 第1行 / 村区划代码: 缺少必填列",
        "cols.xlsx / 户信息 / 第1行 / 户主证件号码: 缺少必填列",
    )  # fmt: skip
    after = db_snapshot(workspace)
    assert after is None or after["households"] == []
    assert "说明" not in result.stderr


def test_xls_and_missing_files_are_refused(run, workspace):
    (workspace / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    result = run("import", "old.xls", "nothere.xlsx")
    assert result.exit_code == 4
    assert "old.xls / - / -: 不支持旧版 .xls 文件" in result.stderr
    assert "nothere.xlsx / - / -: 文件或文件夹不存在" in result.stderr


def test_student_flags_must_not_contradict_household(run, imported, workspace):
    students = [r[:] for r in STUDENTS]
    students[1][9] = "否"  # 原建档立卡 = 否, but the student's household H001 is a 脱贫户
    write_xlsx(workspace / "st.xlsx", {"学生": students})
    expect_refused(
        run, workspace, workspace / "st.xlsx",
        "st.xlsx / 学生 / 第2行 / 原建档立卡: 学生已关联到户 H001（脱贫户），该户决定“原建档立卡”为“是”；请改为“是”或留空 (否)",
    )  # fmt: skip


def test_household_change_that_contradicts_a_stored_student_is_located_on_the_household(
    run, imported, workspace
):
    students = [r[:] for r in STUDENTS]
    students[2][10] = "否"  # G002 低保 = 否 ... while H002 is 低保
    students[2][10] = ""
    write_xlsx(workspace / "st_ok.xlsx", {"学生": [students[0], students[1][:9] + ["否", ""]]})
    # G001 of H001 now says 原建档立卡=否: refused (household is 脱贫户). Make H001 一般农户 first:
    households = [
        HOUSEHOLDS[0],
        ["H001", "411599101201", "张大山", HEAD_A, "一般农户", "", "", 9800],
    ]
    write_xlsx(
        workspace / "both.xlsx",
        {"户信息": households, "学生": [students[0], students[1][:9] + ["否", ""]]},
    )
    assert run("import", str(workspace / "both.xlsx")).exit_code == 0
    # Now turning H001 back into a 脱贫户 contradicts the stored student: the household row is named.
    households[1][4] = "脱贫户"
    write_xlsx(workspace / "back.xlsx", {"户信息": households})
    expect_refused(
        run, workspace, workspace / "back.xlsx",
        "back.xlsx / 户信息 / 第2行 / 户类型: 与已导入学生 张小明（学籍号 G001）的“原建档立卡=否”矛盾 (脱贫户)",
    )  # fmt: skip


def test_student_sheet_flags_add_to_household(run, imported, workspace):
    # G002's household is 低保 and 监测户; the sheet itself said 低保=是 only — stored as given
    assert db_rows(workspace, "select dibao, monitored from students where student_no='G002'") == [
        (1, None)
    ]


def test_references_checked_against_stored_data(run, imported, workspace):
    write_xlsx(
        workspace / "more.xlsx",
        {"人员信息": [PERSONS[0], [make_id("20150101", 21), "H003", "王小雨", "女", "", "", "是"]]},
    )
    result = run("import", str(workspace / "more.xlsx"))
    assert result.exit_code == 0, result.output
    assert "人员信息     新增       1  更新       0" in result.stdout


def test_upsert_updates_and_keeps_absent_columns(run, imported, workspace):
    households = [["户编号", "村区划代码", "户主姓名", "户主证件号码", "户类型", "联系电话", "备注"],
                  ["H003", "411599102202", "王小川", HOUSEHOLDS[3][3], "一般农户", "13900001111", "新搬迁"]]  # fmt: skip
    write_xlsx(workspace / "up.xlsx", {"户信息": households})
    result = run("import", str(workspace / "up.xlsx"))
    assert result.exit_code == 0, result.output
    assert "户信息      新增       0  更新       1" in result.stdout
    assert "未识别的列已原样保存：备注" in result.stdout
    [(phone, income, extra)] = db_rows(
        workspace,
        "select phone, income_per_capita, extra from households where household_id='H003'",
    )
    assert phone == "13900001111"
    assert income == 12000  # the sheet had no income column: the stored value stays
    assert json.loads(extra) == {"备注": "新搬迁"}
    assert db_rows(workspace, "select count(*) from households") == [(3,)]


def test_household_changes_are_logged(run, imported, workspace):
    households = [
        HOUSEHOLDS[0],
        [
            "H003",
            "411599102202",
            "王小川",
            HOUSEHOLDS[3][3],
            "监测户",
            "突发严重困难户",
            "低保",
            6000,
        ],
    ]
    write_xlsx(workspace / "chg.xlsx", {"户信息": households})
    assert run("import", str(workspace / "chg.xlsx")).exit_code == 0
    changes = sorted(
        db_rows(
            workspace,
            "select field, old_value, new_value from household_changes where household_id='H003'",
        )
    )
    assert changes == [
        ("baodi_type", None, "低保"),
        ("category", "一般农户", "监测户"),
        ("monitor_type", None, "突发严重困难户"),
    ]


def test_gbk_and_bom_csv(run, workspace):
    folder = workspace / "csv"
    write_csv(folder / "行政区划.csv", REGIONS, encoding="gbk")
    write_csv(folder / "户信息.csv", HOUSEHOLDS, encoding="utf-8-sig")
    result = run("import", str(folder))
    assert result.exit_code == 0, result.output
    assert db_rows(workspace, "select name from regions where code='411599102202'") == [("李湾村",)]
    assert db_rows(workspace, "select head_name from households where household_id='H002'") == [
        ("李二河",)
    ]


def test_header_row_found_below_a_merged_title_and_sheet_recognised_by_headers(run, workspace):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"  # name says nothing: recognised by its header row
    ws["A1"] = "青山县行政区划表（2023年）"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["区划代码*", "名称 ", "级别（县/乡/村）", "上级区划代码"])
    for row in REGIONS[1:]:
        ws.append(row)
        ws.append([None, None, None, None])  # blank rows between data rows
    wb.save(workspace / "title.xlsx")
    result = run("import", str(workspace / "title.xlsx"))
    assert result.exit_code == 0, result.output
    assert "行政区划     新增       6" in result.stdout


def test_english_aliases_and_units_in_headers(run, workspace):
    rows = [["code", "name", "level", "parent_code"]] + REGIONS[1:]
    hh = [
        [
            "household_id",
            "village_code",
            "head_name",
            "head_id_number",
            "category",
            "monitor_type",
            "家庭年人均纯收入（元）",
        ]
    ] + [r[:6] + [r[7]] for r in HOUSEHOLDS[1:]]
    write_xlsx(workspace / "en.xlsx", {"regions": rows, "households": hh})
    result = run("import", str(workspace / "en.xlsx"))
    assert result.exit_code == 0, result.output
    assert db_rows(
        workspace, "select income_per_capita from households where household_id='H002'"
    ) == [(7100,)]


def test_excel_date_cells_and_lowercase_x(run, imported, workspace):
    seq = next(s for s in range(1, 500) if make_id("20120304", s).endswith("X"))
    pid = make_id("20120304", seq)
    write_xlsx(
        workspace / "x.xlsx",
        {
            "人员信息": [
                PERSONS[0],
                [pid.lower(), "H003", "王小果", "女", dt.date(2012, 3, 4), "", ""],
            ]
        },
    )
    result = run("import", str(workspace / "x.xlsx"))
    assert result.exit_code == 0, result.output
    assert db_rows(workspace, "select birth_date from persons where id_number=:id", id=pid) == [
        ("2012-03-04",)
    ]


def test_round_trip_export_import_export(run, workspace, new_db):
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    assert run("data", "export", "one.xlsx").exit_code == 0
    second = new_db()  # an empty database on the same backend
    assert run("--db", second, "import", "one.xlsx").exit_code == 0
    assert run("--db", second, "data", "export", "two.xlsx").exit_code == 0
    first = load_workbook(workspace / "one.xlsx")
    second = load_workbook(workspace / "two.xlsx")
    assert first.sheetnames == [s.title for s in S.SHEETS]
    for name in first.sheetnames:
        assert [list(r) for r in first[name].iter_rows(values_only=True)] == [
            list(r) for r in second[name].iter_rows(values_only=True)
        ], name
    assert first["户信息"].max_row == 4


def test_summary_needs_a_database(run, workspace, backend):
    result = run("data", "summary")
    assert result.exit_code == 3
    # a SQLite file is made by the first import; a PostgreSQL database exists, still empty
    assert (
        "数据库不存在" if backend == "sqlite" else "数据库是空的，请先导入数据"
    ) in result.stderr


def test_two_imports_through_one_open_dataset(workspace):
    from builders import tiny_county

    from reportgen.config import load_settings
    from reportgen.dataset.importer import import_paths
    from reportgen.workspace import open_dataset

    folder = tiny_county(workspace / "in")
    dataset = open_dataset(load_settings(workspace), create=True)
    try:
        first = import_paths(dataset, [folder])
        bad = write_xlsx(
            workspace / "bad.xlsx",
            {"户信息": [HOUSEHOLDS[0], ["H9", "411599102202", "某", "1", "一般农户", "", "", 1]]},
        )
        with pytest.raises(Exception, match="导入失败"):
            import_paths(dataset, [bad])
        second = import_paths(dataset, [folder])
    finally:
        dataset.dispose()
    assert first.counts["persons"] == {"added": 6, "updated": 0}
    assert second.counts["persons"] == {"added": 0, "updated": 6}
