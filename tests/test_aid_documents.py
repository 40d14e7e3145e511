"""reportgen card / aid-notice: documents and rosters read back and checked."""

import json
import zipfile

import pytest
from builders import CHILD_A, CHILD_B, full_county, write_xlsx
from docx import Document
from openpyxl import load_workbook

from reportgen.aid.students import students_of_school
from reportgen.config import load_settings
from reportgen.workspace import open_dataset


@pytest.fixture
def county_ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-02")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\neducation = "青山县教育局"\n[hotlines]\naid = "0376-5550123"\n',
        encoding="utf-8",
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    return workspace


def doc_text(path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_household_link_adds_flags_and_never_removes(county_ws):
    dataset = open_dataset(load_settings(county_ws))
    try:
        (g002,) = students_of_school(dataset, "S02")
        (g001,) = students_of_school(dataset, "S01")
    finally:
        dataset.dispose()
    # G002: sheet said 低保=是; household H002 is a 监测户 with 低保 → both
    assert g002.groups == {"dibao", "monitored"} and g002.household_id == "H002"
    # G001: sheet said nothing; household H001 is a 脱贫户 → 原建档立卡
    assert g001.groups == {"former_poor"} and g001.hardship and g001.boarding


def test_cards_and_rosters(run, county_ws):
    result = run("card", "--county", "--year", "2023")
    assert result.exit_code == 0, result.output
    out = county_ws / "输出" / "学生资助明白卡"
    junior = out / "学生资助政策明白卡_城关镇第一初级中学.docx"
    senior = out / "学生资助政策明白卡_青山县第一高级中学.docx"
    text = doc_text(junior)
    assert "（2023—2024学年）" in text
    assert "学生：张小明" in text and "城关镇第一初级中学" in text and "七年级1班" in text
    assert (
        "省定营养改善计划 | 原建档立卡贫困家庭学生（享受国定营养改善计划的学生除外） | 800元/年 | ✔"
        in text
    )
    assert "非寄宿生生活补助 | 具有正式学籍的家庭经济困难非寄宿生 | 625元/年 | " in text
    assert "✔ 寄宿生生活补助：1,250元/年" in text
    assert "预计每年合计：2,050元（贰仟零伍拾元整）" in text
    assert (
        "学校资助咨询电话：0376-5550101" in text and "青山县学生资助咨询电话：0376-5550123" in text
    )
    xml = zipfile.ZipFile(junior).read("word/document.xml").decode()
    assert CHILD_A not in xml and CHILD_A[:3] + "*" * 11 + CHILD_A[-4:] in xml
    senior_text = doc_text(senior)
    assert (
        "免学费 | 原建档立卡贫困家庭学生、家庭经济困难残疾学生、农村低保家庭学生、农村特困救助供养学生 | 按学校学费标准（1,600元/年） | ✔"
        in senior_text
    )
    assert "预计每年合计：1,600元（壹仟陆佰元整）" in senior_text
    assert "提示：您的家庭属于监测户、低保" in senior_text  # special group, not 认定 困难
    assert CHILD_B not in zipfile.ZipFile(senior).read("word/document.xml").decode()
    roster = load_workbook(out / "学生资助明白卡名单_城关镇第一初级中学.xlsx")
    rows = [r for r in roster["明白卡名单"].iter_rows(values_only=True) if r[0] == "G001"]
    assert rows == [
        (
            "G001",
            "张小明",
            "七年级",
            "1班",
            "初中",
            "省定营养改善计划（800元/年）、寄宿生生活补助（1,250元/年）",
            2050,
        )
    ]
    review = load_workbook(out / "学生资助明白卡名单_青山县第一高级中学.xlsx")["特殊群体未认定困难"]
    assert [r[:5] for r in review.iter_rows(values_only=True) if r[0] == "G002"] == [
        ("G002", "李小红", "高一", "2班", "监测户、低保")
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["command"].startswith("reportgen card") or manifest["command"] == "reportgen card"
    )
    assert sorted(o["file"] for o in manifest["outputs"]) == sorted(
        p.name for p in out.iterdir() if p.suffix in (".docx", ".xlsx")
    )


def _students(rows):
    header = [
        "学籍号",
        "姓名",
        "证件号码",
        "学校代码",
        "学段",
        "年级",
        "班级",
        "寄宿生",
        "家庭经济困难",
    ]
    return {"学生": [header, *rows]}


def test_one_card_per_page_in_grade_class_name_order(run, county_ws, workspace):
    from builders import make_id

    rows = [
        ["G101", "丙同学", make_id("20110101", 31), "S01", "初中", "八年级", "10班", "否", "否"],
        ["G102", "甲同学", make_id("20110101", 32), "S01", "初中", "八年级", "2班", "否", "否"],
        ["G103", "乙同学", make_id("20110101", 33), "S01", "初中", "七年级", "2班", "否", "否"],
        ["G104", "丁同学", make_id("20110101", 34), "S01", "初中", "九年级", "1班", "否", "否"],
    ]
    write_xlsx(workspace / "more.xlsx", _students(rows))
    assert run("import", "more.xlsx").exit_code == 0
    assert run("card", "--school", "城关镇第一初级中学", "--year", "2023").exit_code == 0
    doc = Document(
        workspace / "输出" / "学生资助明白卡" / "学生资助政策明白卡_城关镇第一初级中学.docx"
    )
    names = [p.text.split("　")[0] for p in doc.paragraphs if p.text.startswith("学生：")]
    assert names == ["学生：张小明", "学生：乙同学", "学生：甲同学", "学生：丙同学", "学生：丁同学"]
    breaks = (
        zipfile.ZipFile(
            workspace / "输出" / "学生资助明白卡" / "学生资助政策明白卡_城关镇第一初级中学.docx"
        )
        .read("word/document.xml")
        .decode()
        .count("<w:pageBreakBefore/>")
    )
    assert (
        breaks == 4
    )  # 5 cards: a new page before each card after the first, no trailing blank page


def test_class_filter_and_split(run, county_ws):
    result = run(
        "card", "--school", "S01", "--class", "1班", "--split", "--year", "2023", "--out", "per"
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (county_ws / "per").rglob("*.docx"))
    assert files == ["七年级1班_张小明_G001.docx"]


def test_rerun_is_byte_identical(run, county_ws):
    out = county_ws / "输出" / "学生资助明白卡"
    assert run("card", "--county", "--year", "2023").exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".docx", ".xlsx")}
    assert run("card", "--county", "--year", "2023").exit_code == 0
    second = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".docx", ".xlsx")}
    assert first == second


