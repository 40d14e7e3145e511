"""Templates users edit never lose text (issue 18, item 1).

Word, WPS and LibreOffice merge neighbouring runs with the same formatting when they save, so
`{%r endif %}{{ b.text }}` can end up in one w:r. The engine used to replace that whole run and
the report rendered with blank paragraphs while `templates check` passed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx_helpers import build_docx, document_xml, docx_text
from lxml import etree

from reportgen.engine import WordTemplate, check_template, make_meta, write_print_file
from reportgen.engine.pdf import _soffice_env, find_soffice
from reportgen.engine.registry import template_spec
from reportgen.errors import TemplateError

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_DOCX = sorted((ROOT / "templates" / "docx").glob("*.docx"))
META = make_meta("数据来源：2023年9月1日导入（第1次导入）", "2023-09-02")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# One run holds text, the opening r-tag; the closing r-tag shares a run with text and a variable,
# as LibreOffice writes `{%r endif %}{{ b.text }}` after a save. Italic runs around a bold one.
MERGED_R = (
    "<w:p><w:r><w:rPr><w:i/></w:rPr><w:t>前文{%r if x %}</w:t></w:r>"
    "<w:r><w:rPr><w:b/></w:rPr><w:t>加粗</w:t></w:r>"
    "<w:r><w:rPr><w:i/></w:rPr><w:t>{%r endif %}后文{{ y }}</w:t><w:tab/><w:t>末尾</w:t></w:r></w:p>"
)
# The same, with Word's split of the opening tag over two runs and a tab before it.
SPLIT_R = (
    "<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙{%r i</w:t></w:r>"
    "<w:r><w:t>f x %}丙</w:t></w:r>"
    "<w:r><w:t>丁{%r endif %}戊</w:t></w:r></w:p>"
)


def _render(tmp_path: Path, body: str, ctx: dict) -> Path:
    tpl = build_docx(tmp_path / "tpl.docx", body)
    out = tmp_path / f"out_{len(list(tmp_path.iterdir()))}.docx"
    write_print_file(WordTemplate(tpl), [{**ctx, "_meta": META}], out)
    return out


def _runs(path: Path) -> list[tuple[str, str]]:
    """(text, formatting) of each run with text in the first paragraph: 'b', 'i' or ''."""
    root = etree.fromstring(document_xml(path).encode())
    p = root.find(f".//{W}p")
    out = []
    for r in p.iter(f"{W}r"):
        text = "".join(t.text or "" for t in r.iter(f"{W}t"))
        if text:
            look = "".join(k for k in ("b", "i") if r.find(f"{W}rPr/{W}{k}") is not None)
            out.append((text, look))
    return out


@pytest.mark.parametrize(
    ("x", "expected"), [(True, "前文加粗后文值\t末尾"), (False, "前文后文值\t末尾")]
)
def test_text_sharing_a_run_with_an_r_tag_is_kept(tmp_path, x, expected):
    out = _render(tmp_path, MERGED_R, {"x": x, "y": "值"})
    assert docx_text(out) == expected
    runs = _runs(out)
    assert runs[0] == ("前文", "i")  # text keeps its run's formatting
    assert runs[-1] == ("后文值末尾", "i")
    assert (("加粗", "b") in runs) is x


@pytest.mark.parametrize(("x", "expected"), [(True, "甲\t乙丙丁戊"), (False, "甲\t乙戊")])
def test_split_r_tag_next_to_text_and_tab(tmp_path, x, expected):
    assert docx_text(_render(tmp_path, SPLIT_R, {"x": x})) == expected


# ------------------------------------------------------------- text a {%p/tr %} would drop
def test_p_tag_alone_in_its_paragraph_passes(tmp_path):
    body = "<w:p><w:r><w:t>{%p if x %}</w:t></w:r></w:p><w:p><w:r><w:t>条件段</w:t></w:r></w:p><w:p><w:r><w:t>{%p endif %}</w:t></w:r></w:p>"
    tpl = build_docx(tmp_path / "ok.docx", body)
    assert check_template(tpl) == []
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), [{"x": True, "_meta": META}], out)
    assert docx_text(out) == "条件段"


def test_text_beside_a_p_tag_is_refused_with_the_fix(tmp_path):
    def block(extra: str) -> str:
        return (
            f"<w:p><w:r><w:t>{{%p if x %}}</w:t></w:r><w:r><w:t>{extra}</w:t></w:r></w:p>"
            "<w:p><w:r><w:t>条件段</w:t></w:r></w:p><w:p><w:r><w:t>{%p endif %}</w:t></w:r></w:p>"
        )

    tpl = build_docx(tmp_path / "bad.docx", block(" ") + block("说明文字"))
    issues = check_template(tpl)
    assert [i.kind for i in issues] == ["lost"]
    text = str(issues[0])
    assert "{%p if x %}" in text and "说明文字" in text and "会丢失" in text
    assert "单独写在一段里" in text and issues[0].part == "正文"
    # the line is the second block's statement (the first, identical one only had a space)
    lines = WordTemplate(tpl, strict=False).body.source.split("\n")
    assert lines[issues[0].line - 1] == "{% if x %}"
    assert lines.index("{% if x %}") < issues[0].line - 1
    with pytest.raises(TemplateError, match="说明文字"):
        WordTemplate(tpl)


def test_text_in_another_cell_of_a_tr_row_is_refused(tmp_path):
    from reportgen.engine.ooxml import cell, row, table

    def body(extra: str) -> str:
        rows = [
            row([cell("{%tr for r in rows %}", 3000), cell(extra, 3000)]),
            row([cell("{{ r }}", 3000), cell("", 3000)]),
            row([cell("{%tr endfor %}", 3000), cell("", 3000)]),
        ]
        return table(rows, [3000, 3000])

    assert check_template(build_docx(tmp_path / "ok.docx", body(""))) == []
    issues = check_template(build_docx(tmp_path / "bad.docx", body("表头说明")))
    assert [i.kind for i in issues] == ["lost"]
    assert "表格行" in issues[0].message and "表头说明" in issues[0].message


# ------------------------------------------------- every built-in template through LibreOffice
def _part_texts(path: Path) -> tuple[list[str], list[str]]:
    """Body paragraphs' text (tables included, in order) and the sorted non-empty header/footer
    texts, whitespace runs collapsed."""

    def paras(xml: bytes) -> list[str]:
        root = etree.fromstring(xml)
        out = []
        for p in root.iter(f"{W}p"):
            bits, in_field = [], False
            for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}fldChar"):
                if el.tag == f"{W}fldChar":  # a field's shown result (page number) is LibreOffice's
                    in_field = el.get(f"{W}fldCharType") == "separate"
                elif not in_field and el.getparent().getparent().tag != f"{W}fldSimple":
                    bits.append(el.text or "" if el.tag == f"{W}t" else " ")
            out.append(re.sub(r"\s+", " ", "".join(bits)).strip())
        return out

    with zipfile.ZipFile(path) as zf:
        body = [t for t in paras(zf.read("word/document.xml")) if t]
        hf = sorted(
            " / ".join(t for t in paras(zf.read(n)) if t)
            for n in zf.namelist()
            if re.fullmatch(r"word/(header|footer)\d*\.xml", n)
        )
    return body, [t for t in hf if t]


@pytest.fixture(scope="module")
def roundtripped(tmp_path_factory) -> Path:
    """Every built-in Word template opened and saved by LibreOffice (no edits)."""
    work = tmp_path_factory.mktemp("lo")
    soffice = find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = work / "src"
    src.mkdir()
    for p in BUILTIN_DOCX:
        shutil.copy(p, src / p.name)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"),
         *sorted(str(p) for p in src.iterdir())],
        check=True, capture_output=True, timeout=600, stdin=subprocess.DEVNULL, env=_soffice_env(),
    )  # fmt: skip
    return work / "out"


def test_builtin_templates_are_all_covered():
    names = {p.stem for p in BUILTIN_DOCX}
    assert {"季度自查报告", "监测对象新增退出名单"} <= names
    assert all(template_spec(n, "docx") is not None for n in names)


@pytest.mark.soffice
@pytest.mark.parametrize("name", [p.stem for p in BUILTIN_DOCX])
def test_libreoffice_saved_template_renders_the_same_text(roundtripped, tmp_path, name):
    saved = roundtripped / f"{name}.docx"
    assert saved.exists(), f"LibreOffice did not save {name}"
    # Built-in templates must survive a plain save: `check` passes and nothing is lost.
    assert check_template(saved, sample=template_spec(name, "docx").sample) == []
    ctx = {**template_spec(name, "docx").sample, "_meta": META}
    original, again = tmp_path / "original.docx", tmp_path / "again.docx"
    write_print_file(WordTemplate(ROOT / "templates" / "docx" / f"{name}.docx"), [ctx], original)
    write_print_file(WordTemplate(saved), [ctx], again)
    body, hf = _part_texts(original)
    assert sum(len(t) for t in body) > 50  # the sample fills the template
    assert _part_texts(again) == (body, hf)
