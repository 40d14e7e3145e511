"""The coverage map of a policy pack's source document (梳理覆盖表): for every typical problem
(关注问题) and every document the source asks for, the built-in rules that check it, the commands
that make it, or what is missing — a rule, a command, an import field, or a person's judgement.

The map is data in the pack (`coverage.toml` beside `policy.toml`; a pack based on another without
its own uses its base's). This module reads and checks it and writes the generated part of
docs/梳理覆盖表.md, prose written by hand around a part between two markers, as rules/docs.py does;
a test keeps that part equal to `coverage_markdown()`.

    python -m reportgen.coverage            # print the generated part
    python -m reportgen.coverage --update   # rewrite it in docs/梳理覆盖表.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import ConfigError
from reportgen.generated_text import between, replace_between
from reportgen.packs import read_toml

if TYPE_CHECKING:
    from reportgen.config import Policy

COVERAGE_FILE = "coverage.toml"
BEGIN = "<!-- BEGIN python -m reportgen.coverage -->"
END = "<!-- END python -m reportgen.coverage -->"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "梳理覆盖表.md"

PROBLEM, DOCUMENT = "problem", "document"
KINDS = {PROBLEM: "关注问题", DOCUMENT: "文书"}
# Each status: what the table says before its reference, and the kinds of item it may describe.
# rules and documents reference lists (rule ids, command lines); the others one sentence.
STATUSES: dict[str, tuple[str, frozenset[str]]] = {
    "rules": ("规则", frozenset({PROBLEM})),
    "documents": ("命令", frozenset({PROBLEM, DOCUMENT})),
    "needs_rule": ("待加规则", frozenset({PROBLEM})),
    "needs_command": ("待加命令", frozenset({DOCUMENT})),
    "needs_field": ("需字段", frozenset({PROBLEM, DOCUMENT})),
    "needs_person": ("需人工", frozenset({PROBLEM, DOCUMENT})),
}
LISTS = ("rules", "documents")
KEYS = ("section", "kind", "text", *STATUSES, "note")
TEXT_MAX = 40

_NUMERALS = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮"
_N = f"[{_NUMERALS}]"
# 三.一.(三).4② (part, area, sub-heading, item, circled item; the last two optional), and
# 第四部分 3② for the part without areas. The pack's texts.toml `seed = …` write sections so.
_SECTION = re.compile(
    rf"^(?:(?P<part>{_N})\.(?P<area>{_N})\.\((?P<sub>{_N})\)(?:\.(?P<item>\d+)(?P<circ>[{_CIRCLED}])?)?"
    rf"|第(?P<whole>{_N})部分 (?P<witem>\d+)(?P<wcirc>[{_CIRCLED}])?)$"
)
_ITEM_HEADER = re.compile(r"^\s*\[\[\s*item\s*\]\]\s*(#.*)?$")
_HEADER = re.compile(r"^\s*\[")


@dataclass(frozen=True)
class Section:
    """A parsed section reference: its part (一…), its area (一.一, '' for a part without areas)
    and a key that sorts sections in the source's order."""

    part: str
    area: str
    order: tuple[int, ...]


def parse_section(text: str) -> Section | None:
    m = _SECTION.match(text)
    if m is None:
        return None

    def num(ch: str | None) -> int:
        return _NUMERALS.index(ch) + 1 if ch else 0

    def circ(ch: str | None) -> int:
        return _CIRCLED.index(ch) + 1 if ch else 0

    if m["whole"]:
        return Section(m["whole"], "", (num(m["whole"]), 0, 0, int(m["witem"]), circ(m["wcirc"])))
    item = int(m["item"]) if m["item"] else 0
    order = (num(m["part"]), num(m["area"]), num(m["sub"]), item, circ(m["circ"]))
    return Section(m["part"], f"{m['part']}.{m['area']}", order)


@dataclass(frozen=True)
class Entry:
    """One problem or document of the source and how reportgen covers it."""

    section: str
    kind: str  # problem / document
    text: str
    status: str  # a key of STATUSES
    refs: tuple[str, ...]  # rule ids or command lines (rules, documents); else one sentence
    note: str
    line: int | None  # of its [[item]] header in the file

    @property
    def part(self) -> str:
        parsed = parse_section(self.section)
        return parsed.part if parsed else ""


