"""reportgen monitor-sheet: the household's own facts (nothing invented), the policy paper, highlights."""

import zipfile

import pytest
from builders import CHILD_B, HEAD_B, full_county, write_xlsx
from docx import Document

BLANK = "＿＿＿＿＿＿＿＿"


@pytest.fixture
def ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[hotlines]\nmonitoring = "0376-5550110"\n', encoding="utf-8"
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    write_xlsx(
        workspace / "measures.xlsx",
        {"帮扶措施": [["户编号", "措施类别", "措施内容", "落实日期"],
                   ["H002", "教育帮扶", "雨露计划申报", "2023-09-10"],
                   ["H002", "产业帮扶", "养殖奖补", "2023-07-01"],
                   ["H002", "其他", "入户宣传", ""]]},
    )  # fmt: skip
    assert run("import", "measures.xlsx").exit_code == 0
    return workspace


def text_of(path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            cells = []
            for c in row.cells:
                if not cells or cells[-1] != c.text:
                    cells.append(c.text)
            parts.append(" | ".join(cells))
    return "\n".join(parts)


def test_household_card_says_only_what_the_data_say(run, ws):
    result = run("monitor-sheet", "--village", "河口乡/王庄村")
    assert result.exit_code == 0, result.output
    path = ws / "输出" / "防止返贫监测明白纸" / "防止返贫监测明白纸_河口乡王庄村.docx"
    text = text_of(path)
    assert "河口乡王庄村" in text
    assert "户主 | 李二河 | 户类型 | 监测户（边缘易致贫户）" in text
    assert "家庭人口 | 2人 | 上年人均纯收入 | 7,100元（低于监测线7,500元）" in text
    # members, ages at the generation date (2023-10-08), masked IDs, no full ID anywhere
    assert f"李二河 | 户主 | 55 | {HEAD_B[:3]}{'*' * 11}{HEAD_B[-4:]} | 弱劳动力或半劳动力" in text
    assert f"李小红 | 女 | 16 | {CHILD_B[:3]}{'*' * 11}{CHILD_B[-4:]} | 无劳动力" in text
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert HEAD_B not in xml and CHILD_B not in xml
    assert "风险类型 | 因病、因学" in text
    assert "风险发现日期 | 2023年8月1日 | 县级审批纳入 | 2023年8月16日" in text
    # measures in date order, an undated one last with a blank to fill in
    lines = [line for line in text.splitlines() if line[:2] in ("1 ", "2 ", "3 ", "4 ")]
    assert lines == [
        "1 | 产业帮扶 | 养殖奖补 | 2023年7月1日",
        "2 | 健康帮扶 | 家庭医生签约 | 2023年8月20日",
        "3 | 教育帮扶 | 雨露计划申报 | 2023年9月10日",
        f"4 | 其他 | 入户宣传 | {BLANK}",
    ]
    # no 帮扶责任人 in the data: blank lines, not a guess
    assert f"帮扶责任人 | {BLANK} | 联系电话 | {BLANK}" in text
    assert f"工作单位 | {BLANK}" in text


def test_policy_paper_quotes_the_policy_and_highlights_fit_the_risks(run, ws):
    assert run("monitor-sheet", "--village", "411599102201").exit_code == 0
    text = text_of(ws / "输出" / "防止返贫监测明白纸" / "防止返贫监测明白纸_河口乡王庄村.docx")
    assert "2023年以家庭年人均纯收入7,500元为参考" in text
    assert "公示不少于5天" in text and "一般不超过15天" in text and "10天内完成系统录入" in text
    assert "拨打0376-5550110" in text
    assert "★教育帮扶（您家有在校学生）" in text  # 李小红 is a student
    assert "★健康帮扶（您家存在因病风险）" in text
    assert "★兜底保障（您家已享受低保）" in text
    assert "住房安全：" in text and "★住房安全" not in text  # no housing problem in the data
    assert "保障标准不低于每人每月440元" in text


def test_changing_the_policy_changes_the_paper(run, ws):
    (ws / "reportgen.toml").write_text(
        "[policy_overrides]\nmonitoring.income_line = 7800\nsocial_assistance.dibao_rural_monthly_min = 460\n",
        encoding="utf-8",
    )
    assert run("monitor-sheet", "--village", "河口乡/王庄村").exit_code == 0
    text = text_of(ws / "输出" / "防止返贫监测明白纸" / "防止返贫监测明白纸_河口乡王庄村.docx")
    assert "年人均纯收入7,800元为参考" in text and "7,100元（低于监测线7,800元）" in text
    assert "每人每月460元" in text


def test_same_name_villages_never_mix(run, ws):
    ambiguous = run("monitor-sheet", "--village", "王庄村")
    assert ambiguous.exit_code == 5 and "城关镇 / 王庄村  代码 411599101201" in ambiguous.stderr
    assert run("monitor-sheet", "--village", "城关镇/王庄村", "--all").exit_code == 0
    out = ws / "输出" / "防止返贫监测明白纸"
    chengguan = text_of(out / "防止返贫监测明白纸_城关镇王庄村.docx")
    assert "张大山" in chengguan and "李二河" not in chengguan
    assert not (out / "防止返贫监测明白纸_河口乡王庄村.docx").exists()


def test_default_is_monitored_households_only_and_summary_lists_missing_facts(run, ws):
    result = run("monitor-sheet", "--county")
    assert result.exit_code == 0, result.output
    out = ws / "输出" / "防止返贫监测明白纸"
    assert sorted(p.name for p in out.glob("*.docx")) == [
        "防止返贫监测明白纸_河口乡王庄村.docx"
    ]  # H001 is a 脱贫户 only
    from openpyxl import load_workbook

    rows = list(
        load_workbook(out / "防止返贫监测明白纸名单_河口乡王庄村.xlsx")["名单"].iter_rows(
            values_only=True
        )
    )
    row = next(r for r in rows if r and r[0] == "H002")
    assert row[:7] == ("H002", "李二河", "监测户", "边缘易致贫户", "因病、因学", None, 4)
    assert "帮扶责任人" in row[7] and "帮扶责任人电话" in row[7]


def test_one_household_and_two_pages_each(run, ws):
    assert run("monitor-sheet", "--household", "H001", "--out", "one").exit_code == 0
    path = ws / "one" / "防止返贫监测明白纸_城关镇王庄村.docx"
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert xml.count('w:type="page"') == 1  # page 1 card, page 2 paper, no trailing blank page
    assert "张大山" in text_of(path)


@pytest.mark.soffice
def test_pdf_has_exactly_two_pages_per_household(run, ws):
    import subprocess

    from builders import make_id

    (ws / "reportgen.toml").write_text(
        '[hotlines]\nmonitoring = "0376-5550110"\n[monitoring]\nyimatong_url = "https://fpjc.example.invalid/apply"\n',
        encoding="utf-8",
    )
    write_xlsx(
        ws / "more.xlsx",
        {"户信息": [["户编号", "村区划代码", "户主姓名", "户主证件号码", "户类型", "监测类型", "住房安全等级", "兜底类型"],
                 ["H010", "411599102201", "周大", make_id("19600101", 41), "监测户", "突发严重困难户", "C", "特困"]]},
    )  # fmt: skip
    assert run("import", "more.xlsx").exit_code == 0
    assert run("monitor-sheet", "--village", "河口乡/王庄村", "--pdf").exit_code == 0
    pdf = ws / "输出" / "防止返贫监测明白纸" / "防止返贫监测明白纸_河口乡王庄村.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert " ".join(info.split()).count("Pages: 4") == 1
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "★住房安全" in text and "周大" in text


@pytest.mark.parametrize(
    "config,media,text",
    [
        ("", 0, "拨打12317"),  # nothing configured: no QR code, the national hotline is printed
        ('[hotlines]\nmonitoring = "0376-5550110"\n', 1, "拨打0376-5550110"),
        (
            '[monitoring]\nyimatong_url = "https://fpjc.example.invalid/apply"\n',
            1,
            "扫码进入“一码通”申报",
        ),
    ],
)
def test_qr_code_only_when_configured(run, ws, config, media, text):
    (ws / "reportgen.toml").write_text(config, encoding="utf-8")
    assert run("monitor-sheet", "--household", "H002", "--out", "qr").exit_code == 0
    path = ws / "qr" / "防止返贫监测明白纸_河口乡王庄村.docx"
    names = zipfile.ZipFile(path).namelist()
    assert sum(1 for n in names if n.startswith("word/media/")) == media
    assert text in text_of(path)