def test_aid_notice_sums_payments_and_lists_missed(run, county_ws, workspace):
    write_xlsx(
        workspace / "pay.xlsx",
        {"资助发放": [["学籍号", "资助项目", "金额", "学期", "发放日期"],
                   ["G001", "省定营养改善计划", 400, "2023年秋季学期", "2023-11-05"],
                   ["G001", "寄宿生生活补助", 625, "2023年春季学期", "2023-04-01"]]},
    )  # fmt: skip
    assert run("import", "pay.xlsx").exit_code == 0
    result = run("aid-notice", "--county")
    assert result.exit_code == 0, result.output
    assert "2023年秋季学期：已生成 1 份" in result.stdout  # latest term with payments
    out = county_ws / "输出" / "学生受助情况温馨告知书"
    text = doc_text(out / "学生受助情况温馨告知书_城关镇第一初级中学.docx")
    assert "1 | 寄宿生生活补助 | 625 | 2023年10月20日" in text
    assert "2 | 省定营养改善计划 | 400 | 2023年11月5日" in text
    assert "合计 | 合计 | 1,025 | 壹仟零贰拾伍元整" in text
    assert "春季" not in text.split("享受了以下")[1]  # spring payments belong to another term
    assert not (
        out / "学生受助情况温馨告知书_青山县第一高级中学.docx"
    ).exists()  # nobody paid there
    book = load_workbook(out / "学生受助情况汇总_全县_2023年秋季学期.xlsx")
    paid = [r for r in book["受助学生"].iter_rows(values_only=True) if r[1] == "G001"]
    assert paid[0][-1] == 1025
    totals = {r[0]: r[1:] for r in book["各校合计"].iter_rows(values_only=True) if r and r[0]}
    assert totals["城关镇第一初级中学"] == (1, 1025) and totals["合计"] == (1, 1025)
    missed = [r for r in book["应享未享"].iter_rows(values_only=True) if r[1] == "G002"]
    assert missed == [("青山县第一高级中学", "G002", "李小红", "高一", "2班", "免学费", 1600, None)]
    # one class: its summary says so in its name and titles, and leaves the county's summary alone
    one = run("aid-notice", "--county", "--class", "1班")
    assert one.exit_code == 0, one.output
    assert (out / "学生受助情况汇总_全县_2023年秋季学期.xlsx").is_file()
    book = load_workbook(out / "学生受助情况汇总_全县_1班_2023年秋季学期.xlsx")
    assert book["受助学生"]["A1"].value == "全县（1班）2023年秋季学期学生受助情况"
    assert [r[1] for r in book["受助学生"].iter_rows(min_row=3, values_only=True)] == [
        "G001"
    ]  # G001 is in 七年级1班
    assert book["应享未享"]["A1"].value.startswith("全县（1班）2023—2024学年应享未享学生名单")
    spring = run("aid-notice", "--county", "--term", "2023年春季学期", "--out", "spring")
    assert spring.exit_code == 0
    text = doc_text(county_ws / "spring" / "学生受助情况温馨告知书_城关镇第一初级中学.docx")
    assert "（2023年春季学期）" in text and "1 | 寄宿生生活补助 | 625 | 2023年4月1日" in text
    assert "2023年春季学期小计" not in text and "学年" not in text  # a term letter has no 小计 rows