@dataclass(frozen=True)
class CoverageMap:
    path: Path
    parts: dict[str, str]  # 一 → 责任落实方面
    areas: dict[str, str]  # 一.一 → 党委和政府主体责任
    entries: tuple[Entry, ...]

    def where(self, entry: Entry) -> str:
        return f"{self.path} 第{entry.line}行" if entry.line else str(self.path)

    def rule_ids(self) -> set[str]:
        return {r for e in self.entries if e.status == "rules" for r in e.refs}


# ------------------------------------------------------------------------------ reading
def coverage_path(policy: Policy) -> Path:
    """The coverage map of a loaded policy: its pack's `coverage.toml`, else that of the pack it
    is based on (a county's pack of changed numbers keeps its base's source document)."""
    for ref in policy.pack.chain if policy.pack is not None else ():
        folder = ref.folder
        if folder is not None and (folder / COVERAGE_FILE).is_file():
            return folder / COVERAGE_FILE
    raise ConfigError(
        f"政策包 {policy.name} 没有梳理覆盖表：在政策包文件夹中加一个 {COVERAGE_FILE}"
        "（可照 henan-2023 写）"
    )


def load_coverage(policy: Policy | None = None) -> CoverageMap:
    """The coverage map of `policy` (default: the built-in default pack), checked."""
    if policy is None:
        from reportgen.config import DEFAULT_POLICY, load_policy

        policy = load_policy(DEFAULT_POLICY)
    return read_coverage(coverage_path(policy))


def _item_lines(path: Path) -> list[tuple[int, dict[str, int]]]:
    """For each [[item]] header in the file: its line and the lines of the keys under it."""
    out: list[tuple[int, dict[str, int]]] = []
    current: dict[str, int] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if _ITEM_HEADER.match(line):
            current = {}
            out.append((number, current))
        elif _HEADER.match(line):
            current = None
        elif current is not None:
            key = re.match(r'^\s*"?([A-Za-z_]+)"?\s*=', line)
            if key:
                current.setdefault(key.group(1), number)
    return out


def read_coverage(path: Path, rule_ids: Collection[str] | None = None) -> CoverageMap:
    """Read and check a coverage map. ConfigError listing every problem, each with the file and
    line: a TOML mistake, an unknown key, a section not written as the source numbers it or out
    of the source's order, an item with no status or with two, a status its kind cannot have, a
    rule id that is not a built-in rule (`rule_ids`, default: the built-in rules)."""
    data = read_toml(path, "梳理覆盖表")
    if rule_ids is None:
        from reportgen.rules import builtin_rules

        rule_ids = set(builtin_rules())
    parts = _names(data.get("parts"), "parts", path)
    areas = _names(data.get("areas"), "areas", path)
    items = data.get("item", [])
    if not isinstance(items, list) or not items:
        raise ConfigError(f"梳理覆盖表 {path} 没有任何 [[item]]")
    lines = _item_lines(path)
    if len(lines) != len(items):  # items written some other way: name the items by number only
        lines = [(0, {})] * len(items)
    errors: list[str] = []
    entries: list[Entry] = []
    last: tuple[tuple[int, ...], str] = ((), "")  # the previous item's order and section
    for number, (item, (line, key_lines)) in enumerate(zip(items, lines, strict=True), start=1):
        entry, problems = _entry(item, line, parts, areas, rule_ids)
        parsed = parse_section(entry.section) if entry is not None else None
        if entry is not None and parsed is not None:
            if parsed.order < last[0]:
                problems.append(
                    ("section", f"在梳理中位于前一项（{last[1]}）之前：应按梳理中的顺序排列")
                )
            else:
                last = (parsed.order, entry.section)
        section = item.get("section") if isinstance(item, dict) else None
        label = f"（{section}）" if isinstance(section, str) else ""
        for key, message in problems:
            at = key_lines.get(key, line) if key else line
            errors.append(f"{path} {f'第{at}行' if at else f'第{number}项'}{label}：{message}")
        if entry is not None and not problems:
            entries.append(entry)
    if errors:
        raise ConfigError("梳理覆盖表有误：\n  " + "\n  ".join(errors))
    return CoverageMap(path, parts, areas, tuple(entries))


