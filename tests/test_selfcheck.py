"""reportgen selfcheck: the quarterly report read back against `check --json`, the problem list with
its chart, new/persisting/resolved across two quarters, the 整改措施 override, the rules docs page."""

import json
import re
import zipfile

import pytest
from builders import HEAD_A, HOUSEHOLDS, PERSONS, REGIONS, db_rows, write_xlsx
from docx import Document
from docx.oxml.ns import qn
from docx.shared import RGBColor
from openpyxl import load_workbook

from reportgen.config import load_policy
from reportgen.documents.report_blocks import mask_ids
from reportgen.documents.selfcheck import Quarter, parse_quarter
from reportgen.errors import ConfigError
from reportgen.rules import builtin_rules, load_rules

REPORT = "输出/自查报告/青山县_2023年第三季度_自查报告.docx"
LIST = "输出/自查报告/青山县_2023年第三季度_自查问题清单.xlsx"
FULL_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9])")


def paragraphs(path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def all_text(path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def rule_counts(path, workspace=None) -> dict[str, int]:
    """Per rule, the count the report's 二、发现的问题 states in each rule's lead (“1.title（N户，严重）。”);
    the rules are the built-in ones and `workspace`'s own."""
    policy = load_policy("henan-2023")
    titles = {r.title_text(policy): r.id for r in load_rules(workspace).values()}
    texts = paragraphs(path)
    start, end = texts.index("二、发现的问题"), texts.index("三、整改措施")
    counts = {}
    for text in texts[start:end]:
        m = re.match(r"^\d+\.(.+?)（(\d+)[^，]*，(?:严重|一般|提示)）。", text)
        if m:
            counts[titles[m.group(1)]] = int(m.group(2))
    return counts


def test_quarters():
    q = parse_quarter("2023Q3")
    assert (q.label, q.start.isoformat(), q.end.isoformat()) == (
        "2023年第三季度",
        "2023-07-01",
        "2023-09-30",
    )
    assert parse_quarter("2023-q4").end.isoformat() == "2023-12-31"
    assert parse_quarter("2023年第一季度") == Quarter(2023, 1)
    assert parse_quarter(" 2024Q1 ").end.isoformat() == "2024-03-31"
    for bad in ("2023Q5", "2023Q0", "23Q3", "2023-09", "Q3", ""):
        with pytest.raises(ConfigError, match="季度写法不对"):
            parse_quarter(bad)


def test_bad_quarter_is_a_chinese_error_with_exit_code_3(run, example):
    result = run("selfcheck", "--quarter", "2023Q5")
    assert result.exit_code == 3
    assert "季度写法不对：2023Q5" in result.stderr
    assert not (example / "输出").exists()


def test_report_counts_equal_check_json(run, example):
    result = run("selfcheck", "--quarter", "2023Q3")
    assert result.exit_code == 0, result.output
    found = json.loads(run("check", "--as-of", "2023-09-30", "--json").stdout)
    expected = {}
    for f in found:
        expected[f["rule"]] = expected.get(f["rule"], 0) + 1
    texts = paragraphs(example / REPORT)
    for heading in ("一、基本情况", "二、发现的问题", "三、整改措施"):
        assert heading in texts
    for group in (
        "（一）责任落实方面",
        "（二）政策落实方面",
        "（三）工作落实方面",
        "（四）成效巩固方面",
    ):
        assert group in texts
    assert rule_counts(example / REPORT) == expected
    assert f"发现问题 {len(found)} 个" in result.stdout
    assert any(f"共发现问题{len(found)}个" in t for t in texts)
    # 三、整改措施: one numbered measure per rule with findings, the rule's built-in text
    measures = texts[texts.index("三、整改措施") :]
    assert any(
        re.fullmatch(
            r"\d+\.识别认定超过15天。"
            + builtin_rules()["M-IDENT"].bound(load_policy("henan-2023")).fix,
            t,
        )
        for t in measures
    )
    assert sum(1 for t in measures if re.match(r"^\d+\.", t)) == len(expected)
    # basis by 文件名称 and 文号 only (no 梳理 section); examples without a full ID number
    ident = next(t for t in texts if re.match(r"\d+\.识别认定超过15天（", t))
    assert "豫农领发〔2021〕4号）。" in ident and "王建伟（户编号H0126）" in ident
    assert "三.一.(二).2④" not in ident
    uninsured = next(t for t in texts if "脱贫人口、监测对象未参加基本医疗保险（4人" in t)
    assert "刘振华（证件号码413***********6893）" in uninsured
    assert not FULL_ID.search(all_text(example / REPORT))
    from reportgen.engine.ooxml_order import check_package

    assert check_package(example / REPORT) == []  # what Word requires (the grids were rewritten)


def test_indicators_by_township(run, example):
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    doc = Document(str(example / REPORT))
    indicators = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows}
    rate = indicators["脱贫人口、监测对象基本医保参保率"]
    assert rate[2] == "99.28%（参保553人/应参保557人）" and rate[3] == "达标"
    assert indicators["住房安全问题"][2:] == ["C/D级危房或无房未改造3户", "未清零"]
    assert indicators["饮水安全问题"][2:] == ["饮水不达标4户", "未清零"]
    # 2023 projects by 计划开工日期 (one 2022 project of 46.6584 万元 is not in the year's share)
    share = indicators["中央衔接资金用于产业发展的比重"]
    assert share[2].startswith("74.08%") and "2,096.9365万元" in share[2] and share[3] == "达标"
    # 义务教育阶段 cases neither returned nor closed
    assert indicators["义务教育阶段失学辍学"][3] == "未清零"
    by_town = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[1].rows}
    assert by_town["城关镇"][4] == "98.63%\n未达标"
    assert by_town["河口乡"][4] == "99.47%" and by_town["石桥镇"][4] == "99.55%"
    assert by_town["合计"][4] == "99.28%"


