"""reportgen aid-notice --workers: one school per partition; the process pool writes the same
letters and summary workbook (same bytes) and manifest as one process."""

import pytest
from builders import bad_template, full_county, make_id, write_xlsx
from openpyxl import load_workbook
from test_parallel import files, manifest

SUMMARY = "学生受助情况汇总_全县_2023年秋季学期.xlsx"


@pytest.fixture
def notice_ws(run, workspace, monkeypatch):
    """Three schools with letters (two of the same name: _2) and a student eligible but unpaid."""
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-12-01")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\neducation = "青山县教育局"\n[hotlines]\naid = "0376-5550123"\n',
        encoding="utf-8",
    )
    full_county(workspace / "in")
    write_xlsx(
        workspace / "in" / "更多.xlsx",
        {"学校": [["学校代码", "学校名称", "所在区划代码", "学段"], ["S09", "城关镇第一初级中学", "411599102", "初中"]],
         "学生": [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级", "家庭经济困难"],
                  ["G900", "孪校生", make_id("20110101", 71), "S09", "初中", "七年级", "是"],
                  ["G901", "未领生", make_id("20110202", 72), "S09", "初中", "八年级", "是"]],
         "资助发放": [["学籍号", "资助项目", "金额", "学期", "发放日期"],
                   ["G002", "国家助学金", 1000, "2023年秋季学期", "2023-11-01"],
                   ["G900", "非寄宿生生活补助", 312.5, "2023年秋季学期", "2023-10-21"]]},
    )  # fmt: skip
    assert run("import", "in").exit_code == 0
    return workspace


def test_pool_writes_the_same_bytes_as_one_process(run, notice_ws, pools):
    one = run("aid-notice", "--county", "--workers", "1", "--out", "one")
    two = run("aid-notice", "--county", "--workers", "2", "--out", "two")
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert pools == [2]  # --workers 1 ran in this process, --workers 2 in a pool of two
    assert "已生成 3 份学生受助情况温馨告知书；应享未享 1 人" in two.output
    assert one.output.replace("/one/", "/two/") == two.output
    a, b = files(notice_ws / "one"), files(notice_ws / "two")
    assert a == b
    assert sorted(a) == [
        "学生受助情况汇总_全县_2023年秋季学期.xlsx",
        "学生受助情况温馨告知书_城关镇第一初级中学.docx",
        "学生受助情况温馨告知书_城关镇第一初级中学_2.docx",  # S09, the second of that name
        "学生受助情况温馨告知书_青山县第一高级中学.docx",
    ]
    book = load_workbook(notice_ws / "two" / SUMMARY)
    assert [r[1] for r in book["受助学生"].iter_rows(min_row=3, values_only=True) if r[1]] == [
        "G001", "G002", "G900"]  # fmt: skip
    assert [r[1] for r in book["应享未享"].iter_rows(min_row=4, values_only=True) if r[1]] == [
        "G901"
    ]
    assert manifest(notice_ws / "one") == manifest(notice_ws / "two")


def test_year_pool_writes_the_same_bytes_as_one_process(run, notice_ws, pools):
    """--year 2023: both terms' payments per letter, the per-term summary columns and the 应享未享
    note of a grade that does not tell its entry year come out the same from the pool."""
    write_xlsx(
        notice_ws / "春季.xlsx",
        {"学生": [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级", "家庭经济困难"],
                  ["G902", "插班生", make_id("20100303", 73), "S09", "初中", "插班", "是"]],
         "资助发放": [["学籍号", "资助项目", "金额", "学期", "发放日期"],
                   ["G001", "寄宿生生活补助", 625, "2024年春季学期", "2024-04-10"],
                   ["G900", "非寄宿生生活补助", 312.5, "2024年春季学期", "2024-04-11"],
                   ["G900", "非寄宿生生活补助", 312.5, "2023年春季学期", "2023-04-11"]]},
    )  # fmt: skip
    assert run("import", "春季.xlsx").exit_code == 0
    one = run("aid-notice", "--county", "--year", "2023", "--workers", "1", "--out", "one")
    two = run("aid-notice", "--county", "--year", "2023", "--workers", "2", "--out", "two")
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert pools == [2]
    assert "2023—2024学年：已生成 3 份学生受助情况温馨告知书；应享未享 2 人" in two.output
    assert "已按在读计入" in two.output
    assert one.output.replace("/one/", "/two/") == two.output
    a, b = files(notice_ws / "one"), files(notice_ws / "two")
    assert a == b
    assert "学生受助情况汇总_全县_2023—2024学年.xlsx" in a
    assert manifest(notice_ws / "one") == manifest(notice_ws / "two")
    book = load_workbook(notice_ws / "two" / "学生受助情况汇总_全县_2023—2024学年.xlsx")
    paid = {r[1]: r[6:] for r in book["受助学生"].iter_rows(min_row=3, values_only=True) if r[1]}
    assert paid == {
        "G001": (625, 625, 1250),
        "G002": (1000, None, 1000),
        "G900": (312.5, 312.5, 625),
    }
    missed = {r[1]: r[7] for r in book["应享未享"].iter_rows(min_row=4, values_only=True) if r[1]}
    assert missed == {"G901": None, "G902": "年级“插班”看不出入学学年，按本学年在读计入"}


