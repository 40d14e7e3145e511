"""reportgen monitor-sheet: the household's own facts (nothing invented), the policy paper, highlights;
with --all every household of the village, the ones not monitored a one-page 申报政策."""

import subprocess
import zipfile

import pytest
from builders import CHILD_B, HEAD_B, D, full_county, make_id, write_xlsx
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

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


def records_of(path) -> list[str]:
    """The print file's text cut into records: each record after the first starts with a paragraph
    that has w:pageBreakBefore (how the writer starts a record on a new page). A record's manual
    page breaks (between the 明白卡 and the paper) are kept as a line "<分页>"."""
    doc = Document(path)
    records: list[list[str]] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            if child.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None or not records:
                records.append([])
            if child.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']"):
                records[-1].append("<分页>")
            records[-1].append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            for tr in child.iter(qn("w:tr")):
                cells = [
                    "".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))
                ]
                records[-1].append(" | ".join(cells))
    return ["\n".join(lines) for lines in records]


def roster_rows(path) -> list[tuple]:
    rows = list(load_workbook(path)["名单"].iter_rows(values_only=True))
    return [r for r in rows if r and isinstance(r[0], str) and r[0].startswith("H")]


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
    assert "拨打本县申报电话0376-5550110或防止返贫监测和乡村振兴咨询服务热线12317" in text
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
    assert row[:9] == ("H002", "李二河", "监测户", "边缘易致贫户", "明白卡＋申报政策和帮扶政策明白纸", 2,
                       "因病、因学", None, 4)  # fmt: skip
    assert "帮扶责任人" in row[9] and "帮扶责任人电话" in row[9]


def test_one_household_and_its_pages(run, ws):
    assert run("monitor-sheet", "--household", "H002", "--out", "one").exit_code == 0
    path = ws / "one" / "防止返贫监测明白纸_河口乡王庄村.docx"
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert xml.count('w:type="page"') == 1  # page 1 card, page 2 paper, no trailing blank page
    assert "李二河" in text_of(path)
    # a 脱贫户 not monitored asked for by its number: its 脱贫人口明白卡, then the 申报政策 page
    # (no 帮扶政策); no risk to print, and that is not a blank to fill in
    assert run("monitor-sheet", "--household", "H001", "--out", "one").exit_code == 0
    path = ws / "one" / "防止返贫监测明白纸_城关镇王庄村.docx"
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert xml.count('w:type="page"') == 1 and "pageBreakBefore" not in xml
    text = text_of(path)
    assert "脱贫人口明白卡" in text and "防止返贫监测对象明白卡" not in text
    assert "风险类型 | —（未纳入监测）" in text and "户主：张大山　户编号：H001" in text
    assert "帮扶政策（标“★”" not in text
    # a 一般农户 (--all) still gets the 申报政策 page alone
    assert run("monitor-sheet", "--household", "H003", "--all", "--out", "one").exit_code == 0
    path = ws / "one" / "防止返贫监测明白纸_河口乡李湾村.docx"
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert xml.count('w:type="page"') == 0 and "明白卡" not in text_of(path)


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
    assert pdf_pages(pdf) == 4
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "★住房安全" in text and "周大" in text