def test_the_income_make_up_indicator(run, example):
    """第四部分 1②: the shares of wage and business income among 脱贫户 that report them, weighted by
    their members; without any such household the report says the data do not have it."""
    from builders import db_execute, db_rows

    # the example county reports the make-up for four 脱贫户 (its I-DROP/I-LOW cases): cleared here
    db_execute(example, "update households set wage_income = NULL, business_income = NULL")
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    doc = Document(str(example / REPORT))
    row = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows}
    name = "脱贫人口工资性收入、生产经营性收入在人均纯收入中的占比"
    assert row[name][2:] == ["数据未填人均工资性收入、人均生产经营性收入", "—"]
    # two 脱贫户: 1 member at 10,000 (6,000 wage, 1,000 business) and n members at 20,000 (5,000, 5,000)
    (one,), (two,) = db_rows(example, "select household_id from households where category = '脱贫户' "
                                      "order by household_id limit 2")  # fmt: skip
    size = db_rows(example, "select count(*) from persons where household_id = :h", h=two)[0][0]
    first = db_rows(example, "select count(*) from persons where household_id = :h", h=one)[0][0]
    db_execute(
        example,
        f"update households set income_per_capita = 10000, wage_income = 6000, business_income = 1000 where household_id = '{one}'",
        f"update households set income_per_capita = 20000, wage_income = 5000, business_income = 5000 where household_id = '{two}'",
    )  # fmt: skip
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    doc = Document(str(example / REPORT))
    row = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows}
    total = 10000 * first + 20000 * size
    wage = (6000 * first + 5000 * size) / total
    business = (1000 * first + 5000 * size) / total
    assert row[name][2] == (
        f"工资性收入占{wage * 100:.1f}%、生产经营性收入占{business * 100:.1f}%（填报了收入构成的脱贫户2户）"
    )


