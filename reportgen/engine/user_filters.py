"""A workspace's own Jinja filters: `filters.py` beside `rules/`, trusted code like rules/*.py.

`filters.py` lists its filters in a module-level dict `FILTERS = {"名字": 函数}`; only those become
filters (a helper function in the file stays a helper). They are available to every template that
renders for that workspace, built-in ones included, and to no other workspace: the environment's
filter table (`FilterTable`, installed in environment.py) answers a name it does not hold from the
filters of the workspace active in the current context (`use_workspace_filters`,
`activate_workspace_filters`). Built-in names never reach that lookup, so the built-in path costs
nothing, and a workspace filter may not reuse a built-in name (refused, not silently shadowed).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import importlib.util
import keyword
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2.filters

from reportgen.engine.filters import FILTERS as PROJECT_FILTERS
from reportgen.errors import ConfigError

FILTERS_FILE = "filters.py"

# Every name a template can already use as a filter: Jinja's own and the project's.
BUILTIN_FILTER_NAMES = frozenset(jinja2.filters.FILTERS) | frozenset(PROJECT_FILTERS)

_NONE: Mapping[str, Callable[..., Any]] = {}
_active: contextvars.ContextVar[Mapping[str, Callable[..., Any]]] = contextvars.ContextVar(
    "reportgen_workspace_filters", default=_NONE
)
_cache: dict[str, tuple[tuple[int, int], Mapping[str, Callable[..., Any]]]] = {}


class FilterTable(dict):
    """The environment's filters (built-ins), falling back to the active workspace's filters for a
    name it does not hold. Compiled templates look filters up by name on every render, so one
    compiled template serves every workspace, each seeing only its own filters."""

    def __missing__(self, name: str) -> Callable[..., Any]:
        return _active.get()[name]  # KeyError when neither has it: Jinja reports the name

    def get(self, name: str, default: Any = None) -> Any:
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return _active.get().get(name, default)

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in _active.get()


def filters_path(workspace: str | os.PathLike) -> Path:
    return Path(workspace) / FILTERS_FILE


def load_workspace_filters(workspace: str | os.PathLike | None) -> Mapping[str, Callable[..., Any]]:
    """The filters a workspace's filters.py declares ({} without one); imported once per version
    of the file (re-imported when it changes). ConfigError, naming the file (and the line where
    there is one), when it cannot be imported or declares a filter wrongly."""
    if workspace is None:
        return _NONE
    path = filters_path(workspace)
    try:
        st = path.stat()
    except FileNotFoundError:
        return _NONE
    key = str(path.resolve())
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table = _import(path, key)
    _cache[key] = (stamp, table)
    return table


def _import(path: Path, key: str) -> Mapping[str, Callable[..., Any]]:
    # One module name per workspace folder: two workspaces in one process never share a module.
    module_name = "reportgen_user_filters_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"自定义过滤器文件 {path} 无法加载")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - any failure of user code is reported with its line
        sys.modules.pop(module_name, None)
        raise ConfigError(
            f"自定义过滤器文件 {path}{_line_of(exc, path)}无法加载：{type(exc).__name__}: {exc}"
        ) from None
    declared = getattr(module, "FILTERS", None)
    if declared is None:
        raise ConfigError(
            f"自定义过滤器文件 {path} 没有定义 FILTERS：请在文件末尾写 "
            'FILTERS = {"过滤器名": 函数名}，只有列在其中的函数才能在模板里使用'
        )
    if not isinstance(declared, dict):
        raise ConfigError(f'自定义过滤器文件 {path}：FILTERS 应是字典 {{"过滤器名": 函数名}}')
    table: dict[str, Callable[..., Any]] = {}
    for name, func in declared.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ConfigError(
                f"自定义过滤器文件 {path}：过滤器名“{name}”不能在模板里使用"
                "（只能由汉字、字母、数字和下划线组成，不以数字开头）"
            )
        if name in BUILTIN_FILTER_NAMES:
            raise ConfigError(
                f"自定义过滤器文件 {path}：过滤器名“{name}”与内置过滤器重名，"
                "不能覆盖内置过滤器，请换一个名字"
            )
        if not callable(func):
            raise ConfigError(f"自定义过滤器文件 {path}：FILTERS 中“{name}”对应的不是函数")
        table[name] = func
    return table


def _line_of(exc: BaseException, path: Path) -> str:
    """'第N行' of the failure inside filters.py itself, if the traceback or syntax error has it."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f" 第{exc.lineno}行"
    target = str(path)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == target and frame.lineno:
            return f" 第{frame.lineno}行"
    return ""


def activate_workspace_filters(workspace: str | os.PathLike | None) -> None:
    """Make `workspace`'s filters the ones templates see in this context from now on (None or a
    workspace without filters.py: none), replacing whatever an earlier render activated."""
    _active.set(load_workspace_filters(workspace))


@contextlib.contextmanager
def use_workspace_filters(workspace: str | os.PathLike | None) -> Iterator[None]:
    """Within the block, templates see `workspace`'s filters; the earlier ones afterwards."""
    token = _active.set(load_workspace_filters(workspace))
    try:
        yield
    finally:
        _active.reset(token)


__all__ = [
    "BUILTIN_FILTER_NAMES",
    "FILTERS_FILE",
    "FilterTable",
    "activate_workspace_filters",
    "filters_path",
    "load_workspace_filters",
    "use_workspace_filters",
]
