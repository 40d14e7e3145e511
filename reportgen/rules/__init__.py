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
from dataclasses import asdict, dataclass
from pathlib import Path

from reportgen.errors import ConfigError

ENTITIES = ("household", "person", "student", "project", "dropout_case", "township")
GROUPS = ("责任落实", "政策落实", "工作落实", "成效巩固")
SEVERITIES = ("严重", "一般", "提示")


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
    id: str
    title: str
    seed: str  # 梳理 section, e.g. 三.一.(二).2④
    basis: str  # key of the policy's [basis] table (file name and 文号)
    entity: str
    group: str  # 责任落实 / 政策落实 / 工作落实 / 成效巩固
    severity: str
    fix: str  # default 整改措施 text for the report
    check: Callable[..., Iterable[Finding]]
    builtin: bool = True
    # True: the findings the rule gives for a township depend only on that township's records
    # (households and their members, procedures, measures, loans and welfare jobs; the students of
    # its schools; any project, notice or dropout case), so a partitioned self-check may run it
    # township by township (rules/partition.py). False: it runs once over the whole dataset.
    split: bool = False
    # The title worded from a policy's numbers (a dropout rule's 劝返不足N次), where `title` quotes
    # the default policy's; None: the title has no policy number.
    title_of: Callable[..., str] | None = None

    def basis_text(self, policy) -> str:
        """The file name and 文号 of the policy's [basis] entry (the key itself when the policy
        has no such entry: a county's own rule may write its basis out in full)."""
        return policy.data.get("basis", {}).get(self.basis, self.basis)

    def title_text(self, policy) -> str:
        """The title as the run's policy words it."""
        return self.title_of(policy) if self.title_of else self.title


REGISTRY: dict[str, Rule] = {}
_LOADING_USER = False


def rule(
    id: str,
    title: str,
    *,
    seed: str,
    basis: str,
    entity: str,
    group: str,
    severity: str = "一般",
    fix: str = "",
    split: bool | None = None,
    title_of: Callable[..., str] | None = None,
):
    """Register a rule function `check(ctx) -> Iterable[Finding]` under a stable id.

    `split`: see Rule.split; built-in rules default to True (each was checked against it), rules
    from a workspace's rules/*.py to False unless they say so. `title_of(policy)`: see Rule.title_of."""
    if entity not in ENTITIES:
        raise ValueError(f"entity {entity!r}")
    if group not in GROUPS or severity not in SEVERITIES:
        raise ValueError(f"group {group!r} / severity {severity!r}")

    def register(fn: Callable[..., Iterable[Finding]]):
        if id in REGISTRY and REGISTRY[id].check is not fn:
            raise ConfigError(f"规则编号重复：{id}")
        builtin = not _LOADING_USER
        REGISTRY[id] = Rule(id, title, seed, basis, entity, group, severity, fix, fn, builtin=builtin,
                            split=builtin if split is None else split, title_of=title_of)  # fmt: skip
        return fn

    return register


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