def test_problem_list_has_a_sheet_per_rule_and_a_chart(run, example):
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    found = json.loads(run("check", "--as-of", "2023-09-30", "--json").stdout)
    wb = load_workbook(example / LIST)
    summary = {r[1]: r for r in wb["汇总"].iter_rows(min_row=4, values_only=True) if r[1]}
    builtin = builtin_rules()
    assert set(summary) >= set(builtin)  # every rule, with or without findings (code: a column)
    assert all(summary[rid][8] == sum(1 for f in found if f["rule"] == rid) for rid in builtin)
    # one sheet per rule with findings, named in Chinese by the rule's title (汇总 says which)
    rule_sheets = {rid: row[12] for rid, row in summary.items() if row[12]}
    assert set(rule_sheets) == {f["rule"] for f in found}
    assert wb.sheetnames[:2] == ["汇总", "按乡镇统计"] and set(wb.sheetnames[2:]) == set(
        rule_sheets.values()
    )
    assert all(
        name == builtin[rid].title_text(load_policy("henan-2023")).replace("/", "_")[:31]
        for rid, name in rule_sheets.items()
    )
    assert all(len(name) <= 31 and not re.search(r"[A-Z]-", name) for name in wb.sheetnames)
    for rule_id, name in rule_sheets.items():
        keys = [r[3] for r in wb[name].iter_rows(min_row=4, values_only=True)]
        # the list goes up with the report: ID numbers masked by default, other keys as they are
        assert keys == [mask_ids(f["key"]) for f in found if f["rule"] == rule_id]
    uninsured = [
        r[3] for r in wb[rule_sheets["H-UNINSURED"]].iter_rows(min_row=4, values_only=True)
    ]
    assert uninsured and all(re.fullmatch(r"\d{3}\*{11}\d{3}[\dX]", k) for k in uninsured)
    assert not any(
        FULL_ID.search(str(c)) for ws in wb for r in ws.iter_rows(values_only=True) for c in r if c
    )
    assert "证件号码已遮挡" in wb["汇总"]["A2"].value
    assert wb["按乡镇统计"]._charts
    with zipfile.ZipFile(example / LIST) as zf:
        chart = zf.read("xl/charts/chart1.xml").decode()
    assert (
        '<c:grouping val="stacked"/>' in chart and chart.count("<c:ser>") == 3
    )  # one per township


def test_township_report(run, example):
    result = run("selfcheck", "--quarter", "2023Q3", "--township", "城关镇")
    assert result.exit_code == 0, result.output
    path = example / "输出/自查报告/城关镇_2023年第三季度_自查报告.docx"
    found = json.loads(
        run("check", "--as-of", "2023-09-30", "--township", "城关镇", "--json").stdout
    )
    expected = {}
    for f in found:
        expected[f["rule"]] = expected.get(f["rule"], 0) + 1
    assert rule_counts(path) == expected
    doc = Document(str(path))
    assert "98.63%（参保144人/应参保146人）" in doc.tables[0].rows[1].cells[2].text
    villages = [r.cells[0].text for r in doc.tables[1].rows[1:]]
    assert villages == ["王庄村", "东关村", "柳河村", "合计"]
    assert "城关镇人民政府" in paragraphs(path)
    assert (example / "输出/自查报告/城关镇_2023年第三季度_自查问题清单.xlsx").is_file()
    assert (
        run("selfcheck", "--quarter", "2023Q3", "--township", "城关镇", "--county").exit_code == 3
    )


# ------------------------------------------------------------------------------ two quarters
def _county(folder, *, head_a_insured: str, h003_income: int):
    """The tiny county with H001 short of water (both quarters), H001's head uninsured or not,
    H003's income above or below the line."""
    households = [HOUSEHOLDS[0] + ["人均日用水量", "帮扶责任人"]]
    for row in HOUSEHOLDS[1:]:
        row = list(row)
        if row[0] == "H003":
            row[7] = h003_income
        households.append(row + [39 if row[0] == "H001" else 60, "赵干部"])
    persons = [list(PERSONS[0])] + [
        [*p[:6], head_a_insured if p[0] == HEAD_A else p[6]] for p in PERSONS[1:]
    ]
    return write_xlsx(
        folder / "户.xlsx", {"行政区划": REGIONS, "户信息": households, "人员信息": persons}
    )


