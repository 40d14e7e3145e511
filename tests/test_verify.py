"""`reportgen verify FOLDER` (issue 22, part 2): every file of an output folder against its
manifest.json — missing, changed, not listed, leftovers of a killed run — and exit 1 when any."""

from __future__ import annotations

from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.engine.manifest import OutputEntry, write_manifest


def _folder(root, name, files):
    folder = root / name
    folder.mkdir(parents=True)
    outputs = []
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
        outputs.append(OutputEntry.for_file(folder / file, folder, 1))
    write_manifest(folder, outputs=outputs)
    return folder


def test_a_folder_that_matches_its_manifest(tmp_path):
    _folder(tmp_path, "卡片", {"a.docx": "甲", "b.docx": "乙"})
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "卡片")])
    assert result.exit_code == 0, result.output
    assert "✓" in result.output and "2 个文件与 manifest.json 一致" in result.output


def test_missing_changed_extra_and_leftover_files_are_named(tmp_path):
    folder = _folder(tmp_path, "卡片", {"a.docx": "甲", "b.docx": "乙", "c.docx": "丙"})
    _folder(
        folder, "子", {"d.docx": "丁"}
    )  # a sub-folder with its own manifest: checked on its own
    (folder / "a.docx").unlink()
    (folder / "b.docx").write_text("改过", encoding="utf-8")
    (folder / "x.docx").write_text("多出", encoding="utf-8")
    (folder / ".c.docx.4242.tmp").write_text("", encoding="utf-8")
    (folder / ".staging-4242").mkdir()
    result = CliRunner().invoke(cli, ["verify", str(tmp_path)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert (
        "✗ 卡片：1 个一致，缺少 1 个，内容与记录不符 1 个，未记录（多出） 1 个，中断的运行留下的临时文件 2 个"
        in out
    )
    assert "缺少：a.docx" in out and "不符：b.docx" in out and "多出：x.docx" in out
    assert "残留：.c.docx.4242.tmp" in out and "残留：.staging-4242/" in out
    assert "✓ 卡片/子：1 个文件与 manifest.json 一致" in out


def test_a_folder_without_a_manifest_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["verify", str(tmp_path)])
    assert result.exit_code == 2 and "没有 manifest.json" in result.output
