"""SQLite: the one module that talks to ``.nevo/nevo.db``.

The database holds derived state (incidents, journal, facts, inventory, metrics); files in git hold
what the agent is told. WAL lets the monitor write while the CLI reads. The schema is a list of
numbered SQL files in ``nevo/migrations/`` (``0002_incidents.sql``), each applied once, in order, in
its own transaction, and recorded in ``PRAGMA user_version``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

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


class Database:
    """A connection with nevo's pragmas, explicit transactions and the schema brought up to date."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly what we say.
            self.conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise NevoError(f"{path} is locked by another process", "try again in a moment") from exc
            raise NevoError(
                f"{path} cannot be opened: {exc}",
                "run `nevo doctor --repair` to move it aside and start a new one "
                "(rules and skills live in git and are not affected)",
            ) from exc

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
            self.conn.execute("BEGIN IMMEDIATE")
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
                self.conn.execute("ROLLBACK")
                raise
            applied.append(name)
        return applied

    # -- access ---------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """``with db.transaction():`` one atomic unit; rolled back on any exception. Not reentrant."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

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
    return Database(workspace.db_path)


def quote_fts(query: str) -> str:
    """Quote user text for FTS5 MATCH so any text is a valid search: each word becomes a quoted phrase."""
    words = [w for w in re.split(r"\s+", query.replace("\x00", " ").strip()) if w]  # FTS5 rejects NUL
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or '""'


def repair(workspace: Workspace, stamp: str) -> Path | None:
    """Move an unreadable database aside (``nevo.db.corrupt-STAMP``) so a fresh one can start; returns the new
    location of the old file, or None when the database was fine."""
    path = workspace.db_path
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(path)
        ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        conn.close()
    except sqlite3.DatabaseError:
        ok = False
    if ok:
        return None
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(aside.with_name(aside.name + suffix))
    return aside
