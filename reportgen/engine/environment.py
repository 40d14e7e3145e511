"""The one Jinja environment every template renders in: sandboxed, shared filters, autoescape, strict names.

Templates are documents that clerks copy from each other, not programs: every template, built-in
or from a workspace, renders in Jinja's immutable sandbox, so `{{ lipsum.__globals__… }}` is
refused (UnsafeTemplateError) instead of running anything. Data text reaches Word XML only through
`_finalize`, which escapes it and gives docxtpl's meanings to control characters (see xmltext.py).
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    ImmutableSandboxedEnvironment,
    SecurityError,
)
from markupsafe import Markup, escape

from reportgen.engine.filters import FILTERS
from reportgen.engine.sink import current_sink  # the writer producing the current file
from reportgen.engine.user_filters import FilterTable
from reportgen.engine.xmltext import INVALID_XML, count_dropped
from reportgen.errors import UnsafeTemplateError


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
        _fail_with_undefined_error
    )


# docxtpl's meanings of control characters in data (its Listing): \n line break, \t tab,
# \f page break (here within the run), \a new paragraph (PARAGRAPH_MARK, resolved after the
# part is rendered by `resolve_paragraph_marks`, which knows the paragraph and run properties).
_WORD_CHARS = {
    "\n": '</w:t><w:br/><w:t xml:space="preserve">',
    "\r\n": '</w:t><w:br/><w:t xml:space="preserve">',
    "\r": '</w:t><w:br/><w:t xml:space="preserve">',
    "\t": '</w:t><w:tab/><w:t xml:space="preserve">',
    "\f": '</w:t><w:br w:type="page"/><w:t xml:space="preserve">',
    "\a": "\a",
}
PARAGRAPH_MARK = "\a"
# Every C0 control character, lone surrogates and the two non-characters: either a meaning above
# or dropped (counted), so no rendered part can hold a character XML 1.0 forbids.
_WORD_SPECIAL = re.compile("\r\n?|[\x00-\x1f\ud800-\udfff\ufffe\uffff]")


def _word_char(match: re.Match) -> str:
    text = match.group(0)
    out = _WORD_CHARS.get(text)
    if out is None:
        count_dropped(text)
        return ""
    return out


def word_text(value: str) -> Markup:
    """Data text as WordprocessingML run content (inside a w:t): escaped, control characters
    turned into breaks/tabs or dropped."""
    return Markup(_WORD_SPECIAL.sub(_word_char, str(escape(value))))


def _finalize(value):
    # Blank data print as blank, never as the word None. Plain text (str.isprintable: no control
    # character, surrogate or non-character) is left for autoescape, the common case.
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value if value.isprintable() else word_text(value)
    if kind is int or kind is float:
        return value
    if hasattr(value, "__html__"):
        # Markup, pictures, links: XML made by code. Code outside the engine (a workspace's
        # filters.py, docxtpl's RichText/Listing passed from Python) may leave control characters
        # in it: \f becomes a page break and \a a new paragraph as in data text, the rest go.
        html = value.__html__()
        return Markup(_clean_markup(html)) if INVALID_XML.search(html) else Markup(html)
    if isinstance(value, str):  # a str subclass such as the money filter's MoneyText
        return value if value.isprintable() else word_text(value)
    return _finalize(str(value))  # dates, Decimals…: their text, as above


def _markup_char(match: re.Match) -> str:
    char = match.group(0)
    if char == "\f":
        return _WORD_CHARS["\f"]
    if char == PARAGRAPH_MARK:
        return char  # resolved on the whole part (resolve_paragraph_marks)
    count_dropped(char)
    return ""


def _clean_markup(html: str) -> str:
    return INVALID_XML.sub(_markup_char, html)


_P_OPEN = re.compile(r"<w:p[ >]")
_R_OPEN = re.compile(r"<w:r[ >]")
_T_OPEN = re.compile(r"<w:t[ >]")
_TAG = re.compile(r"<(/?)([\w:]+)[^>]*?(/?)>")
_DROP_FROM_PPR = re.compile(
    r"<w:sectPr\b.*?</w:sectPr>|<w:sectPr\b[^>]*/>|<w:pageBreakBefore\b[^>]*/>", re.S
)


def _last(pattern: re.Pattern, text: str, end: int, start: int = 0) -> int:
    at = -1
    for m in pattern.finditer(text, start, end):
        at = m.start()
    return at


def _element(xml: str, at: int, name: str) -> str:
    """The element `<name …>…</name>` starting at `at` (nested elements of the same name counted),
    or '' if there is none there."""
    if not (xml.startswith(f"<{name}>", at) or xml.startswith(f"<{name} ", at)):
        return ""
    if xml.startswith("/>", xml.index(">", at) - 1):
        return xml[at : xml.index(">", at) + 1]
    depth = 0
    for m in _TAG.finditer(xml, at):
        if m.group(2) != name or m.group(3):
            continue
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return xml[at : m.end()]
    return ""


def _balanced(fragment: str) -> bool:
    depth = 0
    for m in _TAG.finditer(fragment):
        if m.group(3):
            continue
        depth += -1 if m.group(1) else 1
        if depth < 0:
            return False
    return depth == 0


def resolve_paragraph_marks(xml: str) -> str:
    """Each \\a from data ends the paragraph and starts a new one with the same paragraph and run
    properties (as docxtpl's Listing). Where the text is not directly in a run of a paragraph (a
    hyperlink, a field, a content control…) it becomes a line break instead."""
    while True:
        i = xml.find(PARAGRAPH_MARK)
        if i < 0:
            return xml
        p = _last(_P_OPEN, xml, i)
        r = _last(_R_OPEN, xml, i, max(p, 0))
        t = _last(_T_OPEN, xml, i, max(r, 0))
        replacement = _WORD_CHARS["\n"]
        if p >= 0 and r > p and t > r and "</w:t>" not in xml[t:i]:
            p_end = xml.index(">", p) + 1
            ppr = _element(xml, p_end, "w:pPr")
            r_end = xml.index(">", r) + 1
            rpr = _element(xml, r_end, "w:rPr")
            if _balanced(xml[p_end + len(ppr) : r]) and _balanced(xml[r_end:t]):
                ppr = _DROP_FROM_PPR.sub("", ppr)
                replacement = f'</w:t></w:r></w:p><w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">'
        elif t < 0 or "</w:t>" in xml[t:i]:
            replacement = ""  # not in text at all (an attribute): nothing sensible to show
            count_dropped(PARAGRAPH_MARK)
        xml = xml[:i] + replacement + xml[i + 1 :]


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

    def note_id(self, n: int) -> int:
        return n

    def image_xml(self, image) -> str:
        return ""


def _docpr() -> int:
    sink = current_sink.get() or _Sink()
    return sink.next_docpr()


def _bookmark(n: int) -> int:
    sink = current_sink.get()
    return sink.bookmark_id(n) if sink is not None else n


def _note(n: int) -> int:
    """A footnote/endnote reference's id: per record in a print file (PrintFileWriter.note_id)."""
    sink = current_sink.get()
    return sink.note_id(n) if sink is not None and hasattr(sink, "note_id") else n


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, refusing an unsafe attribute at once (the stock sandbox returns
    an undefined value that fails only when printed, and check's recording undefined prints as
    empty)."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise SecurityError(
            f"不允许使用“{attribute}”（{type(obj).__name__} 对象的内部属性或修改数据的方法）"
        )

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Every compile and parse (render and `templates check`) passes here: full-width
        # delimiters are refused, Jinja's English syntax errors become Chinese at the right line.
        refuse_fullwidth_tags(source, name, filename)
        try:
            return super()._parse(source, name, filename)
        except jinja2.TemplateSyntaxError as err:
            raise chinese_syntax_error(err, source) from None

    def _generate(self, source, name, filename, defer_init=False):  # noqa: ANN001, ANN202
        # Unknown filters and tests are found while generating code, after parsing.
        try:
            return super()._generate(source, name, filename, defer_init)
        except jinja2.TemplateSyntaxError as err:
            raise chinese_syntax_error(err, "") from None


