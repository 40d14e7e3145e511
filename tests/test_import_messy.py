"""Every file in tests/data/messy/ imports cleanly, and problems in such files name the real cell."""

import shutil
from pathlib import Path

from builders import db_rows, db_snapshot
from openpyxl import load_workbook

MESSY = Path(__file__).parent / "data" / "messy"

# What each messy file is there to exercise; a new file must be added here (so none is silently skipped).
EXPECTED = {
    "01_行政区划_GBK.csv": "行政区划",
    "02_户信息_合并标题与空行.xlsx": "户信息",
    "03_人员信息_日期与小写x.xlsx": "人员信息",
    "04_学校_BOM.csv": "学校",
    "05_学生.csv": "学生",
}


def test_every_messy_file_is_known():
    assert sorted(p.name for p in MESSY.iterdir()) == sorted(EXPECTED)


def test_messy_folder_imports(run, workspace):
    result = run("import", str(MESSY))
    assert result.exit_code == 0, result.output
    for title in set(EXPECTED.values()):
        assert f"  {title}" in result.stdout

    def rows(sql):
        return db_rows(workspace, sql)

    assert rows("select count(*) from regions") == [(6,)]
    assert rows("select income_per_capita, phone from households where household_id='H001'") == [
        (9800, "13800001111")
    ]
    assert rows("select village_code from households where household_id='H002'") == [
        ("411599102201",)
    ]
    births = dict(rows("select name, birth_date from persons"))
    assert births == {"张大山": "1975-03-04", "刘秀英": "1978-05-12", "张小明": "2010-09-01", "李二河": "1968-01-01",
                      "李小果": "2011-07-07", "王小川": "1980-11-11"}  # fmt: skip
    x_ids = [r[0] for r in rows("select id_number from persons where name='李小果'")]
    assert x_ids[0].endswith("X")
    assert rows("select id_number from students where student_no='G002'") == [(x_ids[0],)]
    assert dict(rows("select name, medical_insured from persons")) == {
        "张大山": 1, "刘秀英": 1, "张小明": 1, "李二河": 1, "李小果": 0, "王小川": 0}  # fmt: skip
    assert rows("select boarding, hardship from students where student_no='G001'") == [(1, 1)]
    assert rows("select boarding from students where student_no='G002'") == [(None,)]
    assert rows("select tuition from schools where school_code='S02'") == [(1600,)]


def test_problem_rows_are_the_real_rows_below_a_title(run, workspace):
    folder = workspace / "messy"
    shutil.copytree(MESSY, folder)
    path = folder / "02_户信息_合并标题与空行.xlsx"
    wb = load_workbook(path)
    ws = wb["户信息"]
    ws["E7"] = "贫困户"  # the row of H003, below two title rows and a blank row
    wb.save(path)
    result = run("import", str(folder))
    assert result.exit_code == 4
    assert (
        "02_户信息_合并标题与空行.xlsx / 户信息 / 第7行 / 户类型: 应为 脱贫户/监测户/一般农户 之一 (贫困户)"
        in result.stderr
    )
    after = db_snapshot(workspace)
    assert not after or after["regions"] == []
    assert (workspace / "messy_导入问题清单.xlsx").exists()