def test_bad_selection_and_term(run, county_ws):
    both = run("card", "--school", "S01", "--county")
    assert both.exit_code == 3 and "只请给出一个范围" in both.stderr
    bad = run("aid-notice", "--county", "--term", "2023秋")
    assert bad.exit_code == 3 and "学期写法应为" in bad.stderr
    unknown = run("card", "--school", "不存在中学")
    assert unknown.exit_code == 5 and "找不到学校" in unknown.stderr


def test_zip_packs_the_print_files(run, county_ws):
    result = run("card", "--county", "--year", "2023", "--zip", "--out", "z")
    assert result.exit_code == 0, result.output
    out = county_ws / "z"
    with zipfile.ZipFile(out / "学生资助政策明白卡_全县.zip") as z:
        assert sorted(z.namelist()) == [
            "学生资助政策明白卡_城关镇第一初级中学.docx",
            "学生资助政策明白卡_青山县第一高级中学.docx",
        ]
    assert not list(out.glob("*.docx"))  # packed, not also left loose
    assert len(list(out.glob("学生资助明白卡名单_*.xlsx"))) == 2
    one = run("card", "--county", "--class", "1班", "--year", "2023", "--zip", "--out", "z")
    assert one.exit_code == 0, one.output
    with zipfile.ZipFile(
        out / "学生资助政策明白卡_全县_1班.zip"
    ) as z:  # beside, not over, the county's
        assert z.namelist() == ["学生资助政策明白卡_城关镇第一初级中学_1班.docx"]
    assert (out / "学生资助政策明白卡_全县.zip").is_file()


