"""Sub-documents (issue 18, docxtpl's Subdoc): `{{p 附件|subdoc }}` puts another .docx's body in
place of its paragraph, with the styles, lists, pictures and links it uses.

Attachments are built with python-docx as a clerk's Word file would be: a style of its own, a
numbered list, a table, a picture and a link. Outputs are read back part by part: text in order,
every style, list, picture and link reference resolving inside the file.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx_helpers import build_docx
from lxml import etree

from reportgen.engine import (
    WordTemplate,
    check_template,
    render_batch,
    subdoc_source,
    write_print_file,
)
from reportgen.engine.media import png_from_matrix
from reportgen.engine.ooxml import cell, para, row, table
from reportgen.engine.ooxml_order import check_package
from reportgen.engine.subdoc import Subdoc
from reportgen.errors import TemplateError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
ATTACHMENT_TEXT = [
    "附件一 资助申请说明",
    "第一段正文。",
    "甲项",
    "乙项",
    "丙项",
    "详见 政策网站",
    "附件结束。",
]


def make_attachment(path: Path, *, title: str = "附件一 资助申请说明", size_pt: int = 18) -> Path:
    """A clerk's attachment: its own heading style, a numbered list, a table, a picture, a link."""
    d = docx.Document()
    style = d.styles.add_style("附件小标题", WD_STYLE_TYPE.PARAGRAPH)
    style.font.size = Pt(size_pt)
    style.font.bold = True
    d.add_paragraph(title, style="附件小标题")
    d.add_paragraph("第一段正文。")
    for item in ("甲项", "乙项", "丙项"):
        d.add_paragraph(item, style="List Number")
    grid = d.add_table(rows=2, cols=2)
    grid.style = "Table Grid"
    for (r, c), text in {(0, 0): "姓名", (0, 1): "金额", (1, 0): "张三", (1, 1): "100"}.items():
        grid.cell(r, c).text = text
    picture = png_from_matrix([[(i + j) % 2 == 0 for i in range(8)] for j in range(8)], 8)
    d.add_picture(io.BytesIO(picture), width=Mm(20))
    p = d.add_paragraph("详见 ")
    rid = d.part.relate_to("https://example.org/zc", RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "政策网站"
    run.append(t)
    link.append(run)
    p._p.append(link)
    d.add_paragraph("附件结束。")
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


def body_template(folder: Path, *, cell_tag: str = "{{p r.附件|subdoc }}") -> Path:
    """Text, an attachment named in the template, a table cell holding a record's attachment."""
    body = "".join(
        [
            para("通知：{{ name }}"),
            para('{{p "附件一.docx"|subdoc }}'),
            table([row([cell(cell_tag, 4000), cell("右边", 4000)])], [4000, 4000]),
            para("结尾"),
        ]
    )
    return build_docx(folder / "通知.docx", body)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def blocks(path: Path) -> list[str]:
    """Text of every body paragraph, and of every table cell's paragraphs, in document order."""
    body = etree.fromstring(parts(path)["word/document.xml"]).find(W + "body")
    out = []
    for p in body.iter(W + "p"):
        text = "".join(t.text or "" for t in p.iter(W + "t"))
        if text.strip():
            out.append(text)
    return out


def assert_consistent(path: Path) -> None:
    """What Word needs for the file to open as it should: well-formed parts in schema order,
    every relationship target present, every style, list and picture reference defined, picture
    ids unique."""
    assert check_package(path) == []
    files = parts(path)
    doc = etree.fromstring(files["word/document.xml"])
    styles = etree.fromstring(files["word/styles.xml"])
    style_ids = {s.get(W + "styleId") for s in styles.iter(W + "style")}
    for tag in ("pStyle", "rStyle", "tblStyle"):
        for el in doc.iter(W + tag):
            assert el.get(W + "val") in style_ids, (tag, el.get(W + "val"))
    for st in styles.iter(W + "style"):
        for tag in ("basedOn", "link", "next"):
            ref = st.find(W + tag)
            assert ref is None or ref.get(W + "val") in style_ids, (st.get(W + "styleId"), tag)
    used = {el.get(W + "val") for el in doc.iter(W + "numId")} - {"0"}
    used |= {el.get(W + "val") for el in styles.iter(W + "numId")} - {"0"}
    if used:
        numbering = etree.fromstring(files["word/numbering.xml"])
        nums = {n.get(W + "numId"): n for n in numbering.iter(W + "num")}
        abstracts = {a.get(W + "abstractNumId") for a in numbering.iter(W + "abstractNum")}
        assert len(nums) == len(list(numbering.iter(W + "num"))), "duplicate numId"
        assert used <= set(nums), used - set(nums)
        for n in nums.values():
            assert n.find(W + "abstractNumId").get(W + "val") in abstracts
    ids = [el.get("id") for el in doc.iter(WP_DOCPR)]
    assert len(ids) == len(set(ids)), ids
    rels = {
        r.get("Id"): r
        for r in etree.fromstring(files["word/_rels/document.xml.rels"]).iter(PKG_REL)
    }
    for blip in doc.iter(A_BLIP):
        rel = rels[blip.get(R + "embed")]
        assert rel.get("Type").endswith("/image")
        assert "word/" + rel.get("Target") in files


def render(template: Path, records: list[dict], out: Path) -> Path:
    write_print_file(WordTemplate(template), records, out)
    return out


# ------------------------------------------------------------------ what comes out
def test_attachment_in_the_body_and_in_a_table_cell(tmp_path):
    make_attachment(tmp_path / "附件一.docx")
    out = render(
        body_template(tmp_path),
        [{"name": "张三", "r": {"附件": "附件一.docx"}}],
        tmp_path / "o.docx",
    )

    assert_consistent(out)  # the cell holding the attachment still ends with a w:p, etc.
    inserted = [*ATTACHMENT_TEXT[:5], "姓名", "金额", "张三", "100", *ATTACHMENT_TEXT[5:]]
    # the body's copy, then the cell's copy (its table nested in the cell), in order
    assert blocks(out) == ["通知：张三", *inserted, *inserted, "右边", "结尾"]

    files = parts(out)
    doc = files["word/document.xml"].decode("utf-8")
    styles = files["word/styles.xml"].decode("utf-8")
    # the attachment's own style came along, and its paragraphs use it
    sid = re.search(r'w:styleId="([^"]+)"><w:name w:val="附件小标题"/>', styles).group(1)
    assert doc.count(f'<w:pStyle w:val="{sid}"/>') == 2
    assert '<w:b/><w:sz w:val="36"/>' in styles  # 18 pt bold, as in the attachment
    # one picture part, one link to the attachment's address
    assert [n for n in files if n.startswith("word/media/")] == ["word/media/rg_image1.png"]
    rels = files["word/_rels/document.xml.rels"].decode("utf-8")
    assert 'Target="https://example.org/zc" TargetMode="External"' in rels
    assert doc.count("<w:hyperlink r:id=") == 2
    # the attachment's table (two 76 mm columns) is narrowed to fit the 4000-twip cell
    nested = doc.split('<w:gridCol w:w="4000"/><w:gridCol w:w="4000"/></w:tblGrid>')[1]
    widths = [
        int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)"/>', nested.split("</w:tblGrid>")[0])
    ]
    assert len(widths) == 2 and sum(widths) <= 4000 - 2 * 108


