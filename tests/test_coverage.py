"""The 梳理覆盖表: docs/梳理覆盖表.md is generated from the pack's coverage.toml, every built-in rule
has a line in it, every rule and command it names exists, every item has one status, and a
malformed map is named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import load_policy
from reportgen.coverage import (
    STATUSES,
    coverage_markdown,
    coverage_path,
    generated_part,
    load_coverage,
    read_coverage,
    unknown_commands,
)
from reportgen.errors import ConfigError
from reportgen.packs import read_toml
from reportgen.rules import builtin_rules

# ------------------------------------------------------------------------------ the built-in map
# the repository's page (PAGE is where `--update` writes it: beside an editable install only)
DOC_PAGE = Path(__file__).resolve().parents[1] / "docs" / "梳理覆盖表.md"


def test_the_page_is_generated_from_the_map():
    page = DOC_PAGE.read_text(encoding="utf-8")
    assert generated_part(page) == coverage_markdown(), "run: python -m reportgen.coverage --update"


def test_every_builtin_rule_has_a_line_in_the_map():
    missing = sorted(set(builtin_rules()) - load_coverage().rule_ids())
    assert not missing, (
        f"coverage.toml 中没有这些规则：{missing}（在它检查的关注问题一项写 rules = [...]，"
        "再运行 python -m reportgen.coverage --update）"
    )


def test_every_rule_and_command_the_map_names_exists():
    """The commands are checked against the catalog as the lead completes it: `ledger` and
    `form` are named in the map before documents/catalog.py lists them, and until then this fails
    with the lines that name them."""
    cmap = load_coverage()
    assert cmap.rule_ids() <= set(builtin_rules())
    assert unknown_commands(cmap) == []


def test_every_item_of_the_map_has_exactly_one_status():
    # read as plain TOML, so that this holds of the file even if the loader changed
    path = coverage_path(load_policy("henan-2023"))
    items = read_toml(path)["item"]
    wrong = [
        (i["section"], i["text"], [k for k in STATUSES if k in i])
        for i in items
        if sum(k in i for k in STATUSES) != 1
    ]
    assert items and not wrong


def test_the_page_lists_every_item_still_to_do():
    cmap = load_coverage()
    part = coverage_markdown(cmap=cmap)
    pending = [e for e in cmap.entries if e.status in ("needs_rule", "needs_command")]
    for e in pending:
        assert f"- {e.section} {e.text}：" in part


def test_a_pack_based_on_another_uses_its_map():
    assert coverage_path(load_policy("henan-2024")) == coverage_path(load_policy("henan-2023"))
    assert coverage_path(load_policy("henan-2023")).parent.name == "henan-2023"


# ------------------------------------------------------------------------------ malformed maps
HEAD = """[parts]
"一" = "责任落实方面"
"四" = "成效巩固"

[areas]
"一.一" = "党委和政府主体责任"