# Tag delimiters typed with a Chinese input method: full-width ｛ ｝ ％ (U+FF5B, U+FF5D, U+FF05),
# alone or mixed with half-width ones. Jinja does not see them as tags and would print them as
# they are, so they are refused (not guessed at: the clerk sees exactly what to retype).
_FULLWIDTH_OPEN = "(?:｛[{｛％%]|\\{[｛％])"
_FULLWIDTH_CLOSE = "(?:[}｝％%]｝|[｝％]\\})"
FULLWIDTH_TAG = re.compile(f"{_FULLWIDTH_OPEN}|{_FULLWIDTH_CLOSE}")
FULLWIDTH_FIX = (
    "用中文输入法打出的全角符号不是标签，会原样印在文书上。"
    "请把全角的｛｛ ｝｝改为半角的 {{ }}、｛％ ％｝改为半角的 {% %}（切换到英文输入法再输入）"
)
_XML_TAG = re.compile(r"<[^>]+>")


def fullwidth_tag(text: str) -> str | None:
    """The first full-width (or half full-width) tag delimiter in visible text, if any."""
    m = FULLWIDTH_TAG.search(text)
    return m.group(0) if m else None


def refuse_fullwidth_tags(
    source: str, name: str | None = None, filename: str | None = None
) -> None:
    for lineno, line in enumerate(source.split("\n"), start=1):
        found = fullwidth_tag(_XML_TAG.sub("", line))
        if found:
            raise jinja2.TemplateSyntaxError(
                f"全角的标签符号“{found}”：{FULLWIDTH_FIX}", lineno, name, filename
            )


