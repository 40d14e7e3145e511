"""An output folder tells the truth (issue 22, part 2): one command at a time, the manifest marked
incomplete while a command writes (and left so when it is killed), a partial command's manifest
merged into the folder's, leftovers of killed runs removed at the next run. Real processes where
the case is about a process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import full_county, write_xlsx
from test_notices import PROJECTS

from reportgen.engine.manifest import INCOMPLETE_KEY, check_folder, read_manifest

OUT = Path("输出") / "公示公告"
BOTH = ("--kind", "project", "--kind", "project-result", "--date", "2023-09-01")
WANGZHUANG = "河口乡王庄村_项目公示_2023年9月1日.docx"
LIWAN = "河口乡李湾村_项目公示_2023年9月1日.docx"

HOLD = """
import pathlib, sys, time
from reportgen.engine.outfolder import claim_folder
folder = pathlib.Path(sys.argv[1])
with claim_folder(folder):
    (folder / f".{sys.argv[2]}.{__import__('os').getpid()}.tmp").write_text("half")
    pathlib.Path(sys.argv[3]).write_text("holding")
    time.sleep(120)
"""


@pytest.fixture
def ws(run, workspace, monkeypatch):
    """A county with projects in two villages of 河口乡 (as tests/test_notices.py)."""
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-01")
    (workspace / "reportgen.toml").write_text('[county]\nname = "青山县"\n', encoding="utf-8")
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    write_xlsx(workspace / "more.xlsx", {"项目": PROJECTS})
    assert run("import", "more.xlsx").exit_code == 0
    return workspace


def hold(folder: Path, tmp_path: Path, name: str = "半个.docx") -> subprocess.Popen:
    """A process that holds `folder` (as a command mid-way does) until killed."""
    marker = tmp_path / "holding.txt"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), name, str(marker)])
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return proc


def test_a_partial_command_merges_its_manifest_into_the_folders(run, ws):
    """notice --village X rewrote the shared folder's manifest to list only its own files."""
    out = ws / OUT
    assert run("notice", "--village", "河口乡/王庄村", *BOTH).exit_code == 0
    first = read_manifest(out / "manifest.json")
    assert WANGZHUANG in [o["file"] for o in first["outputs"]]
    assert run("notice", "--village", "411599102202", *BOTH).exit_code == 0
    doc = read_manifest(out / "manifest.json")
    assert [o["file"] for o in doc["outputs"]] == [
        LIWAN,
        LIWAN.replace(".docx", ".xlsx"),
    ]  # this run's
    kept = {k["file"]: k for k in doc["kept"]}
    assert set(kept) == {o["file"] for o in first["outputs"]}  # the earlier run's, still true
    assert kept[WANGZHUANG]["made_by"]["command"].startswith("reportgen notice")
    assert any("此前的运行生成的" in n for n in doc["notes"])
    check = check_folder(out)
    assert check.ok and check.matching == 2 + len(kept)
    # a kept file changed by hand is no longer listed as true at the next merge
    (out / WANGZHUANG).write_bytes(b"changed")
    assert run("notice", "--village", "411599102202", *BOTH).exit_code == 0
    doc = read_manifest(out / "manifest.json")
    assert WANGZHUANG not in {k["file"] for k in doc.get("kept", [])}
    assert check_folder(out).extra == [WANGZHUANG]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_second_command_for_the_same_folder_is_refused_and_changes_nothing(
    run, ws, tmp_path
):
    out = ws / OUT
    assert run("notice", "--village", "河口乡/王庄村", *BOTH).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = hold(out, tmp_path)
    try:
        result = run("notice", "--village", "411599102202", *BOTH)
        assert result.exit_code == 1
        assert "正在被另一个 reportgen 命令写入" in result.stderr and "--out" in result.stderr
        assert not (out / LIWAN).exists()
    finally:
        proc.kill()
        proc.wait()
    # the holder was killed mid-way: the manifest says so, verify says so, its temp file is there
    doc = read_manifest(out / "manifest.json")
    assert "生成没有完成" in doc[INCOMPLETE_KEY]
    check = check_folder(out)
    assert check.incomplete and not check.ok
    assert check.leftovers == [f".半个.docx.{proc.pid}.tmp"]
    verify = run("verify", str(out))
    assert verify.exit_code == 1 and "manifest.json 标记为未完成" in verify.output
    # the next command cleans the leftover (and says so) and leaves a complete manifest
    result = run("notice", "--village", "411599102202", *BOTH)
    assert result.exit_code == 0, result.output
    assert "已清理上次被中断的运行留下的临时文件 1 个" in result.stderr
    assert not (out / f".半个.docx.{proc.pid}.tmp").exists()
    doc = read_manifest(out / "manifest.json")
    assert INCOMPLETE_KEY not in doc
    assert run("verify", str(out)).exit_code == 0
    assert all(
        (out / name).read_bytes() == data
        for name, data in before.items()
        if name != "manifest.json"
    )


def test_a_command_that_stops_before_writing_leaves_the_manifest_as_it_was(
    run, ws
):
    out = ws / OUT
    assert run("notice", "--village", "河口乡/王庄村", *BOTH).exit_code == 0
    text = (out / "manifest.json").read_text("utf-8")
    result = run("notice", "--village", "没有这个村", *BOTH)
    assert result.exit_code != 0
    assert (out / "manifest.json").read_text("utf-8") == text
    assert run("verify", str(out)).exit_code == 0
