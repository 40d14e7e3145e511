"""`templates check`: malformed tags (with the template text around them) and unknown variables, before a batch."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import jinja2
from lxml import etree

from reportgen.engine.docx_template import (
    TemplateIssue,
    WordTemplate,
    _context_around,
    _explain,
    unrendered_part_issues,
)
from reportgen.engine.environment import (
    ENV,
    STANDARD_NAMES,
    SecurityError,
    current_sink,
    fullwidth_tag,
    unsafe_accesses,
)
from reportgen.engine.media import USES_MEDIA, filter_usage_problems
from reportgen.engine.registry import find_template, template_spec
from reportgen.engine.subdoc import subdoc_tag_problems
from reportgen.engine.user_filters import use_workspace_filters
from reportgen.errors import TemplateError

_SPLIT = "一个标签不能跨段落"  # chinese_syntax_error's words for a split or unclosed tag
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}")
_UNSAFE_MESSAGE = (
    "不允许的写法：访问“{name}”是在取程序内部、可用来运行程序，生成时会被拒绝。"
    "模板是文档，不是程序：请删去这个标签"
)


class _Recorder(jinja2.ChainableUndefined):
    """Undefined that renders empty and remembers what was missing (for a sample render)."""

    missing: list[str] = []

    def _note(self) -> None:
        name = self._undefined_name
        owner = self._undefined_obj
        if owner is jinja2.utils.missing:
            type(self).missing.append(str(name))
        elif isinstance(owner, dict) and owner.get("__sample_name__"):
            type(self).missing.append(f"{owner['__sample_name__']}.{name}")
        else:
            type(self).missing.append(f"…….{name}")

    def __str__(self) -> str:
        self._note()
        return ""

    def __html__(self) -> str:
        self._note()
        return ""

    def __iter__(self):
        self._note()
        return iter(())

    def __bool__(self) -> bool:
        self._note()
        return False


def _label_sample(sample: Any, name: str) -> Any:
    """Copy dict samples with their dotted name attached, so a missing key can be named."""
    if isinstance(sample, dict):
        out = {k: _label_sample(v, f"{name}.{k}" if name else str(k)) for k, v in sample.items()}
        if name:
            out["__sample_name__"] = name
        return out
    if isinstance(sample, list):
        return [_label_sample(v, f"{name}[]") for v in sample]
    return sample


def check_template(
    template: str | os.PathLike,
    *,
    workspace: str | os.PathLike | None = None,
    sample: dict[str, Any] | None = None,
) -> list[TemplateIssue]:
    """Every problem found in a template file or name; an empty list means it is fine to use.

    Unknown variables are checked against `sample`, else against the sample declared for the
    template's name (`declare_template`); a template nobody declared is checked for syntax only.
    """
    ref = find_template(template, None, workspace)
    spec = template_spec(ref.name, ref.kind)
    if sample is None and spec is not None:
        sample = spec.sample
    # the workspace's own filters.py is part of what its templates may use
    with use_workspace_filters(workspace):
        if ref.kind == "xlsx":
            return _check_xlsx(ref.path, sample)
        return _check_docx(ref.path, sample)


def _check_docx(path: Path, sample: dict[str, Any] | None) -> list[TemplateIssue]:
    try:
        tpl = WordTemplate(path, strict=False)
    except TemplateError as err:
        return [TemplateIssue("xml", err.message)]
    issues: list[TemplateIssue] = list(tpl.lost_text)  # text a {%p/tr/tc %} would drop
    for part in tpl.parts():
        if part.error is not None:
            syntax = part.error
            issues.append(
                TemplateIssue(
                    "syntax",
                    _explain(syntax.message or ""),
                    part.part,
                    syntax.lineno,
                    _context_around(part.lines, syntax.lineno),
                )
            )
        for lineno, text in enumerate(part.lines, start=1):
            visible = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text)
            if fullwidth_tag(text) or (
                part.error is not None and _SPLIT in str(part.error.message)
            ):
                continue  # the part's syntax error names it, with the fix
            if _LEFTOVER.search(visible):
                issues.append(
                    TemplateIssue(
                        "syntax",
                        "有不成对的 {{ }} 或 {% %}（可能少写或多写了括号）",
                        part.part,
                        lineno,
                        _context_around(part.lines, lineno),
                    )
                )
        if part.error is None:
            by_line: dict[int, list[str]] = {}
            for name, lineno in unsafe_accesses(part.source):
                by_line.setdefault(lineno, []).append(name)
            for lineno, names in by_line.items():
                issues.append(
                    TemplateIssue(
                        "unsafe",
                        _UNSAFE_MESSAGE.format(name="”、“".join(dict.fromkeys(names))),
                        part.part,
                        lineno,
                        _context_around(part.lines, lineno),
                    )
                )
            # {{ x|subdoc }} among text, or in a header/footer: refused when rendering (subdoc.py)
            tree = ENV.parse(part.source) if "subdoc" in part.source else None
            problems = subdoc_tag_problems(tree, part.source, part is tpl.body)
            if USES_MEDIA.search(part.source):  # image/link arguments wrong whatever the data
                problems += filter_usage_problems(ENV.parse(part.source))
            for lineno, message in problems:
                issues.append(
                    TemplateIssue(
                        "syntax", message, part.part, lineno, _context_around(part.lines, lineno)
                    )
                )
    issues += unrendered_part_issues(tpl)
    if issues or sample is None:
        return issues
    known = set(sample) | STANDARD_NAMES
    for name in sorted(tpl.variables() - known):
        line = _first_line(tpl, name)
        issues.append(
            TemplateIssue(
                "unknown", f"未知变量“{name}”：这类文书不提供这个变量", line[0], line[1], line[2]
            )
        )
    issues += _sample_render(tpl, sample)
    # A top-level unknown is found both statically and by the sample render: report it once.
    unique: dict[tuple, TemplateIssue] = {}
    for issue in issues:
        unique.setdefault((issue.kind, issue.message, issue.line), issue)
    return list(unique.values())


def _first_line(tpl: WordTemplate, name: str) -> tuple[str, int | None, str]:
    pattern = re.compile(r"\b" + re.escape(name) + r"\b")
    for part in tpl.parts():
        for lineno, line in enumerate(part.source.split("\n"), start=1):
            for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", line):
                if pattern.search(tag):
                    return part.part, lineno, _context_around(part.lines, lineno)
    return "", None, ""


def _sample_render(tpl: WordTemplate, sample: dict[str, Any]) -> list[TemplateIssue]:
    """Render with the sample: attribute-level unknowns, runtime errors and XML well-formedness."""
    env = ENV.overlay(undefined=_Recorder)
    issues: list[TemplateIssue] = []
    ctx = {k: _label_sample(v, k) for k, v in sample.items()}
    ctx.setdefault(
        "_meta", {"data_source": "数据来源：示例", "generated_on": "2023年9月1日", "footnote": ""}
    )
    token = current_sink.set(None)
    try:
        for part in tpl.parts():
            _Recorder.missing = []
            try:
                out = env.from_string(part.source).render(ctx)
            except SecurityError as err:
                issues.append(
                    TemplateIssue("unsafe", f"不允许的写法，生成时会被拒绝：{err}", part.part)
                )
                continue
            except Exception as err:  # noqa: BLE001 - reported as a template problem
                issues.append(
                    TemplateIssue(
                        "syntax", f"用示例数据渲染时出错：{_explain(str(err))}", part.part
                    )
                )
                continue
            for name in dict.fromkeys(_Recorder.missing):
                if name.split(".")[0] in STANDARD_NAMES or name.startswith("…"):
                    continue
                line = _first_line(tpl, name.split(".")[-1])
                issues.append(
                    TemplateIssue(
                        "unknown",
                        f"未知变量“{name}”：这类文书不提供这个变量",
                        part.part,
                        line[1],
                        line[2],
                    )
                )
            xml = out if part is not tpl.body else tpl.prefix + out + tpl.sect_pr + tpl.suffix
            try:
                etree.fromstring(xml.encode("utf-8"))
            except etree.XMLSyntaxError as err:
                issues.append(
                    TemplateIssue(
                        "xml",
                        f"渲染后的 Word 内容不是有效的 XML（常见原因：{{%p%}} / {{%tr%}} 标签不成对，或 if/for 跨越了段落与表格）：{err}",
                        part.part,
                    )
                )
    finally:
        current_sink.reset(token)
    return issues


def _check_xlsx(path: Path, sample: dict[str, Any] | None) -> list[TemplateIssue]:
    from reportgen.engine.xlsx_template import xlsx_template_variables

    try:
        names, problems, unsafe = xlsx_template_variables(path)
    except Exception as err:  # noqa: BLE001 - unreadable workbook
        return [TemplateIssue("xml", f"无法打开 Excel 模板：{err}")]
    issues = [TemplateIssue("syntax", p) for p in problems]
    issues += [TemplateIssue("unsafe", p) for p in unsafe]
    if sample is not None:
        for name in sorted(names - set(sample) - STANDARD_NAMES):
            issues.append(TemplateIssue("unknown", f"未知变量“{name}”：这类文书不提供这个变量"))
    return issues