def test_three_records_share_the_parts_and_restart_their_lists(tmp_path):
    make_attachment(tmp_path / "附件一.docx")
    # the template has a numbered list of its own, restarted per record by the writer
    d = docx.Document()
    d.add_paragraph("学生：{{ name }}")
    d.add_paragraph("{%p for it in items %}")
    d.add_paragraph("{{ it }}", style="List Number")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("{{p r.附件|subdoc }}")
    d.save(str(tmp_path / "tpl.docx"))
    people = [
        {"name": n, "items": ["申请表", "户口簿"], "r": {"附件": "附件一.docx"}} for n in "甲乙丙"
    ]
    out = render(tmp_path / "tpl.docx", people, tmp_path / "o.docx")

    assert_consistent(out)
    files = parts(out)
    assert [n for n in files if n.startswith("word/media/")] == ["word/media/rg_image1.png"]
    assert blocks(out).count("附件结束。") == 3
    # every record's lists (the template's and the attachment's) have ids of their own, each
    # starting at 1: no record goes on counting from the one before
    doc = files["word/document.xml"].decode("utf-8")
    numbering = files["word/numbering.xml"].decode("utf-8")
    starts = dict(
        re.findall(
            r'<w:num w:numId="(\d+)"><w:abstractNumId w:val="\d+"/>'
            r'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="(\d+)"/>',
            numbering,
        )
    )
    seen: list[str] = []
    for k, rec in enumerate(doc.split("学生：")[1:]):
        ours, theirs = (
            num_of(rec, "申请表"),
            num_of(rec, "甲项"),
        )  # the template's, the attachment's
        assert num_of(rec, "丙项") == theirs
        assert starts[theirs] == "1"
        # record 0's template list is the style's own; later records get one of their own
        seen += [theirs] if k == 0 else [ours, theirs]
        assert k == 0 or starts[ours] == "1"
    assert len(seen) == len(set(seen)) == 5


