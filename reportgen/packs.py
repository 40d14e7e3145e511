"""Policy packs: a year's or a province's numbers and words, as files a county edits.

A pack is a folder `<name>/` holding `policy.toml` (every number, the [basis] files and 文号, the
student-aid items) and `texts.toml` (the words that quote policy: rule titles, 整改措施, the source
document's section references and problem groups), or one .toml file with both (texts under a
[texts] table). Texts are Jinja templates over the pack's own numbers — `识别认定超过{{
monitoring.identification_max_days }}天` — so a changed number changes every sentence quoting it.

`[meta] based_on = "henan-2023"` makes a pack the changes to another: tables are merged key by
key, so a county's 2024 pack holds only what differs. Built-in packs live in reportgen/policies/,
a workspace's in its `policies/` folder (a workspace pack of the same name wins, as templates do).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import ConfigError
from reportgen.paths import policies_dir
from reportgen.tomlfile import TomlSyntaxError, parse_toml

POLICY_FILE = "policy.toml"
TEXTS_FILE = "texts.toml"
WORKSPACE_FOLDER = "policies"


@dataclass(frozen=True)
class PackRef:
    """Where a pack is: its name, its policy file (policy.toml or the single .toml), and origin."""

    name: str
    path: Path  # policy.toml in a pack folder, or the single .toml file
    origin: str  # 内置 / 工作目录 / 文件

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path.name == POLICY_FILE else None

    @property
    def texts_path(self) -> Path | None:
        folder = self.folder
        return folder / TEXTS_FILE if folder is not None else None

    def files(self) -> list[Path]:
        texts = self.texts_path
        return [self.path] + ([texts] if texts is not None and texts.is_file() else [])


def _candidates(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and (entry / POLICY_FILE).is_file():
            found[entry.name] = entry / POLICY_FILE
        elif entry.suffix == ".toml" and entry.is_file():
            found.setdefault(entry.stem, entry)
    return found


def list_packs(workspace: Path | None = None) -> list[PackRef]:
    """Built-in packs, then the workspace's (a workspace pack named like a built-in replaces it)."""
    refs = {name: PackRef(name, path, "内置") for name, path in _candidates(policies_dir()).items()}
    if workspace is not None:
        for name, path in _candidates(workspace / WORKSPACE_FOLDER).items():
            origin = "工作目录（覆盖内置）" if name in refs else "工作目录"
            refs[name] = PackRef(name, path, origin)
    return sorted(refs.values(), key=lambda r: (r.origin != "内置", r.name))


def find_pack(name_or_path: str, workspace: Path | None = None) -> PackRef:
    """A pack by name (workspace first, then built-in) or by path (a folder or a .toml file,
    relative to the workspace)."""
    text = str(name_or_path)
    path = Path(text)
    if not path.is_absolute() and workspace is not None:
        path = workspace / path
    if path.is_dir() and (path / POLICY_FILE).is_file():
        return PackRef(path.name, path / POLICY_FILE, "文件")
    if text.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise ConfigError(f"找不到政策文件：{path}")
        return PackRef(path.stem, path, "文件")
    for ref in list_packs(workspace):
        if ref.name == text:
            return ref
    names = "、".join(r.name for r in list_packs(workspace))
    raise ConfigError(f"没有名为“{text}”的政策包；可用：{names}（reportgen policy list）")


