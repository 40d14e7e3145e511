"""`reportgen doctor` says which fonts the documents ask for and which faces this machine uses for
them: through reportgen's mapping (its PDFs) and through the system's fontconfig (a document opened
directly), and what to install when a stand-in is used (issue 21)."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.engine import fonts
from reportgen.paths import builtin_templates_dir

OFFICIAL = ("仿宋_GB2312", "方正小标宋简体", "楷体_GB2312", "黑体", "宋体")


def test_the_fonts_the_templates_ask_for(tmp_path):
    asked = fonts.requested_fonts([builtin_templates_dir()])
    assert set(OFFICIAL) <= set(asked)
    # a workspace template's own font is reported too
    own = tmp_path / "templates"
    own.mkdir()
    source = builtin_templates_dir() / "docx" / "公文.docx"
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(own / "我的公文.docx", "w") as out:
        for item in z.infolist():
            data = z.read(item)
            if item.filename == "word/styles.xml":
                data = data.replace("仿宋_GB2312".encode(), "华文仿宋".encode())
            out.writestr(item, data)
    assert "华文仿宋" in fonts.requested_fonts([builtin_templates_dir(), own])


@pytest.mark.skipif(not shutil.which("fc-match"), reason="needs fontconfig")
def test_a_face_stands_in_for_a_font_the_machine_lacks():
    got = fonts.resolve("方正小标宋简体", project=True)
    assert got.face and got.cjk  # reportgen's mapping finds a Chinese face
    assert not got.native  # the machine (CI: Noto CJK only) has no 方正小标宋
    nothing = fonts.resolve("没有这种字体", project=False)
    assert not nothing.native


@pytest.mark.skipif(not shutil.which("fc-match"), reason="needs fontconfig")
def test_doctor_reports_the_fonts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["doctor"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith(("✓ 文书字体", "✗ 文书字体")))
    for name in OFFICIAL:
        assert f"{name} → " in line, name
    if any("（替代）" in part for part in line.split("；")):
        assert "用相近的字体替代" in result.output and "方正小标宋简体需另行安装" in result.output
    mine = [fonts.resolve(n, project=True).face for n in OFFICIAL]
    plain = [fonts.resolve(n, project=False).face for n in OFFICIAL]
    assert ("直接用 LibreOffice 打开" in result.output) == (mine != plain)