def test_two_schools_of_the_same_name_keep_both_rosters(run, county_ws, workspace):
    from builders import make_id

    write_xlsx(
        workspace / "twin.xlsx",
        {"学校": [["学校代码", "学校名称", "所在区划代码", "学段"], ["S09", "城关镇第一初级中学", "411599102", "初中"]],
         "学生": [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级"], ["G900", "孪校生", make_id("20110101", 71), "S09", "初中", "七年级"]]},
    )  # fmt: skip
    assert run("import", "twin.xlsx").exit_code == 0
    assert (
        run("card", "--county", "--year", "2023", "--workers", "1", "--out", "twin").exit_code == 0
    )
    out = county_ws / "twin"
    assert sorted(p.name for p in out.glob("学生资助明白卡名单_城关镇第一初级中学*.xlsx")) == [
        "学生资助明白卡名单_城关镇第一初级中学.xlsx", "学生资助明白卡名单_城关镇第一初级中学_2.xlsx"]  # fmt: skip
    assert sorted(p.name for p in out.glob("学生资助政策明白卡_城关镇第一初级中学*.docx")) == [
        "学生资助政策明白卡_城关镇第一初级中学.docx", "学生资助政策明白卡_城关镇第一初级中学_2.docx"]  # fmt: skip


# --------------------------------------------------------------- 温馨告知书 for a school year


YEAR_PAYMENTS = [
    ["学籍号", "资助项目", "金额", "学期", "发放日期"],
    ["G001", "省定营养改善计划", 400, "2023年秋季学期", "2023-11-05"],  # + full_county's 625 on 10-20
    ["G001", "寄宿生生活补助", 625, "2024年春季学期", "2024-04-10"],
    ["G001", "省定营养改善计划", 400, "2024年春季学期", "2024-04-10"],
    ["G001", "寄宿生生活补助", 625, "2023年春季学期", "2023-04-01"],  # school year 2022—2023
    ["G001", "寄宿生生活补助", 625, "2024年秋季学期", "2024-10-08"],  # school year 2024—2025
    ["G002", "免学费", 800, "2024年春季学期", "2024-03-20"],
]  # fmt: skip


def _letters(path) -> list[str]:
    """The letters of a print file, one text each, paragraphs and table rows in reading order
    (every letter starts with the title)."""
    lines = []
    for block in Document(path).iter_inner_content():
        if hasattr(block, "rows"):
            lines += [" | ".join(c.text for c in row.cells) for row in block.rows]
        else:
            lines.append(block.text)
    return [
        "学生受助情况温馨告知书" + part
        for part in "\n".join(lines).split("学生受助情况温馨告知书")[1:]
    ]


def test_year_notice_lists_both_terms_of_the_school_year(run, county_ws, workspace):
    from builders import db_rows

    write_xlsx(workspace / "pay.xlsx", {"资助发放": YEAR_PAYMENTS})
    assert run("import", "pay.xlsx").exit_code == 0
    result = run("aid-notice", "--county", "--year", "2023")
    assert result.exit_code == 0, result.output
    assert "2023—2024学年：已生成 2 份学生受助情况温馨告知书；应享未享 0 人" in result.stdout
    assert "注意" not in result.stdout  # both terms have payments
    out = county_ws / "输出" / "学生受助情况温馨告知书"
    (letter,) = _letters(out / "学生受助情况温馨告知书_城关镇第一初级中学.docx")  # one per student
    assert "（2023—2024学年）" in letter
    assert (
        "您好！2023—2024学年（2023年秋季学期、2024年春季学期），您的孩子张小明（城关镇第一初级中学七年级1班"
        in letter
    )
    table = letter[letter.index("序号 | 资助项目") : letter.index("以上资助资金")].splitlines()
    assert table == [
        "序号 | 资助项目 | 金额（元） | 发放日期",
        "2023年秋季学期 | 2023年秋季学期 | 2023年秋季学期 | 2023年秋季学期",
        "1 | 寄宿生生活补助 | 625 | 2023年10月20日",
        "2 | 省定营养改善计划 | 400 | 2023年11月5日",
        "2023年秋季学期小计 | 2023年秋季学期小计 | 1,025 | 壹仟零贰拾伍元整",
        "2024年春季学期 | 2024年春季学期 | 2024年春季学期 | 2024年春季学期",
        "3 | 寄宿生生活补助 | 625 | 2024年4月10日",
        "4 | 省定营养改善计划 | 400 | 2024年4月10日",
        "2024年春季学期小计 | 2024年春季学期小计 | 1,025 | 壹仟零贰拾伍元整",
        "学年合计 | 学年合计 | 2,050 | 贰仟零伍拾元整",
    ]
    assert "尚无发放记录" not in letter
    # every letter's total is the sum of the student's 资助发放 rows of the two terms, nothing else
    paid = dict(db_rows(workspace, "select student_no, sum(amount) from aid_payments"
                        " where term in ('2023年秋季学期', '2024年春季学期') group by student_no"))  # fmt: skip
    totals = {}
    for path in out.glob("*.docx"):
        for text in _letters(path):
            number = text.split("学籍号 ")[1].split("）")[0]
            totals[number] = float(
                text.split("学年合计 | 学年合计 | ")[1].split(" |")[0].replace(",", "")
            )
    assert totals == {k: float(v) for k, v in paid.items()} == {"G001": 2050.0, "G002": 800.0}
    book = load_workbook(out / "学生受助情况汇总_全县_2023—2024学年.xlsx")
    sheet = book["受助学生"]
    assert sheet["A1"].value == "全县2023—2024学年学生受助情况"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("学校", "学籍号", "姓名", "年级", "班级", "资助项目", "2023年秋季学期（元）",
                       "2024年春季学期（元）", "合计（元）")  # fmt: skip
    assert rows[1:] == [
        ("城关镇第一初级中学", "G001", "张小明", "七年级", "1班",
         "2023年秋季学期：寄宿生生活补助 625元、省定营养改善计划 400元；2024年春季学期：寄宿生生活补助 625元、省定营养改善计划 400元",
         1025, 1025, 2050),
        ("青山县第一高级中学", "G002", "李小红", "高一", "2班", "2024年春季学期：免学费 800元", None, 800, 800),
    ]  # fmt: skip
    schools = book["各校合计"]
    assert schools["A1"].value == "全县2023—2024学年各校受助情况合计"
    assert list(schools.iter_rows(min_row=3, values_only=True)) == [
        ("城关镇第一初级中学", 1, 1025, 1025, 2050),
        ("青山县第一高级中学", 1, 0, 800, 800),
        ("合计", 2, 1025, 1825, 2850),
    ]
    assert book["应享未享"]["A1"].value.startswith("全县2023—2024学年应享未享学生名单")


def test_year_notice_before_spring_payments_says_so(run, county_ws):
    result = run("aid-notice", "--county", "--year", "2023")  # only full_county's autumn payment
    assert result.exit_code == 0, result.output
    assert "注意：所选范围内2024年春季学期没有发放记录，告知书中没有该学期的项目。" in result.stdout
    out = county_ws / "输出" / "学生受助情况温馨告知书"
    (letter,) = _letters(out / "学生受助情况温馨告知书_城关镇第一初级中学.docx")
    # The letter names the term it covers and says the other has no payment yet (it is titled
    # for the school year); one term paid: no 小计 row repeating the year's total.
    assert "您好！2023—2024学年（2023年秋季学期），" in letter
    assert "2024年春季学期尚无发放记录，发放后以学校通知为准。" in letter
    assert "小计" not in letter and "学年合计 | 学年合计 | 625 | 陆佰贰拾伍元整" in letter


def test_year_and_term_together_is_a_usage_error(run, county_ws):
    both = run("aid-notice", "--county", "--year", "2023", "--term", "2023年秋季学期")
    assert both.exit_code == 2
    assert "--year 和 --term 只能给出一个" in both.output
    assert not (county_ws / "输出" / "学生受助情况温馨告知书").exists()
    helptext = run("aid-notice", "--help").output
    assert "reportgen aid-notice --county --year 2023" in helptext


def test_year_notice_same_bytes_on_rerun(run, county_ws, workspace):
    write_xlsx(workspace / "pay.xlsx", {"资助发放": YEAR_PAYMENTS})
    assert run("import", "pay.xlsx").exit_code == 0
    out = county_ws / "输出" / "学生受助情况温馨告知书"
    assert run("aid-notice", "--county", "--year", "2023").exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".docx", ".xlsx")}
    assert run("aid-notice", "--county", "--year", "2023").exit_code == 0
    assert first == {
        p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".docx", ".xlsx")
    }


