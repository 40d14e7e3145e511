"""Generations started from the portal: each is the same `reportgen <command>` a clerk would type,
run as its own process (same speed, same output folder lock, manifest and exit codes), one after
another in a queue (`slots` at a time), into a folder of its own:

    <workspace>/门户/文书/<job id>/job.json       who asked, for what, state, exit code, message
                                   progress.json  the command's progress (cli/progress.FileProgress)
                                   运行输出.txt     what the command printed
                                   文件/            the output folder (its manifest.json)

A job belongs to the user who started it and to that user's scope (`scope_key`); `can_see` is the
one check every page, download and API call of a job goes through. Jobs survive a restart of the
server as records; a job that was queued or running when the server stopped is marked interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from reportgen.accounts import User
from reportgen.cli.progress import PROGRESS_FILE_ENV
from reportgen.engine.manifest import LEFTOVER, MANIFEST_NAME, check_folder, read_manifest
from reportgen.errors import ReportgenError
from reportgen.schedule.process import Execution

_log = logging.getLogger(__name__)
JOB_TIMEOUT = dt.timedelta(hours=4)  # a generation still running after this is ended (failed)
MAX_WAITING = 50  # unfinished jobs of one scope (a township's clerks, a school) at a time


class QueueFull(ReportgenError):
    """Too many unfinished jobs of one scope."""


JOB_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{10}$")
FILES = "文件"
OUTPUT_LOG = "运行输出.txt"
STATES = {
    "queued": "排队中",
    "running": "生成中",
    "done": "已完成",
    "failed": "失败",
    "interrupted": "已中断",
}


def scope_key(user: User) -> str:
    """Who shares a job: users of the same role and scope (a township's clerks)."""
    return f"{user.role}:{user.scope_code or ''}"


@dataclass
class Job:
    id: str
    user: str
    scope_key: str
    scope_label: str
    command: str
    title: str  # the kind's name: 防止返贫监测明白纸
    place: str  # what it was made for, readable: 城关镇/王庄村
    args: list[str]
    state: str = "queued"
    created_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: int | None = None
    message: str = ""  # the command's last words: its result or its error
    verified: str | None = None  # the output folder checked against its manifest after the run
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def state_text(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "interrupted")


def can_see(user: User, job: Job) -> bool:
    return user.role in ("admin", "county") or job.scope_key == scope_key(user)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class JobQueue:
    """Runs jobs `slots` at a time in worker threads, each as a `reportgen` process."""

    def __init__(self, root: Path, workspace: Path, db_option: str | None, slots: int = 1,
                 on_finish: Callable[[Job], None] | None = None):  # fmt: skip
        self.root = root
        self.on_finish = on_finish  # a generation may change data (a notice records its dates)
        self.workspace = workspace
        self.db_option = db_option
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # the records, kept in memory as well as in each job's job.json (one server process per
        # workspace, docs/网页门户.md): listing and polling read no files
        self._index: dict[str, Job] = self._load()
        self._pool = ThreadPoolExecutor(max_workers=max(1, slots), thread_name_prefix="job")
        self._mark_interrupted()

    # ------------------------------------------------------------------ records
    def folder(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id):
            raise KeyError(job_id)
        return self.root / job_id

    def _save(self, job: Job) -> None:
        path = self.folder(job.id) / "job.json"
        tmp = path.with_name(f".job.json.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(asdict(job), ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)
        with self._lock:
            self._index[job.id] = replace(job)

    def _load(self) -> dict[str, Job]:
        """Every job record on disk (read once, when the server starts)."""
        index = {}
        for folder in self.root.iterdir():
            if JOB_ID.match(folder.name):
                try:
                    doc = json.loads((folder / "job.json").read_text(encoding="utf-8"))
                    index[folder.name] = Job(**doc)
                except (OSError, ValueError, TypeError):
                    continue  # a folder without a readable record is not a job
        return index

    def get(self, job_id: str) -> Job:
        """The job (KeyError: no such job, or not a job id at all); a copy, so a page never sees
        one half-updated."""
        self.folder(job_id)  # KeyError for anything that is not a job id
        with self._lock:
            return replace(self._index[job_id])

    def jobs(self, user: User | None = None, limit: int = 50) -> list[Job]:
        """The newest first; only those `user` may see."""
        with self._lock:
            newest = sorted(self._index.values(), key=lambda j: j.id, reverse=True)
        out = [replace(j) for j in newest if user is None or can_see(user, j)]
        return out[:limit]

    def _mark_interrupted(self) -> None:
        for job in self.jobs():
            if not job.finished:
                job.state, job.finished_at = "interrupted", _now()
                job.message = "服务在生成完成前停止了，本次生成没有完成；请重新生成。"
                self._save(job)

    # ------------------------------------------------------------------ running
    def submit(self, user: User, command: str, title: str, place: str, args: list[str]) -> Job:
        """Queue a job; QueueFull when the user's scope already has MAX_WAITING unfinished ones."""
        with self._lock:
            waiting = sum(
                1 for j in self._index.values() if not j.finished and j.scope_key == scope_key(user)
            )
        if waiting >= MAX_WAITING:
            raise QueueFull(f"已有 {waiting} 个生成在排队或进行中，请等它们完成后再提交。")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        job = Job(f"{stamp}-{secrets.token_hex(5)}", user.name, scope_key(user), user.scope_label,
                  command, title, place, list(args), created_at=_now())  # fmt: skip
        (self.folder(job.id) / FILES).mkdir(parents=True)
        self._save(job)
        self._pool.submit(self._run, job.id)
        return job

    def command_line(self, job: Job) -> list[str]:
        db = ["--db", self.db_option] if self.db_option else []
        out = str(self.folder(job.id) / FILES)
        return [sys.executable, "-m", "reportgen", "-C", str(self.workspace), *db, "-q",
                job.command, *job.args, f"--out={out}"]  # fmt: skip

    def _run(self, job_id: str) -> None:
        job = self.get(job_id)
        folder = self.folder(job_id)
        job.state, job.started_at = "running", _now()
        self._save(job)
        env = {**os.environ, PROGRESS_FILE_ENV: str(folder / "progress.json"),
               "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"}  # fmt: skip
        try:
            with open(folder / OUTPUT_LOG, "wb") as log:
                try:
                    done = subprocess.run(self.command_line(job), stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, env=env, cwd=self.workspace,
                                          timeout=JOB_TIMEOUT.total_seconds())  # fmt: skip
                    code, timed_out = done.returncode, False
                except (
                    subprocess.TimeoutExpired
                ):  # a hung command (LibreOffice…) holds the queue no longer
                    code, timed_out = -1, True
            output = (folder / OUTPUT_LOG).read_text(encoding="utf-8", errors="replace").strip()
            execution = Execution(code, output, timed_out, JOB_TIMEOUT)
            job.exit_code = None if timed_out else code
            # a failure worded as the scheduler words it (exit code, its meaning, the error lines)
            text = execution.error_text() or output
        except Exception as exc:  # never a job left "running": it failed, and says why
            job.exit_code = None
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            text = f"无法运行生成命令（{why}），请把时间告诉管理员（详情见服务窗口的输出）。"
            _log.exception("job %s", job.id)
        job.finished_at = _now()
        # the files are listed on the page: the server's folder names are not the clerk's business
        text = text.replace(str(folder / FILES) + os.sep, "")
        job.message = "\n".join(text.splitlines()[-12:])
        job.state = "done" if job.exit_code == 0 else "failed"
        if job.exit_code == 0:
            job.verified = verify_text(folder / FILES)
            if job.verified:
                job.state = "failed"
        if self.on_finish is not None:  # before the job says it is done
            self.on_finish(job)
        self._save(job)

    def progress(self, job: Job) -> dict[str, Any]:
        """{"label", "done", "total", "percent"} (total 0: the command reports no count)."""
        doc: dict[str, Any] = {"label": "", "done": 0, "total": 0}
        try:
            doc.update(json.loads((self.folder(job.id) / "progress.json").read_text("utf-8")))
        except (OSError, ValueError):
            pass
        if job.state == "done":
            doc["done"] = doc["total"] = max(doc["total"], 1)
        doc["percent"] = int(100 * doc["done"] / doc["total"]) if doc["total"] else None
        return doc

    def position(self, job: Job) -> int:
        """How many queued jobs are ahead of this one (0: next)."""
        if job.state != "queued":
            return 0
        with self._lock:
            return sum(1 for j in self._index.values() if j.state == "queued" and j.id < job.id)

    # ------------------------------------------------------------------ files
    def files(self, job: Job) -> list[dict[str, Any]]:
        """The output files: relative path, size, records (from the manifest)."""
        out_dir = self.folder(job.id) / FILES
        records: dict[str, Any] = {}
        for manifest in out_dir.rglob(MANIFEST_NAME):
            try:
                doc = read_manifest(manifest)
            except (OSError, ValueError):
                continue
            base = manifest.parent.relative_to(out_dir)
            for o in doc.get("outputs", []):
                records[(base / o["file"]).as_posix()] = o.get("records")
        files = []
        for path in sorted(out_dir.rglob("*")):
            if path.is_file() and not LEFTOVER.match(path.name):
                rel = path.relative_to(out_dir).as_posix()
                files.append(
                    {"file": rel, "size": path.stat().st_size, "records": records.get(rel)}
                )
        return files

    def file_path(self, job: Job, name: str) -> Path:
        """The file `name` inside the job's output folder; KeyError for anything else (a path
        that leaves the folder, a folder, a file that is not there)."""
        out_dir = (self.folder(job.id) / FILES).resolve()
        if not name or "\\" in name or name.startswith("/") or ".." in Path(name).parts:
            raise KeyError(name)
        path = (out_dir / name).resolve()
        if out_dir not in path.parents or not path.is_file():
            raise KeyError(name)
        return path

    def zip_path(self, job: Job) -> Path:
        """All the job's files in one .zip (made once, next to the output folder)."""
        folder = self.folder(job.id)
        target = folder / f"{job.title}_{job.place.replace('/', '_')}.zip"
        if not target.exists():
            tmp = folder / f".zip.{threading.get_ident()}.tmp"
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for f in self.files(job):
                    z.write(folder / FILES / f["file"], f["file"])
            os.replace(tmp, target)
        return target

    def shutdown(self) -> None:
        """Queued jobs do not start; a running one ends with the server (Ctrl+C reaches it too)
        or is waited for; whatever did not finish is recorded as interrupted."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._mark_interrupted()


def verify_text(folder: Path) -> str | None:
    """None when the output folder matches its manifest; else what is wrong, in Chinese."""
    try:
        result = check_folder(folder)
    except (OSError, ValueError) as exc:
        return f"输出文件夹没有可读的 manifest.json（{exc}）"
    if result.ok:
        return None
    parts = []
    if result.incomplete:
        parts.append(f"未完成：{result.incomplete}")
    if result.missing:
        parts.append("缺少：" + "、".join(result.missing[:5]))
    if result.changed:
        parts.append("内容与清单不符：" + "、".join(result.changed[:5]))
    if result.extra:
        parts.append("清单外的文件：" + "、".join(result.extra[:5]))
    return "；".join(parts)
