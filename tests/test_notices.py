"""reportgen notice: the right rows for the right place, periods, amounts, privacy, the notice record."""

import subprocess
import zipfile

import pytest
from builders import HEAD_B, db_rows, full_county, write_xlsx
from docx import Document
from openpyxl import load_workbook

PROJECTS = [
    ["项目编号", "项目名称", "项目类型", "实施地点", "建设内容及规模", "中央衔接资金", "省级衔接资金", "县级衔接资金", "实施单位",
     "项目负责人", "计划开工日期", "计划完工日期", "项目状态", "受益户数", "受益人数", "受益脱贫户数", "受益监测户数", "联农带农机制",
     "绩效目标", "实际完工日期", "验收日期", "已拨付资金", "已支付资金"],
    # Two townships' villages: the county's notice only.
    ["XM101", "两村道路硬化", "乡村建设", "411599101201、411599102201", "硬化道路2公里", 12.3456, 1.0001, 0.5, "城关镇人民政府",
     "", "2023-04-01", "2023-10-31", "实施中", 120, 400, 30, 5, "吸纳务工", "方便出行", "", "", "", ""],
    ["XM102", "河口王庄养殖场", "产业发展", "411599102201", "建设牛舍500㎡", 50, 0, 10.1234, "河口乡人民政府",
     "王建国", "2023-03-01", "2023-08-31", "已验收", 40, 130, 20, 3, "分红带动", "户均增收800元", "2023-08-20", "2023-08-28",
     60.1234, 58.5],
    ["XM103", "李湾村水渠", "乡村建设", "411599102202", "修渠1公里", 8, 0, 0, "河口乡人民政府",
     "", "2023-05-01", "", "计划", 60, 200, 0, 0, "", "", "", "", "", ""],
    ["XM104", "王庄村2022年项目", "乡村建设", "411599102201", "往年项目", 1, 0, 0, "河口乡人民政府",
     "", "2022-05-01", "", "实施中", 1, 1, 0, 0, "", "", "", "", "", ""],
    # Two villages of one township: the township's notice, not either village's.
    ["XM105", "河口乡两村灌溉渠", "乡村建设", "411599102201、411599102202", "修渠3公里", 20, 0, 0, "河口乡人民政府",
     "李渠", "2023-03-01", "2023-07-31", "已完工", 90, 300, 25, 4, "", "灌溉农田800亩", "2023-07-25", "", 20, ""],
    ["XM106", "河口王庄村路灯", "乡村建设", "411599102201", "安装路灯40盏", 3, 0, 0, "河口乡人民政府",
     "", "2023-06-01", "2023-10-31", "实施中", 50, 160, 10, 2, "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture
def ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-01")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\ncounty = "青山县乡村振兴局"\n'
        '[hotlines]\nsupervision = "0376-5550317"\noffice_numbers = ["13900000000"]\n',
        encoding="utf-8",
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    procs = [["户编号", "程序类型", "风险类型", "风险发现日期", "入户核实日期", "公示开始日期", "公示结束日期", "县级审批日期"],
             ["H002", "风险消除", "因病", "2023-08-20", "2023-08-25", "2023-09-01", "2023-09-05", ""],
             ["H003", "识别纳入", "因灾", "2023-08-28", "2023-08-30", "", "", ""],
             ["H001", "识别纳入", "因病", "2023-08-28", "2023-08-30", "2023-09-08", "2023-09-12", ""]]  # fmt: skip
    write_xlsx(workspace / "more.xlsx", {"项目": PROJECTS, "监测帮扶": procs})
    assert run("import", "more.xlsx").exit_code == 0
    return workspace


def text_of(path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for r in t.rows:
            parts.append(" | ".join(c.text for c in r.cells))
    return "\n".join(parts)


OUT = ("输出", "公示公告")


def test_each_project_in_the_notice_of_the_place_it_lies_in(run, ws):
    out = ws.joinpath(*OUT)
    both = ("--kind", "project", "--kind", "project-result", "--date", "2023-09-01")
    assert run("notice", "--village", "河口乡/王庄村", *both).exit_code == 0
    planned = text_of(out / "河口乡王庄村_项目公示_2023年9月1日.docx")
    assert "河口王庄村路灯" in planned
    assert "河口王庄养殖场" not in planned  # 已验收 → 项目公告, not 项目公示
    assert (
        "李湾村水渠" not in planned and "王庄村2022年项目" not in planned
    )  # other village, other year
    # Several 实施地点: never in one village's notice with the whole amount.
    assert "两村道路硬化" not in planned
    done = text_of(out / "河口乡王庄村_项目公告_2023年9月1日.docx")
    assert "河口王庄养殖场" in done and "河口乡两村灌溉渠" not in done
    assert run("notice", "--village", "411599102202", *both).exit_code == 0
    assert "河口乡两村灌溉渠" not in text_of(out / "河口乡李湾村_项目公示_2023年9月1日.docx")
    assert not (out / "河口乡李湾村_项目公告_2023年9月1日.docx").exists()
    # Two villages of 河口乡: the township's notice, with both places printed.
    assert run("notice", "--township", "河口乡", *both).exit_code == 0
    township = Document(out / "河口乡_项目公告_2023年9月1日.docx")
    rows = [[c.text for c in r.cells] for r in township.tables[0].rows]
    assert [r[1] for r in rows[1:]] == ["河口王庄养殖场", "河口乡两村灌溉渠"]
    assert rows[2][3] == "王庄村、李湾村"
    assert "两村道路硬化" not in text_of(out / "河口乡_项目公示_2023年9月1日.docx")
    # Spanning two townships: the county's notice, places with their township (two 王庄村).
    result = run("notice", "--village", "411599101201", "--kind", "project", "--date", "2023-09-01")
    assert result.exit_code == 0 and "项目公示：没有符合条件的内容，未生成" in result.output
    assert run("notice", "--county", "--date", "2023-09-01").exit_code == 0
    county = Document(out / "青山县_项目公示_2023年9月1日.docx")
    row = next(
        [c.text for c in r.cells]
        for r in county.tables[0].rows
        if r.cells[1].text == "两村道路硬化"
    )
    assert row[3] == "城关镇王庄村、河口乡王庄村"
    assert county.paragraphs[0].text == "青山县2023年度衔接资金项目公示"
    assert "青山县乡村振兴局" in text_of(out / "青山县_项目公示_2023年9月1日.docx")


def test_project_result_notice_shows_what_was_done(run, ws):
    result = run(
        "notice", "--village", "河口乡/王庄村", "--kind", "project-result", "--date", "2023-09-01"
    )
    assert result.exit_code == 0, result.output
    path = ws.joinpath(*OUT) / "河口乡王庄村_项目公告_2023年9月1日.docx"
    doc = Document(path)
    heads, row = ([c.text for c in r.cells] for r in doc.tables[0].rows)
    assert (
        heads[3] == "实施地点" and heads[5] == "资金安排及使用（万元）" and heads[7] == "完工及验收"
    )
    assert row[1] == "河口王庄养殖场" and row[3] == "王庄村"
    assert row[5] == "中央50.0000\n县级10.1234\n合计60.1234\n已拨付60.1234\n已支付58.5000"
    assert row[6] == "河口乡人民政府\n负责人：王建国"
    assert row[7] == "完工：2023年8月20日\n验收：2023年8月28日"
    assert row[8] == "40户130人\n其中脱贫户20户、监测户3户"
    text = text_of(path)
    # The township's name in the title and the 落款: two villages of the county are called 王庄村.
    assert doc.paragraphs[0].text == "河口乡王庄村2023年度衔接资金项目公告"
    assert "公告期：2023年9月1日至2023年9月10日（共10天）。" in text and "公示期" not in text
    assert "公告期内如有异议，请向河口乡王庄村村民委员会反映" in text
    assert [p.text for p in doc.paragraphs if p.text.strip()][-2:] == [
        "河口乡王庄村村民委员会",
        "2023年9月1日",
    ]
    sheet = load_workbook(path.with_suffix(".xlsx")).active
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "序号")
    data = dict(zip(header, next(r for r in sheet.iter_rows(values_only=True) if r[1] == "XM102")))
    assert (
        data["实施地点"],
        data["项目负责人"],
        data["已拨付（万元）"],
        data["已支付（万元）"],
    ) == ("王庄村", "王建国", 60.1234, 58.5)
    # A result the data lack is printed as 未录入 and said on screen; 已完工 without 验收日期 is 尚未验收.
    result = run(
        "notice", "--township", "河口乡", "--kind", "project-result", "--date", "2023-09-01"
    )
    assert "XM105（河口乡两村灌溉渠）缺已支付资金" in result.output
    row = [
        c.text
        for c in Document(ws.joinpath(*OUT) / "河口乡_项目公告_2023年9月1日.docx")
        .tables[0]
        .rows[2]
        .cells
    ]
    assert (
        row[5].endswith("已拨付20.0000\n已支付未录入")
        and row[7] == "完工：2023年7月25日\n验收：尚未验收"
    )


def test_amounts_in_wan_with_four_decimals_and_their_total(run, ws):
    assert run("notice", "--county", "--kind", "project", "--date", "2023-09-01").exit_code == 0
    out = ws.joinpath(*OUT)
    text = text_of(out / "青山县_项目公示_2023年9月1日.docx")
    assert "中央12.3456\n省级1.0001\n县级0.5000\n合计13.8457" in text
    sheet = load_workbook(out / "青山县_项目公示_2023年9月1日.xlsx").active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "XM101")
    assert row[6:13] == (12.3456, 1.0001, 0, 0.5, 0, 0, 13.8457)


def test_monitoring_notices_are_not_county_notices(run, ws):
    result = run("notice", "--county", "--kind", "inclusion", "--date", "2023-09-01")
    assert result.exit_code == 3 and "在村内张贴" in result.stderr


def test_period_counts_both_ends_and_minimum_is_enforced(run, ws):
    result = run(
        "notice", "--village", "河口乡/王庄村", "--kind", "elimination", "--date", "2023-09-01"
    )
    assert result.exit_code == 0, result.output
    text = text_of(ws.joinpath(*OUT) / "河口乡王庄村_风险消除公示_2023年9月1日.docx")
    assert "公示期：2023年9月1日至2023年9月5日（共5天）。" in text
    assert "监督电话：12317、0376-5550317" in text
    assert "李二河 | 2人 | 边缘易致贫户 | 因病 | 2023年8月25日" in text
    assert HEAD_B not in text
    short = run(
        "notice",
        "--village",
        "河口乡/王庄村",
        "--kind",
        "elimination",
        "--date",
        "2023-09-01",
        "--days",
        "4",
    )
    assert short.exit_code == 3 and "不得少于5天" in short.stderr
    longer = run(
        "notice",
        "--village",
        "河口乡/王庄村",
        "--kind",
        "project",
        "--date",
        "2023-09-01",
        "--days",
        "7",
    )
    assert "公示期：2023年9月1日至2023年9月7日（共7天）。" in text_of(
        ws.joinpath(*OUT) / "河口乡王庄村_项目公示_2023年9月1日.docx"
    )
    assert longer.exit_code == 0


def test_monitoring_rows_by_start_date_or_pending(run, ws):
    # H003 has no publicity dates yet, is past 入户核实 and not approved: listed on any date.
    # H001 starts on 9月8日: only on that day's notice.
    assert (
        run(
            "notice", "--township", "河口乡", "--kind", "inclusion", "--date", "2023-09-01"
        ).exit_code
        == 0
    )
    text = text_of(ws.joinpath(*OUT) / "河口乡_监测对象识别纳入公示_2023年9月1日.docx")
    assert "李湾村 | 王小川" in text
    assert "张大山" not in text
    assert (
        run(
            "notice", "--village", "城关镇/王庄村", "--kind", "inclusion", "--date", "2023-09-08"
        ).exit_code
        == 0
    )
    assert "张大山" in text_of(
        ws.joinpath(*OUT) / "城关镇王庄村_监测对象识别纳入公示_2023年9月8日.docx"
    )


def test_ambiguous_village(run, ws):
    result = run("notice", "--village", "王庄村")
    assert result.exit_code == 5
    assert (
        "城关镇 / 王庄村  代码 411599101201" in result.stderr
        and "河口乡 / 王庄村  代码 411599102201" in result.stderr
    )


def test_default_kinds_and_the_notice_record(run, ws):
    result = run("notice", "--village", "河口乡/王庄村", "--date", "2023-09-01")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in ws.joinpath(*OUT).glob("*.docx"))
    # H002's 识别纳入 was approved on 8月16日 with no 公告日期 and no system entry: its 结果公告 is
    # part of the day's notices, in the township's name, and its 公告日期 is written into the data
    assert set(names) == {
        "河口乡王庄村_风险消除公示_2023年9月1日.docx",
        "河口乡王庄村_监测对象识别纳入结果公告_2023年9月1日.docx",
        "河口乡王庄村_项目公告_2023年9月1日.docx",
        "河口乡王庄村_项目公示_2023年9月1日.docx",
    }
    rows = sorted(
        db_rows(
            ws, "select kind, period_start, period_end from notices where place_code='411599102201'"
        )
    )
    assert rows == [
        ("elimination", "2023-09-01", "2023-09-05"),
        ("inclusion-result", "2023-09-01", "2023-09-01"),
        ("project", "2023-09-01", "2023-09-10"),
        ("project-result", "2023-09-01", "2023-09-10"),
    ]
    items = sorted(r[0] for r in db_rows(ws, "select item_key from notice_items"))
    assert items == ["H002", "H002", "XM102", "XM106"]
    assert db_rows(ws, "select announced_on from monitoring_procedures where household_id='H002' "
                       "and kind='识别纳入'") == [("2023-09-01",)]  # fmt: skip
    assert "1 户的公告日期（2023年9月1日）已记入数据" in result.output
    assert (
        run("notice", "--village", "河口乡/王庄村", "--date", "2023-09-01").exit_code == 0
    )  # re-issue replaces
    assert db_rows(ws, "select count(*) from notices") == [(4,)]


