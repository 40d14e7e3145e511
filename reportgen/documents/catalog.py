"""Every document kind, once: the command that makes it, its templates, its module, its demo folder
and its line in the README. Plain data, so that `reportgen --help` reads it without importing any
document module; `load_kind`/`kind_module` import a kind when it is used.

Where this list is read: `documents/__init__.py` (imports each module, which declares its templates
for `templates list/check`), `demo` (one step per kind, in this order), `templates list` (which
command uses a template), `reportgen.cli.doc_cmds` (the batch commands' shared options) and the
README's documents table (`python -m reportgen.documents [--update]`; a test compares).

Adding a document kind: a module with a `DocumentKind` subclass instance `KIND` (see
`documents/kind.py`) and a `demo(run)` function, its template(s) under `templates/docx/`, a line
here, and the command in `reportgen/cli/doc_cmds.py` (or a `*_cmds.py` module of its own, listed in
tests/test_catalog.py's DOCUMENT_COMMAND_MODULES).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class KindInfo:
    command: str  # reportgen <command>
    name: str  # what the documents are called (the demo's step)
    title: str  # what the command makes, as the README's table says it
    module: str  # reportgen.documents.<module>
    templates: tuple[str, ...]  # the built-in templates it renders
    example: str  # the README's example command line
    doc: str  # the docs page
    demo_folder: str  # the demo's sub-folder
    batch: bool = False  # a DocumentKind run by documents.runner (--workers, --cluster)


DOCUMENT_KINDS: tuple[KindInfo, ...] = (
    KindInfo("card", "学生资助政策明白卡", "学生资助政策明白卡 + 名单", "aid_card", ("学生资助政策明白卡",),
             "reportgen card --school 城关镇第一初级中学", "docs/学生资助.md", "学生资助明白卡", batch=True),
    KindInfo("aid-notice", "学生受助情况温馨告知书", "学生受助情况温馨告知书 + 汇总（含应享未享）", "aid_notice", ("学生受助情况温馨告知书",),
             "reportgen aid-notice --county --term 2023年秋季学期", "docs/学生资助.md", "学生受助情况温馨告知书",
             batch=True),
    KindInfo("yulu-notice", "雨露计划助学补助公示", "雨露计划助学补助公示（每村一份，公文格式）+ 公示名单", "yulu_notice", ("雨露计划补助公示",),
             "reportgen yulu-notice --county --year 2023 --date 2023-10-09", "docs/公示公告.md", "雨露计划补助公示",
             batch=True),
    KindInfo("monitor-sheet", "防止返贫监测明白纸", "正在监测的户：明白卡和申报政策、帮扶政策明白纸（每户两页）；加 `--all` 村里其他户各一页申报政策明白纸；+ 发放名单",
             "monitor_sheet", ("防止返贫监测明白纸",), "reportgen monitor-sheet --village 城关镇/王庄村",
             "docs/防止返贫监测明白纸.md", "防止返贫监测明白纸", batch=True),
    KindInfo("form", "防止返贫监测核查表等表单",
             "入户和签字用的表单：防止返贫动态监测核查表、承诺授权书（待入户核实的户或 `--all` 每户）、公益岗位协议（在岗的每个岗位）、"
             "延缓入学（休学）审批表；已知信息填好、其余留空线 + 名单", "forms",
             ("防止返贫动态监测核查表", "承诺授权书", "公益岗位协议", "延缓入学休学审批表"),
             "reportgen form --kind check --village 城关镇/王庄村 --all", "docs/表单.md", "表单", batch=True),
    KindInfo("notice", "公示公告", "项目公示/公告、识别纳入/风险消除/兜底户公示，识别纳入/风险消除结果公告（以乡镇名义）", "notices", ("公文", "项目公示公告"),
             "reportgen notice --village 城关镇/王庄村 --date 2023-09-01", "docs/公示公告.md", "公示公告"),
    KindInfo("roster", "乡镇上报名单", "拟纳入防止返贫监测对象名单、整户无劳动能力兜底保障户县级备案名单（以乡镇名义报县，公文格式）+ 名单",
             "rosters", ("公文",), "reportgen roster --township 河口乡 --date 2023-09-30", "docs/公示公告.md", "上报名单"),
    KindInfo("ledger", "住房安全、饮水安全、项目库和项目资产台账",
             "住房安全排查台账、饮水安全问题台账、项目库台账、项目资产台账（逐户/逐项目/逐项资产：问题、状态、销号，分乡镇汇总）"
             "+ 资产处置结果公示", "ledgers", ("公文",),
             "reportgen ledger --county --as-of 2023-09-30", "docs/台账.md", "台账"),
    KindInfo("dropout", "控辍保学档案和台账", "控辍保学“一生一表一档案”（每生一份）+ 台账（含问题、分乡镇分学校统计）", "dropout_archive",
             ("控辍保学档案",), "reportgen dropout --county --as-of 2023-10-01", "docs/控辍保学.md", "控辍保学",
             batch=True),
    KindInfo("selfcheck", "季度自查报告", "季度自查报告（公文格式：基本情况指标、发现的问题、整改措施，与上季度比较）+ 问题清单（含图表）",
             "selfcheck", ("季度自查报告",), "reportgen selfcheck --quarter 2023Q3", "docs/自查规则.md", "自查报告"),
    KindInfo("monthly", "监测对象新增退出名单（月报）", "监测对象新增、退出和低保特困变化名单及致财政、卫健、医保部门的函", "monthly",
             ("监测对象新增退出名单",), "reportgen monthly --month 2023-09", "docs/自查规则.md", "月报"),
)  # fmt: skip

BY_COMMAND = {k.command: k for k in DOCUMENT_KINDS}


def kind_module(command: str) -> ModuleType:
    return importlib.import_module(f"reportgen.documents.{BY_COMMAND[command].module}")


def load_kind(name: str) -> Any:
    """The DocumentKind of a batch command (its module's KIND), or for "command:form" one of a
    module's several kinds (its KINDS[form]), as documents.runner names a kind to its workers."""
    command, _, form = name.partition(":")
    module = kind_module(command)
    return module.KINDS[form] if form else module.KIND


def commands_of_template(name: str) -> list[str]:
    return [k.command for k in DOCUMENT_KINDS if name in k.templates]


def readme_table() -> str:
    """The README's table of document commands."""
    lines = ["| 命令 | 文书 | 说明 |", "| --- | --- | --- |"]
    for k in DOCUMENT_KINDS:
        lines.append(f"| `{k.example}` | {k.title} | [{k.doc}]({k.doc}) |")
    return "\n".join(lines) + "\n"


def update_readme(path) -> None:
    """Rewrite the README's table between its header line and the end marker."""
    text = path.read_text(encoding="utf-8")
    begin, end = text.index("| 命令 | 文书 | 说明 |"), text.index("<!-- 文书种类表结束 -->")
    path.write_text(text[:begin] + readme_table() + text[end:], encoding="utf-8")
