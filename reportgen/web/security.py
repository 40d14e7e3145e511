"""Who is asking: the session (a signed cookie, HttpOnly, SameSite=Lax), API tokens, CSRF tokens on
every form, and the login throttle.

The cookie holds a random session id, when the password was last changed and the CSRF token; the
session itself is a row of the dataset (accounts.start_session), looked up at every request with
its user: logout, 30 idle minutes, 12 hours, a disabled user or a new password end it, and a copy
of the cookie is then worth nothing. A role or scope is never taken from the cookie.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import secrets
import threading
import time
from functools import wraps
from pathlib import Path

from flask import abort, current_app, g, redirect, request, session, url_for

from reportgen import accounts
from reportgen.accounts import User, audit, recent_failures, token_user

IDLE_MINUTES = 30  # a session unused this long ends (serve --session-minutes)
LONGEST_HOURS = 12  # and every session ends after a working day
MAX_FAILURES = 5  # failed logins of one name from one address within THROTTLE_MINUTES
MAX_FAILURES_ANY_ADDRESS = 20  # of one name from any address
MAX_FAILURES_PER_ADDRESS = 100  # from one address, any names
THROTTLE_MINUTES = 15


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
    """A new session (a new cookie: nothing of an earlier one is kept) recorded in the dataset."""
    session.clear()
    session.permanent = True
    session["sid"] = accounts.start_session(
        current_app.extensions["reportgen"].dataset, user.name, source()
    )
    session["pw"] = user.password_changed_at.isoformat()
    session["csrf"] = secrets.token_urlsafe(24)


def end_session() -> None:
    """Logout: the session is over in the dataset, so a copy of the cookie is worth nothing."""
    if "sid" in session:
        accounts.end_session(current_app.extensions["reportgen"].dataset, session["sid"])
    session.clear()


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def load_user() -> None:
    """g.user from an API token (Authorization: Bearer …) or the session; None when neither. A
    session is looked up in the dataset at every request: ended by logout, idle too long, too
    old, or its user disabled or with a new password, it is over (and said at the login page)."""
    g.user, g.by_token = None, False
    header = request.headers.get("Authorization", "")
    dataset = current_app.extensions["reportgen"].dataset
    if header.startswith("Bearer "):
        g.user, g.by_token = token_user(dataset, header[7:].strip()), True
        return
    sid = session.get("sid")
    if not sid:
        return
    idle = dt.timedelta(seconds=current_app.config["IDLE_SECONDS"])
    user, why = accounts.session_user(dataset, sid, idle, dt.timedelta(hours=LONGEST_HOURS))
    if user is not None and (
        not user.active or session.get("pw") != user.password_changed_at.isoformat()
    ):
        accounts.end_session(dataset, sid)
        user, why = None, "用户已停用或改了密码"
    if user is None:
        if why and why != "已结束":
            audit(dataset, None, "session_expired", "", source=source(), detail={"reason": why})
            g.expired = True
        session.clear()
        return
    g.user = user


def check_csrf() -> None:
    """Every POST of a session carries the session's token (a form field or X-CSRF-Token). A
    request with an API token has no cookie to ride on and needs none — if the token is valid."""
    if request.method != "POST":
        return
    if g.get("by_token"):
        if g.user is None:
            abort(401, description="API 令牌无效或已作废")
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
    """When a login is refused before its password is even checked (counted in the audit log, so
    across restarts; the address as the request gives it, see serve --proxies):

    - MAX_FAILURES failed logins of one name from one address in THROTTLE_MINUTES (a clerk who
      forgot the password, or someone guessing it);
    - MAX_FAILURES_ANY_ADDRESS of one name from anywhere (guessing from many computers);
    - MAX_FAILURES_PER_ADDRESS from one address for any names (trying names; counted here).

    The owner of a name being guessed from elsewhere can still log in until the second limit.
    Tries of one name are checked one at a time (`lock`), so that many at once are not all let
    through before the first is counted."""

    def __init__(self):
        self._by_address: dict[str, list[float]] = {}
        # a fixed set of locks, a name taking one by its hash: any number of names tried costs
        # no memory, and two names rarely share one
        self._locks = [threading.Lock() for _ in range(64)]
        self._guard = threading.Lock()

    def lock(self, name: str) -> threading.Lock:
        return self._locks[hash(name) % len(self._locks)]

    def wait_minutes(self, dataset, name: str, address: str) -> int:
        now = time.time()
        window = THROTTLE_MINUTES * 60
        with self._guard:
            recent = [t for t in self._by_address.get(address, []) if now - t < window]
            self._by_address[address] = recent
        since = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(seconds=window)
        if (
            len(recent) >= MAX_FAILURES_PER_ADDRESS
            or recent_failures(dataset, name, since, address) >= MAX_FAILURES
            or recent_failures(dataset, name, since) >= MAX_FAILURES_ANY_ADDRESS
        ):
            return THROTTLE_MINUTES
        return 0

    def failed(self, address: str) -> None:
        with self._guard:
            self._by_address.setdefault(address, []).append(time.time())