def read_toml(path: Path, what: str = "政策文件") -> dict[str, Any]:
    """A TOML file, with Chinese errors naming the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"找不到{what}：{path}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what}不是 UTF-8 编码：{path}（请用“UTF-8”保存）") from None
    try:
        return parse_toml(text)
    except TomlSyntaxError as exc:
        place = f"{exc.place}：" if exc.place else ""
        raise ConfigError(f"{what}格式错误：{path} {place}{exc.hint}（{exc.detail}）") from None


def line_of(path: Path, dotted: str) -> int | None:
    """The line that sets `dotted` (`rules.M-IDENT.title`) in a TOML file, for messages: the key
    under its [table] header, or a dotted key. None when it cannot be found."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    parts = dotted.split(".")
    table: list[str] = []
    header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    key_re = re.compile(r'^\s*("?)([^"=\s]+(?:\.[^"=\s]+)*)\1\s*=')
    best = None
    for number, line in enumerate(lines, start=1):
        m = header.match(line)
        if m:
            table = [p.strip().strip('"') for p in m.group(1).split(".")]
            if table == parts:
                best = best or number
            continue
        k = key_re.match(line)
        if k:
            full = table + [p.strip('"') for p in k.group(2).split(".")]
            if full == parts:
                return number
            if best is None and full[: len(parts)] == parts:
                best = number
    return best


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Tables merged key by key; any other value (lists, [[student_aid]]) replaced as a whole."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class PackData:
    """A pack read from its files, merged over the pack it is based on."""

    ref: PackRef
    data: dict[str, Any]  # numbers, meta, basis, student_aid… and "texts"
    chain: list[PackRef]  # this pack, then what it is based on

    def where(self, dotted: str) -> str:
        """File and line that set `dotted` (a data key, or texts.… for a text)."""
        for ref in self.chain:
            if dotted.startswith("texts."):
                candidates = [(ref.texts_path, dotted[len("texts.") :]), (ref.path, dotted)]
            else:
                candidates = [(ref.path, dotted)]
            for path, key in candidates:
                if path is not None and path.is_file():
                    line = line_of(path, key)
                    if line is not None:
                        return f"{path} 第{line}行"
        return str(self.ref.path)


def read_pack(ref: PackRef, workspace: Path | None = None, _seen: tuple[str, ...] = ()) -> PackData:
    data = read_toml(ref.path)
    texts_path = ref.texts_path
    if texts_path is not None and texts_path.is_file():
        texts = read_toml(texts_path, "政策文字文件")
        data["texts"] = _merge(data.get("texts", {}), texts)
    base_name = data.get("meta", {}).get("based_on")
    chain = [ref]
    if base_name:
        if not isinstance(base_name, str):
            raise ConfigError(
                f"{ref.path}：[meta] based_on 应为政策包名称（文字），实为 {base_name!r}"
            )
        if base_name in _seen or base_name == ref.name and ref.origin == "内置":
            raise ConfigError(
                f"{ref.path}：based_on 循环引用：{' → '.join((*_seen, ref.name, base_name))}"
            )
        base_ref = _base_ref(base_name, ref, workspace)
        base = read_pack(base_ref, workspace, (*_seen, ref.name))
        data = _merge(base.data, data)
        chain += base.chain
    return PackData(ref, data, chain)


def _base_ref(name: str, ref: PackRef, workspace: Path | None) -> PackRef:
    """The pack `name` a pack is based on: a workspace pack based on the built-in pack of its
    own name (a county's edited copy) reaches the built-in one."""
    for candidate in list_packs(workspace):
        if candidate.name == name and candidate.path != ref.path:
            return candidate
    builtin = _candidates(policies_dir()).get(name)
    if builtin is not None and builtin != ref.path:
        return PackRef(name, builtin, "内置")
    raise ConfigError(f"{ref.path}：based_on 的政策包“{name}”不存在（reportgen policy list）")


# ------------------------------------------------------------------ texts
def _pct(value: float) -> str:
    """0.99 → 99%, 0.985 → 98.5%."""
    return f"{round(float(value) * 100, 4):g}%"


def _wan_yuan(value: float) -> str:
    """100000 → 10万元, 18000 → 1.8万元."""
    return f"{round(float(value) / 10000, 4):g}万元"


def _yuan(value: float) -> str:
    """7500 → 7,500; 7500.5 → 7,500.50."""
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"


_ENV = None


def text_environment():
    """The sandbox texts render in: the pack's numbers as names, missing names an error."""
    global _ENV
    if _ENV is None:
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(
            undefined=jinja2.StrictUndefined, autoescape=False, cache_size=400
        )
        env.filters.update({"pct": _pct, "wan_yuan": _wan_yuan, "yuan": _yuan})
        _ENV = env
    return _ENV


