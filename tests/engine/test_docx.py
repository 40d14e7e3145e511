import re
import zipfile

import docx
import pytest
from docx_helpers import build_docx, card_body, document_xml, docx_text, record
from lxml import etree

from reportgen.engine import (
    Image,
    WordTemplate,
    check_template,
    make_meta,
    qr_image,
    render_batch,
    write_print_file,
)
from reportgen.engine.ooxml import para
from reportgen.errors import RenderError, TemplateError

META = make_meta("数据来源：2023年9月1日导入（第1次导入）", "2023-09-02")


def _with_meta(records):
    return [{**r, "_meta": META} for r in records]


def test_split_tag_and_smart_quotes_render(card_template, tmp_path):
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(card_template), _with_meta([record(2, name="张<三>&")]), out)
    text = docx_text(out)
    assert "姓名：张<三>&。" in text
    assert "类别：困难" in text
    etree.fromstring(document_xml(out).encode())  # still well-formed with < and & in data


def test_smart_quotes_else_branch(card_template, tmp_path):
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(card_template), _with_meta([record(1)]), out)
    assert "类别：一般" in docx_text(out)


def test_tr_loop_and_p_if(card_template, tmp_path):
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(card_template), _with_meta([record(3), record(4)]), out)
    d = docx.Document(str(out))
    rows = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert rows == [["项目", "金额"], ["国家助学金", "2,000.00"], ["免学费", "1,250.50"]]
    text = docx_text(out)
    assert text.count("备注：需补交材料") == 1  # record 3 has a note, record 4 does not
    assert "叁仟贰佰伍拾元伍角" in text
    assert "{%" not in text and "{{" not in text


def test_page_breaks_between_records_no_trailing_blank(card_template, tmp_path):
    out = tmp_path / "out.docx"
    n = write_print_file(
        WordTemplate(card_template), _with_meta([record(i) for i in range(5)]), out
    )
    assert n == 5
    xml = document_xml(out)
    assert xml.count("<w:pageBreakBefore/>") == 4
    assert 'w:type="page"' not in xml
    body = xml[xml.index("<w:body>") :]
    assert re.search(r"</w:p>\s*<w:sectPr>", body), (
        "last record ends the body, no empty page after it"
    )
    d = docx.Document(str(out))
    assert len(d.sections) == 1
    assert d.tables.__len__() == 5


def test_headers_and_footers_kept_and_rendered(card_template, tmp_path):
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(card_template), _with_meta([record(1, school="二中")]), out)
    d = docx.Document(str(out))
    assert d.sections[0].header.paragraphs[0].text == "二中 资助办"
    assert d.sections[0].footer.paragraphs[0].text == "页脚：2023年9月2日"


def test_section_mode_restarts_sections(card_template, tmp_path):
    out = tmp_path / "out.docx"
    write_print_file(
        WordTemplate(card_template),
        _with_meta([record(i) for i in range(3)]),
        out,
        page_break="section",
    )
    d = docx.Document(str(out))
    assert len(d.sections) == 3
    # the template's page-number format is kept, numbering restarts at 1
    assert len(re.findall(r'<w:pgNumType w:fmt="decimal" w:start="1"/>', document_xml(out))) == 2


def test_bookmark_ids_unique_when_body_repeats(card_template, tmp_path):
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(card_template), _with_meta([record(i) for i in range(3)]), out)
    ids = re.findall(r'<w:bookmarkStart [^>]*w:id="(\d+)"', document_xml(out))
    assert len(ids) == 3 and len(set(ids)) == 3


def test_image_per_record(tmp_path):
    tpl = build_docx(tmp_path / "qr.docx", para("户主：{{ name }}") + para("扫码：{{ qr }}"))
    recs = [
        {"name": f"户{i}", "qr": qr_image(f"https://example.invalid/h/{i}", 20)} for i in range(3)
    ]
    recs.append({"name": "户3", "qr": recs[0]["qr"]})  # same picture twice → one media part
    out = tmp_path / "out.docx"
    write_print_file(WordTemplate(tpl), recs, out)
    xml = document_xml(out)
    docpr = re.findall(r'<wp:docPr id="(\d+)"', xml)
    assert len(docpr) == 4 and len(set(docpr)) == 4
    with zipfile.ZipFile(out) as zf:
        media = [n for n in zf.namelist() if n.startswith("word/media/")]
        rels = zf.read("word/_rels/document.xml.rels").decode()
        ct = zf.read("[Content_Types].xml").decode()
    assert len(media) == 3
    assert rels.count("relationships/image") == 3
    assert 'Extension="png"' in ct
    d = docx.Document(str(out))
    assert len(d.inline_shapes) == 4
    assert abs(d.inline_shapes[0].width.mm - 20) < 0.1


def test_image_helper_reads_png_size():
    img = Image(qr_image("x").data, 30)
    w, h = img.size_px()
    assert w == h and w > 50


def test_same_input_same_bytes(card_template, tmp_path):
    recs = _with_meta([record(i) for i in range(4)])
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_print_file(WordTemplate(card_template), recs, a)
    write_print_file(WordTemplate(card_template), recs, b)
    assert a.read_bytes() == b.read_bytes()


