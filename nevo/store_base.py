"""What the shared-store modules have in common: the errors a store raises, and its URL (checked, and shown
without its password). A leaf: :mod:`nevo.config`, :mod:`nevo.store` and :mod:`nevo.pgstore` import it."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from nevo.errors import NevoError

ENV_URL = "NEVO_STORE_URL"
SCHEMES = ("postgresql", "postgres")


class StoreUnavailable(NevoError, sqlite3.OperationalError):
    """The shared store cannot be reached, or went away in the middle: what was under way rolled back. An
    ``sqlite3.OperationalError`` too, so the monitor keeps the batch's triggers as it does when SQLite is busy."""


class StoreConflict(NevoError, sqlite3.OperationalError):
    """Another writer got in the way (a deadlock, a unique key taken first); the transaction rolled back and
    running it again succeeds."""


def check_url(url: str, where: str) -> None:
    """Raise when ``url`` is not a PostgreSQL URL (the error shows it without its password)."""
    problem = url_problem(url)
    if problem:
        raise NevoError(f"{where}: {problem}", 'use postgresql://user@host:5432/dbname (or "" for the local SQLite)')


def url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"{redact_url(url)!r} is not a URL ({exc})"
    if parts.scheme not in SCHEMES:
        return f"{redact_url(url)!r} is not a PostgreSQL URL (it must start with postgresql://)"
    return None


def redact_url(url: str) -> str:
    """``url`` without its password (in the user part or a ``password=`` parameter), for logs and status."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            user = parts.username or ""
            host = netloc.rsplit("@", 1)[1]
            netloc = f"{user}:***@{host}"
        query = parts.query
        if query:
            pairs = [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(query, keep_blank_values=True)]
            query = urlencode(pairs, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "<a store URL that cannot be parsed>"