def num_of(xml: str, text: str) -> str | None:
    """numId of the paragraph holding `text` (None: it has none of its own)."""
    para_xml = [p for p in re.findall(r"<w:p>.*?</w:p>", xml, re.S) if text in p][0]
    found = re.search(r'<w:numId w:val="(\d+)"/>', para_xml)
    return found.group(1) if found else None


def test_an_attachment_is_read_once_per_version(tmp_path, monkeypatch):
    path = make_attachment(tmp_path / "附件一.docx")
    calls = []
    real = subdoc_source._prepare
    monkeypatch.setattr(
        subdoc_source, "_prepare", lambda *a, **k: calls.append(a[1]) or real(*a, **k)
    )
    tpl = tmp_path / "tpl.docx"
    build_docx(tpl, para("{{ name }}") + para("{{p r.附件|subdoc }}"))
    recs = [{"name": f"户{i}", "r": {"附件": "附件一.docx"}} for i in range(20)]
    render(tpl, recs, tmp_path / "a.docx")
    render(tpl, recs, tmp_path / "b.docx")
    assert calls == ["附件一.docx"]
    # a changed file is read again
    make_attachment(path, title="附件一（修订）")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    render(tpl, recs[:1], tmp_path / "c.docx")
    assert len(calls) == 2
    assert "附件一（修订）" in blocks(tmp_path / "c.docx")


def test_template_style_of_the_same_name_wins_and_default_text_keeps_its_look(tmp_path):
    # the attachment's heading style has the name of a template style (公文标题), another size
    d = docx.Document()
    style = d.styles.add_style("公文标题", WD_STYLE_TYPE.PARAGRAPH)
    style.font.size = Pt(9)
    d.add_paragraph("标题", style="公文标题")
    d.add_paragraph("正文五号字")
    d.save(str(tmp_path / "附件.docx"))
    tpl = build_docx(tmp_path / "tpl.docx", para("{{p sd|subdoc }}"))
    out = render(tpl, [{"sd": "附件.docx"}], tmp_path / "o.docx")

    assert_consistent(out)
    files = parts(out)
    doc = files["word/document.xml"].decode("utf-8")
    styles = files["word/styles.xml"].decode("utf-8")
    assert styles.count('<w:name w:val="公文标题"/>') == 1  # not copied: the template's holds
    assert '<w:pStyle w:val="a-title"/></w:pPr><w:r><w:t>标题' in doc
    # text without a style of its own keeps the attachment's default look (python-docx: 11 pt,
    # not the template's 16 pt 仿宋), through a style made for it
    own = re.search(r'<w:pStyle w:val="([^"]+)"/></w:pPr><w:r><w:t>正文五号字', doc).group(1)
    made = re.search(rf'<w:style [^>]*w:styleId="{own}">.*?</w:style>', styles).group(0)
    assert '<w:name w:val="附件正文"/>' in made
    assert '<w:sz w:val="22"/>' in made
    assert 'w:eastAsia="宋体"' in made  # the attachment theme's Chinese font, not 仿宋_GB2312
    ind = re.search(r"<w:ind [^>]*/>", made).group(0)  # no first-line indent as the template's
    assert 'w:firstLineChars="0"' in ind and 'w:firstLine="0"' in ind