# ------------------------------------------- 应享未享 only for terms the student was enrolled in


def test_missed_counts_only_terms_the_student_was_enrolled_in(run, county_ws, workspace):
    """Grades are as of 2023—2024 (REPORTGEN_TODAY 2023-09-02). For 2022—2023 (--term
    2023年春季学期) a 高一 or 七年级 of 2023 was not yet in the stage; a 高二 was."""
    from builders import make_id

    head = ["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级", "班级", "寄宿生", "家庭经济困难", "低保"]  # fmt: skip
    write_xlsx(workspace / "more.xlsx", {"学生": [
        head,
        ["G201", "高二生", make_id("20060301", 41), "S02", "普通高中", "高二", "1班", "否", "否", "是"],
        ["G202", "特长生", make_id("20060301", 42), "S02", "普通高中", "特长班", "1班", "否", "否", "是"],
    ], "资助发放": [["学籍号", "资助项目", "金额", "学期", "发放日期"],
                ["G001", "寄宿生生活补助", 625, "2023年春季学期", "2023-04-01"]]})  # fmt: skip
    assert run("import", "more.xlsx").exit_code == 0

    def missed(option, value):
        result = run("aid-notice", "--county", option, value, "--out", value)
        assert result.exit_code == 0, result.output
        (book,) = (county_ws / value).glob("学生受助情况汇总_*.xlsx")
        sheet = load_workbook(book)["应享未享"]
        rows = {r[1]: r[7] for r in sheet.iter_rows(min_row=4, values_only=True) if r[1]}
        return rows, result.stdout, sheet["A2"].value

    spring, stdout, note = missed("--term", "2023年春季学期")
    # G002 高一 (低保, 免学费) entered 2023: not owed anything for 2022—2023; G201 高二 was there
    assert spring == {"G201": None, "G202": "年级“特长班”看不出入学学年，按本学年在读计入"}
    assert "应享未享 2 人" in stdout
    assert (
        "注意：应享未享中有 1 人的年级写法看不出入学学年，已按在读计入（见汇总表“备注”列）。"
        in stdout
    )
    assert note.startswith("只计在本学段就读的学期：学段、年级按2023—2024学年理解")
    # 2023—2024: G002 is in 高一 now, and owed 免学费
    year, stdout, _ = missed("--year", "2023")
    assert year == {
        "G002": None,
        "G201": None,
        "G202": "年级“特长班”看不出入学学年，按本学年在读计入",
    }