def _names(table: Any, name: str, path: Path) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(f"梳理覆盖表 {path} 缺少 [{name}] 表（每项写“编号 = 名称”）")
    return dict(table)


def _entry(
    item: Any, line: int, parts: dict[str, str], areas: dict[str, str], rule_ids: Collection[str]
) -> tuple[Entry | None, list[tuple[str, str]]]:
    """One [[item]] as an Entry, and its problems as (key, message): the Entry is None when it
    cannot be read at all."""
    problems: list[tuple[str, str]] = []

    def fail(message: str, key: str = "") -> None:
        problems.append((key, message))

    if not isinstance(item, dict):
        fail("每项应写成 [[item]] 表")
        return None, problems
    for key in item:
        if key not in KEYS:
            fail(f"未知的键“{key}”（可用：{'、'.join(KEYS)}）", key)
    section, kind, text = item.get("section"), item.get("kind"), item.get("text")
    parsed = parse_section(section) if isinstance(section, str) else None
    if parsed is None:
        fail(f"section 应写梳理中的章节，如“三.一.(三).4②”或“第四部分 3”：{section!r}", "section")
    elif parsed.part not in parts:
        fail(f"章节 {section} 的部分“{parsed.part}”不在 [parts] 中", "section")
    elif parsed.area and parsed.area not in areas:
        fail(f"章节 {section} 的“{parsed.area}”不在 [areas] 中", "section")
    if kind not in KINDS:
        fail(f"kind 应为 problem（关注问题）或 document（文书）：{kind!r}", "kind")
    if not isinstance(text, str) or not text.strip():
        fail("缺少 text（这一项的简述）", "text")
    elif len(text) > TEXT_MAX:
        fail(f"text 超过{TEXT_MAX}字（{len(text)}字）：{text}", "text")
    statuses = [k for k in STATUSES if k in item]
    if len(statuses) != 1:
        found = f"这里写了{'、'.join(statuses)}" if statuses else "这里一种也没有写"
        fail(
            f"覆盖情况应写且只写一种（{'、'.join(STATUSES)}），{found}",
            statuses[1] if statuses else "",
        )
        return None, problems
    status = statuses[0]
    value = item[status]
    if kind in KINDS and kind not in STATUSES[status][1]:
        fail(f"{KINDS[kind]}不能写 {status}", status)
    refs: tuple[str, ...]
    if status in LISTS:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            fail(f"{status} 应为非空的文字列表，如 {status} = [\"…\"]", status)  # fmt: skip
            return None, problems
        refs = tuple(v.strip() for v in value)
        if status == "rules":
            unknown = [r for r in refs if r not in rule_ids]
            if unknown:
                fail(
                    f"规则 {'、'.join(unknown)} 不存在（reportgen rules list 列出全部规则）", status
                )
    else:
        if not isinstance(value, str) or not value.strip():
            fail(f"{status} 应为一句说明文字", status)
            return None, problems
        refs = (value.strip(),)
    note = item.get("note", "")
    if not isinstance(note, str):
        fail("note 应为文字", "note")
    entry = Entry(str(section), str(kind), str(text), status, refs, str(note), line or None)
    return entry, problems


def unknown_commands(cmap: CoverageMap, commands: Iterable[str] | None = None) -> list[str]:
    """The map's command lines whose command is not a document kind (`commands`, default: the
    catalog's), each with the file and line: a list to show, not an error, since the map may name
    a command the catalog is about to gain."""
    if commands is None:
        from reportgen.documents.catalog import BY_COMMAND

        commands = BY_COMMAND
    known = set(commands)
    return [
        f"{cmap.where(e)}（{e.section}）：reportgen {ref} — 文书清单中没有命令“{ref.split()[0]}”"
        for e in cmap.entries
        if e.status == "documents"
        for ref in e.refs
        if ref.split()[0] not in known
    ]


