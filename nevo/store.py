"""Where the shared tables live: the workspace's own SQLite (the default) or a team's PostgreSQL.

A team shares what it learns from failures: ``store: {url: "postgresql://user@host:port/db"}`` in
``.nevo/config.yaml`` (committed, so every clone has it) or ``NEVO_STORE_URL`` in the environment (it
wins) puts incidents, occurrences, recoveries, verdicts, analyses, rule evidence, LLM metering, transcript
offsets, analysis claims and rule-number reservations in that database (:mod:`nevo.pgstore`). Memory, the
skill forge and the quality pipeline stay in the local SQLite. With no store configured, the handle for
the shared tables is the local database itself: one file, nothing changes for one person.

:func:`open_store` returns the handle; :func:`shared` gives it next to a local database already open (the
monitor holds both: with no store configured they are the same connection). A store that cannot be reached
raises :class:`StoreUnavailable`; the monitor then keeps its triggers, and :func:`note_unreachable` leaves a
note that ``nevo status`` shows until a later run gets through. A URL's password never reaches a log, a
status or an error (:func:`redact_url`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sqlite3
import uuid
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from nevo.errors import NevoError
from nevo.fsutil import atomic_write_text
from nevo.store_base import ENV_URL as ENV_URL  # re-exported: the store's pieces are used through here
from nevo.store_base import StoreConflict as StoreConflict
from nevo.store_base import StoreUnavailable as StoreUnavailable
from nevo.store_base import check_url, redact_url
from nevo.store_base import url_problem as url_problem
from nevo.workspace import Workspace

if TYPE_CHECKING:
    from nevo.config import Config
    from nevo.db import Database

OPENERS_LOCK = 0x6E65766F01  # pg_advisory_xact_lock key: one transaction opening incidents at a time
STALE_CLAIM_SECONDS = 1800  # an analysis claim older than this was left by a machine that died: it expires
_BESIDE: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()  # local database -> shared handle

log = logging.getLogger(__name__)


# -- which store --------------------------------------------------------------------------------------


def store_url(workspace: Workspace, config: Config | None = None, env: Mapping[str, str] | None = None) -> str:
    """The configured store's URL ('' for the local SQLite): ``NEVO_STORE_URL`` wins over ``store.url``."""
    env = os.environ if env is None else env
    from_env = env.get(ENV_URL, "").strip()
    if from_env:
        check_url(from_env, ENV_URL)
        return from_env
    if config is None:
        from nevo.config import load_config

        config = load_config(workspace)
    return str(config.get("store.url") or "").strip()


def open_store(workspace: Workspace, config: Config | None = None, *, migrate: bool = True) -> Database:
    """The handle for the shared tables, owned by the caller (close it, or use it in ``with``): a
    :class:`nevo.pgstore.PgDatabase` when a store is configured, else the workspace's SQLite database.

    Typed as :class:`nevo.db.Database`: a PgDatabase offers what the stores use of it (transaction, execute,
    executemany, query, one, scalar, close, ``with``), so the stores' signatures stay as they are."""
    url = store_url(workspace, config)
    if not url:
        from nevo.db import open_database

        return open_database(workspace)
    from nevo.pgstore import PgDatabase  # psycopg is imported only when a store is configured

    return cast("Database", PgDatabase(url, migrate=migrate))


@contextmanager
def shared(
    workspace: Workspace, local: Database, config: Config | None = None, *, connect: bool = True
) -> Iterator[Database]:
    """The handle for the shared tables next to ``local`` (already open): ``local`` itself with no store
    configured, else a PostgreSQL connection (closed on exit) that knows ``local``. Records whether the
    store could be reached (:func:`note_unreachable`). ``connect=False``: connect at the first use (the
    watcher starts, and waits, while the server is down)."""
    url = store_url(workspace, config)
    if not url:
        note_reachable(workspace)  # a note left from when a store was configured no longer holds
        yield local
        return
    from nevo.pgstore import PgDatabase

    try:
        handle = PgDatabase(url, local=local, connect=connect)
    except StoreUnavailable as exc:
        note_unreachable(workspace, exc)
        raise
    if connect:
        note_reachable(workspace)
        with contextlib.suppress(StoreUnavailable):  # the calls counted here while it was away: next time
            ship_llm_calls(workspace, local, handle)
    _BESIDE[local] = handle
    try:
        yield cast("Database", handle)
    finally:
        _BESIDE.pop(local, None)
        handle.close()


