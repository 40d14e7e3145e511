"""Hostile and broken input at render time (issue 17): nothing executed, nothing corrupt, no formula.

A. Templates are documents: a workspace template reaching for Python internals is refused by the
   sandbox (exit code 6) by `templates check` and by a real render, and the payload never runs.
B. Control characters in data: docxtpl's meanings (\\n line break, \\a new paragraph, \\t tab,
   \\f page break), everything else XML cannot hold dropped and counted; every written part parses.
C. No cell written from data is a formula, in any workbook reportgen writes.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from openpyxl import Workbook, load_workbook

sys.path.insert(0, str(Path(__file__).parent / "engine"))

from builders import HOUSEHOLDS, tiny_county, write_csv  # noqa: E402
from docx_helpers import build_docx  # noqa: E402

from reportgen.cli import cli  # noqa: E402
from reportgen.engine import (  # noqa: E402
    Column,
    Sheet,
    check_template,
    render_batch,
    render_xlsx,
    write_table_workbook,
)
from reportgen.engine.ooxml import cell, para, row, run, table  # noqa: E402
from reportgen.engine.xmltext import (  # noqa: E402
    VERIFY_ENV,
    malformed_parts,
    take_dropped,
    verify_package,
)
from reportgen.errors import TemplateError, UnsafeTemplateError  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# ----------------------------------------------------------------------------- A. sandbox

# Each writes MARKER if it ever runs; {marker} is filled in per test.
PAYLOADS = [
    "{{{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}}}",
    "{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}",
    "{{{{ joiner.__init__.__globals__['os'].system('touch {marker}') }}}}",
    "{{{{ (lipsum|attr('__globals__'))['os'].popen('touch {marker}').read() }}}}",
    "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}{{{{ lipsum.__globals__.os.system('touch {marker}') }}}}",
    "{{% set g = namespace.__init__.__globals__ %}}{{{{ g.os.popen('touch {marker}').read() }}}}",
]
IDS = ["lipsum", "cycler", "joiner", "attr-filter", "class-mro", "namespace"]


def _payload_docx(path: Path, payload: str) -> Path:
    return build_docx(path, para("标题") + para(payload) + para("{{ name }}"))


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_word_template_payload_is_refused_by_check_and_render(tmp_path, payload):
    marker = tmp_path / "pwned"
    tpl = _payload_docx(tmp_path / "tpl" / "坏模板.docx", payload.format(marker=marker))
    issues = check_template(tpl, sample={"name": "张三"})
    assert [i.kind for i in issues][:1] == ["unsafe"], issues
    assert "不允许的写法" in str(issues[0]) and "模板是文档，不是程序" in str(issues[0])
    # without a sample, check still refuses (the static scan, no render needed)
    assert [i.kind for i in check_template(tpl)][:1] == ["unsafe"]
    with pytest.raises(UnsafeTemplateError) as err:
        render_batch(tpl, [{"name": "张三"}, {"name": "李四"}], tmp_path / "out", manifest=False)
    assert err.value.exit_code == 6
    assert "模板“坏模板.docx”（正文 第" in err.value.message and "已拒绝" in err.value.message
    assert not marker.exists()
    assert not list((tmp_path / "out").glob("*.docx"))  # nothing half-written left behind


def test_sandbox_refusal_stops_the_batch_instead_of_failing_records(tmp_path):
    """A refused template is the template's fault: the batch stops (exit 6), it does not write
    other groups and report every record as failed (exit 7)."""
    marker = tmp_path / "pwned"
    body = para("{{ name }}") + para(
        "{% if name == '李四' %}{{ lipsum.__globals__.os.popen('touch "
        + str(marker)
        + "') }}{% endif %}"
    )
    tpl = build_docx(tmp_path / "条件.docx", body)
    with pytest.raises(UnsafeTemplateError):
        render_batch(
            tpl,
            [{"name": "张三", "g": 1}, {"name": "李四", "g": 2}],
            tmp_path / "out",
            group_by="g",
            manifest=False,
        )
    assert not marker.exists()


def test_harmless_templates_still_render_in_the_sandbox(tmp_path):
    """Loops, filters, namespace counters, dict methods and string methods a clerk may use."""
    body = para(
        "{% set ns = namespace(n=0) %}{% for k, v in d.items() %}{% set ns.n = ns.n + v %}{% endfor %}"
        "{{ ns.n }}|{{ name.strip()|upper }}|{{ 1250|money }}|{{ '%s号'|format(3) }}|{{ d.a }}"
    )
    tpl = build_docx(tmp_path / "ok.docx", body)
    res = render_batch(tpl, [{"name": " ab ", "d": {"a": 1, "b": 2}}], tmp_path / "out")
    with zipfile.ZipFile(res.out_dir / res.outputs[0].file) as zf:
        xml = zf.read("word/document.xml").decode()
    assert "3|AB|1,250.00|3号|1" in xml


def test_xlsx_template_payload_is_refused_by_check_and_render(tmp_path):
    marker = tmp_path / "pwned"
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A1"] = "{{ title }}"
    ws["A2"] = "{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}"
    ws["A3"] = "{%tr for r in lipsum.__globals__.os.popen('touch " + str(marker) + "') %}{{ r }}"
    path = tmp_path / "坏名单.xlsx"
    wb.save(path)
    issues = check_template(path)
    assert len(issues) == 2 and all("不允许的写法" in str(i) for i in issues), issues
    assert "名单!A2" in str(issues[0]) and "名单!A3" in str(issues[1])
    with pytest.raises(UnsafeTemplateError) as err:
        render_xlsx(path, {"title": "名单"}, tmp_path / "out.xlsx")
    assert err.value.exit_code == 6 and "模板“坏名单.xlsx”" in err.value.message
    assert not marker.exists() and not (tmp_path / "out.xlsx").exists()


def _override_card_template(workspace: Path, payload: str) -> Path:
    """A workspace copy of the built-in 明白卡 with one more paragraph holding `payload`."""
    from reportgen.paths import builtin_templates_dir

    folder = workspace / "templates" / "docx"
    folder.mkdir(parents=True, exist_ok=True)
    src = builtin_templates_dir() / "docx" / "学生资助政策明白卡.docx"
    target = folder / src.name
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(target, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                text = data.decode()
                at = text.index("<w:body>") + len("<w:body>")
                data = (text[:at] + para(payload) + text[at:]).encode()
            out.writestr(name, data)
    return target


@pytest.fixture
def card_ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-02")
    tiny_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    return workspace


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cli_refuses_a_hostile_workspace_template(run, card_ws, tmp_path, workers):
    marker = tmp_path / f"pwned{workers}"
    target = _override_card_template(card_ws, PAYLOADS[0].format(marker=marker))
    checked = run("templates", "check", str(target))
    assert checked.exit_code == 6, checked.output
    assert "不允许的写法：访问“__globals__”" in checked.stderr
    assert not marker.exists()
    result = run("card", "--county", "--year", "2023", "--workers", workers, "--out", "out")
    assert result.exit_code == 6, result.output
    assert "错误：模板“学生资助政策明白卡.docx”" in result.stderr
    assert "不允许使用“__globals__”" in result.stderr
    assert not marker.exists()
    assert not list((card_ws / "out").glob("*.docx"))


def test_rules_list_says_workspace_rules_are_code(run, workspace, forget_user_rules):
    (workspace / "rules").mkdir()
    path = workspace / "rules" / "本县.py"
    path.write_text(
        "from reportgen.rules import rule\n\n"
        "@rule('X-SEC', '示例规则', seed='本县规定', basis='henan', entity='household', group='工作落实')\n"
        "def sample(ctx):\n    return []\n",
        encoding="utf-8",
    )
    listed = run("rules", "list")
    assert listed.exit_code == 0, listed.output
    assert "它们是程序，不是文档，以当前用户的权限运行" in listed.stdout
    assert f"来自 {path}（程序，以当前用户的权限运行）" in listed.stdout
    data = {r["id"]: r for r in json.loads(run("rules", "list", "--json").stdout)}
    assert data["X-SEC"]["file"] == str(path) and data["M-UNMONITORED"]["file"] is None


def test_rules_list_without_workspace_rules_has_no_warning(run, workspace):
    assert "自定义规则文件" not in run("rules", "list").stdout


# ----------------------------------------------------------------------------- B. control characters

CONTROL = "".join(chr(c) for c in range(0x20)) + "\x7f\ud800\udfff\ufffe\uffff"
SPECIALS = "<>&\"' ]]> &amp; <w:t>"
LONG = "长" * 10_000
# In Word, of CONTROL \t \n \r \x07 \x0c have a meaning; the other 27 C0 characters, the two
# surrogates and the two non-characters are dropped.
DROPPED_PER_VALUE = 27 + 4
# In Excel, as Excel itself and XlsxWriter store them (ECMA-376 ST_Xstring): _xHHHH_ for control
# characters and U+FFFE/U+FFFF (Excel shows the character again; openpyxl reads the escape as it
# is); tab, newline and DEL as they are; lone surrogates, which no encoding can write, dropped.
EXCEL_CONTROL = "".join(
    c if c in "\t\n\x7f" else "" if "\ud800" <= c <= "\udfff" else f"_x{ord(c):04X}_"
    for c in CONTROL
)


def _every_part_parses(path: Path) -> list[str]:
    names = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name))  # raises if not well-formed
                names.append(name)
    return names


def _hostile_word_template(folder: Path) -> Path:
    rows = [
        row([cell("{%tr for it in items %}", 6000)]),
        row([cell("{{ it }}", 6000)]),
        row([cell("{%tr endfor %}", 6000)]),
    ]
    body = (
        para([run("{{ v }}", bold=True)], align="center")
        + table(rows, [6000])
        + para("长文：{{ long }}")
    )
    return build_docx(
        folder / "控制字符.docx", body, header="页眉{{ v }}", footer=para("页脚{{ v }}")
    )


def test_control_characters_and_specials_give_well_formed_word_parts(tmp_path, caplog):
    take_dropped()
    tpl = _hostile_word_template(tmp_path)
    value = "开头" + CONTROL + SPECIALS + "结尾"
    records = [
        {"v": value, "items": [value, SPECIALS, LONG], "long": LONG + CONTROL, "g": g}
        for g in (1, 1, 2)
    ]
    res = render_batch(tpl, records, tmp_path / "out", group_by="g", file_name="组{group}")
    assert [o.file for o in res.outputs] == ["组1.docx", "组2.docx"]
    for o in res.outputs:
        parts = _every_part_parses(res.out_dir / o.file)
        assert {"word/document.xml", "word/header1.xml", "word/footer1.xml"} <= set(parts)
        assert malformed_parts(res.out_dir / o.file) == []
    # per record: v in body and table (2×), long, and its own header and footer (a header that
    # uses a record's value is rendered for each record: each page shows its own record)
    dropped = DROPPED_PER_VALUE * (3 * 3 + 3 * 2)
    manifest = json.loads((res.out_dir / "manifest.json").read_text("utf-8"))
    assert manifest["notes"][0].startswith(f"数据中有 {dropped} 个不能写入 Word/Excel 的控制字符")
    assert "U+0000×15" in manifest["notes"][0] and "U+D800×15" in manifest["notes"][0]
    assert take_dropped() == {}  # handed to the manifest
    assert [r.getMessage()[:15] for r in caplog.records] == [
        f"提示：数据中有 {dropped} 个不能"
    ]  # stderr
    import docx

    doc = docx.Document(str(res.out_dir / "组1.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "<>&\"' ]]> &amp; <w:t>结尾" in text and LONG in text


def test_a_clean_batch_has_no_notes(tmp_path):
    take_dropped()
    tpl = _hostile_word_template(tmp_path)
    res = render_batch(tpl, [{"v": "甲", "items": ["乙"], "long": "丙"}], tmp_path / "out")
    assert "notes" not in json.loads((res.out_dir / "manifest.json").read_text("utf-8"))


def test_a_partition_reports_what_it_dropped(tmp_path):
    """A worker's count travels back in render_partition's result (for the parent's manifest)."""
    from reportgen.engine import render_partition

    take_dropped()
    tpl = build_docx(tmp_path / "p.docx", para("{{ v }}"))
    got = render_partition(
        str(tpl), [{"v": "甲\x00\x1b乙"}, {"v": "丙\x00"}], str(tmp_path / "p1.docx")
    )
    assert got["records"] == 2 and got["dropped"] == {"\x00": 2, "\x1b": 1}
    assert take_dropped() == {"\x00": 2, "\x1b": 1}  # counted here as well (in-process run)


def _runs(p) -> list[str]:
    """A paragraph's run content as tags: t:<text>, tab, br, br:page."""
    out = []
    for r in p.iter(f"{W}r"):
        for child in r:
            if child.tag == f"{W}t":
                out.append(f"t:{child.text or ''}")
            elif child.tag == f"{W}tab":
                out.append("tab")
            elif child.tag == f"{W}br":
                out.append("br:" + (child.get(f"{W}type") or "line"))
    return out


def test_docxtpl_meanings_of_control_characters(tmp_path):
    take_dropped()
    tpl = _hostile_word_template(tmp_path)
    value = "甲\t乙\f丙\n丁\r\n戊\a己\x00庚"
    res = render_batch(
        tpl, [{"v": value, "items": ["子\a丑"], "long": ""}], tmp_path / "out", manifest=False
    )
    with zipfile.ZipFile(res.out_dir / res.outputs[0].file) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
        header = etree.fromstring(zf.read("word/header1.xml"))
    body = root.find(f"{W}body")
    first, second = body.findall(f"{W}p")[:2]
    assert _runs(first) == [
        "t:甲",
        "tab",
        "t:乙",
        "br:page",
        "t:丙",
        "br:line",
        "t:丁",
        "br:line",
        "t:戊",
    ]
    assert _runs(second) == ["t:己庚"]  # \a: a new paragraph; \x00 dropped
    for p in (first, second):  # the new paragraph keeps the paragraph and run properties
        assert p.find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
        assert p.find(f"{W}r/{W}rPr/{W}b") is not None
    cell_ps = body.find(f"{W}tbl").findall(f".//{W}tc/{W}p")
    assert [_runs(p) for p in cell_ps] == [["t:子"], ["t:丑"]]  # \a in a table cell
    hps = header.findall(f"{W}p")
    assert _runs(hps[0])[-1] == "t:戊" and _runs(hps[1]) == ["t:己庚"]
    assert take_dropped() == {"\x00": 3}  # body, header, footer


def test_paragraph_mark_outside_a_plain_run_becomes_a_line_break(tmp_path):
    """Inside a hyperlink, closing the paragraph would leave the hyperlink open: a line break."""
    body = (
        '<w:p><w:hyperlink w:anchor="x"><w:r><w:t xml:space="preserve">{{ v }}</w:t></w:r>'
        "</w:hyperlink></w:p>"
    )
    tpl = build_docx(tmp_path / "link.docx", body)
    res = render_batch(tpl, [{"v": "甲\a乙"}], tmp_path / "out")
    with zipfile.ZipFile(res.out_dir / res.outputs[0].file) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    p = root.find(f"{W}body/{W}p")
    assert _runs(p) == ["t:甲", "br:line", "t:乙"]


def test_xlsx_template_with_hostile_values_is_well_formed(tmp_path):
    take_dropped()
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A1"] = "{{ v }}"
    ws["B1"] = "前缀{{ v }}"
    ws["A2"] = "{%tr for r in rows %}{{ r }}"
    ws["A3"] = "合计"
    ws["B3"] = "=COUNTA(A2:A2)"
    ws.oddFooter.center.text = "页脚{{ v }}"
    src = tmp_path / "t.xlsx"
    wb.save(src)
    value = "甲" + CONTROL + SPECIALS
    out = render_xlsx(src, {"v": value, "rows": [value, LONG, "乙"]}, tmp_path / "out.xlsx")
    _every_part_parses(out)
    got = load_workbook(out)["名单"]
    kept = "甲" + EXCEL_CONTROL + SPECIALS
    assert got["A1"].value == kept and got["B1"].value == "前缀" + kept
    assert [got.cell(r, 1).value for r in (2, 3, 4)] == [kept, LONG, "乙"]
    assert got["B5"].value == "=COUNTA(A2:A4)"  # the template's own formula, stretched
    assert (
        got.oddFooter.center.text == "页脚甲\t\n\n\x7f" + SPECIALS
    )  # not a cell: dropped, CR a newline
    dropped = take_dropped()  # A1, B1, the first row and the footer
    assert dropped["\ud800"] == 4 and dropped["\x07"] == 1
    # the same text as the list workbooks (XlsxWriter) write it
    listed = write_table_workbook(tmp_path / "l.xlsx", [Sheet("名单", [Column("a")], [[value]])])
    assert load_workbook(listed)["名单"]["A2"].value == kept
    take_dropped()


def test_list_workbook_with_hostile_values_is_well_formed(tmp_path):
    take_dropped()
    value = "甲" + CONTROL + SPECIALS
    sheets = [
        Sheet(
            "名单" + "\x01",
            [Column("姓名" + "\x02"), Column("金额", kind="money"), Column("日期", kind="cndate")],
            [[value, 1.5, "2023-09-01"], [LONG, value, None], ["_x0041_", None, None]],
            title="标题" + CONTROL,
            note="说明\ud800",
        )
    ]
    path = write_table_workbook(tmp_path / "名单.xlsx", sheets, footer="数据来源\x07：示例 & 说明")
    _every_part_parses(path)
    ws = load_workbook(path)["名单"]
    assert ws["A1"].value == "标题" + EXCEL_CONTROL and ws["A2"].value == "说明"
    assert ws["A3"].value == "姓名_x0002_"
    assert ws["A4"].value == "甲" + EXCEL_CONTROL + SPECIALS and ws["A5"].value == LONG
    assert ws["B5"].value == "甲" + EXCEL_CONTROL + SPECIALS  # text in a money column
    # Excel's escape syntax in data is escaped itself (Excel shows _x0041_; openpyxl does not decode)
    assert ws["A6"].value == "_x005F_x0041_"
    # sheet name \x01 and footer \x07 removed; surrogates: title, note, 2 rows
    dropped = take_dropped()
    assert sorted(dropped.items()) == [("\x01", 1), ("\x07", 1), ("\ud800", 4), ("\udfff", 3)]


def test_verify_flag_parses_every_written_part(tmp_path, monkeypatch):
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><w:t>a\x07</w:t></w:document>")
        zf.writestr("[Content_Types].xml", "<Types/>")
    assert [m.split(":")[0] for m in malformed_parts(bad)] == ["word/document.xml"]
    monkeypatch.delenv(VERIFY_ENV, raising=False)
    verify_package(bad)  # off by default: costs more than rendering
    monkeypatch.setenv(VERIFY_ENV, "1")
    with pytest.raises(TemplateError, match="有不是有效 XML 的部分"):
        verify_package(bad)
    # with the flag on, hostile data still renders (every part checked on the way out)
    tpl = _hostile_word_template(tmp_path)
    res = render_batch(tpl, [{"v": CONTROL, "items": [CONTROL], "long": LONG}], tmp_path / "out")
    assert res.ok and len(res.outputs) == 1
    take_dropped()


# ----------------------------------------------------------------------------- C. no formula from data

HOSTILE_FORMULAS = [
    '=HYPERLINK("http://x.example/a","点我")',
    "+1",
    "-1+1",
    "@SUM(A1)",
    "=1+1",
    "\t=1",
]


def _formula_cells(path: Path) -> list[str]:
    """`sheet!cell: formula` of every formula in the workbook (openpyxl and the raw sheet XML)."""
    found = []
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                if c.data_type == "f":
                    found.append(f"{ws.title}!{c.coordinate}: {c.value}")
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                raw = zf.read(name).decode("utf-8")
                found += [f"{name}: {f}" for f in re.findall(r"<f[ >][^<]*</f>|<f/>", raw)]
    return found


def test_xlsx_template_never_writes_data_as_a_formula(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{{ v }}"
    ws["B1"] = "{{ v }}元"
    ws["A2"] = "{%tr for r in rows %}{{ r }}"
    ws["A3"] = "=COUNTA(A2:A2)"
    src = tmp_path / "t.xlsx"
    wb.save(src)
    out = render_xlsx(
        src, {"v": HOSTILE_FORMULAS[0], "rows": HOSTILE_FORMULAS}, tmp_path / "o.xlsx"
    )
    got = load_workbook(out).active
    assert got["A1"].value == HOSTILE_FORMULAS[0] and got["A1"].data_type == "s"
    assert got["A1"].quotePrefix  # typing over it in Excel keeps it text
    assert [got.cell(r, 1).value for r in range(2, 8)] == HOSTILE_FORMULAS
    assert all(got.cell(r, 1).quotePrefix for r in range(2, 8))
    assert _formula_cells(out) == [
        "Sheet!A8: =COUNTA(A2:A7)",
        "xl/worksheets/sheet1.xml: <f>COUNTA(A2:A7)</f>",
    ]  # only the template's own


def test_list_workbook_never_writes_a_formula(tmp_path):
    rows = [[v, v] for v in HOSTILE_FORMULAS]
    path = write_table_workbook(
        tmp_path / "l.xlsx",
        [Sheet("名单", [Column("=A1"), Column("金额", kind="money")], rows, title="=1", note="@x")],
    )
    assert _formula_cells(path) == []
    ws = load_workbook(path).active
    assert [ws.cell(r, 1).value for r in range(4, 10)] == HOSTILE_FORMULAS


def test_problem_list_shows_hostile_values_as_text(tmp_path):
    from reportgen.dataset.report import write_problems_xlsx
    from reportgen.errors import Problem

    problems = [
        Problem("a.csv", "户信息", i + 2, "户类型", "不对", v)
        for i, v in enumerate(HOSTILE_FORMULAS)
    ]
    problems.append(Problem("a.csv", "户信息", 9, "户主姓名", "有控制字符", "张\x07三\x00"))
    target = tmp_path / "a_导入问题清单.xlsx"
    write_problems_xlsx(problems, target)
    assert _formula_cells(target) == []
    ws = load_workbook(target)["导入问题"]
    table = [list(r) for r in ws.iter_rows(values_only=True)]
    assert table[0] == ["序号", "文件", "工作表", "行", "列", "问题", "值"]
    assert table[1] == [1, "a.csv", "户信息", 2, "户类型", "不对", HOSTILE_FORMULAS[0]]
    assert [r[6] for r in table[1:7]] == HOSTILE_FORMULAS
    assert table[7][6] == "张[U+0007]三[U+0000]"  # shown, so the clerk can find it
    assert take_dropped() == {}


def test_failed_import_problem_list_has_no_formula(run, workspace):
    households = [r[:] for r in HOUSEHOLDS]
    households[1][4] = HOSTILE_FORMULAS[0]  # 户类型: not one of the choices
    households[2][4] = "@SUM(A1)"
    households[3][7] = "-1+1"  # 家庭年人均纯收入: not an amount
    path = write_csv(workspace / "hh.csv", households)
    result = run("import", str(path))
    assert result.exit_code == 4, result.output
    report = workspace / "hh_导入问题清单.xlsx"
    assert _formula_cells(report) == []
    values = [
        r[6] for r in load_workbook(report)["导入问题"].iter_rows(min_row=2, values_only=True)
    ]
    assert HOSTILE_FORMULAS[0] in values and "@SUM(A1)" in values


def test_demo_workbooks_hold_no_formula(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REPORTGEN_DB", raising=False)
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    books = sorted(tmp_path.rglob("*.xlsx"))
    assert len(books) > 10
    for book in books:
        assert _formula_cells(book) == [], book
        _every_part_parses(book)


def test_data_export_keeps_formula_like_text_as_text(run, workspace):
    households = [
        r[:] + (["备注"] if i == 0 else ['=HYPERLINK("http://x","y")'])
        for i, r in enumerate(HOUSEHOLDS)
    ]
    households[0].append("帮扶责任人单位")
    for r in households[1:]:
        r.append("=3000*2")
    tiny_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    write_csv(workspace / "hh.csv", households)
    imported = run("import", str(workspace / "hh.csv"))
    assert imported.exit_code == 0, imported.output
    exported = run("data", "export", "out.xlsx")
    assert exported.exit_code == 0, exported.output
    out = workspace / "out.xlsx"
    assert _formula_cells(out) == []
    ws = load_workbook(out)["户信息"]
    head = [c.value for c in ws[1]]
    unit, note = head.index("帮扶责任人单位") + 1, head.index("备注") + 1
    assert {ws.cell(r, unit).value for r in range(2, 5)} == {"=3000*2"}
    assert {ws.cell(r, note).value for r in range(2, 5)} == {'=HYPERLINK("http://x","y")'}
    # and it comes back as the same text
    again = run("import", str(out))
    assert again.exit_code == 0, again.output
    exported = run("data", "export", "again.xlsx")
    ws2 = load_workbook(workspace / "again.xlsx")["户信息"]
    assert [[c.value for c in r] for r in ws2.iter_rows()] == [
        [c.value for c in r] for r in ws.iter_rows()
    ]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_characters_dropped_in_worker_processes_reach_the_manifest(
    run, imported, workspace, backend, workers
):
    """Data written around the importer (which refuses control characters) still print, and the
    note says what was removed, however many processes made the files."""
    from builders import db_execute

    soh = "char(1)" if backend == "sqlite" else "chr(1)"  # \x07 would be docxtpl's new paragraph
    db_execute(
        workspace, f"update students set name = '张' || {soh} || '小明' where student_no = 'G001'"
    )
    result = run("card", "--county", "--workers", workers)
    assert result.exit_code == 0, result.output
    manifest = json.loads(
        (workspace / "输出" / "学生资助明白卡" / "manifest.json").read_text("utf-8")
    )
    assert manifest.get("notes") == [
        "数据中有 1 个不能写入 Word/Excel 的控制字符或无效字符，已从文书中删除（U+0001×1）；请在原始数据中检查这些内容"
    ]
