"""Tags in footnotes, endnotes and document properties are filled in, as docxtpl does (issue 18):
per record in a print file (each record's notes and references renumbered), properties once per
file (refused when records would need different ones); comments stay refused."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx_helpers import build_docx
from lxml import etree

from reportgen.cli import cli
from reportgen.engine import WordTemplate, check_template, write_print_file
from reportgen.errors import TemplateError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WNS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
SEPARATORS = (
    '<w:{k} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{k}>'
    '<w:{k} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
    "</w:r></w:p></w:{k}>"
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml."


def _ref(kind: str, n: int) -> str:
    return f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="{n}"/></w:r>'


def _notes_part(kind: str, notes: dict[int, str]) -> str:
    body = "".join(
        f'<w:{kind} w:id="{n}"><w:p><w:r><w:{kind}Ref/></w:r><w:r><w:t xml:space="preserve">'
        f"{text}</w:t></w:r></w:p></w:{kind}>"
        for n, text in notes.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:{kind}s {WNS}>{SEPARATORS.format(k=kind)}{body}</w:{kind}s>"
    )


def make_template(
    tmp_path: Path,
    *,
    footnotes: dict[int, str] | None = None,
    endnotes: dict[int, str] | None = None,
    title: str | None = None,
    company: str | None = None,
    comment: str | None = None,
    body: str | None = None,
) -> Path:
    """A template whose body refers to each note; parts added with their relationships."""
    refs = "".join(_ref("footnote", n) for n in footnotes or {}) + "".join(
        _ref("endnote", n) for n in endnotes or {}
    )
    text = body or "<w:p><w:r><w:t>{{ name }}的说明</w:t></w:r>" + refs + "</w:p>"
    src = build_docx(tmp_path / "src.docx", text)
    out = tmp_path / "tpl.docx"
    extra, rels, types = {}, [], []
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        if notes:
            extra[f"word/{kind}s.xml"] = _notes_part(kind, notes)
            rels.append(f'<Relationship Id="rIdN{kind}" Type="{REL}{kind}s" Target="{kind}s.xml"/>')
            types.append(f'<Override PartName="/word/{kind}s.xml" ContentType="{CT}{kind}s+xml"/>')
    if comment:
        extra["word/comments.xml"] = (
            f'<w:comments {WNS}><w:comment w:id="0" w:author="a"><w:p><w:r><w:t>{comment}'
            "</w:t></w:r></w:p></w:comment></w:comments>"
        )
        rels.append(f'<Relationship Id="rIdC" Type="{REL}comments" Target="comments.xml"/>')
        types.append(f'<Override PartName="/word/comments.xml" ContentType="{CT}comments+xml"/>')
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w") as w:
        for name in z.namelist():
            data = z.read(name).decode()
            if name == "word/_rels/document.xml.rels":
                data = data.replace("</Relationships>", "".join(rels) + "</Relationships>")
            elif name == "[Content_Types].xml":
                data = data.replace("</Types>", "".join(types) + "</Types>")
            elif name == "docProps/core.xml" and title is not None:
                data = data.replace("<dc:title></dc:title>", f"<dc:title>{title}</dc:title>")
            elif name == "docProps/app.xml" and company is not None:
                data = re.sub(r"(</Properties>)", f"<Company>{company}</Company>\\1", data)
            w.writestr(name, data)
        for name, data in extra.items():
            w.writestr(name, data)
    return out


def _notes(path: Path, kind: str = "footnote") -> dict[int, str]:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read(f"word/{kind}s.xml"))
    return {
        int(n.get(W + "id")): "".join(t.text or "" for t in n.iter(W + "t"))
        for n in root
        if n.get(W + "type") is None
    }


def _refs(path: Path, kind: str = "footnote") -> list[int]:
    with zipfile.ZipFile(path) as z:
        body = z.read("word/document.xml").decode()
    return [int(n) for n in re.findall(rf'<w:{kind}Reference w:id="(\d+)"', body)]


def _core(path: Path, tag: str = "title") -> str:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("docProps/core.xml"))
    return root.findtext("{http://purl.org/dc/elements/1.1/}" + tag) or ""


PEOPLE = [
    {"name": "张三", "school": "城关一中", "note": "已发放"},
    {"name": "李四", "school": "城关一中", "note": "待发放"},
    {"name": "王五", "school": "城关一中", "note": "已发放"},
]


def test_footnote_tags_are_filled_in_for_one_record(tmp_path):
    tpl = make_template(tmp_path, footnotes={1: "{{ name }}：{{ note }}", 2: "固定说明"})
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), PEOPLE[:1], out)
    assert _notes(out) == {1: "张三：已发放", 2: "固定说明"}
    assert _refs(out) == [1, 2]


def test_a_print_file_gives_every_record_its_own_footnotes(tmp_path):
    tpl = make_template(tmp_path, footnotes={1: "{{ name }}：{{ note }}", 2: "固定说明"})
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), PEOPLE, out)
    notes = _notes(out)
    # stride 3 (highest id 2, plus one): record k's notes are k*3+1 and k*3+2
    assert notes == {
        1: "张三：已发放",
        2: "固定说明",
        4: "李四：待发放",
        5: "固定说明",
        7: "王五：已发放",
        8: "固定说明",
    }
    assert _refs(out) == [1, 2, 4, 5, 7, 8]  # every reference has its note
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("word/footnotes.xml"))
    assert [n.get(W + "type") for n in root][:2] == ["separator", "continuationSeparator"]


def test_endnotes_are_filled_in_beside_footnotes(tmp_path):
    tpl = make_template(
        tmp_path, footnotes={1: "脚注{{ name }}"}, endnotes={1: "尾注{{ note }}", 2: "尾注二"}
    )
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), PEOPLE[:2], out)
    assert _notes(out) == {1: "脚注张三", 4: "脚注李四"}  # one stride for both kinds: 3
    assert _notes(out, "endnote") == {1: "尾注已发放", 2: "尾注二", 4: "尾注待发放", 5: "尾注二"}
    assert _refs(out, "endnote") == [1, 2, 4, 5]


def test_notes_without_tags_are_copied_as_they_are(tmp_path):
    tpl = make_template(tmp_path, footnotes={1: "固定说明"})
    template = WordTemplate(tpl)
    assert template.note_parts == []
    out = tmp_path / "out.docx"
    write_print_file(template, PEOPLE[:2], out)
    with zipfile.ZipFile(tpl) as a, zipfile.ZipFile(out) as b:
        assert a.read("word/footnotes.xml") == b.read("word/footnotes.xml")


def test_a_missing_variable_in_a_footnote_names_the_footnote(tmp_path):
    tpl = make_template(tmp_path, footnotes={1: "{{ nmae }}"})
    out = tmp_path / "out.docx"
    with pytest.raises(TemplateError, match="模板变量“nmae”未定义（脚注 footnotes.xml 第"):
        write_print_file(WordTemplate(tpl), PEOPLE[:1], out)
    assert not out.exists()


def test_check_reports_unknown_variables_and_syntax_in_footnotes(tmp_path):
    tpl = make_template(tmp_path, footnotes={1: "{{ nmae }}", 2: "{% if x %}未闭合"})
    issues = check_template(tpl, sample={"name": "张三"})
    text = "\n".join(map(str, issues))
    assert "脚注 footnotes.xml" in text
    assert "没有结束" in text or "未闭合" in text, text


def test_core_properties_are_filled_in_once_per_file(tmp_path):
    tpl = make_template(tmp_path, title="{{ school }}学生资助明白卡", company="{{ _meta.org }}")
    out = tmp_path / "out.docx"
    ctx = [dict(p, _meta={"org": "城关镇 & 教育办"}) for p in PEOPLE]
    write_print_file(WordTemplate(tpl), ctx, out)
    assert _core(out) == "城关一中学生资助明白卡"
    with zipfile.ZipFile(out) as z:
        app = etree.fromstring(z.read("docProps/app.xml"))
    assert app.findtext("{*}Company") == "城关镇 & 教育办"  # escaped in XML, read back as typed


def test_a_property_that_differs_between_records_is_refused(tmp_path):
    tpl = make_template(tmp_path, title="{{ name }}的明白卡")
    out = tmp_path / "out.docx"
    with pytest.raises(TemplateError) as err:
        write_print_file(WordTemplate(tpl), PEOPLE, out)
    assert "文档属性（标题、作者等）里的标签（用到 name）在第2条记录填出来与第1条不同" in str(
        err.value.message
    )
    assert not out.exists()
    # one record per file: fine
    write_print_file(WordTemplate(tpl), PEOPLE[1:2], out)
    assert _core(out) == "李四的明白卡"


def test_control_characters_in_a_property_become_spaces(tmp_path):
    tpl = make_template(tmp_path, title="{{ name }}")
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), [{"name": "张\n三\t四\a五\x07"}], out)
    assert _core(out) == "张 三 四 五 "


def test_smart_quotes_in_a_property_tag_are_straightened(tmp_path):
    tpl = make_template(tmp_path, title="{{ “甲” if a &gt; 1 else ‘乙’ }}")
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), [{"a": 2, "name": "x"}], out)
    assert _core(out) == "甲"


def test_tags_in_comments_are_still_refused(tmp_path):
    tpl = make_template(tmp_path, comment="{{ name }}")
    with pytest.raises(TemplateError, match="批注中的标签不会被填写"):
        WordTemplate(tpl)
    result = CliRunner().invoke(cli, ["templates", "check", str(tpl)])
    assert result.exit_code == 6
    assert "批注中的标签不会被填写" in result.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_libreoffice_shows_each_records_footnote_on_its_page(tmp_path):
    tpl = make_template(tmp_path, footnotes={1: "注：{{ name }}{{ note }}"})
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), PEOPLE, out)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pages = []
    for n in (1, 2, 3):
        done = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(tmp_path / "out.pdf"), "-"],
            check=True,
            capture_output=True,
            text=True,
        )
        pages.append(re.sub(r"\s+", "", done.stdout))
    for page, person in zip(pages, PEOPLE, strict=True):
        assert f"注：{person['name']}{person['note']}" in page
        others = [p["name"] for p in PEOPLE if p is not person]
        assert not any(f"注：{o}" in page for o in others)
