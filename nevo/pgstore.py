"""PostgreSQL: the one module that imports psycopg. The shared store of a team (``store.url``).

:class:`PgDatabase` offers what the stores use of :class:`nevo.db.Database` (``transaction``, ``execute``,
``executemany``, ``query``, ``one``, ``scalar``, ``close``, a context manager), so :mod:`nevo.incidents` and
its friends run unchanged on either: SQL keeps SQLite's ``?`` placeholders (translated here), rows are read
by column name or position like ``sqlite3.Row``. The schema is a list of numbered SQL files in
``nevo/migrations_pg/``, each applied once in its own transaction under an advisory lock (two machines
opening a new database at once migrate it once) and recorded in ``schema_version``.

Errors become what the callers already handle: a server that cannot be reached, or goes away in the middle,
raises :class:`nevo.store.StoreUnavailable`; a deadlock, a serialization failure or a lost race on a unique
key raises :class:`nevo.store.StoreConflict` (the transaction rolled back; run it again). Both subclass
``sqlite3.OperationalError``, so the monitor rolls the whole batch back and keeps its triggers, as it does
when SQLite is busy. Connecting is bounded (``connect_timeout``), so a server that is down never holds up
the end of a session; a broken connection is opened again at the next use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from typing import Any, NoReturn

import psycopg

from nevo.store_base import StoreConflict, StoreUnavailable, redact_url

CONNECT_TIMEOUT_SECONDS = 3
LOCK_TIMEOUT = "30s"  # a row another machine holds this long is a stuck writer: give up, retry later
IDLE_IN_TRANSACTION_TIMEOUT = "300s"  # a client that vanished mid-transaction releases its locks
MIGRATION_LOCK = 0x6E65766F  # pg_advisory_xact_lock key ("nevo"): one migrator at a time
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# SQLSTATEs after which the same work, run again, succeeds: deadlock, serialization failure (class 40), a lock
# wait past lock_timeout, a unique key another writer took first.
_CONFLICT_STATES = ("40001", "40P01", "55P03", "23505")
_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK\s+TO)(?:\s+SAVEPOINT)?\s+(\w+)\s*$", re.IGNORECASE)


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every PostgreSQL migration shipped with nevo, in order, numbered 1..n."""
    found = []
    for entry in resources.files("nevo.migrations_pg").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"PostgreSQL migrations must be numbered 1..n without gaps, found {numbers}")
    return found


def latest_version() -> int:
    return len(migrations())