def render_text(source: str, data: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
    """A text template filled from the pack's numbers (and `extra`, such as a rule's values)."""
    if "{" not in source:
        return source
    template = text_environment().from_string(source)
    context = {k: v for k, v in data.items() if k != "texts"}
    if extra:
        context.update(extra)
    return template.render(context)


# ------------------------------------------------------------------ show, diff, copy
def flat_view(data: dict[str, Any]) -> dict[str, Any]:
    """Every value of a pack by dotted key, texts rendered over its numbers (what documents
    print; a value known only when a document is made, declared by its table's `params`, stays
    `{{ place }}`); [[student_aid]] items keyed by their id: `student_aid.junior_boarding.amount`."""
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str, texts: bool, params: tuple[str, ...] = ()) -> None:
        if isinstance(node, dict) and not _is_leaf(prefix):
            own = node.get("params") if texts else None
            inner = tuple(p for p in own if isinstance(p, str)) if isinstance(own, list) else ()
            for key, value in node.items():
                walk(value, f"{prefix}{key}.", texts or prefix == "" and key == "texts", inner)
            return
        key = prefix.rstrip(".")
        if key == "monitoring.step_notes" and isinstance(node, dict):
            node = {k: _rendered(str(v), data) for k, v in node.items()}
        if texts and isinstance(node, str):
            try:
                node = render_text(node, data, {p: f"{{{{ {p} }}}}" for p in params})
            except Exception:  # noqa: BLE001 - shown as written when it cannot render
                pass
        out[key] = node

    for key, value in data.items():
        if key == "student_aid" and isinstance(value, list):
            for item in value:
                for field, v in item.items():
                    if field != "id":
                        out[f"student_aid.{item.get('id')}.{field}"] = v
        else:
            walk(value, f"{key}.", key == "texts")
    return out


# Policy values that are tables themselves, keyed by data (household sizes, training grades, step
# names): one value when shown, compared or overridden, not a table of settings.
DATA_TABLES = frozenset(
    {"housing.rebuilt_area_by_size", "employment.yulu_short_training", "monitoring.step_notes"}
)


def _is_leaf(prefix: str) -> bool:
    return prefix.rstrip(".") in DATA_TABLES


def _rendered(text: str, data: dict[str, Any]) -> str:
    try:
        return render_text(text, data)
    except Exception:  # noqa: BLE001 - shown as written when it cannot render
        return text


@dataclass(frozen=True)
class Change:
    key: str
    old: Any  # None: added
    new: Any  # None: removed


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changes from pack `old` to pack `new`, texts compared as printed; meta.name and
    meta.based_on (how a pack is written, not what it says) left out."""
    a, b = flat_view(old), flat_view(new)
    skip = {"meta.name", "meta.based_on"}
    keys = [k for k in dict.fromkeys([*a, *b]) if k not in skip]
    return [Change(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


def copy_pack(ref: PackRef, workspace: Path, name: str, *, force: bool = False) -> Path:
    """Copy pack `ref` (its own files, comments kept) to <workspace>/policies/<name>/, with
    meta.name set to `name`. A pack based on another stays based on it."""
    if not re.fullmatch(r"[\w\u4e00-\u9fff][\w\u4e00-\u9fff.-]*", name):
        raise ConfigError(f"政策包名称“{name}”只能用汉字、字母、数字、“-”“_”“.”")
    dest = workspace / WORKSPACE_FOLDER / name
    if dest.exists() and not force:
        raise ConfigError(f"{dest} 已存在；如要重新复制请加 --force（会覆盖其中的文件）")
    dest.mkdir(parents=True, exist_ok=True)
    policy_text = _with_meta_name(ref.path.read_text(encoding="utf-8"), name)
    (dest / POLICY_FILE).write_text(policy_text, encoding="utf-8")
    texts = ref.texts_path
    if texts is not None and texts.is_file():
        (dest / TEXTS_FILE).write_text(texts.read_text(encoding="utf-8"), encoding="utf-8")
    coverage = ref.path.parent / "coverage.toml"  # the source document's coverage map (coverage.py)
    if ref.path.name == POLICY_FILE and coverage.is_file():
        (dest / coverage.name).write_text(coverage.read_text(encoding="utf-8"), encoding="utf-8")
    return dest


def _with_meta_name(text: str, name: str) -> str:
    """The policy file's text with [meta] name = `name` (added when missing)."""
    lines = text.splitlines()
    table = None
    for i, line in enumerate(lines):
        header = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]", line)
        if header:
            if table == "meta":
                lines.insert(i, f'name = "{name}"')
                return "\n".join(lines) + "\n"
            table = header.group(1)
            continue
        if table == "meta" and re.match(r"^\s*name\s*=", line):
            lines[i] = f'name = "{name}"'
            return "\n".join(lines) + "\n"
    if table == "meta":
        return "\n".join([*lines, f'name = "{name}"']) + "\n"
    return f'[meta]\nname = "{name}"\n\n' + text
