"""Policy packs (issue 19): a new year or province is a pack, not a code change. Every built-in
pack loads and words every rule; the second pack's numbers and words reach the rule list, the
findings, the 明白纸, the notices and the report, and none of the first pack's; one override in
reportgen.toml shows in every text that quotes it; `reportgen policy` lists, shows, compares,
copies and checks packs with file and line in its errors."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from builders import sqlite_only
from docx import Document

from reportgen.config import load_policy
from reportgen.errors import ConfigError
from reportgen.packs import diff, list_packs
from reportgen.rules import RENAMED, bind_rules, load_rules


def test_every_builtin_pack_loads_and_words_every_rule():
    packs = [r.name for r in list_packs(None)]
    assert {"henan-2023", "henan-2024"} <= set(packs)
    rules = [r for r in load_rules(None).values() if r.builtin]
    for name in packs:
        policy = load_policy(name)
        bound = bind_rules(rules, policy)
        for r in bound:
            assert r.title != r.id and r.seed and r.fix, (name, r.id)
            assert r.group in policy.groups, (name, r.id)
            assert "〔" in r.basis_text(policy), (name, r.id)
            assert "{{" not in r.title + r.fix, (name, r.id)


def test_rule_codes_carry_no_policy_number():
    for rule_id in load_rules(None):
        assert not re.search(r"-\d+$", rule_id), rule_id
    assert set(RENAMED.values()) <= set(load_rules(None))


def test_the_second_pack_differs_in_numbers_and_words_and_marks_its_values_illustrative():
    from reportgen.paths import policies_dir

    changes = {
        c.key: (c.old, c.new)
        for c in diff(load_policy("henan-2023").data, load_policy("henan-2024").data)
    }
    assert changes["monitoring.income_line"] == (7500, 7800)
    assert changes["monitoring.publicity_min_days"] == (5, 7)
    assert changes["monitoring.identification_max_days"] == (15, 20)
    assert changes["health.insurance_rate_min"] == (0.99, 0.98)
    # a wording change of its own, beyond the numbers
    assert changes["texts.rules.H-RATE.title"] == (
        "脱贫人口和监测对象基本医保参保率低于99%",
        "脱贫人口和监测对象基本医保参保率未达到98%",
    )
    text = (policies_dir() / "henan-2024" / "policy.toml").read_text(encoding="utf-8")
    for key in (
        "income_line",
        "publicity_min_days",
        "identification_max_days",
        "insurance_rate_min",
    ):
        before = text[: text.index(f"{key} =")].splitlines()[-1]
        assert "【示例值】" in before, key


def _config(ws, extra: str) -> None:
    """reportgen.toml: `extra`'s top-level keys first, then the county's tables."""
    top, _, tables = extra.partition("[")
    tables = "[" + tables if tables else ""
    (ws / "reportgen.toml").write_text(
        top + '[county]\nname = "青山县"\n[offices]\ncounty = "青山县乡村振兴局"\n' + tables,
        encoding="utf-8",
    )


def _docx_text(path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


OLD_WORDS = ("识别认定超过15天", "公示少于5天", "参保率低于99%", "不超过15天", "确保15天内")


@sqlite_only  # policy words do not depend on the database backend
def test_with_the_second_pack_every_text_shows_its_numbers(run, example):
    _config(example, 'policy = "henan-2024"\n')
    listed = run("rules", "list")
    assert listed.exit_code == 0, listed.output
    assert "政策包：henan-2024" in listed.output
    for new in ("识别认定超过20天", "公示少于7天或无公示记录", "参保率未达到98%"):
        assert new in listed.output
    for old in OLD_WORDS:
        assert old not in listed.output

    found = json.loads(run("check", "--as-of", "2023-09-30", "--json").stdout)
    texts = " ".join(f["title"] + f["detail"] for f in found)
    assert not any(old in texts for old in OLD_WORDS)
    ident = [f for f in found if f["rule"] == "M-IDENT"]
    assert ident and all(f["title"] == "识别认定超过20天" for f in ident)
    assert all("（不超过20天）" in f["detail"] for f in ident)
    # a household at 16–20 days is a finding under henan-2023 and not under henan-2024
    _config(example, 'policy = "henan-2023"\n')
    found_2023 = json.loads(run("check", "--as-of", "2023-09-30", "--json").stdout)
    assert len([f for f in found_2023 if f["rule"] == "M-IDENT"]) > len(ident)

    _config(example, 'policy = "henan-2024"\n')
    assert run("selfcheck", "--quarter", "2023Q3").exit_code == 0
    report = _docx_text(next((example / "输出" / "自查报告").glob("*.docx")))
    assert "识别认定超过20天" in report
    assert not any(old in report for old in OLD_WORDS)

    made = run("monitor-sheet", "--household", "H0003")
    assert made.exit_code == 0, made.output + made.stderr
    sheet = _docx_text(next((example / "输出" / "防止返贫监测明白纸").glob("*.docx")))
    assert "7,800" in sheet and "7,500" not in sheet
    assert "村级初选（公示不少于7天）" in sheet and "公示不少于5天" not in sheet


@sqlite_only  # policy words do not depend on the database backend
def test_one_override_shows_in_every_text_that_quotes_it(run, example):
    _config(example, "[policy_overrides]\nmonitoring.identification_max_days = 20\n")
    listed = run("rules", "list").output
    assert "识别认定超过20天" in listed and "识别认定超过15天" not in listed
    found = json.loads(run("check", "--as-of", "2023-09-30", "--json").stdout)
    ident = [f for f in found if f["rule"] == "M-IDENT"]
    assert ident and all(
        f["title"] == "识别认定超过20天" and "（不超过20天）" in f["detail"] for f in ident
    )
    assert run("rules", "fixes").exit_code == 0
    fixes = (example / "rules" / "整改措施.toml").read_text(encoding="utf-8")
    assert "# 识别认定超过20天" in fixes and "确保20天内完成识别认定" in fixes
    assert "15天" not in fixes
    shown = run("policy", "show", "texts.rules.M-IDENT.title").output
    assert "识别认定超过20天" in shown
    source = run("policy", "show", "monitoring.identification_max_days").output
    assert "[reportgen.toml [policy_overrides]]" in source


@sqlite_only  # policy words do not depend on the database backend
def test_a_text_override_is_a_template_too(run, example):
    _config(
        example,
        "[policy_overrides]\n"
        '"texts.rules.W-WATER.fix" = "水利局牵头，按{{ water.min_liters_per_day }}升标准逐户解决。"\n',
    )
    assert run("rules", "fixes").exit_code == 0
    fixes = (example / "rules" / "整改措施.toml").read_text(encoding="utf-8")
    assert '"W-WATER" = "水利局牵头，按40升标准逐户解决。"' in fixes


@sqlite_only  # policy words do not depend on the database backend
def test_old_rule_ids_still_name_their_rules(run, example):
    _config(example, "")
    old = json.loads(run("check", "--as-of", "2023-09-30", "--rule", "M-IDENT-15", "--json").stdout)
    new = json.loads(run("check", "--as-of", "2023-09-30", "--rule", "M-IDENT", "--json").stdout)
    assert old == new and old


@sqlite_only  # policy words do not depend on the database backend
def test_policy_commands(run, workspace):
    listed = run("policy", "list")
    assert listed.exit_code == 0
    assert "henan-2023" in listed.output and "henan-2024" in listed.output
    assert "基于 henan-2023" in listed.output and "← 正在使用" in listed.output
    compared = run("policy", "diff", "henan-2023", "henan-2024")
    assert compared.exit_code == 0
    assert "monitoring.income_line：7500 → 7800" in compared.output
    assert "texts.rules.M-IDENT.title：识别认定超过15天 → 识别认定超过20天" in compared.output
    assert "没有不同" in run("policy", "diff", "henan-2023", "henan-2023").output

    made = run("policy", "new", "青山县2024", "--from", "henan-2024")
    assert made.exit_code == 0, made.output
    pack = workspace / "policies" / "青山县2024"
    assert 'name = "青山县2024"' in (pack / "policy.toml").read_text(encoding="utf-8")
    assert run("policy", "new", "青山县2024", "--from", "henan-2024").exit_code == 3
    listed = run("policy", "list").output
    assert "青山县2024" in listed and "工作目录" in listed

    (workspace / "reportgen.toml").write_text('policy = "青山县2024"\n', encoding="utf-8")
    assert "政策包 青山县2024 检查通过" in run("policy", "check").output
    shown = run("policy", "show", "monitoring.income_line").output
    assert "monitoring.income_line = 7800" in shown and "青山县2024/policy.toml 第" in shown


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, x in enumerate(lines, 1) if needle in x and not x.startswith("#"))


@sqlite_only  # policy words do not depend on the database backend
def test_policy_check_names_file_and_line(run, workspace):
    assert run("policy", "new", "县", "--from", "henan-2023").exit_code == 0
    pack = workspace / "policies" / "县"
    policy_file, texts_file = pack / "policy.toml", pack / "texts.toml"

    _edit(policy_file, "income_line = 7500", 'income_line = "7500元"')
    bad = run("policy", "check", "县")
    assert bad.exit_code == 3
    assert (
        f"政策参数“monitoring.income_line”的值类型不对（{policy_file} 第{_line(policy_file, 'income_line =')}行）"
        in bad.stderr
    )
    _edit(policy_file, 'income_line = "7500元"', "income_line = 7500")

    _edit(
        texts_file,
        '{{ monitoring.identification_max_days }}天"',
        '{{ monitoring.identification_days }}天"',
    )
    bad = run("policy", "check", "县")
    line = _line(texts_file, "identification_days }}")
    assert bad.exit_code == 3
    assert f"政策包文字“rules.M-IDENT.title”有误（{texts_file} 第{line}行）" in bad.stderr
    assert "不是本政策包的参数" in bad.stderr
    _edit(
        texts_file,
        '{{ monitoring.identification_days }}天"',
        '{{ monitoring.identification_max_days }}天"',
    )

    _edit(texts_file, 'group = "责任落实"', 'group = "责任"')
    bad = run("policy", "check", "县")
    assert bad.exit_code == 3 and "的分组“责任”不在 [groups] order 中" in bad.stderr
    line = _line(texts_file, 'group = "责任"')
    assert f"{texts_file} 第{line}行" in bad.stderr
    _edit(texts_file, 'group = "责任"', 'group = "责任落实"')

    _edit(policy_file, "[monitoring]", "[monitoring")
    bad = run("policy", "check", "县")
    assert bad.exit_code == 3
    assert f"政策文件格式错误：{policy_file} 第{_line(policy_file, '[monitoring')}行" in bad.stderr
    _edit(policy_file, "[monitoring", "[monitoring]")

    # a rule the pack has no words for
    text = texts_file.read_text(encoding="utf-8")
    start = text.index("[rules.W-WATER]")
    end = text.index("[rules.", start + 5)
    texts_file.write_text(text[:start] + text[end:], encoding="utf-8")
    bad = run("policy", "check", "县")
    assert bad.exit_code == 3 and "没有规则 W-WATER 的文字" in bad.stderr
    assert "检查通过" not in bad.output


def test_a_policy_file_without_words_is_refused_with_the_fix(tmp_path):
    from reportgen.paths import policies_dir

    own = tmp_path / "own.toml"
    shutil.copy(policies_dir() / "henan-2023" / "policy.toml", own)
    with pytest.raises(ConfigError, match='based_on = "henan-2023"'):
        load_policy(str(own))


def test_based_on_cycles_are_refused(tmp_path):
    ws = tmp_path
    for a, b in (("甲", "乙"), ("乙", "甲")):
        folder = ws / "policies" / a
        folder.mkdir(parents=True)
        (folder / "policy.toml").write_text(
            f'[meta]\nname = "{a}"\nbased_on = "{b}"\n', encoding="utf-8"
        )
    with pytest.raises(ConfigError, match="循环引用"):
        load_policy("甲", base=ws)


@sqlite_only  # policy words do not depend on the database backend
def test_notices_follow_the_packs_publicity_days(run, example):
    """H0095's recorded 5-day publicity is enough under henan-2023 and refused under henan-2024
    (7 days), in the pack's words."""
    args = ("notice", "--township", "城关镇", "--date", "2023-09-01")
    _config(example, 'policy = "henan-2024"\n')
    refused = run(*args)
    assert refused.exit_code == 7
    assert "数据记录的公示期少于7天" in refused.stderr and "如公示确实不足7天" in refused.stderr
    _config(example, 'policy = "henan-2023"\n')
    made = run(*args)
    assert made.exit_code == 0, made.stderr
    notice = _docx_text(
        example / "输出" / "公示公告" / "城关镇_监测对象识别纳入公示_2023年9月1日.docx"
    )
    assert "刘强" in notice


