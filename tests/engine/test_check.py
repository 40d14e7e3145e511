"""`templates check` finds what render would refuse or print literally, at the template's own place
(part and line, or sheet!cell), with the fix in Chinese; render refuses the same templates."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from reportgen.cli import cli
from reportgen.engine import WordTemplate, render_xlsx
from reportgen.errors import TemplateError
from reportgen.paths import builtin_templates_dir

FIX = "请把全角的｛｛ ｝｝改为半角的 {{ }}、｛％ ％｝改为半角的 {% %}"


def _docx(tmp_path, replace: dict[str, str], extra: dict[str, str] | None = None):
    """公文.docx with text replaced in word/document.xml (and extra parts added)."""
    src = builtin_templates_dir() / "docx" / "公文.docx"
    out = tmp_path / "公文.docx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w") as w:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                text = data.decode()
                for old, new in replace.items():
                    assert old in text, old
                    text = text.replace(old, new, 1)
                data = text.encode()
            w.writestr(name, data)
        for name, text in (extra or {}).items():
            w.writestr(name, text)
    return out


def _check(path):
    result = CliRunner().invoke(cli, ["templates", "check", str(path)], catch_exceptions=False)
    return result.exit_code, result.output + (result.stderr or "")


def _line_of(path, text: str) -> int:
    tpl = WordTemplate(path, strict=False)
    return next(i for i, line in enumerate(tpl.body.lines, start=1) if text in line)


def test_the_builtin_template_passes(tmp_path):
    code, out = _check(_docx(tmp_path, {}))
    assert code == 0, out


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("｛｛ title ｝｝", "｛｛"),
        ("｛｛　title　｝｝", "｛｛"),  # full-width spaces too, as a Chinese IME types them
        ("{｛ title }}", "{｛"),
        ("｛{ title }}", "｛{"),
        ("{{ title ｝}", "｝}"),
    ],
)
def test_full_width_braces_are_refused_by_check_and_render(tmp_path, typed, named):
    path = _docx(tmp_path, {"{{ title }}": typed})
    code, out = _check(path)
    assert code == 6
    line = _line_of(path, typed)
    assert f"[正文 第{line}行] 全角的标签符号“{named}”" in out
    assert FIX in out
    with pytest.raises(TemplateError) as err:
        WordTemplate(path)
    assert f"正文 第{line}行" in err.value.message and FIX in err.value.message


def test_full_width_percent_is_refused(tmp_path):
    path = _docx(tmp_path, {"{%p if recipient %}": "｛％p if recipient ％｝"})
    code, out = _check(path)
    assert code == 6 and "全角的标签符号“｛％”" in out and FIX in out
    with pytest.raises(TemplateError):
        WordTemplate(path)


def test_half_width_tags_with_full_width_spaces_still_work(tmp_path):
    code, out = _check(_docx(tmp_path, {"{{ title }}": "{{　title　}}"}))
    assert code == 0, out


def test_an_unclosed_block_points_at_its_opening_tag_in_chinese(tmp_path):
    path = _docx(tmp_path, {"{%p endfor %}": "　"})
    code, out = _check(path)
    assert code == 6
    line = _line_of(path, "{% for text in paragraphs %}")
    assert (
        f"[正文 第{line}行] “{{% for text in paragraphs %}}”没有结束：缺少 {{% endfor %}}。"
        "请在它管辖的内容之后加上 {% endfor %}（整段的用 {%p endfor %}" in out
    )
    assert "Unexpected end of template" not in out
    with pytest.raises(TemplateError) as err:
        WordTemplate(path)
    assert f"正文 第{line}行" in err.value.message and "缺少 {% endfor %}" in err.value.message


def test_a_tag_split_across_paragraphs_names_both_paragraphs(tmp_path):
    path = _docx(
        tmp_path,
        {"{{ title }}": "{{ title", "{{ recipient }}": "}}{{ recipient }}"},
    )
    code, out = _check(path)
    assert code == 6
    first = _line_of(path, "{{ title")
    last = _line_of(path, "}}{{ recipient }}")
    assert first < last
    assert (
        f"[正文 第{first}行] 标签“{{{{ title”……“}}}}”从第{first}行跨到了第{last}行："
        "一个标签不能跨段落（或表格行），请在 Word 里把它写在同一段里" in out
    )
    assert "unexpected" not in out and "不成对" not in out  # one problem, told once
    with pytest.raises(TemplateError) as err:
        WordTemplate(path)
    assert f"从第{first}行跨到了第{last}行" in err.value.message


FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:id="1"><w:p><w:r><w:t>说明</w:t></w:r></w:p>'
    "<w:p><w:r><w:t>数据截至{{ _meta.generated_on }}</w:t></w:r></w:p></w:footnote></w:footnotes>"
)


def test_tags_in_a_part_the_document_does_not_link_are_reported(tmp_path):
    """footnotes.xml without a relationship from the document is never shown nor filled in
    (linked footnotes are: test_notes_properties.py); its tags are reported, not left."""
    path = _docx(tmp_path, {}, {"word/footnotes.xml": FOOTNOTES})
    code, out = _check(path)
    assert code == 6
    assert (
        "[脚注（word/footnotes.xml） 第2行] 脚注中的标签不会被填写，会原样留在生成的文书里："
        "“{{ _meta.generated_on }}”。请把它移到正文或页眉页脚里，或删去" in out
    )
    with pytest.raises(TemplateError) as err:  # render refuses it too: never printed as typed
        WordTemplate(path)
    assert "脚注中的标签不会被填写" in err.value.message


def test_footnotes_without_tags_pass(tmp_path):
    plain = FOOTNOTES.replace("{{ _meta.generated_on }}", "2023年9月1日")
    code, out = _check(_docx(tmp_path, {}, {"word/footnotes.xml": plain}))
    assert code == 0, out


def _xlsx(tmp_path, edit):
    wb = load_workbook(builtin_templates_dir() / "xlsx" / "名单.xlsx")
    edit(wb["名单"])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    return path


CTX = {
    "title": "名单",
    "place": "王庄村",
    "rows": [
        {"no": i, "name": f"张{i}", "category": "", "amount": 1, "date": "", "note": "备注"}
        for i in range(1, 4)
    ],
    "_meta": {"footnote": "数据来源：测试"},
}


def _move_total_down(ws):
    ws.unmerge_cells("A5:C5")
    ws.move_range("A5:F6", rows=1, translate=True)
    ws.merge_cells("A6:C6")


def _second_row(ws):
    _move_total_down(ws)
    ws["B5"] = "{{ r.note }}"  # a second row for each item, under the repeat row 4


def test_a_two_row_repeat_block_is_found_at_check_naming_the_template_cell(tmp_path):
    path = _xlsx(tmp_path, _second_row)
    code, out = _check(path)
    assert code == 6
    assert (
        "名单!B5 用到了重复行变量“r”，但这一格不在重复行（第4行）里，不会按每一项重复。"
        "请把这一格的内容移到第4行的单元格里（一格内可以换行）；每一项要占几行时，用单独一行的 "
        "{%tr for … %} 和单独一行的 {%tr endfor %} 把这几行围起来" in out
    )
    with pytest.raises(TemplateError) as err:
        render_xlsx(path, CTX, tmp_path / "out.xlsx")
    assert "名单!B5 用到了重复行变量“r”" in err.value.message
    assert not (tmp_path / "out.xlsx").exists()


def test_a_word_style_tr_endfor_in_excel_is_refused(tmp_path):
    def edit(ws):
        _move_total_down(ws)
        ws["A5"] = "{%tr endfor %}"

    path = _xlsx(tmp_path, edit)
    code, out = _check(path)
    assert code == 6
    assert (  # a one-row repeat (tag and content in one cell) has no endfor
        "名单!A5 的“{%tr endfor %}”前面没有与它配对的 {%tr for … %}；"
        "一行的重复行（{%tr for … %} 后面紧跟这一格的内容）不写 {%tr endfor %}" in out
    )
    assert "无法识别的标签" not in out  # one problem, told once
    with pytest.raises(TemplateError) as err:
        render_xlsx(path, CTX, tmp_path / "out.xlsx")
    assert "名单!A5" in err.value.message


def test_full_width_braces_in_an_excel_cell_are_refused(tmp_path):
    path = _xlsx(tmp_path, lambda ws: ws.__setitem__("A2", "｛｛ place ｝｝"))
    code, out = _check(path)
    assert code == 6 and "名单!A2" in out and FIX in out
    with pytest.raises(TemplateError) as err:
        render_xlsx(path, CTX, tmp_path / "out.xlsx")
    assert "名单!A2" in err.value.message and FIX in err.value.message


def test_an_error_below_a_repeat_row_names_the_template_cell(tmp_path):
    path = _xlsx(tmp_path, lambda ws: ws.__setitem__("A6", "{{ nosuch }}"))
    with pytest.raises(TemplateError) as err:
        render_xlsx(path, CTX, tmp_path / "out.xlsx")
    assert "名单!A6" in err.value.message  # not A8, where 3 rows put it in the output


def test_the_builtin_workbook_renders_and_passes(tmp_path):
    path = _xlsx(tmp_path, lambda ws: None)
    assert _check(path)[0] == 0
    out = load_workbook(render_xlsx(path, CTX, tmp_path / "out.xlsx"))["名单"]
    assert [out.cell(row=r, column=2).value for r in (4, 5, 6)] == ["张1", "张2", "张3"]


@pytest.mark.parametrize(
    ("cell", "chinese"),
    [
        ("{{ place title }}", "{{ }} 标签没有正确闭合，或里面多写了字"),
        ("{{ place|nofilter }}", "没有名为“nofilter”的过滤器"),
        ("{{ }}", "标签里缺少变量或表达式"),
        ("{{ place }", "标签“{{ place }”没有闭合（缺少 }} 或 %}）"),
    ],
)
def test_tag_errors_in_excel_cells_are_in_chinese_at_the_cell(tmp_path, cell, chinese):
    path = _xlsx(tmp_path, lambda ws: ws.__setitem__("A2", cell))
    code, out = _check(path)
    assert code == 6 and f"名单!A2 标签有误：{chinese}" in out
    assert "Jinja" not in out and "expected" not in out.lower()
    with pytest.raises(TemplateError) as err:
        render_xlsx(path, CTX, tmp_path / "out.xlsx")
    assert f"名单!A2 的标签有误：{chinese}" in err.value.message
