"""What a partition worker opens: settings and dataset, once per process and run.

Kept free of the document and engine modules, so that a worker that only checks rules (the
self-check's partitions) starts without importing them (about 0.5 s less per worker process).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

# Settings and dataset per (workspace, database, run) in a worker process; a Dask worker lives on
# across runs, so a new run re-reads reportgen.toml and the oldest entries are let go.
_OPEN: dict[tuple[str, str, str], tuple[Any, Any]] = {}
_OPEN_LOCK = threading.Lock()
_OPEN_KEEP = 4


def worker_open(task: dict[str, Any]):
    """(settings, dataset) of a task's workspace and database URL, reused within a run."""
    from reportgen import tune_gc
    from reportgen.config import load_settings
    from reportgen.dataset.store import Dataset

    tune_gc()  # a spawned worker (or Dask worker) starts with the interpreter's default
    key = (task["workspace"], task["db_url"], task.get("run", ""))
    with _OPEN_LOCK:
        if key not in _OPEN:
            settings = load_settings(Path(task["workspace"]), db_option=task["db_url"])
            _OPEN[key] = (settings, Dataset.open(task["db_url"]))
            while len(_OPEN) > _OPEN_KEEP:
                _OPEN.pop(next(iter(_OPEN)))[1].dispose()
        return _OPEN[key]