class Row:
    """A result row read like ``sqlite3.Row``: ``row["name"]``, ``row[0]``, ``keys()``, ``dict(row)``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = tuple(values)

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=False))!r})"


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    description = cursor.description or []
    index: dict[str, int] = {}
    for position, column in enumerate(description):
        index.setdefault(column.name, position)  # like sqlite3.Row: a repeated name reads the first column

    def make(values: Sequence[Any]) -> Row:
        return Row(index, values)

    return make


@lru_cache(maxsize=512)
def translate(statement: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (and a literal ``%`` as ``%%``), leaving quoted text and
    comments alone: ``'?'`` stays a question mark."""
    out: list[str] = []
    i, n = 0, len(statement)
    while i < n:
        char = statement[i]
        if char in ("'", '"'):
            end = i + 1
            while end < n:
                if statement[end] == char:
                    if end + 1 < n and statement[end + 1] == char:  # '' inside a string is a quote
                        end += 2
                        continue
                    break
                end += 1
            out.append(statement[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif statement.startswith("--", i):
            end = statement.find("\n", i)
            end = n if end < 0 else end
            out.append(statement[i:end].replace("%", "%%"))
            i = end
        elif char == "?":
            out.append("%s")
            i += 1
        elif char == "%":
            out.append("%%")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


class PgDatabase:
    """A connection to the shared store with the schema brought up to date (see the module's doc).

    ``local`` is the workspace's own SQLite database when the caller has it open (the analyst reads the
    local journal through it to find a failure's transcript); None otherwise. ``connect=False`` waits for
    the first use to connect (and migrate): a long-running watcher starts while the server is down."""

    kind = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        migrate: bool = True,
        local: Any = None,
        connect: bool = True,
    ) -> None:
        self.url = url
        self.redacted_url = redact_url(url)
        self.connect_timeout = max(1, round(connect_timeout))
        self.local = local
        self._conn: psycopg.Connection[Any] | None = None
        self._in_transaction = False
        self._deferred: list[str] = []  # savepoint statements not sent yet (see _savepoint)
        self._careful = False  # the next transaction sends its savepoints (one was rolled back to)
        self._real_savepoints = False
        self._needs_migration = migrate
        if connect:
            _ = self.conn

    # -- connection -------------------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=True,  # transactions are exactly what transaction() says, as with SQLite
                connect_timeout=self.connect_timeout,
                application_name="nevo",
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
                row_factory=_row_factory,
            )
            conn.execute(
                f"SET lock_timeout = '{LOCK_TIMEOUT}'; "
                f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'"
            )
        except psycopg.Error as exc:
            self._raise(exc, "cannot be reached")
        self._conn = conn
        return conn

    @property
    def conn(self) -> psycopg.Connection[Any]:
        """The live connection; a broken one (the server restarted) is replaced, outside a transaction."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if self._in_transaction:
                raise StoreUnavailable(
                    f"the shared store {self.redacted_url} went away in the middle of a transaction; it was rolled"
                    " back",
                    "nothing is lost: the work is retried at the next run",
                )
            conn = self._connect()
            if self._needs_migration:
                self._needs_migration = False
                try:
                    self.migrate()
                except BaseException:
                    self._needs_migration = True
                    raise
        return conn

    def _raise(self, exc: psycopg.Error, what: str = "failed") -> NoReturn:
        text = _clean(str(exc), self.url)
        state = getattr(exc, "sqlstate", None) or ""
        if state in _CONFLICT_STATES:
            raise StoreConflict(
                f"the shared store {self.redacted_url}: another writer got in the way ({text}); rolled back",
                "run it again (the monitor retries a batch by itself)",
            ) from exc
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) or self._conn_broken():
            raise StoreUnavailable(
                f"the shared store {self.redacted_url} {what}: {text}",
                "check that the server runs and the URL (store.url in .nevo/config.yaml, or NEVO_STORE_URL) is "
                "right; nothing is lost: pending triggers wait in .nevo/triggers and are shipped at the next run",
            ) from exc
        raise exc

    def _conn_broken(self) -> bool:
        return self._conn is None or self._conn.closed or self._conn.broken

    # -- schema -----------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """The highest migration applied (0: none yet)."""
        if self.scalar("SELECT to_regclass('schema_version') IS NOT NULL") is not True:
            return 0
        return int(self.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    def migrate(self) -> list[str]:
        """Apply every migration not applied yet, each in its own transaction, under an advisory lock so that
        machines opening a new database at once apply each migration exactly once. Returns the names applied."""
        pending = [m for m in migrations() if m[0] > self.version]
        applied = []
        for number, name, script in pending:
            with self.transaction():
                self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
                self._run(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                if number <= self.version:
                    continue  # another machine applied it while we waited for the lock
                self._run(script)
                self.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", (number, name))
            applied.append(name)
        return applied

    def _run(self, script: str) -> None:
        """A script without parameters (several statements at once)."""
        try:
            self.conn.execute(script)  # our own migration files: no parameters, several statements
        except psycopg.Error as exc:
            self._raise(exc)

    # -- access -----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[PgDatabase]:
        """``with db.transaction():`` one atomic unit; rolled back on any exception. Not reentrant."""
        conn = self.conn
        try:
            conn.execute("BEGIN")
        except psycopg.Error as exc:
            self._raise(exc, "cannot be reached")
        self._in_transaction = True
        self._real_savepoints, self._careful = self._careful, False
        try:
            yield self
            try:
                self._send("COMMIT", ())
            except psycopg.Error as exc:
                self._raise(exc, "did not confirm the commit")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_transaction = False
            self._deferred.clear()

    def _rollback(self) -> None:
        self._deferred.clear()
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return  # the server went away: it rolled back by itself
        try:
            conn.execute("ROLLBACK")
        except psycopg.OperationalError:
            conn.close()  # the connection died meanwhile; the next use opens a new one

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        savepoint = _SAVEPOINT.match(sql) if self._in_transaction and not params else None
        try:
            if savepoint:
                return self._savepoint(savepoint.group(1).split()[0].upper(), savepoint.group(2))
            return self._send(translate(sql), _text_safe(params))
        except psycopg.Error as exc:
            self._raise(exc)

    def _send(self, statement: str, params: tuple[Any, ...]) -> psycopg.Cursor[Any]:
        """Run one statement, after the savepoint statements waiting for it, in one round trip (pipeline)."""
        conn = self.conn
        if not self._deferred:
            return conn.execute(statement, params)
        waiting, self._deferred = self._deferred, []
        with conn.pipeline():
            for control in waiting:
                conn.execute(control)
            cursor = conn.execute(statement, params)
        return cursor

    def _savepoint(self, verb: str, name: str) -> psycopg.Cursor[Any]:
        """The monitor takes a savepoint around every trigger and almost never goes back to one; on a server
        each would cost a round trip (and most of a trigger's time). So a transaction sends none: when one
        is rolled back to, the whole transaction is (:class:`StoreConflict`, which the monitor answers by
        running the batch again), and the transaction after it sends them, each with the statement that
        follows it (a pipeline), so that trigger's effect alone is undone."""
        if not self._real_savepoints:
            if verb == "ROLLBACK":
                self._careful = True
                raise StoreConflict(
                    f"one trigger's effect had to be undone alone in {self.redacted_url}: the batch is run again"
                    " with savepoints",
                    "run it again (the monitor does by itself)",
                )
            return self._idle_cursor()
        unsent = bool(self._deferred) and self._deferred[-1] == f"SAVEPOINT {name}"
        if verb == "SAVEPOINT":
            self._deferred.append(f"SAVEPOINT {name}")
        elif verb == "RELEASE":
            if unsent:
                self._deferred.pop()
            else:
                self._deferred.append(f"RELEASE {name}")
        elif not unsent:  # ROLLBACK TO a savepoint something ran after: now
            return self._send(f"ROLLBACK TO {name}", ())
        return self._idle_cursor()

    def _idle_cursor(self) -> psycopg.Cursor[Any]:
        """What ``execute`` returns for a statement that was not sent (nothing to read in it)."""
        return self.conn.cursor()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        if self._deferred:
            self._send("SELECT 1", ())  # what waits goes first
        cursor = self.conn.cursor()
        try:
            cursor.executemany(translate(sql), [_text_safe(row) for row in rows])
        except psycopg.Error as exc:
            self._raise(exc)
        return cursor

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def has_table(self, name: str) -> bool:
        return bool(self.scalar("SELECT to_regclass(?) IS NOT NULL", (name,)))

    def columns(self, table: str) -> set[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " AND table_schema = ANY(current_schemas(false))",
            (table,),
        )
        return {str(r[0]) for r in rows}

    # -- claims and reservations (nevo.store's claim, release, reserve_number) ----------------------
    def claim(self, incident_id: str, machine: str, stale_seconds: int) -> bool:
        """One statement: claim the incident while it is new, unless another machine holds a live claim
        (one younger than ``stale_seconds``). True when the claim is ``machine``'s now."""
        cursor = self.execute(
            "INSERT INTO claims (incident_id, machine) SELECT ?, ?"
            " WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ? AND status = 'new')"
            " ON CONFLICT (incident_id) DO UPDATE SET machine = excluded.machine, at = now()"
            " WHERE claims.machine = excluded.machine OR claims.at < now() - make_interval(secs => ?)",
            (incident_id, machine, incident_id, stale_seconds),
        )
        return cursor.rowcount == 1

    def release(self, incident_id: str, machine: str) -> None:
        self.execute("DELETE FROM claims WHERE incident_id = ? AND machine = ?", (incident_id, machine))

    def reserve_number(self, prefix: str, at_least: int, machine: str, attempts: int = 50) -> int:
        """Reserve the first number from ``max(at_least, highest reserved + 1)`` that no machine holds."""
        for _ in range(attempts):
            highest = self.scalar("SELECT MAX(number) FROM rule_numbers WHERE prefix = ?", (prefix,))
            number = max(at_least, int(highest or 0) + 1)
            cursor = self.execute(
                "INSERT INTO rule_numbers (prefix, number, machine) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (prefix, number, machine),
            )
            if cursor.rowcount == 1:
                return number
        raise StoreConflict(
            f"could not reserve a {prefix} rule number in {self.redacted_url} after {attempts} tries",
            "run `nevo analyze` again",
        )

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()

    def __enter__(self) -> PgDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text_safe(params: Sequence[Any]) -> tuple[Any, ...]:
    """PostgreSQL text cannot hold NUL, which SQLite stores: a tool's output with one would fail to ship
    forever. It becomes U+FFFD (the replacement character), as an unreadable byte does elsewhere."""
    return tuple(p.replace("\x00", "\ufffd") if isinstance(p, str) and "\x00" in p else p for p in params)


def _clean(text: str, url: str) -> str:
    """An error's text on one line, without the URL's password (libpq may quote the connection string)."""
    from urllib.parse import unquote, urlsplit

    password = ""
    try:
        password = unquote(urlsplit(url).password or "")
    except ValueError:
        password = ""
    match = re.search(r"(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", url)
    if match:
        password = password or match.group(1).strip("'")
    if password:
        text = text.replace(password, "***")
    return " ".join(text.split())
