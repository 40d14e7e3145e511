"""A progress bar on stderr for long batches (the library reports progress through a plain object)."""

from __future__ import annotations

import click

MIN_ROWS_FOR_BAR = 5000


class ClickProgress:
    """Implements the library's Progress protocol (start/advance/finish) with click.progressbar."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self._bar = None

    def start(self, label: str, total: int | None) -> None:
        self.finish()
        if self.quiet or total is None or total < MIN_ROWS_FOR_BAR:
            return
        self._bar = click.progressbar(
            length=total, label=label, file=click.get_text_stream("stderr"), show_pos=True
        )
        self._bar.__enter__()

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
