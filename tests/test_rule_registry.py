"""A workspace's own rules (rules/*.py) belong to that workspace, not to the process: two
workspaces in one process each see the built-in rules and their own files only, even files of the
same name; an edited file is run again; the built-in rules never change."""

import datetime as dt
import json

from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.config import load_policy
from reportgen.rules import Finding, builtin_rules, load_rules
from reportgen.rules.context import RuleContext, run_rules

RULE_FILE = """from reportgen.rules import Finding, rule

@rule({id!r}, {title!r}, seed="本县规定", basis="本县文件", entity="township", group="工作落实")
def check(ctx):
    yield Finding({id!r}, ctx.rule_title({id!r}), "township", "county", "全县", None, "全县", {detail!r})
"""


def write_rule(workspace, rule_id: str, title: str, detail: str = "", name: str = "x.py"):
    folder = workspace / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    text = RULE_FILE.format(id=rule_id, title=title, detail=detail or title)
    (folder / name).write_text(text, encoding="utf-8")


def own(rules) -> dict[str, str]:
    return {r.id: r.title for r in rules.values() if not r.builtin}


def test_two_workspaces_with_a_rule_file_of_the_same_name_each_see_their_own(tmp_path):
    write_rule(tmp_path / "a", "X-A", "甲县规则")
    write_rule(tmp_path / "b", "X-B", "乙县规则")
    builtin = list(builtin_rules())
    a, b = load_rules(tmp_path / "a"), load_rules(tmp_path / "b")
    assert own(a) == {"X-A": "甲县规则"} and own(b) == {"X-B": "乙县规则"}
    assert own(load_rules(tmp_path / "a")) == {"X-A": "甲县规则"}  # b did not replace a's file
    assert list(a)[: len(builtin)] == builtin == list(b)[: len(builtin)]
    assert own(load_rules(None)) == {} and own(load_rules(tmp_path / "none")) == {}
    assert list(builtin_rules()) == builtin


def test_the_same_rule_id_in_two_workspaces_gives_each_its_own_title_and_findings(tmp_path):
    write_rule(tmp_path / "a", "X-SAME", "甲县的标题", "甲县的问题")
    write_rule(tmp_path / "b", "X-SAME", "乙县的标题", "乙县的问题")
    policy = load_policy("henan-2023")
    got = {}
    for county in ("a", "b"):
        ctx = RuleContext(None, policy, dt.date(2023, 9, 30))  # the rule reads no table
        rule = load_rules(tmp_path / county)["X-SAME"]
        [found] = run_rules(ctx, [rule])
        got[county] = (found.title, found.detail)
    assert got == {"a": ("甲县的标题", "甲县的问题"), "b": ("乙县的标题", "乙县的问题")}


def test_an_edited_rule_file_is_run_again_and_a_removed_one_is_gone(tmp_path):
    write_rule(tmp_path, "X-OLD", "旧规则")
    assert own(load_rules(tmp_path)) == {"X-OLD": "旧规则"}
    write_rule(tmp_path, "X-NEW", "新规则")  # same file, new content (and possibly the same mtime)
    assert own(load_rules(tmp_path)) == {"X-NEW": "新规则"}
    write_rule(tmp_path, "X-TWO", "第二个文件", name="y.py")
    assert own(load_rules(tmp_path)) == {"X-NEW": "新规则", "X-TWO": "第二个文件"}
    (tmp_path / "rules" / "x.py").unlink()
    assert own(load_rules(tmp_path)) == {"X-TWO": "第二个文件"}
    assert all(r.builtin for r in builtin_rules().values())


def test_a_workspace_rule_may_not_take_a_built_in_id(tmp_path):
    write_rule(tmp_path, "M-IDENT", "冒名规则")
    try:
        load_rules(tmp_path)
    except Exception as exc:  # noqa: BLE001 - the message is what a user sees
        assert "规则编号重复：M-IDENT" in str(exc)
    else:
        raise AssertionError("a built-in id taken by a workspace rule was accepted")
    assert builtin_rules()["M-IDENT"].builtin


def test_rules_list_of_two_workspaces_in_one_process(tmp_path, monkeypatch):
    monkeypatch.delenv("REPORTGEN_DB", raising=False)
    write_rule(tmp_path / "a", "X-A", "甲县规则")
    write_rule(tmp_path / "b", "X-B", "乙县规则")
    runner = CliRunner()
    listed = {}
    for county in ("a", "b"):
        result = runner.invoke(cli, ["-C", str(tmp_path / county), "rules", "list", "--json"])
        assert result.exit_code == 0, result.output
        listed[county] = {r["id"] for r in json.loads(result.stdout) if not r["builtin"]}
    assert listed == {"a": {"X-A"}, "b": {"X-B"}}


def test_a_rule_file_still_imports_rule_and_finding_from_reportgen_rules(tmp_path):
    write_rule(tmp_path, "X-A", "甲县规则")
    rule = load_rules(tmp_path)["X-A"]
    assert rule.check.__globals__["Finding"] is Finding and not rule.builtin and not rule.split