def test_privacy_check_refuses_an_id_put_in_by_a_user_template(run, ws):
    from reportgen.paths import builtin_templates_dir

    tpl = ws / "templates"
    tpl.mkdir()
    src = builtin_templates_dir() / "docx" / "公文.docx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(tpl / "公文.docx", "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                data = data.decode().replace("{{ issuer }}", "{{ issuer }}" + HEAD_B, 1).encode()
            out.writestr(name, data)
    result = run(
        "notice", "--village", "河口乡/王庄村", "--kind", "elimination", "--date", "2023-09-01"
    )
    assert result.exit_code == 7
    assert "未遮挡的身份证号码" in result.stderr
    assert not list(ws.joinpath(*OUT).glob("*风险消除公示*.docx"))


def test_privacy_check_allows_office_numbers_only():
    from reportgen.documents.notices import PrivacyError, privacy_check

    inspect = privacy_check(["13900000000", "0376-5550317"])
    inspect("<w:t>监督电话：13900000000、0376-5550317、12317</w:t>")
    with pytest.raises(PrivacyError, match="居民手机号码"):
        inspect("<w:t>联系电话：13812345678</w:t>")
    with pytest.raises(PrivacyError):
        inspect("<w:t>4115211968010100</w:t><w:t>94</w:t>")  # split across runs still caught