def pdf_pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def pdf_page_text(pdf, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip


@pytest.mark.parametrize(
    "config,media,text",
    [
        # nothing configured: no QR code, the national hotline alone
        ("", 0, "拨打防止返贫监测和乡村振兴咨询服务热线12317；"),
        ('[hotlines]\nmonitoring = "0376-5550110"\n', 1, "拨打本县申报电话0376-5550110或"),
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


# ------------------------------------------------------------------ --all: every household of the village
# 河口乡/王庄村 (411599102201) holds H002 (监测户) from the builders; these add one household on each
# side of "being monitored now" (dataset.store.household_flag_exprs: 监测户 or a 监测类型, and the
# risk not eliminated).
VILLAGE = "411599102201"
MORE_HOUSEHOLDS = [
    ["户编号", "村区划代码", "户主姓名", "户主证件号码", "户类型", "监测类型", "风险是否消除", "住房安全等级", "兜底类型"],
    ["H004", VILLAGE, "赵四海", make_id("19700202", 21), "一般农户", "", "", "", ""],
    ["H005", VILLAGE, "钱五岭", make_id("19710303", 22), "监测户", "突发严重困难户", "是", "", ""],
    ["H006", VILLAGE, "孙六江", make_id("19720404", 23), "脱贫户", "脱贫不稳定户", "否", "C", "特困"],
    ["H007", VILLAGE, "周七山", make_id("19730505", 24), "脱贫户", "", "", "", ""],
]  # fmt: skip
PAGES = {"H002": 2, "H004": 1, "H005": 1, "H006": 2, "H007": 2}  # H007: a 脱贫户 not monitored


@pytest.fixture
def village_all(run, ws):
    write_xlsx(
        ws / "more.xlsx",
        {"户信息": MORE_HOUSEHOLDS,
         "人员信息": [["证件号码", "户编号", "姓名", "与户主关系", "劳动技能", "健康状况"],
                  [MORE_HOUSEHOLDS[3][3], "H006", "孙六江", "户主", "普通劳动力", "长期慢性病"]],
         # every risk type there is: every 帮扶政策 highlighted, the longest page 2
         "监测帮扶": [["户编号", "程序类型", "风险类型", "风险发现日期", "县级审批日期"],
                  ["H006", "识别纳入", "因学、因病、因残、因住房出现安全问题、因饮水安全问题、缺劳动力、因务工就业不稳、因产业项目失败",
                   D(2023, 7, 1), D(2023, 7, 14)]]},
    )  # fmt: skip
    assert run("import", "more.xlsx").exit_code == 0
    return ws


def test_all_gives_every_household_of_the_village_its_pages(run, village_all):
    result = run("monitor-sheet", "--village", "河口乡/王庄村", "--all")
    assert result.exit_code == 0, result.output
    assert "5 户的防止返贫监测明白纸：正在监测的 2 户每户两页" in result.output
    assert "未在监测的脱贫户 1 户每户两页（脱贫人口明白卡和申报政策），其他 2 户每户一页（申报政策）" in result.output
    out = village_all / "输出" / "防止返贫监测明白纸"
    records = records_of(out / "防止返贫监测明白纸_河口乡王庄村.docx")
    assert len(records) == 5  # one record per household, in 户编号 order, each from a new page
    by_id = dict(zip(sorted(PAGES), records))
    for hid, pages in PAGES.items():
        text = by_id[hid]
        assert text.count("<分页>") == pages - 1, hid
        # both kinds carry the 申报政策: the national hotline and the 承诺授权书 at 入户核实
        assert "拨打本县申报电话0376-5550110或防止返贫监测和乡村振兴咨询服务热线12317" in text
        assert (
            "1．入户核实（有申报意愿的农户签订承诺授权书，同意开展信息比对） → 2．信息比对 → "
            in text
        )
        assert "三、识别程序和时限" in text and "村内公示不少于5天" in text
        if hid == "H007":  # 脱贫人口明白卡, then the 申报政策 page alone (no 帮扶政策)
            assert text.startswith("脱贫人口明白卡\n"), hid
            assert "防止返贫监测申报政策明白纸" in text and "帮扶政策（标“★”" not in text
        elif pages == 2:
            assert text.startswith("防止返贫监测对象明白卡\n"), hid
            assert "防止返贫监测申报政策和帮扶政策明白纸" in text
            assert "五、帮扶政策（标“★”的与您家情况相关）" in text
        else:  # nothing on the page says the household is monitored, or what its category is
            assert text.startswith("防止返贫监测申报政策明白纸\n"), hid
            for word in ("帮扶政策", "明白卡", "户类型", "监测户", "脱贫户", "风险消除", "★"):
                assert word not in text, (hid, word)
    assert "河口乡王庄村　户主：赵四海　户编号：H004" in by_id["H004"]
    assert "户主（签收）：" in by_id["H004"]
    assert "户主 | 孙六江 | 户类型 | 脱贫户（脱贫不稳定户）" in by_id["H006"]
    # the roster: every household, which pages it got; no 明白卡, so nothing is missing from one
    rows = roster_rows(out / "防止返贫监测明白纸名单_河口乡王庄村.xlsx")
    assert [(r[0], r[2], r[4], r[5], r[9]) for r in rows] == [
        ("H002", "监测户", "明白卡＋申报政策和帮扶政策明白纸", 2, "风险发现日期" and rows[0][9]),
        ("H004", "一般农户", "申报政策明白纸（未在监测，不发明白卡和帮扶政策）", 1, "—"),
        ("H005", "监测户", "申报政策明白纸（未在监测，不发明白卡和帮扶政策）", 1, "—"),
        ("H006", "脱贫户", "明白卡＋申报政策和帮扶政策明白纸", 2, rows[3][9]),
        ("H007", "脱贫户", "脱贫人口明白卡＋申报政策明白纸（未在监测，不发帮扶政策）", 2, rows[4][9]),
    ]
    assert "帮扶责任人" in rows[3][9]  # a monitored household's missing facts are still listed


def test_without_all_only_households_being_monitored(run, village_all):
    assert run("monitor-sheet", "--village", "河口乡/王庄村").exit_code == 0
    out = village_all / "输出" / "防止返贫监测明白纸"
    records = records_of(out / "防止返贫监测明白纸_河口乡王庄村.docx")
    assert [r.split("\n")[0] for r in records] == ["防止返贫监测对象明白卡"] * 2
    assert "李二河" in records[0] and "孙六江" in records[1]
    text = "\n".join(records)
    for name in ("赵四海", "钱五岭", "周七山"):  # 一般农户, risk eliminated, 脱贫户 not monitored
        assert name not in text
    rows = roster_rows(out / "防止返贫监测明白纸名单_河口乡王庄村.xlsx")
    assert [r[0] for r in rows] == ["H002", "H006"]


def test_no_households_message_names_all(run, ws):
    result = run("monitor-sheet", "--village", "河口乡/李湾村")  # H003 一般农户 only
    assert result.exit_code == 0, result.output
    assert "（所选范围内没有正在监测的户；用 --all 给村里每一户发申报政策明白纸）" in result.output
    result = run("monitor-sheet", "--village", "河口乡/李湾村", "--all")
    assert "正在监测的 0 户每户两页" in result.output and "其他 1 户每户一页" in result.output
    assert "没有正在监测的户" not in result.output


def own_policy(ws, **replace: str) -> None:
    """The workspace on a copy of the shipped policy file with some of its lines replaced."""
    from reportgen.paths import policies_dir

    text = (policies_dir() / "henan-2023" / "policy.toml").read_text(encoding="utf-8")
    for old, new in replace.items():
        line = next(x for x in text.splitlines() if x.startswith(old + " = "))
        text = text.replace(line, f"{old} = {new}")
    text = text.replace("[meta]\n", '[meta]\nbased_on = "henan-2023"  # its texts\n', 1)
    (ws / "own.toml").write_text(text, encoding="utf-8")
    (ws / "reportgen.toml").write_text('policy = "own.toml"\n', encoding="utf-8")


def test_hotline_and_steps_come_from_the_policy(run, ws):
    own_policy(ws, hotline='"12345"', step_notes='{ "信息比对" = "凭承诺授权书比对" }')
    assert run("monitor-sheet", "--household", "H003").exit_code == 0
    text = text_of(ws / "输出" / "防止返贫监测明白纸" / "防止返贫监测明白纸_河口乡李湾村.docx")
    assert "咨询服务热线12345；" in text and "12317" not in text
    # based_on merges tables key by key: the base pack's note on 入户核实 stays beside the new one
    assert (
        "1．入户核实（有申报意愿的农户签订承诺授权书，同意开展信息比对） → 2．信息比对（凭承诺授权书比对） → 3．"
        in text
    )


def test_a_note_for_a_step_the_policy_does_not_have_is_refused(run, ws):
    own_policy(ws, step_notes='{ "入户调查" = "签订承诺授权书" }')
    result = run("monitor-sheet", "--household", "H003")
    assert result.exit_code == 3
    assert (
        "政策参数“monitoring.step_notes”中的步骤“入户调查”不在“monitoring.steps”" in result.stderr
    )
    assert not list((ws / "输出" / "防止返贫监测明白纸").glob("*.*"))  # refused before any file


@pytest.mark.soffice
def test_pdf_pages_are_two_per_card_household_one_per_other(run, village_all):
    (village_all / "reportgen.toml").write_text(
        '[hotlines]\nmonitoring = "0376-5550110"\n'
        '[monitoring]\nyimatong_url = "https://fpjc.example.invalid/apply"\n',
        encoding="utf-8",
    )  # the QR code beside 怎样申请: the fullest page 2
    result = run("monitor-sheet", "--village", "河口乡/王庄村", "--all", "--pdf")
    assert result.exit_code == 0, result.output
    pdf = village_all / "输出" / "防止返贫监测明白纸" / "防止返贫监测明白纸_河口乡王庄村.pdf"
    assert pdf_pages(pdf) == sum(PAGES.values()) == 8  # a card page each, never a spill-over
    firsts = [pdf_page_text(pdf, n).strip().split("\n")[0] for n in range(1, 9)]
    assert firsts == [
        "防止返贫监测对象明白卡", "防止返贫监测申报政策和帮扶政策明白纸",  # H002
        "防止返贫监测申报政策明白纸", "防止返贫监测申报政策明白纸",  # H004, H005
        "防止返贫监测对象明白卡", "防止返贫监测申报政策和帮扶政策明白纸",  # H006
        "脱贫人口明白卡", "防止返贫监测申报政策明白纸",  # H007, a 脱贫户 not monitored
    ]  # fmt: skip
    # H006's page 2 has every 帮扶政策 highlighted and still ends on its page
    page6 = pdf_page_text(pdf, 6)
    assert page6.count("★") == 9 and "小额信贷" in page6  # the heading's ★ and eight sections


def test_all_refuses_a_workspace_template_that_cannot_tell_households_apart(run, ws):
    import shutil

    from reportgen.paths import builtin_templates_dir

    folder = ws / "templates"
    folder.mkdir()
    # a workspace copy from before the switch: every record gets the 明白卡
    src = builtin_templates_dir() / "docx" / "防止返贫监测明白纸.docx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(folder / src.name, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                data = data.decode().replace("if monitored", "if head").encode()
            out.writestr(name, data)
    result = run("monitor-sheet", "--village", "河口乡/王庄村", "--all")
    assert result.exit_code == 6, result.output
    assert "没有用变量 monitored 区分正在监测的户和其他户" in result.stderr
    assert not (ws / "输出" / "防止返贫监测明白纸").exists() or not list(
        (ws / "输出" / "防止返贫监测明白纸").glob("*.*")
    )
    # without --all only monitored households are printed: the old template is fine
    assert run("monitor-sheet", "--village", "河口乡/王庄村").exit_code == 0
    shutil.copy(src, folder / src.name)  # the built-in template passes
    assert run("monitor-sheet", "--village", "河口乡/王庄村", "--all").exit_code == 0


def test_poor_refuses_a_workspace_template_without_the_card_switch(run, ws):
    """A copy made before the 脱贫人口明白卡: with --poor a 脱贫户 would silently get no card."""
    import shutil

    from reportgen.paths import builtin_templates_dir

    folder = ws / "templates"
    folder.mkdir()
    src = builtin_templates_dir() / "docx" / "防止返贫监测明白纸.docx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(folder / src.name, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                text = data.decode().replace("if card ", "if monitored ")
                data = text.replace("{{ card_title }}", "防止返贫监测对象明白卡").encode()
            out.writestr(name, data)
    result = run("monitor-sheet", "--village", "城关镇/王庄村", "--poor")
    assert result.exit_code == 6, result.output
    assert "没有用变量 card" in result.stderr
    assert run("monitor-sheet", "--village", "城关镇/王庄村").exit_code == 0  # without --poor: fine
    shutil.copy(src, folder / src.name)
    assert run("monitor-sheet", "--village", "城关镇/王庄村", "--poor").exit_code == 0