@contextmanager
def opened(workspace: Workspace, config: Config | None = None) -> Iterator[Database]:
    """The handle for the shared tables with the local database open beside it; both closed on exit."""
    from nevo.db import open_database

    with open_database(workspace) as local, shared(workspace, local, config) as db:
        yield db


def prepare(workspace: Workspace) -> str | None:
    """``nevo init``: create or migrate the configured store's tables now; what to tell the user (None with no
    store configured). A store out of reach is said, not raised: the first run that reaches it migrates it."""
    try:
        url = store_url(workspace)
    except NevoError as exc:
        return f"warning: {exc.message}"
    if not url:
        return None
    try:
        with open_store(workspace) as db:
            version = db.scalar("SELECT MAX(version) FROM schema_version")
    except StoreUnavailable as exc:
        note_unreachable(workspace, exc)
        return f"warning: {exc.message}; nevo keeps failures locally until it answers"
    note_reachable(workspace)
    return f"shared store: {redact_url(url)} (schema version {version})"


def shared_beside(db: Any) -> Any:
    """The handle for the shared tables opened next to the local database ``db`` (by :func:`shared`), else
    ``db``: memory, which holds the local one, reads a session's verdicts where the monitor stored them."""
    return db if is_shared(db) else _BESIDE.get(db, db)


def configured(workspace: Workspace, config: Config | None = None) -> bool:
    return bool(store_url(workspace, config))


def is_shared(db: Any) -> bool:
    """Whether ``db`` is a shared store (PostgreSQL) rather than the local SQLite."""
    return getattr(db, "kind", "sqlite") == "postgresql"


def local_of(db: Any) -> Database | None:
    """The local SQLite database behind a handle: itself, or the one a shared store was opened next to."""
    return cast("Database | None", db.local if is_shared(db) else db)


def has_table(db: Any, name: str) -> bool:
    if is_shared(db):
        return bool(db.has_table(name))
    return db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None


def columns(db: Any, table: str) -> set[str]:
    if is_shared(db):
        return set(db.columns(table))
    return {str(r["name"]) for r in db.query(f"PRAGMA table_info({table})")}


class StoreMeter:
    """LLM metering in the shared store for a caller that holds only the local database (the nightly, memory,
    the skill forge): one short connection per use, since LLM calls are few and slow. While the store is out
    of reach the local table counts instead: one person's work never waits for the team's server (the caps
    then count this machine's calls until it is back)."""

    def __init__(self, workspace: Workspace, url: str, local: Any) -> None:
        self.workspace, self.url, self.local = workspace, url, local

    def one(self, sql: str, params: Any = ()) -> Any:
        return self._use(lambda db: db.one(sql, params))

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._use(lambda db: db.execute(sql, params))

    def _use(self, action: Any) -> Any:
        from nevo.pgstore import PgDatabase

        try:
            with PgDatabase(self.url) as db:
                try:
                    ship_llm_calls(self.workspace, self.local, db)
                except sqlite3.Error as exc:  # the local count waits for the next use; this call goes on
                    log.warning("the LLM calls counted locally could not be shipped yet: %s", exc)
                return action(db)
        except StoreUnavailable as exc:
            note_unreachable(self.workspace, exc)
            return action(self.local)


_LLM_COLUMNS = "at, day, provider, agent, model, input_tokens, output_tokens, cost_usd, ok, error"


def ship_llm_calls(workspace: Workspace, local: Any, shared_db: Any) -> int:
    """Move the LLM calls this machine counted locally (while the store was out of reach) into the store, once
    each: a call's origin (random, given when it was counted; for a row older than that, this clone, its local
    row and when) is unique there, so shipping again after a kill between the store's commit and the local
    delete adds nothing. Returns how many were shipped."""
    rows = local.query(f"SELECT id, origin, {_LLM_COLUMNS} FROM llm_calls ORDER BY id LIMIT 1000")
    if not rows:
        return 0
    machine = machine_id(workspace)
    with shared_db.transaction():
        shared_db.executemany(
            f"INSERT INTO llm_calls ({_LLM_COLUMNS}, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (origin) DO NOTHING",
            [
                (*[r[c] for c in _LLM_COLUMNS.split(", ")], r["origin"] or f"{machine}:{r['id']}:{r['at']}")
                for r in rows
            ],
        )
    shipped = [(r["id"],) for r in rows]
    if local.conn.in_transaction:  # the caller's transaction: should it roll back, the origins keep it once
        local.executemany("DELETE FROM llm_calls WHERE id = ?", shipped)
    else:
        with local.transaction():
            local.executemany("DELETE FROM llm_calls WHERE id = ?", shipped)
    return len(rows)


