"""`reportgen serve`: the county's web portal over the workspace's dataset and document kinds
(issue 23). Flask, server-rendered Jinja2 pages, served by waitress.

    create_app(workspace)          the WSGI app (tests use its test client)
      security.py   sessions, API tokens, CSRF, login throttle
      pages.py      the pages within a scope (首页, 村/户/学生, 文书, 自查) and their helpers
      admin.py      the county's pages (导入, 计划任务, 审计日志, 用户, 设置)
      api.py        /api/… JSON for other tools, same scopes
      forms.py      a document kind's form from its click command
      jobs.py       generations as `reportgen` processes in a queue, their files and zip
      data.py       what the pages show, always through reportgen.scope.Scope

Every query of a page or API call goes through `Scope.of(dataset, user)`; a job, download or
file goes through `jobs.can_see`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request

from reportgen.config import Settings, load_settings
from reportgen.dataset.store import Dataset
from reportgen.errors import ReportgenError
from reportgen.web.jobs import JobQueue
from reportgen.web.security import (
    IDLE_MINUTES,
    LONGEST_HOURS,
    Throttle,
    check_csrf,
    csrf_token,
    load_user,
    secret_key,
)

PORTAL_FOLDER = "门户"


@dataclass
class Portal:
    """What the app holds for its life: settings, one dataset, the job queue, the throttle."""

    settings: Settings
    dataset: Dataset
    jobs: JobQueue
    folder: Path
    db_option: str | None
    throttle: Throttle = field(default_factory=Throttle)
    cache: dict[Any, Any] = field(default_factory=dict)

    def reload_settings(self) -> None:
        self.settings = load_settings(self.settings.workspace, db_option=self.db_option)


def create_app(workspace: Path, db_option: str | None = None, *, slots: int = 1,
               session_minutes: int = IDLE_MINUTES, secure_cookies: bool = False, proxies: int = 0) -> Flask:  # fmt: skip
    from reportgen.workspace import open_dataset

    settings = load_settings(workspace, db_option=db_option)
    dataset = open_dataset(settings, create=True)
    folder = settings.workspace / PORTAL_FOLDER
    cache: dict[Any, Any] = {}
    jobs = JobQueue(
        folder / "文书", settings.workspace, db_option, slots, on_finish=lambda job: cache.clear()
    )
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(folder),
        SESSION_COOKIE_NAME="reportgen_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        # the cookie lives a working day; the idle timeout is checked at every request
        # (security.load_user), which can then say so and record it
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=LONGEST_HOURS),
        IDLE_SECONDS=session_minutes * 60,
        MAX_CONTENT_LENGTH=200 * 1024 * 1024,  # an upload of a county's data
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["reportgen"] = Portal(settings, dataset, jobs, folder, db_option, cache=cache)
    if proxies:
        # behind nginx or IIS: the address of the person asking is in X-Forwarded-For (the
        # throttle and the audit log use it), set by the `proxies` proxies in front
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from reportgen.web import admin, api, pages  # noqa: F401  (admin: routes on pages.bp)

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    @app.before_request
    def _who() -> None:
        load_user()
        check_csrf()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:"
        )
        if g.get("user") is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "csrf_token": csrf_token,
            "user": g.get("user"),
            "county_name": settings.county_name,
        }

    @app.errorhandler(ReportgenError)
    def _reportgen_error(err: ReportgenError):
        # what the command line would say (no data imported yet, a broken policy pack…), said in
        # the page instead of a 500
        title = "还不能这样做"
        if request.path.startswith("/api/"):
            return {"error": title, "message": err.message}, 409
        return render_template("error.html", code=409, title=title, message=err.message), 409

    for code, title in ((400, "请求有误"), (401, "请先登录"), (403, "没有权限"), (404, "没有找到"),
                        (413, "文件太大"), (429, "请稍后再试"), (500, "出错了")):  # fmt: skip
        app.register_error_handler(code, _error_page(code, title))
    return app


def _error_page(code: int, title: str):
    def handler(exc):
        description = getattr(exc, "description", "") or ""
        if code == 500:
            description = (
                "服务器处理这个请求时出错，请把时间和操作告诉管理员（详情见服务窗口的输出）。"
            )
        if request.path.startswith("/api/"):
            return {"error": title, "message": description}, code
        return render_template("error.html", code=code, title=title, message=description), code

    return handler