def test_a_bad_record_fails_its_school_only(run, notice_ws):
    bad_template(notice_ws, "学生受助情况温馨告知书", "李小红")
    outs = {}
    for workers in ("1", "2"):
        result = run("aid-notice", "--county", "--workers", workers, "--out", workers)
        assert result.exit_code == 7, result.output
        assert "S02 / 李小红（学籍号 G002）" in result.stderr
        outs[workers] = result.stderr
        folder = notice_ws / workers
        assert sorted(p.name for p in folder.glob("*.docx")) == [
            "学生受助情况温馨告知书_城关镇第一初级中学.docx",
            "学生受助情况温馨告知书_城关镇第一初级中学_2.docx",
        ]
        assert (folder / SUMMARY).is_file()  # the summary is still written
    assert outs["1"] == outs["2"]
    assert files(notice_ws / "1") == files(notice_ws / "2")
    assert manifest(notice_ws / "1") == manifest(notice_ws / "2")


def test_split_zip_and_one_school_run_in_this_process(run, notice_ws, pools):
    for extra in (("--county", "--split"), ("--county", "--zip"), ("--school", "S09")):
        result = run("aid-notice", *extra, "--workers", "2", "--out", extra[-1].strip("-"))
        assert result.exit_code == 0, result.output
    assert pools == []
    assert len(list((notice_ws / "split").rglob("*.docx"))) == 3
    assert (notice_ws / "zip" / "学生受助情况温馨告知书_全县.zip").is_file()
    assert [p.name for p in (notice_ws / "S09").glob("*.docx")] == [
        "学生受助情况温馨告知书_城关镇第一初级中学.docx"
    ]


def test_plan_names_only_schools_with_letters(run, notice_ws):
    from reportgen.aid.students import select_schools
    from reportgen.config import load_settings
    from reportgen.documents.aid_notice import KIND, NoticeJob, NoticePeriod
    from reportgen.documents.common import DocumentRun
    from reportgen.documents.runner import name_plan
    from reportgen.workspace import open_dataset

    settings = load_settings(notice_ws)
    dataset = open_dataset(settings)
    try:
        doc = DocumentRun(settings, dataset, notice_ws / "o", "", {}, None)

        def plan(*terms, class_name=None):
            selection = select_schools(dataset, county=True, class_name=class_name)
            period = NoticePeriod(terms[0], terms, 2023)
            return [
                (p.key, p.file) for p in name_plan(KIND.plan(doc, NoticeJob(selection, period)))
            ]

        assert plan("2023年秋季学期") == [
            ("S01", "学生受助情况温馨告知书_城关镇第一初级中学.docx"),
            ("S02", "学生受助情况温馨告知书_青山县第一高级中学.docx"),
            ("S09", "学生受助情况温馨告知书_城关镇第一初级中学_2.docx"),
        ]
        # spring: nobody paid, so no file takes a name; the schools still give 应享未享 rows
        assert plan("2024年春季学期") == [("S01", None), ("S02", None), ("S09", None)]
        # a school year: a school paid in either term has a file
        assert plan("2023年秋季学期", "2024年春季学期") == plan("2023年秋季学期")
        assert plan("2023年秋季学期", class_name="2班") == [
            ("S02", "学生受助情况温馨告知书_青山县第一高级中学_2班.docx")
        ]
    finally:
        dataset.dispose()
