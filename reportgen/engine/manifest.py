"""manifest.json beside every run's outputs: what was run, from which data and template, what came out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.engine.xmltext import dropped_note, take_dropped

MANIFEST_NAME = "manifest.json"
# Notes are also shown on stderr: with no logging set up, Python prints warnings there as they are.
_log = logging.getLogger("reportgen")


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class OutputEntry:
    """One produced file. `file` is relative to the output folder (forward slashes)."""

    file: str
    sha256: str
    size: int
    records: int
    group: str = ""
    kind: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "group": self.group,
            "kind": self.kind,
            "records": self.records,
            "size": self.size,
            "sha256": self.sha256,
        }

    @classmethod
    def for_file(cls, path: Path, out_dir: Path, records: int, group: str = "") -> OutputEntry:
        kind = path.suffix.lstrip(".").lower()
        return cls(
            path.relative_to(out_dir).as_posix(),
            file_sha256(path),
            path.stat().st_size,
            records,
            group,
            kind,
        )


@dataclass
class Failure:
    """One record (or file) that could not be produced, with the reason in Chinese."""

    record: str
    message: str
    group: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"group": self.group, "record": self.record, "message": self.message}


@dataclass
class RunInfo:
    """What the caller knows about the run: the command line, options and the data import used."""

    command: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    import_id: Any = None
    imported_at: Any = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def write_manifest(
    out_dir: str | os.PathLike,
    *,
    run: RunInfo | None = None,
    templates: list[dict[str, str]] | None = None,
    outputs: list[OutputEntry] | None = None,
    failures: list[Failure] | None = None,
    generated_at: dt.datetime | None = None,
    name: str = MANIFEST_NAME,
    notes: list[str] | None = None,
) -> Path:
    """Write the manifest (keys in a fixed order; outputs sorted by file) and return its path.

    `notes`: lines a user should read (something was cleaned or left out). Characters removed from
    data since the last manifest (engine/xmltext.py) add a note here, also shown on stderr.
    """
    run = run or RunInfo()
    notes = list(notes or [])
    dropped = dropped_note(take_dropped())
    if dropped:
        notes.append(dropped)
        _log.warning("提示：%s", dropped)
    outputs = sorted(outputs or [], key=lambda o: o.file)
    failures = failures or []
    doc = {
        "command": run.command,
        "options": _jsonable(dict(sorted(run.options.items()))),
        "data_import": {"id": _jsonable(run.import_id), "imported_at": _jsonable(run.imported_at)},
        "templates": [{"name": t["name"], "sha256": t["sha256"]} for t in (templates or [])],
        "generated_at": (generated_at or dt.datetime.now()).isoformat(timespec="seconds"),
        "summary": {
            "files": len(outputs),
            "failures": len(failures),
        },
        "outputs": [o.as_dict() for o in outputs],
        "failures": [f.as_dict() for f in failures],
    }
    if notes:
        doc["notes"] = notes
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
