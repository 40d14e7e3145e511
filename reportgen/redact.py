"""The one place passwords are hidden: every line reportgen prints or writes (config show, doctor,
manifest.json's command, logs, installed timer lines) that may carry a database URL goes through
`redact`, and child processes get the URL through the environment, never their arguments."""

from __future__ import annotations

import re

# scheme://user:password@host…  The password runs to the LAST '@' before the host, so that an
# unencoded '@' in it (postgresql://u:p@ss@host/db, which clerks do write) is hidden whole.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^:/@\s]*:)(?P<pw>\S*)@(?P<host>[^@\s]*)$")
MASK = "****"


def redact(text: str) -> str:
    """`text` with the password of every URL in it replaced by ****."""
    if "://" not in text:
        return text
    return " ".join(_redact_token(token) for token in text.split(" "))


def _redact_token(token: str) -> str:
    if "://" not in token or "@" not in token:
        return token
    m = _URL_PASSWORD.search(token)
    if not m:
        return token
    return token[: m.start()] + f"{m['head']}{MASK}@{m['host']}"


def redact_argv(argv: list[str]) -> list[str]:
    """A command line with every URL's password hidden (for manifests and logs)."""
    return [redact(a) for a in argv]


def without_password(url: str) -> tuple[str, bool]:
    """(`url` with no password at all, whether it had one): what an installed timer line may
    carry; the scheduled run then reads the password from `database_password_file` or libpq's
    PGPASSFILE / ~/.pgpass."""
    m = _URL_PASSWORD.search(url) if "://" in url and "@" in url else None
    if not m:
        return url, False
    return url[: m.start()] + m["head"][:-1] + "@" + m["host"], True