_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_BLOCKS = {"for", "if", "with", "filter", "macro", "call", "block", "autoescape", "raw"}
_SIMPLE = (
    ("unexpected char", "无法识别的字符（标签里只能用半角字母、数字和符号，不能用全角标点）"),
    ("unexpected '}'", "多余的 “}”"),
    ("expected token 'end of print statement'", "{{ }} 标签没有正确闭合，或里面多写了字"),
    ("expected token 'end of statement block'", "{% %} 标签没有正确闭合，或里面多写了字"),
    ("chunk after expression", "{{ }} 标签没有正确闭合，或里面多写了字"),
    (
        "expected an expression",
        "标签里缺少变量或表达式（例如 {{ }} 是空的，或 {% for %} 后面没写内容）",
    ),
    ("unexpected 'end of template'", "标签里缺少变量或表达式（例如 {{ }} 是空的）"),
    ("unexpected end of print statement", "{{ }} 标签内容为空或不完整"),
    ("no filter named", "没有名为“NAME”的过滤器（可用的过滤器见 docs/templates.md 第3节）"),
    ("no test named", "没有名为“NAME”的判断写法（is 后面的词）"),
)


def _visible(text: str) -> str:
    return _XML_TAG.sub("", text).strip()


def _split_tag(source: str) -> tuple[str, int, int | None] | None:
    """(tag text, first line, last line or None if never closed) of the first tag that is
    not closed on the line it opens."""
    for m in re.finditer(r"\{\{|\{%|\{#", source):
        close = source.find(_OPENERS[m.group(0)], m.end())
        newline = source.find("\n", m.end())
        if close >= 0 and (newline < 0 or close < newline):
            continue
        first = source.count("\n", 0, m.start()) + 1
        if close < 0:
            return _visible(source[m.start() : newline if newline >= 0 else None])[:60], first, None
        start_line = source.rfind("\n", 0, close) + 1
        head = _visible(source[m.start() : newline])[:40]
        tail = _visible(source[start_line : close + 2])[-40:]
        return f"{head}”……“{tail}", first, source.count("\n", 0, close) + 1
    return None


def _unclosed_block(source: str) -> tuple[str, str, int] | None:
    """(tag name, tag text, line) of the innermost block tag left open at the end."""
    stack: list[tuple[str, int]] = []
    try:
        tokens = [t for t in ENV.lex(source) if t[1] != "whitespace"]
    except jinja2.TemplateSyntaxError:
        return None
    for i, (lineno, kind, _value) in enumerate(tokens):
        if kind != "block_begin" or i + 1 >= len(tokens):
            continue
        word = tokens[i + 1][2]
        if word in _BLOCKS:
            stack.append((word, lineno))
        elif isinstance(word, str) and word.startswith("end") and stack:
            for j in range(len(stack) - 1, -1, -1):
                if stack[j][0] == word[3:]:
                    del stack[j:]
                    break
    if not stack:
        return None
    word, lineno = stack[-1]
    line = source.split("\n")[lineno - 1]
    tags = re.findall(r"\{%-?\s*" + word + r"\b.*?%\}", line, re.S)
    return word, (_visible(tags[-1]) if tags else f"{{% {word} %}}"), lineno


