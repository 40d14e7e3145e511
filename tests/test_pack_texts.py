"""Document words live in the policy pack (issue 19): the 明白纸's 帮扶政策, the notices' first
paragraph and messages, the self-check report's and the monthly letter's paragraphs that quote
policy, and the dropout checks' titles are texts of the pack. A county's pack rewords them and the
documents follow, with none of the old words; a text with a misspelt value fails when the pack is
loaded, naming file and line; henan-2024's illustrative wording reaches the 明白纸; and no
user-facing string in the document modules cites the source document's sections."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from builders import sqlite_only
from docx import Document
from openpyxl import load_workbook

from reportgen.config import load_policy
from reportgen.errors import ConfigError
from reportgen.paths import policies_dir


def _config(ws, policy: str) -> None:
    (ws / "reportgen.toml").write_text(
        f'policy = "{policy}"\n[county]\nname = "青山县"\n[offices]\ncounty = "青山县乡村振兴局"\n'
        '[issuer]\norgan = "青山县乡村振兴局"\n',
        encoding="utf-8",
    )


def _pack(ws: Path, name: str, texts: str) -> Path:
    """A workspace pack based on henan-2023 with `texts` as its texts.toml; the texts file."""
    folder = ws / "policies" / name
    folder.mkdir(parents=True)
    (folder / "policy.toml").write_text(
        f'[meta]\nname = "{name}"\nbased_on = "henan-2023"\n', encoding="utf-8"
    )
    (folder / "texts.toml").write_text(texts, encoding="utf-8")
    return folder / "texts.toml"


def _docx_text(path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _xlsx_text(path) -> str:
    wb = load_workbook(path)
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def _one(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


COUNTY_TEXTS = """
[monitor_sheet.policies.health]
text = "本县健康帮扶：参保个人缴费分类资助，住院先诊疗后付费，参保率目标{{ health.insurance_rate_min|pct }}。"

[monitor_sheet.policies.loan]
text = ""

[monitor_sheet.policies.finance]
title = "金融帮扶"
text = "可申请产业贷款贴息，单户贷款不超过{{ microcredit.max_amount|wan_yuan }}。"

[notices.body]
inclusion = "经入户核实、信息比对，{{ place }}拟将{{ count }}户纳入监测（依据：{{ basis.monitoring }}），现予公示。"
project = "{{ place }}{{ year }}年度项目共{{ count }}个，请群众监督。"

[report]
opening = "本县依据{{ basis.monitoring }}，对{{ name }}截至{{ as_of }}的巩固衔接工作开展自查，报告如下："
subject = "巩固衔接工作自查报告"

[report.indicators.insurance]
target = "不低于{{ health.insurance_rate_min|pct }}"

[monthly]
opening = "现将{{ month }}新增、退出监测对象名单抄送你们（依据：{{ basis.health }}）。"

