"""A page written by hand around a part a program generates between two marker lines (the rule
list of docs/自查规则.md, the seed coverage table of docs/梳理覆盖表.md): read that part, or put a
new one in its place."""

from __future__ import annotations


def replace_between(page: str, begin: str, end: str, generated: str) -> str:
    """`page` with the text between the markers replaced by `generated`."""
    if begin not in page or end not in page:
        raise ValueError(f"the page lacks the markers {begin} / {end}")
    head, rest = page.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n\n{generated}\n{end}{tail}"


def between(page: str, begin: str, end: str) -> str:
    """The generated part of `page`, as `replace_between` wrote it."""
    return page.split(begin, 1)[1].split(end, 1)[0].strip("\n") + "\n"
