import subprocess

import pytest
from docx_helpers import record

from reportgen.engine import make_meta, render_batch
from reportgen.engine.pdf import convert_to_pdf, require_pdf_tools
from reportgen.errors import ExternalToolError


@pytest.mark.soffice
def test_print_file_converts_to_one_page_per_record(card_template, tmp_path):
    meta = make_meta("数据来源：测试导入", "2023-09-02")
    res = render_batch(
        card_template,
        [record(i) for i in range(3)],
        tmp_path,
        file_name="明白卡_城关一中",
        meta=meta,
        pdf=True,
    )
    pdf = tmp_path / "明白卡_城关一中.pdf"
    assert pdf.exists()
    assert [o.kind for o in res.outputs] == ["docx", "pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:          3" in info or "Pages: 3" in " ".join(info.split())
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "城关一中学生资助政策明白卡" in text
    assert "叁仟贰佰伍拾元伍角" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "CJK" in fonts


def test_missing_soffice_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("REPORTGEN_SOFFICE", raising=False)
    monkeypatch.setattr("reportgen.engine.pdf.find_soffice", lambda: None)
    with pytest.raises(
        ExternalToolError, match="apt-get install libreoffice-writer-nogui fonts-noto-cjk"
    ):
        require_pdf_tools()
    with pytest.raises(ExternalToolError, match="LibreOffice"):
        convert_to_pdf(tmp_path / "x.docx")


@pytest.mark.soffice
def test_convert_into_a_folder_not_yet_made(card_template, tmp_path):
    meta = make_meta("数据来源：测试导入", "2023-09-02")
    render_batch(card_template, [record(0)], tmp_path, file_name="卡", meta=meta, manifest=False)
    pdf = convert_to_pdf(tmp_path / "卡.docx", tmp_path / "新" / "PDF")
    assert pdf == tmp_path / "新" / "PDF" / "卡.pdf"
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "学生资助政策明白卡" in text
    assert not list((tmp_path / "新" / "PDF").glob(".*.tmp"))