# ------------------------------------------------------------------------------ the page
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _coverage_cell(entry: Entry, policy: Policy, rules: dict[str, Any]) -> str:
    label = STATUSES[entry.status][0]
    if entry.status == "rules":
        titles = []
        for rid in entry.refs:
            key = f"rules.{rid}.title"
            title = policy.text(key) if policy.has_text(key) else rules[rid].title
            titles.append(f"`{rid}` {title}")
        text = f"{label}：" + "；".join(titles)
    elif entry.status == "documents":
        text = f"{label}：" + "、".join(f"`reportgen {ref}`" for ref in entry.refs)
    else:
        text = f"{label}：{entry.refs[0]}"
    if entry.note:
        text += f"（{entry.note}）"
    return _cell(text)


def summary_counts(cmap: CoverageMap) -> dict[tuple[str, str], int]:
    """(kind, status) → number of entries."""
    out: dict[tuple[str, str], int] = {}
    for e in cmap.entries:
        out[(e.kind, e.status)] = out.get((e.kind, e.status), 0) + 1
    return out


# The summary's rows: a label, and the status counted under 关注问题 and under 文书 (None: n/a).
_SUMMARY_ROWS = (
    ("内置规则检查", "rules", None),
    ("命令生成", "documents", "documents"),
    ("现有数据已够，待加规则或命令", "needs_rule", "needs_command"),
    ("需增加导入字段", "needs_field", "needs_field"),
    ("需人工核实或形成", "needs_person", "needs_person"),
)


def coverage_markdown(policy: Policy | None = None, cmap: CoverageMap | None = None) -> str:
    """The generated part of docs/梳理覆盖表.md: a summary, then one table per part of the source."""
    from reportgen.config import DEFAULT_POLICY, load_policy
    from reportgen.rules import builtin_rules

    policy = policy or load_policy(DEFAULT_POLICY)
    cmap = cmap or read_coverage(coverage_path(policy))
    rules = builtin_rules()
    counts = summary_counts(cmap)
    problems = sum(1 for e in cmap.entries if e.kind == PROBLEM)
    documents = len(cmap.entries) - problems
    used = cmap.rule_ids()
    source = policy.text("source.name") if policy.has_text("source.name") else "来源文件"

    def count(kind: str, status: str | None) -> str:
        return "—" if status is None else str(counts.get((kind, status), 0))

    lines = [
        f"{source}中的关注问题 {problems} 项、要求形成的文书 {documents} 种（政策包：{policy.name}）；"
        f"内置规则 {len(rules)} 条，{len(used & set(rules))} 条列在下表中。",
        "",
        "| 覆盖情况 | 关注问题 | 文书 |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {label} | {count(PROBLEM, p)} | {count(DOCUMENT, d)} |" for label, p, d in _SUMMARY_ROWS
    ]
    lines.append(f"| 合计 | {problems} | {documents} |")
    pending = [e for e in cmap.entries if e.status in ("needs_rule", "needs_command")]
    if pending:
        lines += ["", "现有导入数据已经能查、能生成，程序还没有做的（这张清单应逐步清空）：", ""]
        lines += [f"- {e.section} {e.text}：{STATUSES[e.status][0]}——{e.refs[0]}" for e in pending]
    for part, title in cmap.parts.items():
        rows = [e for e in cmap.entries if e.part == part]
        if not rows:
            continue
        lines += ["", f"### 第{part}部分 {title}", ""]
        areas = [
            f"{key.split('.')[1]}、{name}"
            for key, name in cmap.areas.items()
            if key.split(".")[0] == part
        ]
        if areas:
            lines += ["　".join(areas), ""]
        lines += ["| 章节 | 类别 | 内容 | 覆盖 |", "| --- | --- | --- | --- |"]
        lines += [f"| {e.section} | {KINDS[e.kind]} | {_cell(e.text)} | {_coverage_cell(e, policy, rules)} |" for e in rows]  # fmt: skip
    return "\n".join(lines) + "\n"


def replace_generated(page: str, generated: str) -> str:
    return replace_between(page, BEGIN, END, generated)


def generated_part(page: str) -> str:
    return between(page, BEGIN, END)


def main(argv: list[str]) -> int:
    try:
        cmap = load_coverage()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    for message in unknown_commands(cmap):
        print(f"注意：{message}", file=sys.stderr)
    markdown = coverage_markdown(cmap=cmap)
    if "--update" in argv:
        PAGE.write_text(
            replace_generated(PAGE.read_text(encoding="utf-8"), markdown), encoding="utf-8"
        )
    else:
        print(markdown, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
