"""`reportgen demo` from an unrelated folder, as a new user runs it after `pip install .`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from docx import Document

import reportgen
from reportgen.paths import builtin_templates_dir, example_data_dir


def test_builtin_resources_come_with_the_package():
    package = Path(reportgen.__file__).parent
    if (package / "_builtin").is_dir():  # a plain (non-editable) install, as in CI
        assert example_data_dir() == package / "_builtin" / "data_examples"
        assert builtin_templates_dir() == package / "_builtin" / "templates"
    assert (
        sorted(p.name for p in (example_data_dir() / "示例县").glob("*.xlsx"))[0]
        == "01_行政区划.xlsx"
    )
    assert (builtin_templates_dir() / "docx" / "学生资助政策明白卡.docx").is_file()


def test_demo_runs_from_any_folder(tmp_path):
    exe = shutil.which("reportgen")
    cmd = [exe] if exe else [sys.executable, "-m", "reportgen"]
    env = {k: v for k, v in os.environ.items() if k != "REPORTGEN_DB"}
    done = subprocess.run(
        [*cmd, "demo", "--out", "示例输出"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "示例输出"
    assert "已导入示例数据" in done.stdout
    cards = out / "学生资助明白卡"
    manifest = json.loads((cards / "manifest.json").read_text(encoding="utf-8"))
    docx = [o for o in manifest["outputs"] if o["kind"] == "docx"]
    assert docx and all((cards / o["file"]).is_file() for o in manifest["outputs"])
    assert (
        sum(o["records"] for o in docx)
        == json.loads(
            subprocess.run(
                [*cmd, "-C", str(out / "_示例工作区"), "data", "summary", "--json"],
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )["students"]
    )
    first = Document(cards / docx[0]["file"])
    assert first.paragraphs[0].text == "学生资助政策明白卡"
    assert any(p.text.startswith("学生：") for p in first.paragraphs)
    assert (out / "学生受助情况温馨告知书" / "manifest.json").is_file()
