"""manifest.json beside every run's outputs: what was run, from which data and template, what came out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.engine.xmltext import dropped_note, take_dropped

MANIFEST_NAME = "manifest.json"
# set (with a sentence for the reader) while a command writes into the folder (engine/outfolder)
INCOMPLETE_KEY = "incomplete"
# what a scheduled run writes beside a command's outputs (the command's log, the run's result):
# not outputs, so not listed, and not "extra" files either
RUN_LOG_NAME = "运行日志.txt"
RUN_SUMMARY_NAME = "运行结果.txt"
COMPANIONS = frozenset({MANIFEST_NAME, RUN_LOG_NAME, RUN_SUMMARY_NAME})
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

    The folder's earlier manifest is merged, not replaced: its files this run did not write that
    are still there, unchanged, stay listed under `kept` with the run that made them (a notice for
    one village leaves the other villages' notices listed)."""
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
    path = Path(out_dir) / name
    kept = _still_true(path, {o.file for o in outputs}) if name == MANIFEST_NAME else []
    if kept:
        doc["kept"] = kept
        notes.append(
            f"本文件夹中另有 {len(kept)} 个文件是此前的运行生成的，内容核对无误，列在 kept 中"
        )
    if notes:
        doc["notes"] = notes
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _still_true(path: Path, written: set[str]) -> list[dict[str, Any]]:
    """The entries of the manifest at `path` (outputs and kept) that this run did not rewrite and
    whose file is still there with the listed content, each with the run that made it."""
    try:
        old = read_manifest(path)
    except (OSError, ValueError):
        return []
    made_by = {"command": old.get("command", ""), "generated_at": old.get("generated_at", "")}
    out = []
    for entry in [*old.get("outputs", []), *old.get("kept", [])]:
        name = entry.get("file")
        if not name or name in written:
            continue
        file = path.parent / name
        try:
            same = (
                file.is_file()
                and file.stat().st_size == entry.get("size")
                and file_sha256(file) == entry.get("sha256")
            )
        except OSError:
            same = False
        if same:
            out.append({**entry, "made_by": entry.get("made_by", made_by)})
    return sorted(out, key=lambda e: e["file"])


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@dataclass
class FolderCheck:
    """An output folder compared with its manifest.json: files listed but missing, files whose
    content is not the listed one, files not listed, leftovers of a killed run (`.…tmp`,
    `.staging-…`), and how many listed files match."""

    folder: Path
    incomplete: str | None = None  # the manifest says the folder's last generation did not finish
    matching: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.incomplete or self.missing or self.changed or self.extra or self.leftovers)


# what a run writes before it is done, with its pid: a file as ".<name>.<pid>.tmp", a --zip
# folder as ".staging-<pid>" (engine/batch.py); left behind only by a killed run
LEFTOVER = re.compile(r"^\.(?:.+\.(\d+)\.tmp|staging-(\d+))$")


def _leftover(name: str) -> bool:
    return LEFTOVER.match(name) is not None


def check_folder(folder: str | os.PathLike) -> FolderCheck:
    """Compare `folder` with its manifest: every listed file present with its sha256, nothing
    else there but sub-folders that have a manifest of their own (checked separately) and the
    manifest itself."""
    root = Path(folder)
    doc = read_manifest(root / MANIFEST_NAME)
    result = FolderCheck(root, doc.get(INCOMPLETE_KEY))
    listed = {o["file"]: o for o in [*doc.get("outputs", []), *doc.get("kept", [])]}
    for name, entry in sorted(listed.items()):
        path = root / name
        if not path.is_file():
            result.missing.append(name)
        elif (
            path.stat().st_size != entry.get("size", path.stat().st_size)
            or file_sha256(path) != entry["sha256"]
        ):
            result.changed.append(name)
        else:
            result.matching += 1
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(
            (root / Path(*rel.parts[:i]) / MANIFEST_NAME).is_file()
            for i in range(1, len(rel.parts))
        ):
            continue  # inside a sub-folder with a manifest of its own
        if path.is_dir():
            if _leftover(path.name):
                result.leftovers.append(rel.as_posix() + "/")
            continue
        name = rel.as_posix()
        if name in COMPANIONS or name in listed:
            continue
        (result.leftovers if _leftover(path.name) else result.extra).append(name)
    return result


def manifest_folders(folder: str | os.PathLike) -> list[Path]:
    """`folder` and every folder below it that holds a manifest.json, in path order."""
    root = Path(folder)
    return sorted({p.parent for p in root.rglob(MANIFEST_NAME)})
