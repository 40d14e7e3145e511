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


class OutputError(ReportgenError):
    """Raised when a file cannot be read or written for a reason of the machine, not the data: a
    full disk, no permission, a read-only or missing folder, a name too long."""

    exit_code = 11


# errno → what a clerk is told, and what to do about it.
_OS_REASONS = {
    "ENOSPC": ("磁盘空间不足", "请清理磁盘或换一个输出文件夹（--out）后重试"),
    "EDQUOT": ("超出磁盘配额", "请清理文件或换一个输出文件夹（--out）后重试"),
    "EACCES": ("没有权限", "请检查文件夹的权限，或换一个输出文件夹（--out）"),
    "EPERM": ("没有权限", "请检查文件夹的权限，或换一个输出文件夹（--out）"),
    "EROFS": ("所在磁盘是只读的", "请换一个可写的输出文件夹（--out）"),
    "ENAMETOOLONG": ("文件名或路径过长", "请换一个层级较浅的输出文件夹（--out）"),
    "ENOTDIR": ("路径中有一段是文件而不是文件夹", "请检查路径"),
    "EISDIR": ("这是一个文件夹，不是文件", "请检查路径"),
    "ENOENT": ("文件或文件夹不存在", "请检查路径"),
    "EBUSY": ("文件正被其他程序占用", "请关闭打开它的程序（如 Word、WPS、Excel）后重试"),
}


def os_error(exc: OSError) -> OutputError | None:
    """The Chinese OutputError for an OSError a user can act on (None for any other)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    if getattr(exc, "winerror", None) == 32:  # a file open in Word/WPS on Windows
        name = "EBUSY"
    if name not in _OS_REASONS:
        return None
    reason, fix = _OS_REASONS[name]
    where = f" {exc.filename}" if exc.filename else ""
    return OutputError(f"无法读写文件{where}：{reason}。{fix}。")
