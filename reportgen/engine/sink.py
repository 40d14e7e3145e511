"""The writer a template is rendering into (its "sink"), for values that need the file they go into.

A picture, a hyperlink or a bookmark id cannot be written as text alone: it needs a relationship
or an id unique in the file being written. Such values ask `current_sink.get()` while a part
renders (docx_writer.PrintFileWriter sets it); None means no file is being written (a check, a
plain render), and they print as text or nothing. Kept apart from environment.py so that the
filters building such values (media.py) can be registered there without an import cycle.
"""

from __future__ import annotations

import contextvars
from typing import Any

current_sink: contextvars.ContextVar[Any] = contextvars.ContextVar("reportgen_sink", default=None)

__all__ = ["current_sink"]
