"""Policy rules over the dataset: the seed's 关注问题 as checks that return findings.

A rule is a function decorated with `@rule(...)`: it gets a RuleContext (dataset, policy, as-of
date, scope and shared loaders) and yields Finding objects. Built-in rules live in the modules
listed in BUILTIN_MODULES and register exactly as a user's own rule module does — a user puts a
.py file in the workspace folder `rules/`, writes `from reportgen.rules import rule, Finding`
and decorates functions; `load_rules(workspace)` imports both.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from reportgen.errors import ConfigError

ENTITIES = ("household", "person", "student", "project", "dropout_case", "township")
SEVERITIES = ("严重", "一般", "提示")
# Rule ids that quoted a policy number, and the stable codes that replace them (issue 19): still
# accepted wherever a user names a rule (check --rule, 整改措施.toml, [rules] settings).
RENAMED = {
    "M-IDENT-15": "M-IDENT",
    "M-ENTRY-10": "M-ENTRY",
    "M-PLAN-10": "M-PLAN",
    "M-PUBLICITY-5": "M-PUBLICITY",
}


def canonical_id(rule_id: str) -> str:
    return RENAMED.get(rule_id, rule_id)


@dataclass(frozen=True)
class Finding:
    """One thing that broke one rule: what it is, where, and a one-line detail with the numbers."""

    rule: str
    title: str
    entity: str
    key: str  # 户编号, 证件号码, 学籍号, 项目编号, 乡镇代码
    name: str
    household: str | None
    place: str  # readable place: 城关镇/王庄村, or the school
    detail: str
    township: str = ""  # township code, for grouping and scope
    village: str = ""  # village code where there is one

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    """A check and its words. A built-in rule's words (title, 梳理 section, basis, group,
    severity, 整改措施) come from the policy pack's texts (`[rules.<id>]` in texts.toml), so
    they follow the pack's numbers; `bound(policy)` gives the rule as a pack words it. A
    workspace's own rule may carry its words itself (or take them from the pack too)."""

    id: str
    title: str
    seed: str  # section of the pack's source document, e.g. 三.一.(二).2④
    basis: str  # key of the policy's [basis] table (file name and 文号)
    entity: str
    group: str  # one of the pack's [groups] order (责任落实 / 政策落实 / 工作落实 / 成效巩固)
    severity: str
    fix: str  # default 整改措施 text for the report
    check: Callable[..., Iterable[Finding]]
    builtin: bool = True
    # True: the findings the rule gives for a township depend only on that township's records
    # (households and their members, procedures, measures, loans and welfare jobs; the students of
    # its schools; any project, notice or dropout case), so a partitioned self-check may run it
    # township by township (rules/partition.py). False: it runs once over the whole dataset.
    split: bool = False
    # A workspace rule's title worded from the policy's numbers; built-in rules use the pack.
    title_of: Callable[..., str] | None = None

    def basis_text(self, policy) -> str:
        """The file name and 文号 of the policy's [basis] entry (the key itself when the policy
        has no such entry: a county's own rule may write its basis out in full)."""
        return policy.data.get("basis", {}).get(self.basis, self.basis)

    def bound(self, policy) -> Rule:
        """This rule as `policy` words it: texts from the pack's [rules.<id>], rendered over
        its numbers. ConfigError when a built-in rule has no words in the pack, or the group is
        not one of the pack's."""
        key = f"rules.{self.id}"
        if policy.has_text(f"{key}.title"):
            words = {f: policy.text(f"{key}.{f}") for f in ("title", "seed", "basis", "group", "severity", "fix")}  # fmt: skip
            return replace(self, **words)
        if self.builtin:
            raise ConfigError(
                f"政策包 {policy.name} 没有规则 {self.id} 的文字：请在它的 texts.toml 中加上 "
                f"[rules.{self.id}]（title、seed、basis、group、severity、fix；可照 henan-2023 写）"
            )
        title = self.title_of(policy) if self.title_of else self.title
        groups = policy.groups
        if groups and self.group not in groups:
            raise ConfigError(
                f"自定义规则 {self.id} 的分组“{self.group}”不是政策包 {policy.name} 的分组："
                f"{'、'.join(groups)}"
            )
        return replace(self, title=title)

    def title_text(self, policy) -> str:
        """The title as the run's policy words it."""
        return self.bound(policy).title


REGISTRY: dict[str, Rule] = {}
_LOADING_USER = False


def rule(
    id: str,
    title: str = "",
    *,
    entity: str,
    seed: str = "",
    basis: str = "",
    group: str = "工作落实",
    severity: str = "一般",
    fix: str = "",
    split: bool | None = None,
    title_of: Callable[..., str] | None = None,
):
    """Register a rule function `check(ctx) -> Iterable[Finding]` under a stable id.

    Built-in rules give only the id and entity: their words are the policy pack's. A workspace
    rule gives its title, seed, basis, group, severity and fix here, or the pack's texts give
    them (a [rules.<id>] table in a workspace pack). `split`: see Rule.split; built-in rules
    default to True (each was checked against it), rules from a workspace's rules/*.py to False
    unless they say so. `title_of(policy)`: see Rule.title_of."""
    if entity not in ENTITIES:
        raise ValueError(f"entity {entity!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r}")

    def register(fn: Callable[..., Iterable[Finding]]):
        if id in REGISTRY and REGISTRY[id].check is not fn:
            raise ConfigError(f"规则编号重复：{id}")
        builtin = not _LOADING_USER
        REGISTRY[id] = Rule(id, title or id, seed, basis, entity, group, severity, fix, fn, builtin=builtin,
                            split=builtin if split is None else split, title_of=title_of)  # fmt: skip
        return fn

    return register


def bind_rules(rules: Iterable[Rule], policy) -> list[Rule]:
    """The rules as the policy words them (Rule.bound)."""
    return [r.bound(policy) for r in rules]


BUILTIN_MODULES = (
    "reportgen.rules.monitoring",
    "reportgen.rules.policies",
    "reportgen.rules.work",
    "reportgen.rules.dropout",
)


def load_rules(workspace: Path | None = None) -> dict[str, Rule]:
    """Import the built-in rule modules and the workspace's rules/*.py; returns the registry."""
    global _LOADING_USER
    for name in BUILTIN_MODULES:
        importlib.import_module(name)
    folder = workspace / "rules" if workspace else None
    if folder and folder.is_dir():
        for path in sorted(folder.glob("*.py")):
            module_name = f"reportgen_user_rules.{path.stem}"
            if module_name in sys.modules:
                continue
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            _LOADING_USER = True
            try:
                sys.modules[module_name] = module
                spec.loader.exec_module(module)
            except Exception as exc:
                sys.modules.pop(module_name, None)
                raise ConfigError(
                    f"自定义规则文件 {path} 无法加载：{type(exc).__name__}: {exc}"
                ) from None
            finally:
                _LOADING_USER = False
    return REGISTRY