def test_undefined_variable_is_a_clear_error(card_template):
    tpl = WordTemplate(card_template)
    ctx = record(1)
    del ctx["school"]
    with pytest.raises(TemplateError, match="school"):
        tpl.render_body({**ctx, "_meta": META})


def test_broken_template_reports_line_and_text(tmp_path):
    body = para("标题") + para("姓名：{{ name }}") + para("{% if poor %}困难学生") + para("结尾")
    path = build_docx(tmp_path / "坏模板.docx", body)
    with pytest.raises(TemplateError) as err:
        WordTemplate(path)
    assert "endif" in err.value.message or "未闭合" in err.value.message
    issues = check_template(path)
    assert issues and issues[0].kind == "syntax"
    assert issues[0].line is not None
    assert "困难学生" in issues[0].context


def test_check_reports_unknown_variables(tmp_path):
    body = card_body().replace("{{ school }}", "{{ schol }}").replace("item.amount", "item.amout")
    path = build_docx(tmp_path / "卡.docx", body)
    sample = {
        "school": "x",
        "name": "x",
        "poor": True,
        "note": "n",
        "items": [{"name": "a", "amount": 1}],
        "total": 1,
    }
    issues = check_template(path, sample=sample)
    messages = " ".join(i.message for i in issues)
    assert "schol" in messages
    assert "item.amout" in messages or "items[].amout" in messages
    assert all(i.kind == "unknown" for i in issues)


def test_check_on_good_template_is_clean(card_template):
    sample = {
        "school": "x",
        "name": "x",
        "poor": True,
        "note": "n",
        "items": [{"name": "a", "amount": 1}],
        "total": 1,
    }
    assert check_template(card_template, sample=sample) == []


def test_check_unbalanced_braces(tmp_path):
    path = build_docx(tmp_path / "t.docx", para("姓名：{{ name }") + para("其他"))
    issues = check_template(path)
    assert issues and issues[0].kind == "syntax"


def test_batch_failure_reports_record(card_template, tmp_path):
    recs = [record(1), {**record(2), "items": None}, record(3)]
    with pytest.raises(RenderError) as err:
        render_batch(card_template, recs, tmp_path / "out", file_name="卡", meta=META, label="name")
    assert "学生2" in err.value.message
    assert not (tmp_path / "out" / "卡.docx").exists()


def test_record_starting_with_a_table_gets_a_page_break_paragraph(tmp_path):
    from reportgen.engine.ooxml import cell, row, table

    body = table([row([cell("{{ name }}", 3000)])], [3000]) + para("尾")
    tpl = build_docx(tmp_path / "t.docx", body)
    out = tmp_path / "o.docx"
    write_print_file(WordTemplate(tpl), [{"name": "甲"}, {"name": "乙"}], out)
    xml = document_xml(out)
    assert xml.count("<w:pageBreakBefore/>") == 1
    assert xml.index("<w:pageBreakBefore/>") < xml.index("乙")
    assert len(docx.Document(str(out)).tables) == 2


def test_column_loop_rebuilds_table_grid(tmp_path):
    from reportgen.engine.builtin_specs import OFFICIAL_SAMPLE

    ctx = {
        **OFFICIAL_SAMPLE,
        "table": {
            "caption": "表",
            "columns": ["甲", "乙", "丙", "丁", "戊"],
            "rows": [list("12345")],
        },
    }
    out = tmp_path / "o.docx"
    from reportgen.engine import find_template

    write_print_file(WordTemplate(find_template("公文").path), [{**ctx, "_meta": META}], out)
    xml = document_xml(out)
    grid = re.search(r"<w:tblGrid>(.*?)</w:tblGrid>", xml).group(1)
    assert grid.count("<w:gridCol") == 5
    assert "rgdyn" not in xml
    d = docx.Document(str(out))
    assert [c.text for c in d.tables[0].rows[1].cells] == list("12345")


def test_template_saved_by_a_word_library(tmp_path):
    """python-docx's default package comes from Word: theme, numbering, many styles."""
    d = docx.Document()
    p = d.add_paragraph("姓名：")
    p.add_run("{{ na").bold = True
    p.add_run("me }}")
    t = d.add_table(rows=3, cols=2)
    t.cell(0, 0).text = "{%tr for it in items %}"
    t.cell(1, 0).text = "{{ it }}"
    t.cell(2, 0).text = "{%tr endfor %}"
    d.sections[0].header.paragraphs[0].text = "页眉 {{ name }}"
    d.save(str(tmp_path / "w.docx"))
    out = tmp_path / "o.docx"
    write_print_file(
        WordTemplate(tmp_path / "w.docx"),
        [{"name": "张三", "items": ["甲", "乙"]}, {"name": "李四", "items": []}],
        out,
    )
    o = docx.Document(str(out))
    # the header shows {{ name }}: each record is its own section, and a record ending in a
    # table needs an (empty) paragraph to carry its section break
    assert [p.text for p in o.paragraphs if p.text] == ["姓名：张三", "姓名：李四"]
    assert [[c.text for c in r.cells][0] for r in o.tables[0].rows] == ["甲", "乙"]
    assert [s.header.paragraphs[0].text for s in o.sections] == ["页眉 张三", "页眉 李四"]