def test_second_quarter_says_what_was_fixed(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    _county(workspace / "q2", head_a_insured="否", h003_income=12000)
    assert run("import", "q2").exit_code == 0
    assert run("selfcheck", "--quarter", "2023Q2").exit_code == 0
    _county(workspace / "q3", head_a_insured="是", h003_income=7000)
    assert run("import", "q3").exit_code == 0
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-15")  # a run before the quarter is over
    early = run("selfcheck", "--quarter", "2023Q3")
    assert "检查日 2023年9月15日" in early.stdout
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    result = run("selfcheck", "--quarter", "2023Q3")
    assert result.exit_code == 0, result.output
    assert "与上次自查（2023年第二季度）相比" in result.stdout

    texts = paragraphs(workspace / REPORT)
    water = next(
        t for t in texts if t.startswith(tuple(f"{i}.饮水安全不达标" for i in range(1, 20)))
    )
    assert "与上次自查（2023年第二季度）相比：新增0户，仍未整改1户，已整改0户。" in water
    unmonitored = next(
        t for t in texts if "收入低于监测范围但未纳入监测" in t and "户编号H003" in t
    )
    assert "新增1户，仍未整改0户，已整改0户" in unmonitored
    assert any("“脱贫人口、监测对象未参加基本医疗保险”1人已全部整改" in t for t in texts)

    wb = load_workbook(workspace / LIST)
    summary = {r[1]: r[8:12] for r in wb["汇总"].iter_rows(min_row=4, values_only=True) if r[1]}
    assert summary["W-WATER"] == (1, 0, 1, 0)
    assert summary["M-UNMONITORED"] == (1, 1, 0, 0)
    assert summary["H-UNINSURED"] == (0, 0, 0, 1)
    resolved = [r[1:4] for r in wb["已整改"].iter_rows(min_row=4, values_only=True)]
    assert ("H-UNINSURED", "脱贫人口、监测对象未参加基本医疗保险", mask_ids(HEAD_A)) in resolved
    sheet = wb[builtin_rules()["M-UNMONITORED"].title_text(load_policy("henan-2023"))]
    head = [c.value for c in sheet[3]]
    assert head.count("户编号") == 1  # the key column: not repeated
    status = {r[head.index("户编号")]: r[head.index("与上次自查相比")] for r in sheet.iter_rows(min_row=4, values_only=True)}  # fmt: skip
    assert status == {"H003": "新增"}

    # a quarter's run replaces the quarter's earlier ones: two runs, and the comparison is unchanged
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    labels = db_rows(
        workspace, "select label, as_of from check_runs where kind='selfcheck' order by as_of"
    )
    assert labels == [("2023年第二季度", "2023-06-30"), ("2023年第三季度", "2023-09-30")]
    assert summary == {r[1]: r[8:12] for r in load_workbook(workspace / LIST)["汇总"].iter_rows(min_row=4, values_only=True) if r[1]}  # fmt: skip


# ------------------------------------------------------------------------------ 整改措施 text
def test_county_rewrites_the_measures(run, example):
    result = run("rules", "fixes")
    assert result.exit_code == 0, result.output
    path = example / "rules" / "整改措施.toml"
    text = path.read_text(encoding="utf-8")
    fix = builtin_rules()["W-WATER"].bound(load_policy("henan-2023")).fix
    assert f'"W-WATER" = "{fix}"' in text
    path.write_text(text.replace(fix, "水利局牵头，10月底前逐户解决。"), encoding="utf-8")
    assert run("rules", "fixes").exit_code == 3  # exists: not overwritten without --force
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    measures = paragraphs(example / REPORT)
    measures = measures[measures.index("三、整改措施") :]
    assert any(t.endswith("饮水安全不达标。水利局牵头，10月底前逐户解决。") for t in measures)
    assert any(
        t.endswith(
            "识别认定超过15天。" + builtin_rules()["M-IDENT"].bound(load_policy("henan-2023")).fix
        )
        for t in measures
    )
    path.write_text("W-WATER = 3\n", encoding="utf-8")
    bad = run("selfcheck", "--quarter", "2023Q3")
    assert bad.exit_code == 3 and "整改措施文件" in bad.stderr


# ------------------------------------------------------------------------------ docs
def test_rules_page_is_generated_from_the_registry():
    from pathlib import Path

    from reportgen.rules.docs import descriptions, generated_part, rules_markdown

    page = (Path(__file__).parents[1] / "docs" / "自查规则.md").read_text(encoding="utf-8")
    assert generated_part(page) == rules_markdown(), "run: python -m reportgen.rules.docs --update"
    from reportgen.config import load_policy

    builtin = set(builtin_rules())
    missing = builtin - set(descriptions(load_policy("henan-2023")))
    assert not missing, f"describe these rules in reportgen/rules/docs.py: {sorted(missing)}"
    assert "发现9月1日、审批9月16日为15天，不报；9月17日为16天，报" in page


def test_report_templates_are_built_deterministically_and_committed(tmp_path):
    import importlib.util
    from pathlib import Path

    root = Path(__file__).parents[1]
    spec = importlib.util.spec_from_file_location(
        "build_report_templates", root / "tools/build_report_templates.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in mod.TEMPLATES:
        a, b = tmp_path / f"a_{name}.docx", tmp_path / f"b_{name}.docx"
        mod.report_docx(a, name)
        mod.report_docx(b, name)
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() == (root / "templates/docx" / f"{name}.docx").read_bytes(), (
            "stale template: run python tools/build_report_templates.py"
        )


def test_the_docs_example_rule_runs_in_the_report(run, example, forget_user_rules):
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "自查规则.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(# rules/联系电话\.py\n.*?)```", page, re.S).group(1)
    (example / "rules").mkdir()
    (example / "rules" / "联系电话.py").write_text(code, encoding="utf-8")
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    found = json.loads(
        run("check", "--as-of", "2023-09-30", "--json", "--rule", "X-NO-PHONE").stdout
    )
    assert found and all(f["detail"] == "监测户未填联系电话" for f in found)
    texts = paragraphs(example / REPORT)
    assert any("（其中本县自定义1项）" in t for t in texts)
    assert rule_counts(example / REPORT, example)["X-NO-PHONE"] == len(found)
    sheet = load_workbook(example / LIST)["监测户未填联系电话"]
    assert [r[3] for r in sheet.iter_rows(min_row=4, values_only=True)] == [f["key"] for f in found]

    from reportgen.config import load_policy
    from reportgen.rules.docs import describe

    assert (
        describe(load_rules(example)["X-NO-PHONE"], load_policy("henan-2023"))
        == "正在监测的户，户信息“联系电话”为空的报。"
    )


# ------------------------------------------------------------------------------ 公文 parts ([issuer])
BLANK = "＿" * 8
SUBJECT = "2023年第三季度\n巩固拓展脱贫攻坚成果自查情况的报告"
ISSUER = """
[issuer]
organ = "青山县乡村振兴局"
number_pattern = "青乡振〔{year}〕{n}号"
signer = "张三"
recipients.selfcheck = "市乡村振兴局"
recipients.monthly = "青山县财政局、青山县卫生健康委员会、青山县医疗保障局"
contact = "王丽"
phone = "0376-5550110"
"""


def configure(workspace, text: str) -> None:
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n' + text, encoding="utf-8"
    )


