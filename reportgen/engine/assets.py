"""Files a template may name (pictures, sub-documents): found only inside the folders allowed.

A template is a document that clerks copy from each other, not a program (environment.py): a
filter such as `{{ r.照片|image(width_mm=30) }}` or `{{p "附件一.docx"|subdoc }}` names a file,
and that name must not reach anything outside the folders the user gave — the data file's folder
for `reportgen render`, the workspace for the document commands, and the template's own folder.
Absolute paths, `..` and links that leave those folders are refused with a Chinese message.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from pathlib import Path

from reportgen.errors import TemplateError

_ROOTS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "reportgen_asset_roots", default=()
)


@contextlib.contextmanager
def asset_roots(*roots: str | os.PathLike | None) -> Iterator[tuple[Path, ...]]:
    """Allow files under `roots` (in this order, before any already allowed) while the block runs."""
    resolved = tuple(Path(r).resolve() for r in roots if r)
    current = _ROOTS.get()
    token = _ROOTS.set(resolved + tuple(r for r in current if r not in resolved))
    try:
        yield _ROOTS.get()
    finally:
        _ROOTS.reset(token)


def allowed_roots() -> tuple[Path, ...]:
    return _ROOTS.get()


def resolve_asset(name: str | os.PathLike, what: str = "文件") -> Path:
    """The file `name` (relative, "/" or "\\" separated) in the first allowed folder that has it.

    `what` names the kind of file in messages (图片, 子文档…). TemplateError when the name is
    absolute, leaves the folders, or is in none of them.
    """
    text = str(name).strip()
    if not text:
        raise TemplateError(f"{what}的文件名为空")
    roots = _ROOTS.get()
    if not roots:
        raise TemplateError(
            f"{what}“{text}”：这里不能引用文件（没有允许的文件夹；请用 reportgen render 或文书命令生成）"
        )
    rel = text.replace("\\", "/")
    if os.path.isabs(text) or rel.startswith("/") or (len(rel) > 1 and rel[1] == ":"):
        raise TemplateError(
            f"{what}“{text}”是绝对路径：请写相对于数据文件或工作目录的路径（如 照片/张三.jpg）"
        )
    if ".." in rel.split("/"):
        raise TemplateError(f"{what}“{text}”含有“..”：只能引用数据文件或工作目录里面的文件")
    for root in roots:
        candidate = (root / rel).resolve()
        if not candidate.is_relative_to(root):
            raise TemplateError(
                f"{what}“{text}”指向 {root} 以外（链接）：只能引用这个文件夹里面的文件"
            )
        if candidate.is_file():
            return candidate
    places = "、".join(str(r) for r in roots)
    raise TemplateError(f"找不到{what}“{text}”（在这些文件夹里找过：{places}）")