[[item]]
section = "一.一.(三).1①"
kind = "problem"
text = "长时间不传达不学习"
needs_person = "看会议记录"
"""


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "coverage.toml"
    path.write_text(HEAD + extra, encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_a_good_map_reads(tmp_path):
    path = write(tmp_path, '\n[[item]]\nsection = "第四部分 3"\nkind = "problem"\ntext = "参保率"\nrules = ["H-RATE"]\n')  # fmt: skip
    cmap = read_coverage(path)
    assert [(e.section, e.status, e.refs) for e in cmap.entries] == [
        ("一.一.(三).1①", "needs_person", ("看会议记录",)),
        ("第四部分 3", "rules", ("H-RATE",)),
    ]
    assert cmap.entries[1].line == line_of(path, 'section = "第四部分 3"') - 1


@pytest.mark.parametrize(
    ("item", "at", "words"),
    [
        # two statuses: named at the second
        ('section = "一.一.(三).2①"\nkind = "problem"\ntext = "重视不够"\nrules = ["M-IDENT"]\nneeds_person = "座谈"\n',
         "needs_person =", "覆盖情况应写且只写一种"),
        # no status: named at its [[item]]
        ('section = "一.一.(三).2①"\nkind = "problem"\ntext = "重视不够"\n', "[[item]]", "这里一种也没有写"),
        ('section = "一.一.(三).2①"\nkind = "problem"\ntext = "重视不够"\nrules = ["M-IDENT", "M-NOPE"]\n',
         "rules =", "规则 M-NOPE 不存在"),
        ('section = "一.一.(三).2①"\nkind = "document"\ntext = "学习记录"\nrules = ["M-IDENT"]\n',
         "rules =", "文书不能写 rules"),
        ('section = "一.一.三.2"\nkind = "problem"\ntext = "重视不够"\nneeds_person = "座谈"\n',
         "section =", "section 应写梳理中的章节"),
        ('section = "二.一.(三).1①"\nkind = "problem"\ntext = "辍学"\nneeds_person = "座谈"\n',
         "section =", "部分“二”不在 [parts] 中"),
        # before the item above it in the source
        ('section = "一.一.(二).1"\nkind = "document"\ntext = "方案"\nneeds_person = "座谈"\n',
         "section =", "位于前一项（一.一.(三).1①）之前"),
        ('section = "一.一.(三).2①"\nkind = "problem"\ntext = "' + "很" * 41 + '"\nneeds_person = "座谈"\n',
         "text =", "text 超过40字"),
        ('section = "一.一.(三).2①"\nkind = "problem"\ntext = "重视不够"\nrule = ["M-IDENT"]\nneeds_person = "座谈"\n',
         "rule =", "未知的键“rule”"),
    ],
)  # fmt: skip
def test_a_malformed_item_is_named_by_file_and_line(tmp_path, item, at, words):
    path = write(tmp_path, "\n[[item]]\n" + item)
    with pytest.raises(ConfigError) as caught:
        read_coverage(path)
    message = str(caught.value)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = max(i for i, line in enumerate(lines, start=1) if line == "[[item]]")
    expected = next(
        i for i, line in enumerate(lines, start=1) if i >= start and line.startswith(at)
    )
    assert f"{path} 第{expected}行" in message
    assert words in message
    assert message.startswith("梳理覆盖表有误")


def test_every_mistake_is_listed_at_once(tmp_path):
    path = write(
        tmp_path,
        '\n[[item]]\nsection = "一.一.(三).2①"\nkind = "problem"\ntext = "甲"\nrules = ["X-ONE"]\n'
        '\n[[item]]\nsection = "一.一.(三).3"\nkind = "problem"\ntext = "乙"\nrules = ["X-TWO"]\n',
    )
    with pytest.raises(ConfigError) as caught:
        read_coverage(path)
    message = str(caught.value)
    assert f"第{line_of(path, 'X-ONE')}行" in message and f"第{line_of(path, 'X-TWO')}行" in message


def test_a_toml_mistake_is_named_by_file_line_and_column(tmp_path):
    path = write(tmp_path, '\n[[item]]\nsection = "一.一.(三).2①\nkind = "problem"\n')
    with pytest.raises(ConfigError) as caught:
        read_coverage(path)
    assert f"梳理覆盖表格式错误：{path} 第{line_of(path, '(三).2①')}行" in str(caught.value)


def test_an_unknown_command_is_listed_with_its_line_not_raised(tmp_path):
    path = write(
        tmp_path,
        '\n[[item]]\nsection = "一.一.(三).2①"\nkind = "document"\ntext = "台账"\n'
        'documents = ["card", "ledger --kind housing"]\n',
    )
    cmap = read_coverage(path)
    assert unknown_commands(cmap, commands={"card", "ledger"}) == []
    listed = unknown_commands(cmap, commands={"card"})
    assert listed == [
        f"{path} 第{line_of(path, 'documents =') - 4}行（一.一.(三).2①）：reportgen ledger --kind housing"
        " — 文书清单中没有命令“ledger”"
    ]


def test_a_copied_pack_keeps_its_coverage_map(run, workspace):
    """`policy new NAME --from henan-2023` copies the pack's coverage map with its numbers and texts."""
    assert run("policy", "new", "县", "--from", "henan-2023").exit_code == 0
    copied = workspace / "policies" / "县" / "coverage.toml"
    shipped = Path(__file__).resolve().parents[1] / "reportgen" / "policies" / "henan-2023" / "coverage.toml"
    assert copied.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