def notes(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("提示：")]


def manifest_notes(folder) -> list[str]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("notes", [])


def signature_block(texts: list[str], date: str = "2023年10月8日") -> tuple[str, str]:
    """(落款, 附注): the lines above and below the 成文日期."""
    i = texts.index(date)
    return texts[i - 1], texts[i + 1]


def test_configured_issuer_prints_every_part_of_the_report(run, example):
    configure(example, ISSUER)
    result = run("selfcheck", "--quarter", "2023Q3")
    assert result.exit_code == 0, result.output
    assert notes(result) == [] and manifest_notes(example / "输出/自查报告") == []
    doc = Document(str(example / REPORT))
    texts = [p.text for p in doc.paragraphs]
    # 版头 of a 上行文 (GB/T 9704-2012 7.2): red 发文机关标志, 发文字号 left and 签发人 right on one
    # line, a red line under it; then the title naming the organ of the 落款, and the 主送机关
    assert texts[:6] == ["青山县乡村振兴局文件", "\u3000青乡振〔2023〕1号\t签发人：张三\u3000", "", "",
                         "青山县乡村振兴局关于" + SUBJECT, "市乡村振兴局："]  # fmt: skip
    assert doc.paragraphs[0].runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)
    line = doc.paragraphs[1]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (line.get(qn("w:val")), line.get(qn("w:color"))) == ("single", "FF0000")
    assert doc.paragraphs[1].runs[3].font.name == "楷体_GB2312"  # the signer's name in 楷体
    assert signature_block(texts) == ("青山县乡村振兴局", "（联系人：王丽，电话：0376-5550110）")

    first = (example / REPORT).read_bytes()
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0  # the same document: its number
    assert (example / REPORT).read_bytes() == first
    assert run("selfcheck", "--quarter", "2023Q2").exit_code == 0  # a new period: the next number
    assert paragraphs(example / "输出/自查报告/青山县_2023年第二季度_自查报告.docx")[1].startswith(
        "\u3000青乡振〔2023〕2号\t"
    )
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    assert paragraphs(example / REPORT)[1].startswith("\u3000青乡振〔2023〕1号\t")