[rules.D-ATTEMPTS]
title = "劝返少于{{ dropout.persuasion_min_attempts }}次且学生仍未返校"
"""

# (new words, old words) for every reworded text
REWORDED = {
    "明白纸": (
        ["★健康帮扶", "本县健康帮扶：参保个人缴费分类资助，住院先诊疗后付费，参保率目标99%。",
         "金融帮扶：可申请产业贷款贴息，单户贷款不超过10万元。"],
        ["县域内住院实行“先诊疗后付费”", "小额信贷："],
    ),
    "公示": (
        ["经入户核实、信息比对，城关镇拟将", "纳入监测（依据：中共河南省委农村工作领导小组"],
        ["经农户申报、干部排查或部门预警", "纳入防止返贫监测对象，现予以公示"],
    ),
    "项目公示": (["城关镇2023年度项目共", "个，请群众监督。"], ["资金安排、建设内容和联农带农机制等情况予以公示"]),
    "自查报告": (
        ["本县依据中共河南省委农村工作领导小组", "的巩固衔接工作开展自查，报告如下：",
         "巩固衔接工作自查报告", "不低于99%", "劝返少于3次且学生仍未返校"],
        ["工作开展了自查。现将有关情况报告如下", "巩固拓展脱贫攻坚成果自查情况的报告", "\n稳定在99%以上\n",
         "劝返不足3次仍未复学"],
    ),
    "月报": (
        ["新增、退出监测对象名单抄送你们（依据：《关于坚决守牢"],
        ["抄送同级财政、卫生健康、医保部门”的要求"],
    ),
}  # fmt: skip


@sqlite_only  # policy words do not depend on the database backend
def test_a_county_pack_rewords_the_documents(run, example):
    _pack(example, "县文字", COUNTY_TEXTS)
    _config(example, "县文字")
    assert "政策包 县文字 检查通过" in run("policy", "check").output
    out = example / "输出"

    made = run("monitor-sheet", "--household", "H0031")
    assert made.exit_code == 0, made.output + made.stderr
    sheet = _docx_text(_one(out / "防止返贫监测明白纸", "*.docx"))
    made = run("notice", "--township", "城关镇", "--date", "2023-09-01")
    assert made.exit_code == 0, made.output + made.stderr
    notices = out / "公示公告"
    inclusion = _docx_text(notices / "城关镇_监测对象识别纳入公示_2023年9月1日.docx")
    project = _docx_text(notices / "城关镇_项目公示_2023年9月1日.docx")
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    report = _docx_text(_one(out / "自查报告", "*.docx"))
    assert run("monthly", "--month", "2023-09").exit_code == 0
    monthly = _docx_text(_one(out / "月报", "*.docx"))

    texts = {
        "明白纸": sheet,
        "公示": inclusion,
        "项目公示": project,
        "自查报告": report,
        "月报": monthly,
    }
    for document, (new, old) in REWORDED.items():
        for words in new:
            assert words in texts[document], (document, words)
        for words in old:
            assert words not in texts[document], (document, words)
    # the other sections keep henan-2023's words, in its order, the county's own one last
    paper = [p.text for p in Document(str(_one(out / "防止返贫监测明白纸", "*.docx"))).paragraphs]
    start = next(i for i, t in enumerate(paper) if t.startswith("五、帮扶政策"))
    sections = [re.match(r"★?([^（：]+)", t).group(1) for t in paper[start + 1 :] if t]
    assert sections == ["教育帮扶", "健康帮扶", "住房安全", "饮水安全", "兜底保障", "就业帮扶", "产业帮扶", "金融帮扶"]  # fmt: skip
    assert "住房安全：住房经鉴定为C级、D级危房或无房的" in sheet or "★住房安全（" in sheet


@sqlite_only  # policy words do not depend on the database backend
def test_the_dropout_archive_and_the_check_word_a_rule_alike(run, example):
    _pack(example, "县文字", COUNTY_TEXTS)
    _config(example, "县文字")
    found = json.loads(
        run("check", "--as-of", "2023-10-01", "--rule", "D-ATTEMPTS", "--json").stdout
    )
    assert found and {f["title"] for f in found} == {"劝返少于3次且学生仍未返校"}
    made = run("dropout", "--county", "--as-of", "2023-10-01")
    assert made.exit_code == 0, made.output + made.stderr
    folder = example / "输出" / "控辍保学"
    archives = [_docx_text(p) for p in folder.glob("*.docx")]
    titled = [t for t in archives if "劝返少于3次且学生仍未返校：" in t]
    assert len(titled) == len(found)
    assert not any("劝返不足3次仍未复学" in t for t in archives)
    ledger = _xlsx_text(_one(folder, "*.xlsx"))
    assert "劝返少于3次且学生仍未返校" in ledger and "劝返不足3次" not in ledger


def test_the_dropout_checks_take_their_words_from_the_registered_rules():
    from reportgen.dropout import RULES, Standard
    from reportgen.rules import builtin_rules
    from reportgen.rules.dropout import RULE_IDS

    assert {c.code: c.rule_id for c in RULES} == RULE_IDS
    for name in ("henan-2023", "henan-2024"):
        policy = load_policy(name)
        std = Standard.from_policy(policy)
        for c in RULES:
            bound = builtin_rules()[c.rule_id].bound(policy)
            assert (c.title_for(std), std.seeds[c.code]) == (bound.title, bound.seed)


def _line(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, x in enumerate(lines, 1) if needle in x)


def test_a_misspelt_value_in_a_text_fails_at_load_with_file_and_line(tmp_path):
    texts = _pack(
        tmp_path,
        "县",
        "[notices.body]\n"
        'project = "{{ place }}{{ year }}年度共{{ count|yuan }}个项目"\n'  # a declared value: fine
        'inclusion = "{{ place }}拟将{{ cuont }}户纳入监测"\n',
    )
    with pytest.raises(ConfigError) as err:
        load_policy("县", base=tmp_path)
    message = str(err.value)
    assert (
        f"政策包文字“notices.body.inclusion”有误（{texts} 第{_line(texts, 'cuont')}行）" in message
    )
    assert (
        "“cuont”不是本政策包的参数，也不是这段文字可用的值（可用：place、year、count；" in message
    )

    # a value of another table is not this one's
    texts.write_text('[report]\nopening = "{{ month }}自查"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"“month”不是本政策包的参数.*可用：name、as_of"):
        load_policy("县", base=tmp_path)

    # the declared values themselves must be names
    texts.write_text('[report]\nparams = "name"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy("县", base=tmp_path)
    assert f'report.params 应为名字的列表，如 ["place", "count"]（{texts} 第2行）' in str(err.value)


@sqlite_only  # policy words do not depend on the database backend
def test_henan_2024_rewords_the_water_section_of_the_paper(run, example):
    source = (policies_dir() / "henan-2024" / "texts.toml").read_text(encoding="utf-8")
    before = source[: source.index("[monitor_sheet.policies.water]")].splitlines()[-1]
    assert "【示例】" in before
    new = "用水有困难的，可随时告诉帮扶责任人，也可向村委会或乡镇反映。"
    old = "用水有困难的，请向村委会或乡镇反映。"
    for policy, shown, hidden in (("henan-2024", new, old), ("henan-2023", old, new)):
        _config(example, policy)
        out = example / "输出" / policy
        made = run("monitor-sheet", "--household", "H0031", "--out", str(out))
        assert made.exit_code == 0, made.output + made.stderr
        sheet = _docx_text(_one(out, "*.docx"))
        assert "饮水安全" in sheet and shown in sheet and hidden not in sheet, policy


# Modules that write documents or messages: their user-facing strings cite no source section.
DOCUMENT_MODULES = (
    "documents/monitor_sheet.py", "documents/notices.py", "documents/selfcheck.py",
    "documents/selfcheck_xlsx.py", "documents/monthly.py", "documents/report_blocks.py",
    "documents/dropout_archive.py", "documents/aid_card.py", "dropout/checks.py",
    "documents/yulu_notice.py", "documents/rosters.py", "documents/ledgers.py",
    "documents/aid_notice.py", "documents/runner.py", "documents/asset_notice.py",
    "documents/forms.py",
)  # fmt: skip
SECTION = re.compile(r"梳理|[一二三四五]\.[一二三四五六七八九十]\.\(|第四部分")


def _strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring nor part of a template's
    sample context (`SAMPLE = {…}`: the shape of a context, never printed for a household)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []  # fmt: skip
        if any(isinstance(t, ast.Name) and "SAMPLE" in t.id for t in targets):
            skipped |= {id(inner) for inner in ast.walk(node)}
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in skipped
    ]  # fmt: skip


def test_no_document_module_cites_the_source_document_itself():
    package = Path(__file__).resolve().parents[1] / "reportgen"
    cited = [
        f"{module}:{line} {text}"
        for module in DOCUMENT_MODULES
        for line, text in _strings(package / module)
        if SECTION.search(text)
    ]
    assert cited == []
