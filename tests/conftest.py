import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from builders import tiny_county  # noqa: E402

from reportgen.cli import cli  # noqa: E402


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """An empty workspace folder as the current directory, with no REPORTGEN_DB leaking in."""
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    monkeypatch.delenv("REPORTGEN_DB", raising=False)
    return ws


@pytest.fixture
def run(workspace):
    """Run the CLI in the workspace: run("import", "x.xlsx") -> click Result (exit_code, output)."""
    runner = CliRunner()

    def _run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _run


@pytest.fixture
def county(workspace):
    """The tiny two-file county written into the workspace."""
    return tiny_county(workspace / "in")


@pytest.fixture
def imported(run, county):
    result = run("import", str(county))
    assert result.exit_code == 0, result.output
    return county


os.environ.setdefault("PYTHONHASHSEED", "0")