def test_the_number_runs_per_year_and_a_letter_shares_the_pattern(run, example, monkeypatch):
    configure(example, ISSUER)
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-12-31")
    assert run("selfcheck", "--quarter", "2023Q4").exit_code == 0
    assert paragraphs(example / "输出/自查报告/青山县_2023年第四季度_自查报告.docx")[1].startswith(
        "\u3000青乡振〔2023〕1号\t"
    )
    # the monthly letter has no letter_number_pattern: it takes the organ's one sequence
    assert run("monthly", "--month", "2023-11").exit_code == 0
    letter = paragraphs(example / "输出/月报/青山县_2023年11月_监测对象新增退出名单.docx")
    assert letter[:2] == ["青山县乡村振兴局", "青乡振〔2023〕2号"]  # 信函格式: no 文件, no 签发人
    monkeypatch.setenv("REPORTGEN_TODAY", "2024-01-01")  # a new year starts again at 1
    assert run("monthly", "--month", "2023-12").exit_code == 0
    letter = paragraphs(example / "输出/月报/青山县_2023年12月_监测对象新增退出名单.docx")
    assert letter[1] == "青乡振〔2024〕1号"
    assert "签发人" not in "\n".join(letter)


def test_parts_not_configured_are_blank_and_said_once_each(run, example):
    configure(example, "")
    result = run("selfcheck", "--quarter", "2023Q3")
    assert result.exit_code == 0, result.output
    expected = [f"提示：reportgen.toml 未设置 [issuer] {key}（{label}），自查报告中留空待手填"
                for key, label in (("organ", "发文机关"), ("number_pattern", "发文字号"), ("signer", "签发人"),
                                   ("recipients.selfcheck", "主送机关"), ("contact", "联系人"), ("phone", "联系电话"))]  # fmt: skip
    assert notes(result) == expected
    assert manifest_notes(example / "输出/自查报告") == expected
    texts = paragraphs(example / REPORT)
    assert texts[:6] == [
        BLANK,
        f"\u3000{BLANK}\t签发人：{BLANK}\u3000",
        "",
        "",
        "关于青山县" + SUBJECT,
        f"{BLANK}：",
    ]
    assert signature_block(texts) == (BLANK, f"（联系人：{BLANK}，电话：{BLANK}）")
    assert "青山县乡村振兴局" not in all_text(
        example / REPORT
    )  # never made up from the county's name


def test_offices_county_still_names_the_organ(run, example):
    """The example's reportgen.toml sets only the older offices.county: title and 落款 use it."""
    result = run("selfcheck", "--quarter", "2023Q3")
    assert result.exit_code == 0, result.output
    assert not any("organ" in n for n in notes(result)) and len(notes(result)) == 5
    texts = paragraphs(example / REPORT)
    assert texts[0] == "青山县乡村振兴局文件" and texts[4] == "青山县乡村振兴局关于" + SUBJECT
    assert signature_block(texts)[0] == "青山县乡村振兴局"
    shown = json.loads(run("config", "show", "--json").stdout)["settings"]["issuer.organ"]
    assert shown["value"] == "青山县乡村振兴局" and shown["source"].startswith("offices.county（")


