"""Accounts of the web portal and the audit log (issue 23): who may use it, with which role and over
which place or school, and a record of what each person did.

Roles (DOMAIN's users):
- admin: users, import, schedule, settings — the whole county;
- county: everything of the county, read and generate (the portal also lets it import and see
  the schedule, as its pages section asks);
- township: its own villages, households, projects and schools — `scope` is the 乡镇;
- school: its own students and their documents — `scope` is the school.

Passwords are kept only as scrypt hashes (hashlib.scrypt: memory-hard, in the standard library,
no compiler needed on Windows), n = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s), each with its own
random salt; a hash records its parameters, so they can be raised later without breaking old ones.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from reportgen.dataset.schema import api_tokens, audit_log, users, web_sessions
from reportgen.dataset.store import Dataset
from reportgen.errors import ConfigError, PlaceError
from reportgen.places import county_place, resolve_place, resolve_school

ROLES = {"admin": "管理员", "county": "县级", "township": "乡镇", "school": "学校"}
MIN_PASSWORD = 8
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
CLI_SOURCE = "命令行"


class AccountError(ConfigError):
    """A user name, role, scope or password that cannot be accepted (exit code 3)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    scope_code: str | None
    scope_label: str
    active: bool
    created_at: dt.datetime
    password_changed_at: dt.datetime

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """scrypt$n$r$p$salt$hash (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **SCRYPT
    )
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected), maxmem=256 * 1024 * 1024)  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def check_password(password: str, name: str) -> None:
    """A password a clerk may choose: at least 8 characters, not the user name."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")
    if password.strip().lower() == name.strip().lower():
        raise AccountError("密码不能与用户名相同")


def _scope(dataset: Dataset, role: str, scope: str | None) -> tuple[str | None, str]:
    """(code, label) of a role's scope; the role decides what a scope may be."""
    if role not in ROLES:
        raise AccountError(
            f"角色应为 {'、'.join(f'{k}（{v}）' for k, v in ROLES.items())} 之一，实为“{role}”"
        )
    if role in ("admin", "county"):
        if scope:
            place = resolve_place(dataset, scope)
            if place.level != "县":
                raise AccountError(
                    f"{ROLES[role]}用户的范围是全县；“{scope}”是{place.level}，请不写 --scope"
                )
        try:
            county = county_place(dataset)
        except PlaceError:  # nothing imported yet: the first admin comes before the data
            return None, "全县"
        return county.code, county.name
    if not scope:
        what = "乡镇（如 城关镇）" if role == "township" else "学校（名称或学校代码）"
        raise AccountError(f"{ROLES[role]}用户须用 --scope 给出所管的{what}")
    if role == "township":
        place = resolve_place(dataset, scope)
        if place.level != "乡":
            raise AccountError(f"乡镇用户的范围须是乡镇；“{scope}”是{place.level}（{place.label}）")
        return place.code, place.label
    school = resolve_school(dataset, scope)
    return school.code, f"{school.name}（{school.code}）"


def _user(row: Any) -> User:
    return User(row.name, row.role, row.scope_code, row.scope_label or "", bool(row.active), row.created_at,
                row.password_changed_at)  # fmt: skip


def get_user(dataset: Dataset, name: str) -> User:
    with dataset.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    if row is None:
        raise AccountError(f"没有用户“{name}”（reportgen user list 列出全部用户）")
    return _user(row)


def list_users(dataset: Dataset) -> list[User]:
    with dataset.engine.connect() as conn:
        return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]


