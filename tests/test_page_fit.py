"""Every record fits its page, on the worst record the data can produce, under the project's fonts
and under a fallback font set (issue 21): LibreOffice converts the print files twice — with
reportgen's font mapping (engine/data/fonts.conf, as `--pdf` does) and with the system's own
fontconfig (as a clerk's LibreOffice does when it opens the .docx), where 仿宋 and 宋体 fall back to
another CJK face — and the page count must equal the record count (two pages per household for
the 明白纸, by design). The worst records: the longest names, school and unit names, eight members,
ten measures with long texts, every risk type, every group flag (the optional 提示 paragraph), every
aid item paid in both terms, and the county's hotlines (the QR code)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from builders import make_id, write_xlsx

import reportgen.engine.pdf as pdf

pytestmark = [
    pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdfinfo"), reason="needs LibreOffice and poppler"),
]  # fmt: skip

D = dt.date
VILLAGE = "411599101201"
MEMBERS = 8
MEASURES = 10
RISKS = "因病、因残、因学、因灾、因意外事故、因产业项目失败、因务工就业不稳、缺劳动力、因住房出现安全问题、因饮水安全问题"
# 27 characters fill a line of the card's measures table; the last two take two lines
MEASURE_TEXTS = (
    ("产业帮扶", "入股村茶叶专业合作社按股分红，发放产业奖补资金发展养殖"),
    ("就业帮扶", "推荐到县产业集聚区企业务工，落实外出务工一次性交通补助"),
    ("公益岗位", "安置乡村公益岗位（村级保洁员），按月发放岗位补贴"),
    ("帮扶车间", "到村帮扶车间务工（服装加工、电子元件组装），按件计酬"),
    ("教育帮扶", "落实学生资助政策，申请雨露计划职业教育补助和助学贷款"),
    ("健康帮扶", "家庭医生签约服务，落实基本医保、大病保险、医疗救助"),
    ("住房保障", "实施农村危房改造（拆除重建），按标准发放补助资金"),
    ("饮水保障", "改造入户自来水管网，配套建设净水设施，定期检测水质"),
    ("综合保障", "纳入农村低保，发放残疾人两项补贴，落实临时救助和特困人员救助供养，按月发放"),
    ("金融帮扶", "发放脱贫人口小额信贷五万元，按基准利率全额贴息，支持发展庭院经济和特色种养业"),
)
NAMES = (
    "欧阳建国",
    "司马秀英",
    "上官志强",
    "诸葛玉兰",
    "东方浩然",
    "慕容欣怡",
    "公孙梓豪",
    "皇甫思雨",
)
RELATIONS = ("户主", "配偶", "之子", "之儿媳", "之孙子", "之孙女", "之父", "之母")
BIRTHS = (
    "19700101",
    "19720202",
    "19950303",
    "19960404",
    "20150505",
    "20170606",
    "19450707",
    "19470808",
)


def _household(
    hid: str, n: int, category: str, monitor_type: str, region: str
) -> tuple[list, list]:
    ids = [make_id(b, n * 10 + i, region=region, female=i % 2 == 1) for i, b in enumerate(BIRTHS)]
    row = [hid, VILLAGE, NAMES[0], ids[0], category, monitor_type, "否", "低保边缘" if monitor_type else "", "否", 5280,
           "13800000000", "欧阳志远", "13911112222", "青山县人力资源和社会保障局驻城关镇东关社区工作队"]  # fmt: skip
    people = [
        [ids[i], hid, NAMES[i], RELATIONS[i], "", "弱劳动力或半劳动力", "长期慢性病", "是"]
        for i in range(MEMBERS)
    ]
    return row, people


def worst_county(folder: Path) -> Path:
    regions = [["区划代码", "名称", "级别", "上级区划代码"], ["411599", "青山县", "县", ""],
               ["411599101", "城关镇", "乡", "411599"], [VILLAGE, "东关社区居民委员会", "村", "411599101"]]  # fmt: skip
    households = [["户编号", "村区划代码", "户主姓名", "户主证件号码", "户类型", "监测类型", "风险是否消除", "兜底类型",
                   "整户无劳动能力兜底保障户", "家庭年人均纯收入", "联系电话", "帮扶责任人", "帮扶责任人电话", "帮扶责任人单位"]]  # fmt: skip
    persons = [
        [
            "证件号码",
            "户编号",
            "姓名",
            "与户主关系",
            "出生日期",
            "劳动技能",
            "健康状况",
            "参加城乡居民基本医疗保险",
        ]
    ]
    for n, (hid, category, mtype) in enumerate(
        (("W001", "监测户", "突发严重困难户"), ("W002", "脱贫户", ""))
    ):
        row, people = _household(hid, n, category, mtype, "413028" if n == 0 else "413025")
        households.append(row)
        persons += [[p[0].replace("413028", "413028"), *p[1:]] for p in people]
    procedures = [["户编号", "程序类型", "风险类型", "风险发现日期", "入户核实日期", "公示开始日期", "公示结束日期",
                   "乡级审核日期", "县级审批日期", "公告日期", "系统录入日期", "帮扶计划制定日期"],
                  ["W001", "识别纳入", RISKS, D(2023, 7, 3), D(2023, 7, 4), D(2023, 7, 5), D(2023, 7, 9),
                   D(2023, 7, 10), D(2023, 7, 14), D(2023, 7, 15), D(2023, 7, 20), D(2023, 7, 20)]]  # fmt: skip
    measures = [["户编号", "措施类别", "措施内容", "落实日期"]]
    for hid in ("W001", "W002"):
        measures += [
            [hid, c, t, D(2023, 7, 21 + i)] for i, (c, t) in enumerate(MEASURE_TEXTS[:MEASURES])
        ]
    write_xlsx(folder / "户.xlsx", {"行政区划": regions, "户信息": households, "人员信息": persons,
                                    "监测帮扶": procedures, "帮扶措施": measures})  # fmt: skip
    schools = [["学校代码", "学校名称", "所在区划代码", "学段", "普惠性幼儿园", "国定营养改善计划", "学费标准", "住宿费标准", "资助咨询电话"],
               ["S01", "青山县城关镇东关社区第一九年一贯制学校", "411599101", "初中", "", "是", "", "", "0376-5550101"],
               ["S02", "青山县城关镇东关社区第一高级中学（寄宿制）", "411599101", "普通高中", "", "", 1600, 400, "0376-5550102"],
               ["S03", "青山县城关镇东关社区中心幼儿园（普惠性）", "411599101", "学前", "是", "", "", "", "0376-5550103"]]  # fmt: skip
    students = [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级", "班级", "寄宿生", "家庭经济困难", "原建档立卡",
                 "监测户", "低保", "特困", "孤儿", "事实无人抚养", "残疾", "监护人姓名", "监护人电话"]]  # fmt: skip
    payments = [["学籍号", "资助项目", "金额", "学期", "发放日期"]]
    stages = (
        ("S01", "初中", "九年级", "20090101"),
        ("S02", "普通高中", "高三", "20060101"),
        ("S03", "学前", "大班", "20180101"),
    )
    for s, (school, stage, grade, birth) in enumerate(stages):
        for k, hard in enumerate(
            ("否", "是")
        ):  # 否: every group flag but not 认定 (the 提示 paragraph)
            no = f"{school}{k:04d}"
            students.append([no, NAMES[k + 2 * s], make_id(birth, 100 + 10 * s + k, region="411528"), school, stage, grade,
                             "十二班", "是", hard, "是", "是", "是", "是", "是", "是", "是", "司马秀英", "0376-5550317"])  # fmt: skip
            for term, paid in (
                ("2023年春季学期", D(2023, 4, 20)),
                ("2023年秋季学期", D(2023, 9, 20)),
            ):
                for item in (
                    "国家助学金",
                    "寄宿生生活补助",
                    "免学费",
                    "免住宿费",
                    "营养改善计划",
                    "学前教育资助",
                ):
                    payments.append([no, item, 625, term, paid])
    write_xlsx(folder / "学校.xlsx", {"学校": schools, "学生": students, "资助发放": payments})
    return folder


def _soffice(files: list[Path], out: Path, fonts: str) -> None:
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = fonts
    out.mkdir(parents=True, exist_ok=True)
    cmd = [pdf.find_soffice(), f"-env:UserInstallation=file://{out}/profile", "--headless", "--convert-to", "pdf",
           "--outdir", str(out), *map(str, files)]  # fmt: skip
    subprocess.run(cmd, env=env, capture_output=True, timeout=600, check=True)


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


FONT_SETUPS = {
    "project": str(Path(pdf.__file__).with_name("data") / "fonts.conf"),
    "fallback": "/etc/fonts/fonts.conf",  # the system's: 仿宋_GB2312 falls back to whatever CJK face
}


@pytest.fixture(scope="module")
def worst_batches(tmp_path_factory) -> dict[str, tuple[Path, int]]:
    """The worst-case print files and the pages each must have."""
    from click.testing import CliRunner

    from reportgen.cli import cli

    ws = tmp_path_factory.mktemp("worst")
    (ws / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[hotlines]\naid = "0376-5550100"\nmonitoring = "0376-5550110"\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str) -> None:
        env = {"REPORTGEN_DB": None, "REPORTGEN_TODAY": "2023-10-08"}
        result = runner.invoke(cli, ["-C", str(ws), *args], catch_exceptions=False, env=env)
        assert result.exit_code == 0, result.output

    run("import", str(worst_county(ws / "数据")))
    run("card", "--county", "--year", "2023", "--out", str(ws / "card"), "--workers", "1")
    run("aid-notice", "--county", "--year", "2023", "--out", str(ws / "notice"), "--workers", "1")
    run(
        "monitor-sheet",
        "--village",
        VILLAGE,
        "--poor",
        "--out",
        str(ws / "paper"),
        "--workers",
        "1",
    )
    for form in ("check", "consent"):  # one page per household: 8 members, 10 measures
        run(
            "form", "--kind", form, "--village", VILLAGE, "--all", "--out", str(ws / f"form_{form}")
        )
    run("monthly", "--month", "2023-07", "--out", str(ws / "notice_doc"))
    for where in (("--village", VILLAGE), ("--township", "411599101")):
        run(
            "notice",
            *where,
            "--kind",
            "inclusion",
            "--date",
            "2023-07-05",
            "--out",
            str(ws / "notice_doc"),
        )
    batches = {}
    for folder, per in (
        ("card", 1),
        ("notice", 1),
        ("paper", 2),
        ("form_check", 1),
        ("form_consent", 1),
    ):
        import json

        manifest = json.loads((ws / folder / "manifest.json").read_text(encoding="utf-8"))
        for o in manifest["outputs"]:
            if o["kind"] == "docx":
                batches[f"{folder}/{o['file']}"] = (ws / folder / o["file"], per * o["records"])
    assert len(batches) == 3 + 3 + 1 + 2, batches
    batches["notices"] = (ws / "notice_doc", 0)
    return batches


# the card page (tools/build_aid_templates.py CARD_PAGE): text ends 16 mm above the paper's foot;
# the footer line (数据截至…) sits below it
BODY_BOTTOM = (297 - 16) / 25.4 * 72
FREE = 2 * 20  # two 20-point body lines left free on the fullest page


def _lowest_body_text(pdf_path: Path) -> list[float]:
    """Per page, the bottom (pt from the top) of the lowest word above the footer."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = []
    for page in html.split("<page ")[1:]:
        bottoms = [
            float(y)
            for y in re.findall(r'<word [^>]*yMax="([\d.]+)"', page)
            if float(y) < BODY_BOTTOM + 8
        ]
        out.append(max(bottoms, default=0.0))
    return out