def test_a_township_report_is_the_townships_own(run, example):
    configure(example, ISSUER)
    result = run("selfcheck", "--quarter", "2023Q3", "--township", "城关镇")
    assert result.exit_code == 0, result.output
    assert notes(result) == ["提示：[issuer] 是县级发文机关的设置，不用于城关镇人民政府的自查报告；"
                             "发文字号、签发人、主送机关、联系人和电话留空待手填"]  # fmt: skip
    path = example / "输出/自查报告/城关镇_2023年第三季度_自查报告.docx"
    texts = paragraphs(path)
    assert texts[0] == "城关镇人民政府文件" and texts[4] == "城关镇人民政府关于" + SUBJECT
    assert texts[1] == f"\u3000{BLANK}\t签发人：{BLANK}\u3000" and texts[5] == f"{BLANK}："
    assert signature_block(texts)[0] == "城关镇人民政府"
    assert "张三" not in all_text(path) and "青乡振" not in all_text(path)


def test_the_problem_list_ids_follow_the_setting_and_the_option(run, example):
    configure(example, '[ids]\nselfcheck_list = "完整"\n')
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    found = [f for f in json.loads(run("check", "--as-of", "2023-09-30", "--json").stdout) if f["rule"] == "H-UNINSURED"]  # fmt: skip

    def keys():
        sheet = load_workbook(example / LIST)[
            builtin_rules()["H-UNINSURED"].title_text(load_policy("henan-2023"))
        ]
        return [r[3] for r in sheet.iter_rows(min_row=4, values_only=True)]

    assert keys() == [f["key"] for f in found] and all(FULL_ID.fullmatch(k) for k in keys())
    assert not FULL_ID.search(all_text(example / REPORT))  # the report itself always masks
    assert run("selfcheck", "--quarter", "2023Q3", "--masked-ids").exit_code == 0
    assert keys() == [mask_ids(f["key"]) for f in found]


# ------------------------------------------------------------------------------ official words only
SOFTWARE_WORDS = {
    "规则编号": re.compile(r"(?<![A-Za-z0-9])[A-Z]+-[A-Z0-9-]+"),
    "梳理章节": re.compile(r"梳理|[一二三四五]\.[一二三四五六七八九十]+\.\(|第[一二三四五]部分"),
    "导入": re.compile("导入"),
    "Excel": re.compile("Excel", re.I),
    "首次自查": re.compile("首次自查"),
}


def software_words(path) -> list[str]:
    """Words of the program, not of the policy, in a .docx's paragraphs and tables. The small-print
    data source line (数据来源：第N次导入…, DOMAIN §4 for internal documents) is not body text."""
    text = "\n".join(t for t in all_text(path).split("\n") if not t.startswith("数据来源："))
    return [
        f"{name}：{m.group(0)}" for name, rx in SOFTWARE_WORDS.items() for m in rx.finditer(text)
    ]


def test_report_and_letter_speak_the_policys_words(run, example):
    configure(example, ISSUER)
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    assert run("monthly", "--month", "2023-09").exit_code == 0
    letter = example / "输出/月报/青山县_2023年9月_监测对象新增退出名单.docx"
    assert software_words(example / REPORT) == []
    assert software_words(letter) == []
    texts = paragraphs(example / REPORT)
    assert (
        "附件：青山县2023年第三季度自查问题清单" in texts
    )  # GB/T 9704 7.3.4: one attachment, no number
    assert any(
        t.startswith("按照《中共河南省委 河南省人民政府") and "（豫农领发〔2021〕4号）要求" in t
        for t in texts
    )
    # the rule codes are in the list instead, beside the Chinese sheet names
    summary = load_workbook(example / LIST)["汇总"]
    assert summary["B3"].value == "规则编号" and summary["B4"].value in builtin_rules()