def add_user(dataset: Dataset, name: str, role: str, scope: str | None, password: str, *,
             by: str | None = None, source: str = CLI_SOURCE) -> User:  # fmt: skip
    """A new active account; the addition is in the audit log."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise AccountError("用户名不能为空、不能含空格，且不超过 64 个字符")
    code, label = _scope(dataset, role, scope)
    check_password(password, name)
    now = _now()
    try:
        with dataset.engine.begin() as conn:
            conn.execute(users.insert().values(name=name, role=role, scope_code=code, scope_label=label,
                                               password_hash=hash_password(password), active=True,
                                               created_at=now, password_changed_at=now))  # fmt: skip
            _audit(conn, by, "user_add", name, source, {"role": role, "scope": label})
    except sa.exc.IntegrityError:
        raise AccountError(f"用户“{name}”已经存在") from None
    return get_user(dataset, name)


def set_active(dataset: Dataset, name: str, active: bool, *, by: str | None = None,
               source: str = CLI_SOURCE) -> User:  # fmt: skip
    get_user(dataset, name)
    with dataset.engine.begin() as conn:
        conn.execute(users.update().where(users.c.name == name).values(active=active))
        _audit(conn, by, "user_enable" if active else "user_disable", name, source, None)
    return get_user(dataset, name)


def set_password(dataset: Dataset, name: str, password: str, *, by: str | None = None,
                 source: str = CLI_SOURCE) -> None:  # fmt: skip
    get_user(dataset, name)
    check_password(password, name)
    with dataset.engine.begin() as conn:
        conn.execute(users.update().where(users.c.name == name)
                     .values(password_hash=hash_password(password), password_changed_at=_now()))  # fmt: skip
        _audit(conn, by, "user_passwd", name, source, None)


def authenticate(dataset: Dataset, name: str, password: str, *, source: str) -> User | None:
    """The user if the name and password match an active account; every try is in the audit log.
    A name that does not exist costs the same time as a wrong password."""
    with dataset.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    stored = row.password_hash if row is not None else _dummy_hash()
    ok = verify_password(password, stored) and row is not None and bool(row.active)
    with dataset.engine.begin() as conn:
        _audit(conn, name if row is not None else None, "login" if ok else "login_failed", name, source,
               None if ok or row is None or row.active else {"reason": "已停用"})  # fmt: skip
    return _user(row) if ok else None


TOKEN_PREFIX = "rg_"


def add_token(dataset: Dataset, name: str, label: str = "", *, by: str | None = None,
              source: str = CLI_SOURCE) -> str:  # fmt: skip
    """A new API token for `name` (shown once; only its SHA-256 is kept)."""
    get_user(dataset, name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with dataset.engine.begin() as conn:
        conn.execute(api_tokens.insert().values(user_name=name, label=label, created_at=_now(),
                                                token_sha256=_sha256(token)))  # fmt: skip
        _audit(conn, by, "token_add", name, source, {"label": label} if label else None)
    return token


def revoke_tokens(
    dataset: Dataset, name: str, *, by: str | None = None, source: str = CLI_SOURCE
) -> int:
    """Revoke every token of `name`; how many there were."""
    get_user(dataset, name)
    with dataset.engine.begin() as conn:
        n = conn.execute(api_tokens.update().where(api_tokens.c.user_name == name, ~api_tokens.c.revoked)
                         .values(revoked=True)).rowcount  # fmt: skip
        _audit(conn, by, "token_revoke", name, source, {"tokens": n})
    return n


def token_user(dataset: Dataset, token: str) -> User | None:
    """The active user a token (not revoked) belongs to; None for anything else."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with dataset.engine.begin() as conn:
        row = conn.execute(
            sa.select(users, api_tokens.c.id.label("token_id")).join(api_tokens, api_tokens.c.user_name == users.c.name)
            .where(api_tokens.c.token_sha256 == _sha256(token), ~api_tokens.c.revoked, users.c.active)
        ).first()  # fmt: skip
        if row is None:
            return None
        conn.execute(
            api_tokens.update().where(api_tokens.c.id == row.token_id).values(last_used_at=_now())
        )
    return _user(row)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))


def _audit(conn: sa.Connection, user: str | None, action: str, target: str, source: str,
           detail: dict[str, Any] | None) -> None:  # fmt: skip
    conn.execute(audit_log.insert().values(at=_now(), user_name=user, action=action, target=target,
                                           source=source, detail=detail))  # fmt: skip


