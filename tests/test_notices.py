"""reportgen notice: the right rows for the right place, periods, amounts, privacy, the notice record."""

import subprocess
import zipfile

import pytest
from builders import HEAD_B, db_rows, full_county, write_xlsx
from docx import Document
from openpyxl import load_workbook

PROJECTS = [
    ["项目编号", "项目名称", "项目类型", "实施地点", "建设内容及规模", "中央衔接资金", "省级衔接资金", "县级衔接资金", "实施单位",
     "计划开工日期", "计划完工日期", "项目状态", "受益户数", "受益人数", "受益脱贫户数", "受益监测户数", "联农带农机制", "绩效目标"],
    ["XM101", "两村道路硬化", "乡村建设", "411599101201、411599102201", "硬化道路2公里", 12.3456, 1.0001, 0.5, "城关镇人民政府",
     "2023-04-01", "2023-10-31", "实施中", 120, 400, 30, 5, "吸纳务工", "方便出行"],
    ["XM102", "河口王庄养殖场", "产业发展", "411599102201", "建设牛舍500㎡", 50, 0, 10.1234, "河口乡人民政府",
     "2023-03-01", "2023-08-31", "已验收", 40, 130, 20, 3, "分红带动", "户均增收800元"],
    ["XM103", "李湾村水渠", "乡村建设", "411599102202", "修渠1公里", 8, 0, 0, "河口乡人民政府",
     "2023-05-01", "", "计划", 60, 200, 0, 0, "", ""],
    ["XM104", "王庄村2022年项目", "乡村建设", "411599102201", "往年项目", 1, 0, 0, "河口乡人民政府",
     "2022-05-01", "", "实施中", 1, 1, 0, 0, "", ""],
]  # fmt: skip


@pytest.fixture
def ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-01")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[hotlines]\nsupervision = "0376-5550317"\noffice_numbers = ["13900000000"]\n',
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


def test_village_notice_lists_exactly_its_projects(run, ws):
    result = run(
        "notice",
        "--village",
        "河口乡/王庄村",
        "--kind",
        "project",
        "--kind",
        "project-result",
        "--date",
        "2023-09-01",
    )
    assert result.exit_code == 0, result.output
    out = ws.joinpath(*OUT)
    planned = text_of(out / "河口乡王庄村_项目公示_2023年9月1日.docx")
    assert "两村道路硬化" in planned  # several 实施地点: in each village's notice
    assert "河口王庄养殖场" not in planned  # 已验收 → 项目公告, not 项目公示
    assert (
        "李湾村水渠" not in planned and "王庄村2022年项目" not in planned
    )  # other village, other year
    done = text_of(out / "河口乡王庄村_项目公告_2023年9月1日.docx")
    assert "河口王庄养殖场" in done and "两村道路硬化" not in done
    other = run(
        "notice",
        "--village",
        "411599101201",
        "--kind",
        "project",
        "--date",
        "2023-09-01",
        "--out",
        "cg",
    )
    assert other.exit_code == 0
    assert "两村道路硬化" in text_of(ws / "cg" / "城关镇王庄村_项目公示_2023年9月1日.docx")


def test_amounts_in_wan_with_four_decimals_and_their_total(run, ws):
    assert (
        run(
            "notice", "--village", "河口乡/王庄村", "--kind", "project", "--date", "2023-09-01"
        ).exit_code
        == 0
    )
    out = ws.joinpath(*OUT)
    text = text_of(out / "河口乡王庄村_项目公示_2023年9月1日.docx")
    assert "中央12.3456\n省级1.0001\n县级0.5000\n合计13.8457" in text
    sheet = load_workbook(out / "河口乡王庄村_项目公示_2023年9月1日.xlsx").active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "XM101")
    assert row[5:12] == (12.3456, 1.0001, 0, 0.5, 0, 0, 13.8457)


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
    assert set(names) == {
        "河口乡王庄村_风险消除公示_2023年9月1日.docx",
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
        ("project", "2023-09-01", "2023-09-10"),
        ("project-result", "2023-09-01", "2023-09-10"),
    ]
    items = sorted(r[0] for r in db_rows(ws, "select item_key from notice_items"))
    assert items == ["H002", "XM101", "XM102"]
    assert (
        run("notice", "--village", "河口乡/王庄村", "--date", "2023-09-01").exit_code == 0
    )  # re-issue replaces
    assert db_rows(ws, "select count(*) from notices") == [(3,)]


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
        [f"XM2{i:02d}", f"长项目{i}", "乡村建设", "411599102201", "建设内容" * 20, 1, 0, 0, "河口乡人民政府", "2023-04-01", "2023-10-31", "实施中",
         10, 30, 1, 1, "联农带农" * 10, "绩效目标" * 8]
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
