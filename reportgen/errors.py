"""The one error hierarchy: every failure a user can cause maps to a Chinese message and an exit code.

The CLI turns a ReportgenError into `错误：<message>` on stderr and exits with `exit_code`;
nothing else in the library prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass


class ReportgenError(Exception):
    """Base class: raised for any failure the user can act on."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ReportgenError):
    """Raised when reportgen.toml, a policy file or a command option is invalid."""

    exit_code = 3


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located to the cell: 文件 / 工作表 / 行 / 列: 问题 (值)."""

    file: str
    sheet: str
    row: int | None
    column: str
    problem: str
    value: str = ""

    def __str__(self) -> str:
        where = (
            f"{self.file} / {self.sheet or '-'} / 第{self.row}行"
            if self.row
            else f"{self.file} / {self.sheet or '-'}"
        )
        text = f"{where} / {self.column or '-'}: {self.problem}"
        if self.value != "":
            text += f" ({self.value})"
        return text


class DataError(ReportgenError):
    """Raised when input data fail validation; carries every problem found. Nothing was changed."""

    exit_code = 4

    def __init__(
        self, message: str, problems: list[Problem] | None = None, report_path: str | None = None
    ):
        super().__init__(message)
        self.problems = problems or []
        self.report_path = report_path


class PlaceError(ReportgenError):
    """Raised when a place (county/township/village/school) is unknown or ambiguous."""

    exit_code = 5

    def __init__(self, message: str, candidates: list[str] | None = None):
        super().__init__(message)
        self.candidates = candidates or []


class TemplateError(ReportgenError):
    """Raised when a template cannot be found, parsed or rendered; says where in the template."""

    exit_code = 6


class UnsafeTemplateError(TemplateError):
    """Raised when a template reaches for program internals (Jinja's sandbox refused it, e.g.
    `lipsum.__globals__`); stops the whole batch, since every record would be refused."""


class RenderError(ReportgenError):
    """Raised when one or more records of a batch failed; the others were written."""

    exit_code = 7

    def __init__(self, message: str, failures: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.failures = failures or []


class ExternalToolError(ReportgenError):
    """Raised when an outside program (LibreOffice, fonts, a database server) is missing or fails."""

    exit_code = 8


class ScheduleError(ReportgenError):
    """Raised when schedule.toml is invalid or a scheduled run cannot be recorded."""

    exit_code = 9


class BusyError(ReportgenError):
    """Raised when another reportgen process holds what this one needs (a second import while
    one is running) and the bounded wait ran out."""

    exit_code = 10