def test_python_subdoc_from_bytes_and_a_blank_value(tmp_path):
    data = make_attachment(tmp_path / "a.docx").read_bytes()
    tpl = build_docx(
        tmp_path / "tpl.docx",
        para("前")
        + para("{{p sd }}")
        + table([row([cell("{{p r.附件|subdoc }}", 4000)])], [4000])
        + para("后"),
    )
    out = render(tpl, [{"sd": Subdoc(data), "r": {"附件": ""}}], tmp_path / "o.docx")
    assert_consistent(out)  # the cell left empty by the blank value still ends with a w:p
    assert blocks(out) == [
        "前",
        *ATTACHMENT_TEXT[:5],
        "姓名",
        "金额",
        "张三",
        "100",
        *ATTACHMENT_TEXT[5:],
        "后",
    ]


def test_section_breaks_become_page_breaks(tmp_path):
    d = docx.Document()
    d.add_paragraph("第一节")
    d.add_section()
    d.add_paragraph("第二节")
    d.save(str(tmp_path / "两节.docx"))
    tpl = build_docx(tmp_path / "tpl.docx", para("{{p sd|subdoc }}") + para("模板结尾"))
    out = render(tpl, [{"sd": "两节.docx"}], tmp_path / "o.docx")
    assert_consistent(out)
    doc = parts(out)["word/document.xml"].decode("utf-8")
    assert doc.count("<w:sectPr") == 1  # the template's own; the attachment's sections are gone
    assert re.search(r"<w:pageBreakBefore/>.*第二节", doc)
    assert blocks(out) == ["第一节", "第二节", "模板结尾"]


def test_wordprocessingml_without_the_w_prefix(tmp_path):
    src = make_attachment(tmp_path / "orig.docx")
    files = parts(src)
    xml = files["word/document.xml"].decode("utf-8")
    xml = re.sub(r"(</?)w:", r"\1x:", xml).replace("xmlns:w=", "xmlns:x=")
    xml = re.sub(r"(\s)w:(\w+=)", r"\1x:\2", xml)
    files["word/document.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(tmp_path / "附件.docx", "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    tpl = build_docx(tmp_path / "tpl.docx", para("{{p sd|subdoc }}"))
    out = render(tpl, [{"sd": "附件.docx"}], tmp_path / "o.docx")
    assert_consistent(out)
    assert blocks(out)[0] == "附件一 资助申请说明"


def test_a_template_link_and_an_attachment_in_one_file(tmp_path):
    """The template's own link (link filter: a Hyperlink style added to styles.xml) and the
    attachment's styles both end up in the one styles.xml."""
    make_attachment(tmp_path / "附件一.docx")
    tpl = build_docx(
        tmp_path / "tpl.docx",
        para('网址：{{ "https://a.example/x"|link("点此") }}') + para("{{p r.附件|subdoc }}"),
    )
    out = render(tpl, [{"r": {"附件": "附件一.docx"}}], tmp_path / "o.docx")
    assert_consistent(out)
    styles = parts(out)["word/styles.xml"].decode("utf-8")
    assert '<w:name w:val="附件小标题"/>' in styles and '<w:name w:val="Hyperlink"/>' in styles
    rels = parts(out)["word/_rels/document.xml.rels"].decode("utf-8")
    assert "https://a.example/x" in rels and "https://example.org/zc" in rels


# ------------------------------------------------------------------ refused, with the reason
def _chart_attachment(path: Path) -> Path:
    d = docx.Document()
    p = d.add_paragraph("图表：")
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = Part(
        PackURI("/word/charts/chart1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
        b"<c/>",
        d.part.package,
    )
    rid = d.part.relate_to(part, RT.CHART)
    chart = etree.SubElement(p._p, "{http://schemas.openxmlformats.org/drawingml/2006/chart}chart")
    chart.set(R + "id", rid)
    d.save(str(path))
    return path


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("没有.docx", None, "找不到子文档“没有.docx”"),
        ("../附件一.docx", None, "含有“..”"),
        ("/etc/附件一.docx", None, "是绝对路径"),
        ("说明.docx", lambda p: p.write_text("不是文档", encoding="utf-8"), "不是 Word 文档"),
        (
            "旧.doc",
            lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
            "旧版 Word 格式（.doc）",
        ),
        ("坏.docx", lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 40), "已损坏"),
        ("表.docx", lambda p: _zip(p, {"xl/workbook.xml": b"<w/>"}), "是Excel 表格"),
        (
            "乱.docx",
            lambda p: _zip(p, {"word/document.xml": b"<w:document"}),
            "word/document.xml 不是有效的 XML",
        ),
        ("图.docx", _chart_attachment, "含有图表，暂时不能插入"),
    ],
)
def test_unusable_attachments_are_refused_naming_the_value(tmp_path, name, make, message):
    (tmp_path / "data").mkdir()
    if make is not None:
        make(tmp_path / "data" / name)
    tpl = build_docx(tmp_path / "data" / "tpl.docx", para("{{p r.附件|subdoc }}"))
    with pytest.raises(TemplateError) as err:
        render(tpl, [{"r": {"附件": name}}], tmp_path / "o.docx")
    assert message in str(err.value)
    assert not (tmp_path / "o.docx").exists()