def chinese_syntax_error(
    err: jinja2.TemplateSyntaxError, source: str
) -> jinja2.TemplateSyntaxError:
    """Jinja's syntax error in Chinese, at the line the clerk must fix (the tag split across
    paragraphs, the block never closed), with Jinja's English kept only where untranslated."""
    message, lineno = err.message or "", err.lineno
    split = _split_tag(source)
    if split is not None:
        text, first, last = split
        lineno = first
        if last is None:
            message = (
                f"标签“{text}”没有闭合（缺少 }}}} 或 %}}）：请在同一段里补上结束符号"
                "（一个标签不能跨段落）"
            )
        else:
            message = (
                f"标签“{text}”从第{first}行跨到了第{last}行：一个标签不能跨段落（或表格行），"
                "请在 Word 里把它写在同一段里"
            )
    elif message.startswith("Unexpected end of template"):
        block = _unclosed_block(source)
        if block is not None:
            word, text, lineno = block
            hint = (
                "（整段的用 {%p end" + word + " %}，表格行的用 {%tr end" + word + " %}）"
                if word in ("for", "if")
                else ""
            )
            message = (
                f"“{text}”没有结束：缺少 {{% end{word} %}}。"
                f"请在它管辖的内容之后加上 {{% end{word} %}}{hint}"
            )
        else:
            message = "模板意外结束：有 {% for %} / {% if %} 没有写 {% endfor %} / {% endif %}"
    elif message.startswith("Encountered unknown tag"):
        word = message.split("'")[1] if "'" in message else ""
        if word.startswith("end"):
            message = (
                f"多余的 {{% {word} %}}：前面没有对应的 {{% {word[3:]} %}}，请删去或补上开头的标签"
            )
        else:
            message = f"无法识别的标签“{word}”：标签写法见 docs/templates.md 第2节"
    else:
        for needle, chinese in _SIMPLE:
            if needle in message.lower():
                quoted = re.findall(r"'([^']*)'", message)
                message = chinese.replace("NAME", quoted[0] if quoted else "")
                break
        else:
            if not re.search("[\u4e00-\u9fff]", message):  # not already ours
                message = f"标签写法有误（Jinja 提示：{message}）"
    return jinja2.TemplateSyntaxError(message, lineno, err.name, err.filename)


_UNSAFE_NAMES = (
    UNSAFE_GENERATOR_ATTRIBUTES | UNSAFE_COROUTINE_ATTRIBUTES | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
)


def _unsafe_name(name: Any) -> bool:
    return isinstance(name, str) and (name.startswith("__") or name in _UNSAFE_NAMES)


def unsafe_accesses(source: str, env: jinja2.Environment | None = None) -> list[tuple[str, int]]:
    """(name, line) of every attribute a template reaches that the sandbox refuses outright
    (`x.__class__`, `x['__globals__']`, `x|attr('__init__')`); for `templates check`, which
    finds them without rendering. Syntax errors are left to the caller."""
    tree = (env or ENV).parse(source)
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: Any = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem):
            name = node.arg.value if isinstance(node.arg, nodes.Const) else None
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, nodes.Const) else None
        if _unsafe_name(name):
            found.append((name, node.lineno))
    return found


def unsafe_template_error(err: Exception, template: str, where: str = "") -> UnsafeTemplateError:
    """The Chinese error for a template the sandbox refused; `where` names the place in it."""
    detail = str(err)
    return UnsafeTemplateError(
        f"模板“{template}”{where}试图访问程序内部或运行程序，已拒绝（{detail}）。"
        "模板是文档，不是程序：只能填写数据、使用过滤器和 if/for；请删去这个标签"
    )


def _make_environment() -> jinja2.Environment:
    env = _Sandbox(
        autoescape=True,
        undefined=_StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"],
        cache_size=0,
    )
    env.filters.update(FILTERS)
    # a workspace's filters.py adds names per render context (user_filters.py), never built-ins
    env.filters = FilterTable(env.filters)
    env.globals.update({"_rg_docpr": _docpr, "_rg_bm": _bookmark, "_rg_note": _note})
    return env


ENV: jinja2.Environment = _make_environment()
"""Sandboxed environment for Word XML: output is XML-escaped, so `<` and `&` in data keep the part
valid, and control characters become breaks or are dropped (`_finalize`)."""

TEXT_ENV: jinja2.Environment = ENV.overlay(autoescape=False, finalize=_plain_finalize)
"""Same sandbox and filters without escaping, for Excel cells (cleaned where they are written)."""

# Names that are always available to templates and never reported as unknown.
STANDARD_NAMES = frozenset(
    {
        "_meta",
        "_rg_docpr",
        "_rg_bm",
        "_rg_note",
        "loop",
        "range",
        "dict",
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
    }
)

__all__ = [
    "ENV",
    "PARAGRAPH_MARK",
    "TEXT_ENV",
    "Markup",
    "STANDARD_NAMES",
    "SecurityError",
    "FULLWIDTH_FIX",
    "chinese_syntax_error",
    "current_sink",
    "fullwidth_tag",
    "refuse_fullwidth_tags",
    "resolve_paragraph_marks",
    "unsafe_accesses",
    "unsafe_template_error",
    "word_text",
]
