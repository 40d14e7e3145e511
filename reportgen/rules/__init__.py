"""Policy rules over the dataset: the seed's 关注问题 as checks that return findings.

A rule is a function decorated with `@rule(...)`: it gets a RuleContext (dataset, policy, as-of
date, scope and shared loaders) and yields Finding objects. Built-in rules live in the modules
listed in BUILTIN_MODULES and register exactly as a user's own rule module does — a user puts a
.py file in the workspace folder `rules/`, writes `from reportgen.rules import rule, Finding`
and decorates functions; `load_rules(workspace)` gives the built-in rules plus that workspace's
own (a registry per workspace folder, not per process: two workspaces in one process never see
each other's rules).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable, Iterable
from contextvars import ContextVar
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


# The built-in rules, registered as their modules are imported (builtin_rules). A workspace's
# own rules are never added here: load_rules keeps them per workspace folder.
_BUILTIN: dict[str, Rule] = {}
# While one of a workspace's rule files runs, its @rule registrations go into this dict instead
# of _BUILTIN. A ContextVar, so that a built-in module imported meanwhile by another thread
# still registers as built-in.
_COLLECTING: ContextVar[dict[str, Rule] | None] = ContextVar("_COLLECTING", default=None)


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
        collecting = _COLLECTING.get()
        builtin = collecting is None
        target = _BUILTIN if collecting is None else collecting
        if id in target and target[id].check is not fn:
            raise ConfigError(f"规则编号重复：{id}")
        target[id] = Rule(id, title or id, seed, basis, entity, group, severity, fix, fn, builtin=builtin,
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
    "reportgen.rules.coverage",
)


def builtin_rules() -> dict[str, Rule]:
    """The built-in rules by id: module by module in BUILTIN_MODULES order, each module's in
    definition order (a copy: the caller may change it). Not in registration order, which is the
    order some code happened to import the modules in (coverage imports rules.dropout lazily)."""
    for name in BUILTIN_MODULES:
        importlib.import_module(name)
    rank = {name: i for i, name in enumerate(BUILTIN_MODULES)}
    ordered = sorted(_BUILTIN.values(), key=lambda r: rank.get(r.check.__module__, len(rank)))
    return {r.id: r for r in ordered}


@dataclass(frozen=True)
class _RuleFile:
    digest: str  # of the file's bytes: an edited file is run again
    rules: dict[str, Rule]


# A workspace's rules/ folder (resolved) → its rule files as last run. Keyed by folder so that two
# workspaces in one process each see their own files, even files of the same name.
_WORKSPACES: dict[Path, dict[Path, _RuleFile]] = {}
_LOCK = threading.RLock()


def load_rules(workspace: Path | None = None) -> dict[str, Rule]:
    """The built-in rules, then the rules of `workspace`'s rules/*.py (file by file in name
    order); a new dict each call. A rule file is run the first time it is seen and again when
    its content has changed; a rule id must not repeat among them."""
    registry = builtin_rules()
    folder = Path(workspace) / "rules" if workspace is not None else None
    if folder is None or not folder.is_dir():
        return registry
    folder = folder.resolve()
    paths = sorted(folder.glob("*.py"))
    with _LOCK:
        loaded = _WORKSPACES.setdefault(folder, {})
        for gone in set(loaded) - set(paths):
            del loaded[gone]
            sys.modules.pop(_module_name(folder, gone), None)
        for path in paths:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if path not in loaded or loaded[path].digest != digest:
                loaded.pop(path, None)
                loaded[path] = _RuleFile(digest, _run_rule_file(path, _module_name(folder, path)))
        files = [(path, loaded[path]) for path in paths]
    for path, ruled in files:
        for rule_id, r in ruled.rules.items():
            if rule_id in registry:
                raise ConfigError(f"规则编号重复：{rule_id}（{path}）")
            registry[rule_id] = r
    return registry


def _module_name(folder: Path, path: Path) -> str:
    """Unique per workspace folder: a second workspace's rules/x.py is not the first's."""
    tag = hashlib.sha256(str(folder).encode("utf-8")).hexdigest()[:16]
    return f"reportgen_user_rules.w{tag}.{path.stem}"


def _run_rule_file(path: Path, module_name: str) -> dict[str, Rule]:
    """Run one of a workspace's rule files; the rules it registers."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None  # a .py file always has a loader
    module = importlib.util.module_from_spec(spec)
    collected: dict[str, Rule] = {}
    token = _COLLECTING.set(collected)
    try:
        sys.modules[module_name] = module  # as an import does (dataclasses and pickle look it up)
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise ConfigError(f"自定义规则文件 {path} 无法加载：{type(exc).__name__}: {exc}") from None
    finally:
        _COLLECTING.reset(token)
    return collected