def meter_for(workspace: Workspace, config: Config, db: Any) -> Any:
    """Where a provider counts its calls: the shared store when one is configured (the daily caps are the
    team's), else ``db``."""
    if is_shared(db):
        return db
    url = store_url(workspace, config)
    return StoreMeter(workspace, url, db) if url else db


# -- reachability -------------------------------------------------------------------------------------


def note_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "logs" / "store.json"


def note_unreachable(workspace: Workspace, error: BaseException, at: str | None = None) -> None:
    """Remember that the store could not be reached (the first time since it last could, and the latest
    error), for ``nevo status``. Never raises: a note that cannot be written must not hide the error."""
    from nevo.clock import iso, system_clock

    now = at or iso(system_clock())
    previous = unreachable(workspace) or {}
    note = {"since": previous.get("since") or now, "last_try": now, "error": str(getattr(error, "message", error))}
    try:
        note_path(workspace).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(note_path(workspace), json.dumps(note, indent=1) + "\n")
    except OSError:
        return


def note_reachable(workspace: Workspace) -> None:
    try:
        note_path(workspace).unlink(missing_ok=True)
    except OSError:
        return


def unreachable(workspace: Workspace) -> dict[str, Any] | None:
    """Since when the store has been unreachable, the last try and its error; None when the last run got through."""
    try:
        data = json.loads(note_path(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def waiting_warning(workspace: Workspace, error: BaseException) -> str:
    """The one line a run prints when the store is out of reach: why, and how much waits for the next run."""
    from nevo.triggers import pending_triggers

    try:
        count = len(pending_triggers(workspace.triggers_dir))
    except OSError:
        count = 0
    reason = str(getattr(error, "message", error))
    return f"{reason}; {count} trigger(s) wait in .nevo/triggers and are shipped at the next run"


def describe(workspace: Workspace, config: Config | None = None) -> dict[str, Any]:
    """What ``nevo status`` shows about the store: its kind, its URL without the password, and since when
    it has been unreachable (None while it answers)."""
    try:
        url = store_url(workspace, config)
    except NevoError as exc:
        return {"kind": "postgresql", "url": None, "error": exc.message, "unreachable": unreachable(workspace)}
    if not url:
        return {"kind": "sqlite", "url": str(workspace.db_path), "unreachable": None}
    return {"kind": "postgresql", "url": redact_url(url), "unreachable": unreachable(workspace)}


# -- one analyst per incident, one machine per rule number --------------------------------------------


def machine_id(workspace: Workspace) -> str:
    """This clone's name in claims and reservations: the host and a random id kept in ``.nevo/cache``
    (two clones on one host are two machines; a host name alone may repeat across containers)."""
    path = workspace.nevo_dir / "cache" / "machine-id"
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError:
        token = ""
    if not token:
        token = uuid.uuid4().hex[:12]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, token + "\n")
        except OSError:
            token = uuid.uuid5(uuid.NAMESPACE_URL, str(workspace.root)).hex[:12]
    return f"{socket.gethostname()[:40]}/{token}"


def claim(db: Any, incident_id: str, machine: str, stale_seconds: int = STALE_CLAIM_SECONDS) -> bool:
    """Take the analysis of ``incident_id`` for ``machine``: True when it is ours (no one else holds a live
    claim and the incident is still new). Always True on the local SQLite: one analyst runs at a time there."""
    if not is_shared(db):
        return True
    return bool(db.claim(incident_id, machine, stale_seconds))


def one_opener_at_a_time(db: Any) -> None:
    """Before a transaction opens an incident on a shared store: wait until no other transaction that opened
    one is still under way. Two monitors opening the same new incidents in different orders would otherwise
    wait on each other's uncommitted rows (a deadlock the server breaks only after a second). Nothing to do
    on the local SQLite: one writer at a time there."""
    if is_shared(db):
        db.execute("SELECT pg_advisory_xact_lock(?)", (OPENERS_LOCK,))


def release(db: Any, incident_id: str, machine: str) -> None:
    if is_shared(db):
        db.release(incident_id, machine)


def reserve_number(db: Any, prefix: str, at_least: int, machine: str) -> int:
    """A rule number no other machine will take: ``at_least`` (the next free number git knows of) or past
    every number reserved in the shared store. On the local SQLite, ``at_least`` itself."""
    if not is_shared(db):
        return at_least
    return int(db.reserve_number(prefix, at_least, machine))
