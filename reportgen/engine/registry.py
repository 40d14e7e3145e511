"""Template lookup (workspace `templates/` overrides built-ins by name) and each template's declared variables."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from reportgen.engine.builtin_specs import BUILTIN_SPECS
from reportgen.errors import TemplateError
from reportgen.paths import builtin_templates_dir

KINDS = {"docx": ".docx", "xlsx": ".xlsx"}
_KIND_LABEL = {"docx": "Word", "xlsx": "Excel"}


@dataclass(frozen=True)
class TemplateRef:
    """Where a template was found. source is 'builtin', 'pack' (the policy pack's templates/) or
    'workspace'; overrides says it hides a built-in."""

    name: str
    kind: str
    path: Path
    source: str
    overrides: bool = False

    @property
    def label(self) -> str:
        if self.source == "builtin":
            return "内置"
        if self.source == "pack":
            return "政策包（覆盖内置）" if self.overrides else "政策包"
        return "工作目录（覆盖内置）" if self.overrides else "工作目录"


@dataclass
class TemplateSpec:
    """What a document kind promises its template: a sample context (names and shapes of variables)."""

    name: str
    kind: str
    sample: dict[str, Any]
    description: str = ""


_SPECS: dict[tuple[str, str], TemplateSpec] = {}


def declare_template(
    name: str, kind: str = "docx", *, sample: dict[str, Any], description: str = ""
) -> TemplateSpec:
    """Called by a document kind at import: the variables its template may use, as a sample context.

    `templates check` reports any name (or attribute of a dict in the sample) the template uses
    that the sample does not have. Give lists one sample element so loop bodies are checked too.
    """
    spec = TemplateSpec(name, kind, sample, description)
    _SPECS[(name, kind)] = spec
    return spec


def template_spec(name: str, kind: str = "docx") -> TemplateSpec | None:
    return _SPECS.get((name, kind))


for _name, _kind, _sample, _description in BUILTIN_SPECS:
    declare_template(_name, _kind, sample=_sample, description=_description)


def _split_name(name: str) -> tuple[str, str | None]:
    for kind, ext in KINDS.items():
        if name.lower().endswith(ext):
            return name[: -len(ext)], kind
    return name, None


@overload
def workspace_templates_dir(workspace: os.PathLike[str]) -> Path: ...
@overload
def workspace_templates_dir(workspace: str | os.PathLike[str] | None) -> Path | None: ...
def workspace_templates_dir(workspace: str | os.PathLike[str] | None) -> Path | None:
    """The workspace's templates folder; None without a workspace (a Path is never empty)."""
    return Path(workspace) / "templates" if workspace else None


# Per workspace, the templates/ folders of its policy pack and the packs it is based on, nearest
# first: set when the workspace's settings are loaded (config.load_settings), in every process.
_PACK_DIRS: dict[str, tuple[Path, ...]] = {}


def _workspace_key(workspace: str | os.PathLike[str] | None) -> str:
    return str(Path(workspace).resolve()) if workspace else ""


def set_pack_template_dirs(
    workspace: str | os.PathLike[str] | None, dirs: tuple[Path, ...] | list[Path]
) -> None:
    """The policy pack's template folders for `workspace` (nearest pack first): a template there
    replaces the built-in one of its name; the workspace's own templates/ still comes first."""
    _PACK_DIRS[_workspace_key(workspace)] = tuple(dirs)


def _pack_scan(workspace: str | os.PathLike[str] | None) -> dict[tuple[str, str], Path]:
    found: dict[tuple[str, str], Path] = {}
    for folder in reversed(_PACK_DIRS.get(_workspace_key(workspace), ())):
        found.update(_scan(folder))  # the nearest pack last: it wins
    return found


def _scan(folder: Path | None) -> dict[tuple[str, str], Path]:
    """Templates in `folder/docx`, `folder/xlsx` or directly in `folder` (sub-folder wins)."""
    found: dict[tuple[str, str], Path] = {}
    if folder is None or not folder.is_dir():
        return found
    for kind, ext in KINDS.items():
        for base in (folder, folder / kind):
            if not base.is_dir():
                continue
            for p in sorted(base.iterdir()):
                if p.is_file() and p.suffix.lower() == ext and not p.name.startswith(("~$", ".")):
                    found[(p.stem, kind)] = p
    return found


def list_templates(workspace: str | os.PathLike | None = None) -> list[TemplateRef]:
    """Every template available: built-ins, each replaced by the policy pack's file of the same
    name, each of those by a workspace file of the same name."""
    builtin = _scan(builtin_templates_dir())
    pack = _pack_scan(workspace)
    local = _scan(workspace_templates_dir(workspace))
    refs = [
        TemplateRef(n, k, p, "builtin")
        for (n, k), p in builtin.items()
        if (n, k) not in local and (n, k) not in pack
    ]
    refs += [
        TemplateRef(n, k, p, "pack", (n, k) in builtin)
        for (n, k), p in pack.items()
        if (n, k) not in local
    ]
    refs += [
        TemplateRef(n, k, p, "workspace", (n, k) in builtin or (n, k) in pack)
        for (n, k), p in local.items()
    ]
    return sorted(refs, key=lambda r: (r.kind, r.name))


def find_template(
    name: str | os.PathLike, kind: str | None = None, workspace: str | os.PathLike | None = None
) -> TemplateRef:
    """Resolve a template by name (`公文` or `公文.docx`) or by file path; workspace first."""
    text = str(name)
    p = Path(text)
    if (
        p.suffix.lower() in (".docx", ".xlsx")
        and (p.is_absolute() or len(p.parts) > 1)
        or p.is_file()
    ):
        if not p.is_file():
            raise TemplateError(f"找不到模板文件：{p}")
        stem, k = _split_name(p.name)
        return TemplateRef(stem, k or kind or "docx", p, "file")
    stem, k = _split_name(text)
    kind = k or kind
    kinds = [kind] if kind else list(KINDS)
    local = _scan(workspace_templates_dir(workspace))
    pack = _pack_scan(workspace)
    builtin = _scan(builtin_templates_dir())
    for kd in kinds:
        if (stem, kd) in local:
            return TemplateRef(stem, kd, local[(stem, kd)], "workspace", (stem, kd) in builtin)
        if (stem, kd) in pack:
            return TemplateRef(stem, kd, pack[(stem, kd)], "pack", (stem, kd) in builtin)
        if (stem, kd) in builtin:
            return TemplateRef(stem, kd, builtin[(stem, kd)], "builtin")
    known = "、".join(r.name + KINDS[r.kind] for r in list_templates(workspace)) or "（无）"
    raise TemplateError(f"找不到模板“{text}”。可用模板：{known}")


def export_template(name: str, dest_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Copy a built-in template into `dest_dir` (e.g. the workspace `templates/docx/`) for editing."""
    stem, kind = _split_name(name)
    builtin = _scan(builtin_templates_dir())
    matches = [(k, p) for (n, k), p in builtin.items() if n == stem and (kind is None or k == kind)]
    if not matches:
        known = "、".join(n + KINDS[k] for (n, k) in sorted(builtin)) or "（无）"
        raise TemplateError(f"没有名为“{name}”的内置模板。内置模板：{known}")
    if len(matches) > 1:
        raise TemplateError(f"“{name}”既有 Word 也有 Excel 模板，请写出扩展名，如 {stem}.docx")
    _, src = matches[0]
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / src.name
    if target.exists() and not overwrite:
        raise TemplateError(f"{target} 已存在；如要覆盖请加 --force")
    shutil.copyfile(src, target)
    return target


def kind_label(kind: str) -> str:
    return _KIND_LABEL.get(kind, kind)
