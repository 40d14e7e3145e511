"""The command line's one progress bar (on stderr), for the library's two ways of reporting progress:
the importer's phases (start/advance/finish) and a batch's `progress(n)` callback."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

MIN_ROWS_FOR_BAR = 5000  # an import of fewer rows finishes before a bar helps
MIN_RECORDS_FOR_BAR = 200  # likewise a batch of fewer documents
# A file the command keeps its progress in, as JSON {"label", "done", "total"}: the web portal
# (reportgen.web.jobs) runs document commands with this set and draws their bar from it.
PROGRESS_FILE_ENV = "REPORTGEN_PROGRESS_FILE"


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


class FileProgress:
    """Progress written to the file PROGRESS_FILE_ENV names, at most every 0.3 s and at the end
    (written whole and renamed, so a reader never sees half of it)."""

    def __init__(self, path: str, label: str, total: int):
        self.path, self.label, self.total, self.done = path, label, total, 0
        self._written = 0.0
        self._write()

    def __call__(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self._written >= 0.3:
            self._write()

    def _write(self) -> None:
        tmp = f"{self.path}.{os.getpid()}.tmp"
        doc = {"label": self.label, "done": self.done, "total": self.total}
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        os.replace(tmp, self.path)
        self._written = time.monotonic()

    def finish(self) -> None:
        self._write()


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
    file = os.environ.get(PROGRESS_FILE_ENV)
    recorder = FileProgress(file, label, total) if file and total else None
    try:
        if recorder is None:
            yield bar if bar.drawing else None
        elif not bar.drawing:
            yield recorder
        else:

            def both(n: int) -> None:
                bar.advance(n)
                recorder(n)

            yield both
    finally:
        bar.finish()
        if recorder is not None:
            recorder.finish()