def _marked_copy(src, dest, old: str, new: str) -> None:
    """A copy of a .docx template with one text of its body replaced."""
    import zipfile

    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as w:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            w.writestr(name, data)


@sqlite_only  # policy words do not depend on the database backend
def test_a_packs_templates_replace_the_builtin_ones_and_the_workspace_still_wins(run, example):
    from reportgen.paths import builtin_templates_dir

    builtin = builtin_templates_dir() / "docx" / "防止返贫监测明白纸.docx"
    title = "防止返贫监测申报政策明白纸"
    assert run("policy", "new", "县包", "--from", "henan-2024").exit_code == 0
    pack_copy = example / "policies" / "县包" / "templates" / "防止返贫监测明白纸.docx"
    _marked_copy(builtin, pack_copy, title, "县包的申报明白纸")
    _config(example, 'policy = "县包"\n')
    listed = run("templates", "list").output
    assert "政策包（覆盖内置）" in listed
    made = run("monitor-sheet", "--household", "H0003")
    assert made.exit_code == 0, made.stderr
    sheet = _docx_text(next((example / "输出" / "防止返贫监测明白纸").glob("*.docx")))
    assert "县包的申报明白纸" in sheet and title not in sheet
    assert "7,800" in sheet  # henan-2024's numbers, through the county's pack
    # the workspace's own templates/ comes before the pack's
    _marked_copy(
        builtin,
        example / "templates" / "docx" / "防止返贫监测明白纸.docx",
        title,
        "工作目录的明白纸",
    )
    assert run("monitor-sheet", "--household", "H0003").exit_code == 0
    sheet = _docx_text(next((example / "输出" / "防止返贫监测明白纸").glob("*.docx")))
    assert "工作目录的明白纸" in sheet and "县包的申报明白纸" not in sheet
