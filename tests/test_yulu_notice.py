"""reportgen yulu-notice (雨露计划助学补助公示): the kind added through the DocumentKind interface —
one module, one template, one catalog line and one command. Read back from the example county."""

import re

from builders import db_execute, db_rows
from printed import paragraphs, records, small_print, table_starting

from reportgen.documents.catalog import BY_COMMAND

ARGS = ("yulu-notice", "--county", "--year", "2023", "--date", "2023-10-09")
OUT = "输出/雨露计划补助公示"
LIWAN = "河口乡李湾村_雨露计划助学补助公示_2023年10月9日.docx"
LIST = "雨露计划助学补助公示名单_青山县2023—2024学年.xlsx"


def paid_in_data(example):
    """(student name, amount) of every 雨露计划 payment of school year 2023—2024, from the data."""
    return db_rows(
        example,
        "SELECT st.name, p.amount FROM aid_payments p JOIN students st ON st.student_no = p.student_no "
        "WHERE p.item = '雨露计划助学补助' AND p.term IN ('2023年秋季学期', '2024年春季学期') ORDER BY st.name",
    )


def test_each_village_gets_a_notice_that_matches_the_data(run, example):
    result = run(*ARGS)
    assert result.exit_code == 0, result.output
    assert "已生成 3 个村的雨露计划助学补助公示，共 4 名学生" in result.output
    folder = example / OUT
    notices = sorted(p.name for p in folder.glob("*.docx"))
    assert notices == [
        "河口乡张寨村_雨露计划助学补助公示_2023年10月9日.docx",
        LIWAN,
        "石桥镇刘岗村_雨露计划助学补助公示_2023年10月9日.docx",
    ]
    printed = []
    for name in notices:
        rows = table_starting(folder / name, "序号", "学生姓名")
        assert rows[-1][0] == "合计"
        assert rows[-1][-1] == f"{sum(int(r[-1].replace(',', '')) for r in rows[1:-1]):,}"
        printed += [(r[1], float(r[-1].replace(",", ""))) for r in rows[1:-1]]
    assert sorted(printed) == sorted((n, float(a)) for n, a in paid_in_data(example))
    text = "\n".join(paragraphs(folder / LIWAN))
    assert "河口乡李湾村雨露计划助学补助公示" in text
    assert "按每生每学年3,000元" in text and "2023—2024学年享受补助的2名学生" in text
    assert "（共3,000元）" in text
    assert "公示期：2023年10月9日至2023年10月13日（5天）" in text
    assert "河口乡李湾村村民委员会" in text
    assert not re.search(r"\d{17}[\dXx]|1\d{10}", text)  # no ID number, no mobile
    assert "数据截至2023年10月9日" in small_print(folder / LIWAN)
    listed = records(folder / LIST, "公示名单")
    assert sorted((r["学生姓名"], r["补助金额（元）"]) for r in listed) == sorted(printed)
    assert all(not r["备注"] for r in listed)
    assert records(folder / LIST, "未对应到村") == []


def test_unplaced_and_out_of_scope_students_are_said(run, example):
    # 沈睿's ID matches no person: no village; 魏若曦's household becomes a 一般农户
    db_execute(
        example,
        "UPDATE students SET id_number = '411521200501010000' WHERE name = '沈睿'",
        "UPDATE households SET category = '一般农户', monitor_type = NULL WHERE household_id IN "
        "(SELECT household_id FROM persons WHERE id_number = "
        "(SELECT id_number FROM students WHERE name = '魏若曦'))",
    )
    result = run(*ARGS)
    assert result.exit_code == 0, result.output
    assert "已生成 2 个村的雨露计划助学补助公示，共 3 名学生" in result.output
    assert "1 名已发放的学生证件号码在户籍人口中找不到，未列入任何村的公示" in result.output
    assert "1 名学生的户类别不是脱贫户，也不在监测中" in result.output
    folder = example / OUT
    assert not list(folder.glob("石桥镇刘岗村*"))
    unplaced = records(folder / LIST, "未对应到村")
    assert [(r["学生姓名"], r["补助金额（元）"]) for r in unplaced] == [("沈睿", 1500)]
    flagged = {r["学生姓名"]: r["备注"] for r in records(folder / LIST, "公示名单")}
    assert "请核实" in flagged["魏若曦"] and not flagged["李旭东"]
    assert "魏若曦" in "\n".join(map(str, table_starting(folder / LIWAN, "序号")))


def test_a_short_publicity_period_is_refused_before_any_file(run, example):
    result = run(*ARGS, "--days", "4")
    assert result.exit_code == 3
    assert "公示期不得少于5天" in result.stderr and "--days 为 4" in result.stderr
    assert not (example / OUT).exists() or not list((example / OUT).iterdir())


def test_the_pack_words_and_numbers_the_notice(run, example):
    with open(example / "reportgen.toml", "a", encoding="utf-8") as f:
        f.write("[policy_overrides]\nemployment.yulu_vocational_yearly = 3500\n"
                "monitoring.publicity_min_days = 7\n")  # fmt: skip
    result = run(*ARGS)
    assert result.exit_code == 0, result.output
    text = "\n".join(paragraphs(example / OUT / LIWAN))
    assert "按每生每学年3,500元" in text and "3,000元发放" not in text
    assert "2023年10月9日至2023年10月15日（7天）" in text
    assert "公示期不得少于7天" in run(*ARGS, "--days", "5").stderr


def test_the_pool_writes_the_same_files(run, example, pools):
    one = run(*ARGS, "--workers", "1", "--out", "one")
    two = run(*ARGS, "--workers", "2", "--out", "two")
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert pools == [2]  # two townships: two partitions
    from test_parallel import files, manifest

    assert files(example / "one") == files(example / "two")
    assert manifest(example / "one") == manifest(example / "two")


def test_the_kind_is_in_the_catalog_and_the_demo_folder():
    kind = BY_COMMAND["yulu-notice"]
    assert kind.templates == ("雨露计划补助公示",) and kind.batch
