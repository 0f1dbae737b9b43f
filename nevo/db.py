"""SQLite: the one module that talks to ``.nevo/nevo.db``.

The database holds derived state (incidents, journal, facts, inventory, metrics); files in git hold
what the agent is told. WAL lets the monitor write while the CLI reads. The schema is a list of
numbered SQL files in ``nevo/migrations/`` (``0002_incidents.sql``), each applied once, in order, in
its own transaction, and recorded in ``PRAGMA user_version``.
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from nevo import safepath
from nevo.errors import NevoError
from nevo.workspace import Workspace

Row = sqlite3.Row
IntegrityError = sqlite3.IntegrityError
OperationalError = sqlite3.OperationalError

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every migration shipped with nevo, in order."""
    found = []
    for entry in resources.files("nevo.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {numbers}")
    return found


def _statements(script: str) -> Iterator[str]:
    """Split a script into complete statements (CREATE TRIGGER bodies included)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if statement and not all(
                part.strip().startswith("--") or not part.strip() for part in statement.splitlines()
            ):
                yield statement
    if buffer.strip() and not all(p.strip().startswith("--") or not p.strip() for p in buffer.splitlines()):
        raise RuntimeError(f"incomplete SQL statement in migration: {buffer[:200]!r}")


SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOTADB = 5, 6, 13, 11, 26


class DiskFull(NevoError, sqlite3.OperationalError):
    """SQLite could not write: the disk (or the user's quota) is full. Nothing committed was lost, and the
    work that failed was rolled back (the monitor keeps every trigger until its effect is committed)."""


def _code(exc: BaseException) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return _code(exc) in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text or "is busy" in text


def is_full(exc: BaseException) -> bool:
    return _code(exc) == SQLITE_FULL or "disk is full" in str(exc).lower()


def disk_full(path: Path, exc: BaseException) -> DiskFull:
    return DiskFull(
        f"the disk is full: {path} could not be written ({exc}); what failed was rolled back, nothing was lost",
        f"free some space where {path.parent} lives (`df -h {path.parent}`), then run the command again",
    )


class Database:
    """A connection with nevo's pragmas, explicit transactions and the schema brought up to date.

    Opening waits its turn: SQLite's busy timeout does not cover every first-open step (switching a fresh
    database to WAL while another process holds a lock on it fails at once, whatever the timeout), so the
    whole setup is retried until ``timeout`` has passed. A full disk raises :class:`DiskFull`."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        pause = 0.01
        while True:
            try:
                self.conn = self._connect(timeout)
                return
            except sqlite3.DatabaseError as exc:
                if is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(pause * (0.5 + random.random()))  # jitter: two openers do not retry in step
                    pause = min(pause * 2, 0.25)
                    continue
                raise self._open_error(exc) from exc

    def _connect(self, timeout: float) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly what we say.
        conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")  # needs a moment alone with the file: may be busy
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self.conn = conn
            self.migrate()
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_error(self, exc: sqlite3.DatabaseError) -> NevoError:
        if is_full(exc):
            return disk_full(self.path, exc)
        if is_busy(exc):
            return NevoError(f"{self.path} stayed locked by another process", "try again in a moment")
        return NevoError(
            f"{self.path} cannot be opened: {exc}",
            "run `nevo doctor --repair`: a damaged database is moved aside and a new one started "
            "(rules and skills live in git and are not affected)",
        )

    # -- schema ---------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> list[str]:
        """Apply every migration not applied yet; each in its own transaction. Returns the names applied."""
        applied = []
        for number, name, sql in migrations():
            if number <= self.version:
                continue
            self.conn.execute("BEGIN IMMEDIATE")  # waits (busy timeout) for the write lock
            try:
                # Another process may have migrated while we waited for the write lock.
                if number <= self.version:
                    self.conn.execute("ROLLBACK")
                    continue
                for statement in _statements(sql):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
            applied.append(name)
        return applied

    # -- access ---------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """``with db.transaction():`` one atomic unit; rolled back on any exception. Not reentrant.
        A full disk (in the body or at COMMIT) raises :class:`DiskFull`, after the rollback."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            if is_full(exc) and not isinstance(exc, DiskFull):
                raise disk_full(self.path, exc) from exc
            raise
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        # SQLite may have rolled back by itself (a full disk at COMMIT): a second ROLLBACK would hide the cause.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | dict[str, Any]]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, params))

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(workspace: Workspace) -> Database:
    safepath.check_workspace(workspace)  # a .nevo symlinked out of the workspace is refused, not written through
    return Database(workspace.db_path)


def quote_fts(query: str) -> str:
    """Quote user text for FTS5 MATCH so any text is a valid search: each word becomes a quoted phrase."""
    words = [w for w in re.split(r"\s+", query.replace("\x00", " ").strip()) if w]  # FTS5 rejects NUL
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or '""'


def repair(workspace: Workspace, stamp: str, *, timeout: float = 30.0) -> Path | None:
    """Move a damaged database aside (``nevo.db.corrupt-STAMP``) so a fresh one can start; returns the new
    location of the old file, or None when the database is fine. Only damage SQLite itself reports (a failed
    ``integrity_check``, not a database at all) moves it: a database that cannot be checked right now (the
    disk is full, another process holds it, the file cannot be opened) is never discarded."""
    path = workspace.db_path
    if not path.exists():
        return None
    damage = integrity(path, timeout)
    if damage is None:
        return None
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(aside.with_name(aside.name + suffix))
    return aside


def integrity(path: Path, timeout: float = 30.0) -> str | None:
    """What ``PRAGMA integrity_check`` finds wrong with the database at ``path`` (None: nothing). Raises
    NevoError when it cannot tell (busy, disk full, unreadable): not knowing is not damage."""
    try:
        conn = sqlite3.connect(path, timeout=timeout)
        try:
            rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if _code(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return str(exc)
        if is_full(exc):
            raise disk_full(path, exc) from exc
        raise NevoError(
            f"cannot check {path} now ({exc}); it was left as it is",
            "free disk space or stop the process holding it (`nevo monitor`), then run `nevo doctor --repair` again",
        ) from exc
    return None if rows == ["ok"] else "; ".join(rows[:5])
