"""TOML for every file a user writes (reportgen.toml, policy packs, 整改措施.toml, schedule.toml):
the one place that picks tomllib (tomli on Python 3.10) and words its syntax errors in Chinese."""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# tomllib's English words for the mistakes people make typing TOML by hand
_PROBLEMS = (
    ("Expected '=' after a key", "键后面应有“=”（或这一行缺少引号、中括号）"),
    ("Invalid value", "值的写法不对（文字要加英文双引号，数字不加）"),
    ("Unclosed array", "方括号 [ ] 没有闭合"),
    ("Cannot declare", "同一个表或键写了两次"),
    ("Cannot overwrite a value", "同一个键写了两次"),
    ("Illegal character", "有不允许的字符（中文标点请放在引号里）"),
    ("Unterminated string", "字符串没有结束（缺少右边的英文双引号）"),
    ("Expected newline or end of document", "这一行在值后面还有多余的内容"),
)
_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


class TomlSyntaxError(ValueError):
    """Raised by parse_toml when the text is not TOML. The caller words it as its own error
    (ConfigError, ScheduleError) with the file's name: `place`, `hint` and `detail` are the parts."""

    def __init__(self, line: int | None, column: int | None, hint: str, detail: str):
        super().__init__(detail)
        self.line, self.column, self.hint, self.detail = line, column, hint, detail

    @property
    def place(self) -> str:
        """第3行第7列 (empty when tomllib gave no position)."""
        return f"第{self.line}行第{self.column}列" if self.line else ""


def parse_toml(text: str) -> dict[str, Any]:
    """The TOML document in `text`; TomlSyntaxError when it is not one."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _AT_LINE.search(message)
        hint = next((cn for en, cn in _PROBLEMS if en in message), "写法不对")
        raise TomlSyntaxError(
            int(where.group(1)) if where else None,
            int(where.group(2)) if where else None,
            hint,
            _AT_LINE.sub("", message).strip(),
        ) from None
