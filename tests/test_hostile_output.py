"""The machine fails, not the data (issue 17): a full disk or a path that cannot be written ends
in a Chinese message and exit code 11, and no output is left looking complete."""

from __future__ import annotations

import errno

from reportgen.engine import docx_writer


def test_output_under_a_file_is_a_located_message(run, imported, workspace):
    (workspace / "名单.txt").write_text("x", encoding="utf-8")
    result = run("card", "--county", "--out", "名单.txt/明白卡")
    assert result.exit_code == 11, result.output
    assert "无法读写文件" in result.stderr and "名单.txt" in result.stderr
    assert "路径中有一段是文件而不是文件夹" in result.stderr
    assert "Traceback" not in result.output


def test_a_full_disk_stops_the_batch_and_leaves_nothing_complete(
    run, imported, workspace, monkeypatch
):
    def full(self, ctx):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(docx_writer.PrintFileWriter, "add", full)
    result = run("card", "--county", "--workers", "1")
    assert result.exit_code == 11, result.output
    assert "磁盘空间不足。请清理磁盘或换一个输出文件夹（--out）后重试" in result.stderr
    out = workspace / "输出" / "学生资助明白卡"
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert not [n for n in left if n.endswith((".docx", ".tmp")) or n == "manifest.json"], left
