"""The command line's one progress bar (on stderr), for the library's two ways of reporting progress:
the importer's phases (start/advance/finish) and a batch's `progress(n)` callback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

MIN_ROWS_FOR_BAR = 5000  # an import of fewer rows finishes before a bar helps
MIN_RECORDS_FOR_BAR = 200  # likewise a batch of fewer documents


class ClickProgress:
    """A bar per phase: start(label, total), advance(n) (also `progress(n)`), finish(). Draws
    nothing in --quiet mode, when the total is unknown, or below `min_total`."""

    def __init__(self, quiet: bool = False, min_total: int = MIN_ROWS_FOR_BAR):
        self.quiet = quiet
        self.min_total = min_total
        self._bar: ProgressBar[int] | None = None

    def start(self, label: str, total: int | None) -> None:
        self.finish()
        if self.quiet or not total or total < self.min_total:
            return
        self._bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
        self._bar.__enter__()

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    __call__ = advance

    @property
    def drawing(self) -> bool:
        return self._bar is not None

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@contextmanager
def progress_bar(
    ctx: click.Context,
    total: int | None,
    label: str = "生成中",
    min_total: int = MIN_RECORDS_FOR_BAR,
) -> Iterator[Callable[[int], None] | None]:
    """A `progress(n)` callback for one batch, or None (nothing to draw: --quiet, the total
    unknown or below `min_total`), so that the library skips counting."""
    bar = ClickProgress(getattr(ctx.obj, "quiet", False), min_total)
    bar.start(label, total)
    try:
        yield bar if bar.drawing else None
    finally:
        bar.finish()
