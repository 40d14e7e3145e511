"""Print files (many records in one .docx): lists restart per record, headers show each record's values.

Issue 18 item 5: Word's automatic numbering went on across records (the second student's list
started at 4) and a header with `{{ name }}` showed the first record's name on every page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from reportgen.engine.docx_template import WordTemplate
from reportgen.engine.docx_writer import record_header_footer_variables, write_print_file
from reportgen.engine.ooxml_order import check_package
from reportgen.errors import RenderError

PEOPLE = [{"name": n, "items": ["申请表", "户口簿", "学籍证明"]} for n in ("张三", "李四", "王五")]


def _list_template(path: Path, header: str | None = None) -> Path:
    d = docx.Document()
    d.add_paragraph("学生：{{ name }}")
    d.add_paragraph("{%p for it in items %}")
    d.add_paragraph("{{ it }}", style="List Number")
    d.add_paragraph("{%p endfor %}")
    if header is not None:
        d.sections[0].header.paragraphs[0].text = header
    d.save(str(path))
    return path


def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {
            n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith((".xml", ".rels"))
        }


def _starts(numbering: str) -> dict[str, str | None]:
    """numId -> start override of level 0 (None: the list's own, going on)."""
    out = {}
    for m in re.finditer(r'<w:num w:numId="(\d+)"[^>]*>(.*?)</w:num>', numbering, re.S):
        so = re.search(r'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="(\d+)"/>', m.group(2))
        out[m.group(1)] = so.group(1) if so else None
    return out


def _record_num_ids(document: str) -> list[list[str]]:
    """numIds of each record's list paragraphs (records start at 学生：)."""
    records = document.split("学生：")[1:]
    out = []
    for rec in records:
        ids = []
        for p in re.findall(r"<w:p[ >].*?</w:p>", rec, re.S):
            if "ListNumber" in p:
                m = re.search(r'<w:numId w:val="(\d+)"/>', p)
                ids.append(m.group(1) if m else "style")
        out.append(ids)
    return out


def test_each_record_restarts_its_numbered_list(tmp_path):
    tpl = WordTemplate(_list_template(tmp_path / "清单.docx"))
    out = tmp_path / "out.docx"
    assert write_print_file(tpl, PEOPLE, out) == 3
    parts = _parts(out)
    ids = _record_num_ids(parts["word/document.xml"])
    assert [len(r) for r in ids] == [3, 3, 3]
    assert ids[0] == ["style"] * 3  # the first record keeps the style's own list
    starts = _starts(parts["word/numbering.xml"])
    for rec in ids[1:]:
        assert len(set(rec)) == 1 and rec[0] in starts and starts[rec[0]] == "1"
    assert ids[1][0] != ids[2][0]  # one list per record
    # all w:abstractNum before all w:num (CT_Numbering)
    numbering = parts["word/numbering.xml"]
    assert numbering.rfind("<w:abstractNum ") < numbering.find("<w:num ")
    assert check_package(out) == []


def test_numbered_print_file_is_byte_identical_on_rerun(tmp_path):
    tpl = WordTemplate(_list_template(tmp_path / "清单.docx"))
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_print_file(tpl, PEOPLE, a)
    write_print_file(tpl, PEOPLE, b)
    assert a.read_bytes() == b.read_bytes()


def test_one_record_keeps_numbering_untouched(tmp_path):
    path = _list_template(tmp_path / "清单.docx")
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(path), PEOPLE[:1], out)
    with zipfile.ZipFile(path) as zf:
        original = zf.read("word/numbering.xml")
    with zipfile.ZipFile(out) as zf:
        assert zf.read("word/numbering.xml") == original


def test_header_with_record_variable_gets_a_section_per_record(tmp_path):
    path = _list_template(tmp_path / "清单.docx", header="学生 {{ name }} 的材料")
    tpl = WordTemplate(path)
    assert record_header_footer_variables(tpl) == {"word/header1.xml": ("name",)}
    out = tmp_path / "out.docx"
    write_print_file(tpl, PEOPLE, out)
    d = docx.Document(str(out))
    assert [s.header.paragraphs[0].text for s in d.sections] == [
        "学生 张三 的材料",
        "学生 李四 的材料",
        "学生 王五 的材料",
    ]
    assert check_package(out) == []


def test_header_same_for_every_record_keeps_one_section(tmp_path):
    path = _list_template(tmp_path / "清单.docx", header="{{ school }} 资助办")
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(path), [{**p, "school": "城关一中"} for p in PEOPLE], out)
    d = docx.Document(str(out))
    assert len(d.sections) == 1
    assert d.sections[0].header.paragraphs[0].text == "城关一中 资助办"
    assert "header1_rg" not in " ".join(_parts(out))


def test_header_varying_without_page_breaks_is_refused(tmp_path):
    path = _list_template(tmp_path / "清单.docx", header="学生 {{ name }}")
    with pytest.raises(RenderError, match=r"页眉 header1\.xml里的“name”.*不分页"):
        write_print_file(WordTemplate(path), PEOPLE, tmp_path / "out.docx", page_break="none")


def _pdf_pages(docx_path: Path, tmp_path: Path) -> list[str]:
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
    )
    pdf = tmp_path / (docx_path.stem + ".pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[: len(PEOPLE)]


@pytest.mark.soffice
def test_pdf_shows_each_record_list_from_1_and_its_own_header(tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    path = _list_template(tmp_path / "清单.docx", header="页眉 {{ name }}")
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(path), PEOPLE, out)
    pages = _pdf_pages(out, tmp_path)
    for person, page in zip(PEOPLE, pages, strict=True):
        assert f"页眉 {person['name']}" in page
        assert f"学生：{person['name']}" in page
        numbers = re.findall(r"^\s*(\d)\.\s*\S", page, re.M)
        assert numbers == ["1", "2", "3"], page


def test_section_mode_headers_per_record_and_page_numbers_restart(tmp_path):
    path = _list_template(tmp_path / "清单.docx", header="学生 {{ name }}")
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(path), PEOPLE, out, page_break="section")
    d = docx.Document(str(out))
    assert [s.header.paragraphs[0].text for s in d.sections] == [
        "学生 张三",
        "学生 李四",
        "学生 王五",
    ]
    assert _parts(out)["word/document.xml"].count('w:start="1"') == 2
    assert check_package(out) == []


def test_inspect_sees_every_record_header(tmp_path):
    from reportgen.engine.docx_writer import PrintFileWriter

    path = _list_template(tmp_path / "清单.docx", header="学生 {{ name }}")
    seen: list[str] = []
    writer = PrintFileWriter(WordTemplate(path), tmp_path / "out.docx", inspect=seen.append)
    for person in PEOPLE:
        writer.add(person)
    writer.close()
    headers = [x for x in seen if "<w:hdr" in x]
    assert [re.search(r"学生 (\S+?)<", h).group(1) for h in headers] == ["张三", "李四", "王五"]
