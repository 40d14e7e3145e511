"""One registry of document kinds (documents/catalog.py): the CLI, the demo, `templates list` and the
README's table all come from it, and each batch kind declares itself to the one runner."""

import importlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.documents.catalog import BY_COMMAND, DOCUMENT_KINDS, load_kind, readme_table
from reportgen.documents.kind import DocumentKind

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_table_is_the_catalog():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    begin = readme.index("| 命令 | 文书 | 说明 |")
    end = readme.index("<!-- 文书种类表结束 -->")
    assert readme[begin:end] == readme_table(), (
        "README 的文书表与 catalog 不一致：运行 python -m reportgen.documents --update 重新生成"
    )


def test_every_kind_is_a_command_with_its_templates_and_a_demo():
    import reportgen.documents  # noqa: F401  (declares the templates)
    from reportgen.engine import template_spec
    from reportgen.paths import builtin_templates_dir

    for kind in DOCUMENT_KINDS:
        assert kind.command in cli.commands, kind.command
        module = importlib.import_module(f"reportgen.documents.{kind.module}")
        assert callable(module.demo), kind.module
        for name in kind.templates:
            assert template_spec(name, "docx") is not None, name
            assert (builtin_templates_dir() / "docx" / f"{name}.docx").is_file(), name
        assert (ROOT / kind.doc).is_file(), kind.doc


# The CLI modules whose commands make documents (selfcheck and monthly live with the rules).
DOCUMENT_COMMAND_MODULES = ("doc_cmds.py", "ledger_cmds.py", "form_cmds.py")


def test_every_document_command_is_in_the_catalog():
    """A document command the catalog does not list would be missing from the demo, the README
    and `templates list`."""
    commands = {"selfcheck", "monthly"}
    for name in DOCUMENT_COMMAND_MODULES:
        path = ROOT / "reportgen" / "cli" / name
        if path.exists():
            source = path.read_text(encoding="utf-8")
            commands |= set(re.findall(r'@cli\.command\("([\w-]+)"\)', source))
    assert commands == set(BY_COMMAND)


@pytest.mark.parametrize("command", [k.command for k in DOCUMENT_KINDS if k.batch])
def test_batch_kinds_declare_themselves_to_the_runner(command):
    module = importlib.import_module(f"reportgen.documents.{BY_COMMAND[command].module}")
    kinds = [module.KIND, *getattr(module, "KINDS", {}).values()]
    assert module.KIND.name == command
    for kind in kinds:
        assert isinstance(kind, DocumentKind)
        # a worker process finds the kind by the name the runner gives it
        assert load_kind(kind.name) is kind, kind.name
        assert kind.template in BY_COMMAND[command].templates
        # the kind's own methods, not the base class's placeholders
        for method in ("plan", "records", "context"):
            assert getattr(type(kind), method) is not getattr(DocumentKind, method), method


def test_templates_list_names_the_command_of_each_template(tmp_path):
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "templates", "list"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("雨露计划补助公示"))
    assert "reportgen yulu-notice" in line


def test_the_demo_has_a_step_per_kind_in_catalog_order(tmp_path, monkeypatch):
    from reportgen import demo

    seen = []
    monkeypatch.setattr(demo, "import_paths", lambda *a, **k: None)
    monkeypatch.setattr(demo, "summarize", lambda dataset: {})
    monkeypatch.setattr(
        demo, "kind_module",
        lambda command: type("M", (), {"demo": staticmethod(lambda run: seen.append(command) or [])}),
    )  # fmt: skip
    demo.run_demo(tmp_path / "out")
    assert seen == [k.command for k in DOCUMENT_KINDS]