@pytest.mark.parametrize("fonts", sorted(FONT_SETUPS))
def test_dates_stay_on_one_line_in_the_notices_lists(worst_batches, fonts, tmp_path):
    """The 公文's list columns are as wide as the notice asks (they were all equal): a date such as
    2023年7月3日 is not broken in the village's or the township's (with its 村 column) 公示."""
    files = sorted(worst_batches["notices"][0].glob("*.docx"))
    assert len(files) == 3
    _soffice(files, tmp_path, FONT_SETUPS[fonts])
    for path in files:
        text = subprocess.run(["pdftotext", str(tmp_path / (path.stem + ".pdf")), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        text = text.replace(" ", "")  # pdftotext spaces CJK from digits
        if (
            "监测对象新增退出名单" in path.name
        ):  # the monthly letter's list: 户编号, the day, every ID whole
            assert "W001" in text and "7月14日" in text, f"{fonts}: {path.name}\n{text}"
            assert len(re.findall(r"41\d\*{11}\d{3}[\dX]", text)) == MEMBERS, (
                f"{fonts}: {path.name}\n{text}"
            )
        else:
            assert "2023年7月3日" in text and "欧阳建国" in text, f"{fonts}: {path.name}\n{text}"


@pytest.mark.parametrize("fonts", sorted(FONT_SETUPS))
def test_the_worst_records_fit_their_pages(worst_batches, fonts, tmp_path):
    worst_batches = {k: v for k, v in worst_batches.items() if k != "notices"}
    files = [path for path, _ in worst_batches.values()]
    _soffice(files, tmp_path, FONT_SETUPS[fonts])
    wrong = {name: (_pages(tmp_path / (path.stem + ".pdf")), pages) for name, (path, pages) in worst_batches.items()
             if _pages(tmp_path / (path.stem + ".pdf")) != pages}  # fmt: skip
    assert not wrong, f"{fonts}: (pages, expected) {wrong}"
    tight = {}
    for name, (path, _) in worst_batches.items():
        lowest = _lowest_body_text(tmp_path / (path.stem + ".pdf"))
        full = [
            f"第{i}页 {y:.0f}pt" for i, y in enumerate(lowest, start=1) if y > BODY_BOTTOM - FREE
        ]
        if full:
            tight[name] = full
    assert not tight, (
        f"{fonts}: less than two body lines free (text ends by {BODY_BOTTOM - FREE:.0f}pt): {tight}"
    )


# ------------------------------------------------------------------------ every demo document
# demo documents with a 公文 list, one of each kind (engine/official_table)
LISTS = (
    "上报名单/石桥镇_拟纳入防止返贫监测对象名单_2023年9月30日.docx",
    "雨露计划补助公示/河口乡张寨村_雨露计划助学补助公示_2023年10月9日.docx",
    "公示公告/城关镇柳河村_监测对象识别纳入公示_2023年9月1日.docx",
)
WHOLE = re.compile(
    r"^(?:\d{4}年\d{1,2}月\d{1,2}日至?|\d{4}年|\d{1,2}月\d{1,2}日至?|[\u4e00-\u9fff]{2,4}|\d+人|[\d,.]+)$"
)


def _whole_values(path: Path) -> list[str]:
    """The lines of the 公文 list's cells that must print whole (dates, names, counts, amounts)."""
    from docx import Document

    out = []
    for table in Document(str(path)).tables:
        for row in table.rows[1:]:
            for cell in row.cells:
                if cell.paragraphs[0].style.style_id in ("a-table", "a-table-small"):
                    out += [x for x in cell.text.split("\n") if WHOLE.match(x)]
    return sorted(set(out))


def _pdf_lines(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [line.replace(" ", "") for line in text.splitlines()]  # pdftotext spaces CJK from digits


@pytest.fixture(scope="module")
def demo_docs(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """`reportgen demo`'s documents and, for the kinds of one record per page (or two, the
    明白纸 of a monitored household or a 脱贫户), the pages each file must have."""
    import json

    import openpyxl

    folder = tmp_path_factory.mktemp("demo_pages")
    exe = shutil.which("reportgen")
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_DB"}
    done = subprocess.run([exe or "reportgen", "demo", "--out", "out"], cwd=folder, capture_output=True, text=True,
                          env=env, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = folder / "out"
    expected: dict[str, int] = {}
    for sub in ("学生资助明白卡", "学生受助情况温馨告知书", *(f"表单/{f}" for f in
                ("防止返贫动态监测核查表", "承诺授权书", "公益岗位协议", "延缓入学休学审批表"))):  # fmt: skip
        manifest = json.loads((out / sub / "manifest.json").read_text(encoding="utf-8"))
        expected |= {
            f"{sub}/{o['file']}": o["records"] for o in manifest["outputs"] if o["kind"] == "docx"
        }
    for roster in (out / "防止返贫监测明白纸").glob("防止返贫监测明白纸名单_*.xlsx"):
        rows = list(openpyxl.load_workbook(roster).worksheets[0].iter_rows(values_only=True))
        pages = rows[1].index("页数")
        village = roster.stem.split("_", 1)[1]
        expected[f"防止返贫监测明白纸/防止返贫监测明白纸_{village}.docx"] = sum(
            r[pages] for r in rows[2:] if r[pages]
        )
    return out, expected


def test_every_demo_document_prints_the_same_pages_under_both_font_setups(demo_docs, tmp_path):
    """Every .docx the demo makes prints with the project's fonts and with the system's fallback:
    the kinds of one record per page (two for the 明白纸) with exactly that many pages under both,
    a one-page document on one page under both, a running text within a page of itself."""
    out, expected = demo_docs
    files = sorted(out.rglob("*.docx"))
    assert len(files) > 60 and len(expected) > 30
    pages = {}
    for fonts, conf in FONT_SETUPS.items():
        # files of one name (two kinds of form for the same village) converted one folder at a time
        for i, group in enumerate(sorted({f.parent for f in files})):
            _soffice(sorted(group.glob("*.docx")), tmp_path / fonts / str(i), conf)
            for f in group.glob("*.docx"):
                pages.setdefault(str(f.relative_to(out)), {})[fonts] = _pages(
                    tmp_path / fonts / str(i) / (f.stem + ".pdf")
                )
    # the 公文's lists (notices, rosters, 雨露计划 and asset notices): every date, name, count and
    # number prints whole under both setups (engine/official_table sizes the columns)
    broken = {}
    for name in sorted(LISTS):
        path = out / name
        assert path.exists(), name
        values = _whole_values(path)
        assert values, name
        for fonts in FONT_SETUPS:
            folder = next(tmp_path.joinpath(fonts).glob(f"*/{path.stem}.pdf")).parent
            lines = _pdf_lines(folder / (path.stem + ".pdf"))
            missing = [v for v in values if not any(v in line for line in lines)]
            if missing:
                broken[f"{fonts}: {name}"] = missing
    assert not broken, f"values broken across lines: {broken}"
    # a record's pages and a one-page document never change with the face; a running text (a
    # county's 项目公告, a report) may take a page more or less, as it would in Word on another PC
    differ = {name: p for name, p in pages.items() if p["project"] != p["fallback"]
              and (name in expected or min(p.values()) == 1 or abs(p["project"] - p["fallback"]) > 1)}  # fmt: skip
    assert not differ, f"pages (project, fallback) differ: {differ}"
    wrong = {
        name: (pages[name]["project"], n)
        for name, n in expected.items()
        if pages[name]["project"] != n
    }
    assert not wrong, f"(pages, records) {wrong}"
