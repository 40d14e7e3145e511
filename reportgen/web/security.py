"""Who is asking: the session (a signed cookie, HttpOnly, SameSite=Lax, idle timeout and a longest
life), API tokens, CSRF tokens on every form, and the login throttle.

A session holds the user's name, when the password was last changed (changing it, or disabling
the user, ends every session of that user at its next request) and the CSRF token. The user is
read from the dataset at every request, so a role or scope is never taken from the cookie.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import secrets
import time
from functools import wraps
from pathlib import Path

from flask import abort, current_app, g, redirect, request, session, url_for

from reportgen.accounts import AccountError, User, audit, get_user, recent_failures, token_user

IDLE_MINUTES = 30  # a session unused this long ends (serve --session-minutes)
LONGEST_HOURS = 12  # and every session ends after a working day
MAX_FAILURES = 5  # failed logins of one name within THROTTLE_MINUTES before it must wait
THROTTLE_MINUTES = 15
MAX_FAILURES_PER_ADDRESS = 20  # failed logins from one address (any names) within the same time


def secret_key(folder: Path) -> bytes:
    """The key the session cookies are signed with, made once per workspace (readable by its
    owner only); deleting the file ends every session."""
    path = folder / "session.key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def source() -> str:
    """Where a request comes from, for the audit log."""
    return request.remote_addr or "未知地址"


def start_session(user: User) -> None:
    session.clear()
    session.permanent = True
    session["user"] = user.name
    session["pw"] = user.password_changed_at.isoformat()
    session["csrf"] = secrets.token_urlsafe(24)
    session["since"] = session["seen"] = int(time.time())


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def load_user() -> None:
    """g.user from an API token (Authorization: Bearer …) or the session; None when neither."""
    g.user, g.by_token = None, False
    header = request.headers.get("Authorization", "")
    dataset = current_app.extensions["reportgen"].dataset
    if header.startswith("Bearer "):
        g.user, g.by_token = token_user(dataset, header[7:].strip()), True
        return
    name = session.get("user")
    if not name:
        return
    now = int(time.time())
    idle = current_app.config["IDLE_SECONDS"]
    expired = (
        now - session.get("seen", 0) > idle or now - session.get("since", 0) > LONGEST_HOURS * 3600
    )
    try:
        user = get_user(dataset, name)
    except AccountError:
        user = None
    if (
        expired
        or user is None
        or not user.active
        or session.get("pw") != user.password_changed_at.isoformat()
    ):
        audit(dataset, name, "session_expired", name, source=source(),
              detail={"reason": "超时" if expired else "用户已停用或改了密码"})  # fmt: skip
        session.clear()
        g.expired = True
        return
    session["seen"] = now
    g.user = user


def check_csrf() -> None:
    """Every POST of a session carries the session's token (a form field or X-CSRF-Token)."""
    if request.method != "POST" or g.get("by_token"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="表单已过期或来源不明（缺少或不符的 CSRF 令牌），请刷新页面后重试。")


def login_required(*roles: str):
    """A page for logged-in users (of one of `roles`, when given)."""

    def wrap(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if g.user is None:
                if request.path.startswith("/api/"):
                    abort(401)
                expired = {"expired": 1} if g.get("expired") else {}
                return redirect(
                    url_for("portal.login", next=request.full_path.rstrip("?"), **expired)
                )
            if roles and g.user.role not in roles:
                from reportgen.accounts import ROLES

                refuse(f"{request.path}（需要角色 {'/'.join(roles)}）",
                       f"这个页面只供{'、'.join(ROLES[r] for r in roles)}用户使用。")  # fmt: skip
            return view(*args, **kwargs)

        return inner

    return wrap


def refuse(what: str, description: str = "没有权限访问：不在您的范围内。"):
    """403, recorded in the audit log."""
    dataset = current_app.extensions["reportgen"].dataset
    audit(dataset, g.user.name if g.get("user") else None, "refused", what, source=source())
    abort(403, description=description)


class Throttle:
    """Refuses a login for a name with MAX_FAILURES failed logins in the last THROTTLE_MINUTES
    (counted in the audit log, so across restarts and servers), or from an address with
    MAX_FAILURES_PER_ADDRESS (counted here)."""

    def __init__(self):
        self._by_address: dict[str, list[float]] = {}

    def wait_minutes(self, dataset, name: str, address: str) -> int:
        now = time.time()
        window = THROTTLE_MINUTES * 60
        recent = [t for t in self._by_address.get(address, []) if now - t < window]
        self._by_address[address] = recent
        since = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(seconds=window)
        if (
            len(recent) >= MAX_FAILURES_PER_ADDRESS
            or recent_failures(dataset, name, since) >= MAX_FAILURES
        ):
            return THROTTLE_MINUTES
        return 0

    def failed(self, address: str) -> None:
        self._by_address.setdefault(address, []).append(time.time())
