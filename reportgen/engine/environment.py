"""The one Jinja environment every template renders in: shared filters, autoescape, strict names."""

from __future__ import annotations

import contextvars
from typing import Any

import jinja2
from markupsafe import Markup, escape

from reportgen.engine.filters import FILTERS

# The writer that is producing the current file: images and ids that must be unique per file ask it.
current_sink: contextvars.ContextVar[Any] = contextvars.ContextVar("reportgen_sink", default=None)


class _StrictUndefined(jinja2.StrictUndefined):
    """Fails on use with a Chinese message naming the variable."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args, **kwargs):
        name = self._undefined_name
        if self._undefined_obj is not jinja2.utils.missing and name is not None:
            owner = type(self._undefined_obj).__name__
            raise jinja2.UndefinedError(f"变量没有属性或键“{name}”（对象类型 {owner}）")
        raise jinja2.UndefinedError(f"模板变量“{name}”未定义")

    __str__ = __iter__ = __len__ = __bool__ = __eq__ = __ne__ = __hash__ = (
        _fail_with_undefined_error  # type: ignore[assignment]
    )


_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')


def _finalize(value):
    # Blank data print as blank, never as the word None; a line break in data is a line break
    # in Word (within the same run), as docxtpl's Listing does.
    if value is None:
        return ""
    if isinstance(value, str) and "\n" in value and not isinstance(value, Markup):
        return _BREAK.join(escape(value).split("\n"))
    return value


def _plain_finalize(value):
    return "" if value is None else value


class _Sink:
    """Default sink outside a file writer (checks, tests): hands out ids, refuses images."""

    def __init__(self) -> None:
        self._next = 1000

    def next_docpr(self) -> int:
        self._next += 1
        return self._next

    def bookmark_id(self, n: int) -> int:
        return n

    def image_xml(self, image) -> str:
        return ""


def _docpr() -> int:
    sink = current_sink.get() or _Sink()
    return sink.next_docpr()


def _bookmark(n: int) -> int:
    sink = current_sink.get()
    return sink.bookmark_id(n) if sink is not None else n


def _make_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=_StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"],
        cache_size=0,
    )
    env.filters.update(FILTERS)
    env.globals.update({"_rg_docpr": _docpr, "_rg_bm": _bookmark})
    return env


ENV: jinja2.Environment = _make_environment()
"""Environment for Word XML: output is XML-escaped, so `<` and `&` in data keep the part valid."""

TEXT_ENV: jinja2.Environment = ENV.overlay(autoescape=False, finalize=_plain_finalize)
"""Same filters without escaping, for Excel cells and file names."""

# Names that are always available to templates and never reported as unknown.
STANDARD_NAMES = frozenset(
    {
        "_meta",
        "_rg_docpr",
        "_rg_bm",
        "loop",
        "range",
        "dict",
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
    }
)

__all__ = ["ENV", "TEXT_ENV", "Markup", "STANDARD_NAMES", "current_sink"]