def _zip(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_a_batch_failure_names_the_record_and_the_file(tmp_path):
    make_attachment(tmp_path / "附件一.docx")
    tpl = build_docx(tmp_path / "tpl.docx", para("{{ name }}") + para("{{p r.附件|subdoc }}"))
    recs = [
        {"name": "张三", "r": {"附件": "附件一.docx"}},
        {"name": "李四", "r": {"附件": "附件二.docx"}},
    ]
    result = render_batch(
        tpl, recs, tmp_path / "out", label="name", raise_on_failure=False, manifest=False
    )
    assert [(f.record, "找不到子文档“附件二.docx”" in f.message) for f in result.failures] == [
        ("李四", True)
    ]


def test_subdoc_among_text_is_refused_and_reported_by_check(tmp_path):
    make_attachment(tmp_path / "附件一.docx")
    tpl = build_docx(tmp_path / "tpl.docx", para("见附件：{{ r.附件|subdoc }}"))
    with pytest.raises(TemplateError, match="要单独占一段"):
        render(tpl, [{"r": {"附件": "附件一.docx"}}], tmp_path / "o.docx")
    issues = check_template(tpl)
    assert any("子文档要单独占一段" in i.message and i.kind == "syntax" for i in issues)
    # written the docxtpl way, check is satisfied
    good = build_docx(tmp_path / "good.docx", para("见附件：") + para("{{p r.附件|subdoc }}"))
    assert not [i for i in check_template(good) if "子文档" in i.message]


def test_subdoc_in_a_header_is_refused(tmp_path):
    make_attachment(tmp_path / "附件一.docx")
    tpl = build_docx(tmp_path / "tpl.docx", para("正文"), header="{{ sd|subdoc }}")
    with pytest.raises(TemplateError, match="只能插在正文里"):
        render(tpl, [{"sd": "附件一.docx"}], tmp_path / "o.docx")
    assert any("只能插在正文里" in i.message for i in check_template(tpl))


# ------------------------------------------------------------------ as LibreOffice prints it
@pytest.mark.soffice
def test_printed_attachment_shows_list_numbers_table_and_link(tmp_path):
    make_attachment(tmp_path / "附件一.docx")
    out = render(
        body_template(tmp_path),
        [{"name": "张三", "r": {"附件": "附件一.docx"}}],
        tmp_path / "o.docx",
    )
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        check=True,
        capture_output=True,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "o.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()]
    assert "1. 甲项" in lines and "2. 乙项" in lines and "3. 丙项" in lines
    assert any("姓名" in line and "金额" in line for line in lines)
    assert text.count("详见 政策网站") == 2


def test_same_inputs_give_the_same_parts_in_any_process(tmp_path):
    """Styles made for an attachment list their properties in a fixed order (not a set's, which
    changes with each process's hash seed)."""
    make_attachment(tmp_path / "附件一.docx")
    tpl = build_docx(tmp_path / "tpl.docx", para("{{ name }}") + para("{{p r.附件|subdoc }}"))
    code = (
        "import sys; from reportgen.engine import WordTemplate, write_print_file; "
        "write_print_file(WordTemplate(sys.argv[1]), "
        "[{'name': '张三', 'r': {'附件': '附件一.docx'}}], sys.argv[2])"
    )
    outs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"o{seed}.docx"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(tpl), str(out)], check=True, env=env)
        files = parts(out)
        outs.append({n: files[n] for n in ("word/document.xml", "word/styles.xml")})
    assert outs[0] == outs[1] == outs[2]