@pytest.mark.parametrize(
    "stage, grade, term, enrolled",
    [
        ("普通高中", "高一", "2023年秋季学期", True),  # entered in September 2023
        ("普通高中", "高一", "2024年春季学期", True),
        ("普通高中", "高一", "2023年春季学期", False),  # still in 初中 then
        ("普通高中", "高二", "2023年春季学期", True),
        ("普通高中", "高二", "2022年春季学期", False),  # 2021—2022: before 高二 entered
        ("普通高中", "高二", "2022年秋季学期", True),
        ("普通高中", "十年级", "2023年春季学期", False),
        ("普通高中", "高中一年级", "2023年春季学期", False),
        ("初中", "七年级", "2023年春季学期", False),
        ("初中", "七年级", "2023年秋季学期", True),
        ("初中", "初一", "2023年春季学期", False),
        ("初中", "一年级", "2023年春季学期", False),  # a 初中 school's own numbering
        ("初中", "八年级", "2023年春季学期", True),
        ("初中", "九年级", "2021年秋季学期", True),
        ("初中", "九年级", "2021年春季学期", False),
        ("小学", "一年级", "2023年春季学期", False),
        ("小学", "二年级", "2023年春季学期", True),
        ("小学", "六年级", "2018年秋季学期", True),
        ("小学", "六年级", "2018年春季学期", False),
        ("学前", "小班", "2023年春季学期", False),
        ("学前", "中班", "2023年春季学期", True),
        ("中职", "一年级", "2023年春季学期", False),
        ("中职", "二年级", "2023年春季学期", True),
        ("本科", "大一", "2023年春季学期", False),
        ("本科", "四年级", "2020年秋季学期", True),
        ("硕士研究生", "研一", "2023年春季学期", False),
        ("本科", "2022级", "2023年春季学期", True),  # a cohort says its entry year itself
        ("本科", "2023级", "2023年春季学期", False),
        ("普通高中", "高一", "2025年春季学期", True),  # later than the data: cannot tell, counted
    ],
)
def test_enrolled_in_term(stage, grade, term, enrolled):
    from reportgen.aid.terms import enrolled_in_term

    assert enrolled_in_term(stage, grade, term, grade_year=2023) is enrolled


@pytest.mark.parametrize(
    "stage, grade",
    [
        ("普通高中", "特长班"),
        ("小学", "七年级"),
        ("初中", "六年级"),
        ("普通高中", "高四"),
        ("学前", "托班"),
    ],
)
def test_enrolled_in_term_unknown_when_the_grade_does_not_tell(stage, grade):
    from reportgen.aid.terms import enrolled_in_term

    assert enrolled_in_term(stage, grade, "2023年春季学期", grade_year=2023) is None


def test_enrolled_in_school_year():
    from reportgen.aid.terms import enrolled_in_school_year

    assert enrolled_in_school_year("普通高中", "高一", 2023, grade_year=2023) is True
    assert enrolled_in_school_year("普通高中", "高一", 2022, grade_year=2023) is False
    assert enrolled_in_school_year("普通高中", "高二", 2022, grade_year=2023) is True
    assert enrolled_in_school_year("普通高中", "高二", 2021, grade_year=2023) is False
    assert enrolled_in_school_year("普通高中", "特长班", 2022, grade_year=2023) is None
