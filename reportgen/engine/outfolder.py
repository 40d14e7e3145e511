"""An output folder that tells the truth (issue 22.2): one command writes into it at a time, its
manifest.json is marked incomplete before the first file changes and written complete at the end,
and what a killed run left behind is cleaned at the next run.

    with claim_folder(out) as claim:
        ...write files, then write_manifest(out, …)...
    claim.cleaned  # leftovers removed (said in the command's output)

The lock is a file lock under the system's temp folder named after the folder's path (so the
output folder itself, which clerks copy and hand on, holds nothing but documents); the OS releases
it when the process dies. A second command for the same folder stops at once with a clear message.

A command that stops with an error before writing anything leaves the previous manifest as it was
(it is restored once every file it lists is checked unchanged); one stopped mid-way leaves the
manifest marked incomplete, which `reportgen verify` reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import filelock

from reportgen.engine.manifest import COMPANIONS, INCOMPLETE_KEY, LEFTOVER, MANIFEST_NAME
from reportgen.errors import ReportgenError

INCOMPLETE_TEXT = (
    "本文件夹的生成没有完成（正在生成，或生成被中断）：下面列出的是上一次完整生成的文件，"
    "其中一部分可能已被替换。请重新运行生成命令；reportgen verify 可逐个核对文件。"
)


class FolderBusyError(ReportgenError):
    """Another reportgen command is writing into the same output folder."""

    exit_code = 1


@dataclass
class FolderClaim:
    folder: Path
    cleaned: list[str] = field(default_factory=list)  # leftovers of killed runs, removed


def lock_path(folder: Path) -> Path:
    """The lock of `folder`: in the temp folder, named after its absolute path."""
    key = str(folder.resolve())
    if sys.platform == "win32":
        key = key.lower()
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / "reportgen-locks" / f"{digest}.lock"


def _alive(pid: int) -> bool:
    from reportgen.processes import pid_alive

    return pid == os.getpid() or pid_alive(pid)


def clean_leftovers(folder: Path) -> list[str]:
    """Remove the temporary files and staging folders of runs that are no longer alive (their
    pid is in the name), anywhere under `folder`; the removed, relative to it."""
    removed = []
    for path in sorted(folder.rglob(".*")):
        m = LEFTOVER.match(path.name)
        if not m or _alive(int(m.group(1) or m.group(2))):
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue  # verify still reports it
        removed.append(path.relative_to(folder).as_posix())
    return removed


def _mark_incomplete(folder: Path) -> str | None:
    """Mark the folder's manifest incomplete before anything changes; its previous text."""
    path = folder / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, ValueError):
        return None
    doc = {INCOMPLETE_KEY: INCOMPLETE_TEXT, **{k: v for k, v in doc.items() if k != INCOMPLETE_KEY}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return text


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` but the manifest and a scheduled run's log and result (written
    beside the command while it runs): (size, modification time)."""
    out = {}
    for path in folder.rglob("*"):
        if path.name not in COMPANIONS and path.is_file():
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def _settle(folder: Path, previous: str | None, before: dict[str, tuple[int, int]]) -> None:
    """After the command: if it wrote no new manifest and changed no file, put the previous one
    back; otherwise the manifest stays as the command left it (incomplete if it stopped)."""
    path = folder / MANIFEST_NAME
    if previous is None or not path.is_file():
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if INCOMPLETE_KEY in doc and _snapshot(folder) == before:
        path.write_text(previous, encoding="utf-8")


def _acquire(lock_file: Path) -> filelock.BaseFileLock:
    """Take the folder's lock (filelock.Timeout if another process holds it). The lock folder is
    one every user of the computer may write (the temp folder is shared on Linux); where another
    user's permissions stand in the way, a folder of this user's own is used instead."""
    try:
        if not lock_file.parent.is_dir():
            lock_file.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(lock_file.parent, 0o1777)  # like /tmp: all may create, each owns theirs
        lock = filelock.FileLock(str(lock_file), mode=0o666)
        lock.acquire(timeout=0)
        return lock
    except filelock.Timeout:
        raise
    except OSError:
        user = os.getuid() if hasattr(os, "getuid") else "user"
        own = lock_file.parent.with_name(f"{lock_file.parent.name}-{user}")
        own.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(own / lock_file.name))
        lock.acquire(timeout=0)
        return lock


@contextmanager
def claim_folder(folder: Path) -> Iterator[FolderClaim]:
    """Hold `folder` for one command: see the module's docstring."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        lock = _acquire(lock_path(folder))
    except filelock.Timeout:
        raise FolderBusyError(
            f"输出文件夹 {folder} 正在被另一个 reportgen 命令写入（同一个文件夹一次只能有一个命令生成，"
            "否则文件会混在一起）。请等那个命令结束后再运行，或用 --out 换一个文件夹。"
        ) from None
    try:
        claim = FolderClaim(folder, clean_leftovers(folder))
        before = _snapshot(folder)
        previous = _mark_incomplete(folder)
        try:
            yield claim
        finally:
            _settle(folder, previous, before)
    finally:
        lock.release()