@pytest.mark.soffice
def test_pdf_title_on_page_one_and_header_row_repeated(run, ws):
    rows = [PROJECTS[0]] + [
        [f"XM2{i:02d}", f"长项目{i}", "乡村建设", "411599102201", "建设内容" * 20, 1, 0, 0, "河口乡人民政府", "", "2023-04-01", "2023-10-31",
         "实施中", 10, 30, 1, 1, "联农带农" * 10, "绩效目标" * 8]
        for i in range(30)
    ]  # fmt: skip
    write_xlsx(ws / "long.xlsx", {"项目": rows})
    assert run("import", "long.xlsx").exit_code == 0
    assert (
        run(
            "notice",
            "--village",
            "河口乡/王庄村",
            "--kind",
            "project",
            "--date",
            "2023-09-01",
            "--pdf",
        ).exit_code
        == 0
    )
    pdf = ws.joinpath(*OUT) / "河口乡王庄村_项目公示_2023年9月1日.pdf"
    pages = int(
        subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    assert pages >= 3
    first = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout
    assert "王庄村2023年度衔接资金项目公示" in first.replace(" ", "").replace("\n", "")
    continued = 0
    for page in range(2, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
        ).stdout
        if "长项目" in text:  # the table continues on this page: its header row must be repeated
            continued += 1
            assert "建设内容及规模" in text, f"header row missing on page {page}"
    assert continued >= 2
    assert "公示期" in last


def test_the_national_hotline_comes_from_the_policy(run, ws):
    toml = (ws / "reportgen.toml").read_text(encoding="utf-8")
    (ws / "reportgen.toml").write_text(
        toml + '\n[policy_overrides]\nprojects.supervision_hotline = "12345"\n', encoding="utf-8"
    )
    assert (
        run(
            "notice", "--village", "河口乡/王庄村", "--kind", "elimination", "--date", "2023-09-01"
        ).exit_code
        == 0
    )
    text = text_of(ws.joinpath(*OUT) / "河口乡王庄村_风险消除公示_2023年9月1日.docx")
    assert "监督电话：12345、0376-5550317" in text and "12317" not in text