def audit(dataset: Dataset, user: str | None, action: str, target: str = "", *, source: str,
          detail: dict[str, Any] | None = None) -> None:  # fmt: skip
    """Record one thing someone did (login, import, generation, download, view of a person)."""
    with dataset.engine.begin() as conn:
        _audit(conn, user, action, target, source, detail)


def audit_entries(dataset: Dataset, limit: int | None = 100, *, user: str | None = None,
                  action: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The newest entries first (limit None: all), optionally by or about one user (what the
    user did, and what was done to the account) and/or of one action."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if user:
        account = audit_log.c.action.in_(("user_add", "user_enable", "user_disable", "user_passwd",
                                          "token_add", "token_revoke", "login_failed", "login_throttled"))  # fmt: skip
        query = query.where(
            sa.or_(audit_log.c.user_name == user, sa.and_(account, audit_log.c.target == user))
        )
    if action:
        query = query.where(audit_log.c.action == action)
    with dataset.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def recent_failures(
    dataset: Dataset, name: str, since: dt.datetime, source: str | None = None
) -> int:
    """Failed logins of `name` (from `source`, when given) since `since` (UTC) and since its last
    successful login: the login throttle counts these, so it holds across restarts."""
    with dataset.engine.connect() as conn:
        last_ok = conn.execute(sa.select(sa.func.max(audit_log.c.at)).where(
            audit_log.c.target == name, audit_log.c.action == "login")).scalar()  # fmt: skip
        start = max(since, last_ok) if last_ok else since
        query = sa.select(sa.func.count()).select_from(audit_log).where(
            audit_log.c.target == name, audit_log.c.action == "login_failed", audit_log.c.at > start)  # fmt: skip
        if source is not None:
            query = query.where(audit_log.c.source == source)
        return conn.execute(query).scalar_one()


# ---------------------------------------------------------------------- portal sessions
def start_session(dataset: Dataset, name: str, source: str) -> str:
    """A new session of `name`: its id (for the cookie; only its SHA-256 is kept)."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with dataset.engine.begin() as conn:
        conn.execute(web_sessions.insert().values(id_sha256=_sha256(token), user_name=name, source=source,
                                                  created_at=now, last_seen_at=now))  # fmt: skip
    return token


def session_user(
    dataset: Dataset, token: str, idle: dt.timedelta, longest: dt.timedelta
) -> tuple[User | None, str]:
    """(the user, "") of a live session, touched as seen now; or (None, why) — "超时" when it went
    idle or too old (then ended), "已结束" after a logout, "" for no such session."""
    now = _now()
    with dataset.engine.begin() as conn:
        row = conn.execute(
            sa.select(web_sessions).where(web_sessions.c.id_sha256 == _sha256(token))
        ).first()
        if row is None:
            return None, ""
        if row.ended_at is not None:
            return None, "已结束"
        if now - row.last_seen_at > idle or now - row.created_at > longest:
            conn.execute(
                web_sessions.update()
                .where(web_sessions.c.id_sha256 == row.id_sha256)
                .values(ended_at=now)
            )
            return None, "超时"
        if now - row.last_seen_at > dt.timedelta(seconds=30):  # a write at most every 30 s
            conn.execute(web_sessions.update().where(web_sessions.c.id_sha256 == row.id_sha256)
                         .values(last_seen_at=now))  # fmt: skip
        user = conn.execute(sa.select(users).where(users.c.name == row.user_name)).first()
    return (_user(user), "") if user is not None else (None, "")


def end_session(dataset: Dataset, token: str) -> None:
    with dataset.engine.begin() as conn:
        conn.execute(web_sessions.update().where(web_sessions.c.id_sha256 == _sha256(token),
                                                 web_sessions.c.ended_at.is_(None)).values(ended_at=_now()))  # fmt: skip
