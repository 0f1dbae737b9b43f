"""The SQLite module: migrations, transactions, corruption, FTS quoting."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nevo.db import Database, DiskFull, migrations, open_database, quote_fts, repair
from nevo.errors import NevoError
from nevo.workspace import Workspace


def test_migrations_are_numbered_without_gaps_and_explain_themselves() -> None:
    found = migrations()
    assert [n for n, _, _ in found] == list(range(1, len(found) + 1))
    for _, name, sql in found:
        assert sql.lstrip().startswith("-- why:"), f"{name} must start with a comment saying why"


def test_a_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    assert db.version == len(migrations())
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert Database(tmp_path / "nevo.db").migrate() == [], "migrating twice applies nothing"


def test_concurrent_opens_migrate_once(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Database(tmp_path / "nevo.db").close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Database(tmp_path / "nevo.db").version == len(migrations())


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    with pytest.raises(RuntimeError), db.transaction():
        db.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")
    assert db.scalar("SELECT COUNT(*) FROM meta") == 0


def test_a_corrupt_database_is_a_clear_error_and_repair_moves_it_aside(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.nevo_dir.mkdir()
    ws.db_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(NevoError) as caught:
        open_database(ws)
    assert "nevo doctor --repair" in (caught.value.hint or "")
    aside = repair(ws, "20261121T000000Z")
    assert aside is not None and aside.read_bytes().startswith(b"this is not a database")
    assert open_database(ws).version == len(migrations())
    assert repair(ws, "x") is None, "a healthy database is left alone"


@pytest.mark.parametrize("query", ['foo"bar', "AND", "NEAR(", "a*", "-x", "col:val", "", "   ", "(", "'"])
def test_any_text_is_a_valid_fts_query(query: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    conn.execute("INSERT INTO t VALUES ('foo\"bar AND NEAR( a* -x col:val')")
    conn.execute("SELECT * FROM t WHERE t MATCH ?", (quote_fts(query),)).fetchall()


# -- opening waits its turn ------------------------------------------------------------------------------


def test_opening_a_fresh_database_waits_for_a_writer_instead_of_failing(tmp_path: Path) -> None:
    """SQLite's busy timeout does not cover switching a fresh database to WAL while another connection
    holds its write lock: that failed at once with "database is locked", whatever the timeout."""
    path = tmp_path / "nevo.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")  # a fresh file, still in rollback-journal mode
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    released = threading.Event()

    def release() -> None:
        other.execute("COMMIT")
        released.set()

    threading.Timer(0.3, release).start()
    db = Database(path)
    assert released.is_set() and db.scalar("PRAGMA journal_mode") == "wal"
    db.close()


def test_a_database_that_stays_locked_is_a_clear_error_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "nevo.db"
    Database(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(NevoError, match="stayed locked"):
        Database(path, timeout=0.3)
    other.execute("ROLLBACK")


_OPEN_AT_ONCE = """
import sys, time
from pathlib import Path
from nevo.db import Database
go = Path(sys.argv[2])
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    pass  # spin: every process leaves the line at the same moment
Database(Path(sys.argv[1])).close()
"""


def test_many_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(3):
        path, go = tmp_path / f"nevo{round_}.db", tmp_path / f"go{round_}"
        ready = [
            subprocess.Popen([sys.executable, "-c", _OPEN_AT_ONCE, str(path), str(go)], stderr=subprocess.PIPE)
            for _ in range(12)
        ]
        time.sleep(0.5)  # let the interpreters start (correctness does not depend on it: only the contention)
        go.touch()
        results = [(p.wait(timeout=120), p.stderr.read().decode() if p.stderr else "") for p in ready]
        assert [code for code, _ in results] == [0] * 12, [err for code, err in results if code]
        assert Database(path).version == len(migrations())


# -- a full disk --------------------------------------------------------------------------------------


def test_a_full_disk_at_commit_is_said_as_such_and_rolls_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    pages = db.scalar("PRAGMA page_count")
    db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL, for real
    with pytest.raises(DiskFull) as caught, db.transaction():
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"k{n}", "x" * 2000) for n in range(200)])
    assert "disk is full" in caught.value.message and "df -h" in (caught.value.hint or "")
    assert isinstance(caught.value, sqlite3.OperationalError)  # callers that retry on OperationalError still do
    db.execute(f"PRAGMA max_page_count = {pages * 1000}")
    assert db.scalar("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'") == 0


def test_repair_never_discards_a_database_it_cannot_check(tmp_path: Path) -> None:
    """A database held by another process (or on a full disk) cannot be checked: it is not damaged."""
    ws = Workspace(tmp_path)
    with open_database(ws) as db, db.transaction():
        db.execute("INSERT INTO meta (key, value) VALUES ('keep', 'me')")
    other = sqlite3.connect(ws.db_path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(NevoError, match="left as it is"):
        repair(ws, "x", timeout=0.2)
    other.execute("ROLLBACK")
    other.close()
    assert not list(tmp_path.glob(".nevo/nevo.db.corrupt-*"))
    with open_database(ws) as db:
        assert db.scalar("SELECT value FROM meta WHERE key = 'keep'") == "me"


def test_repair_moves_a_database_that_fails_its_integrity_check(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with open_database(ws) as db, db.transaction():
        db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"k{n}", "v" * 500) for n in range(400)])
    data = bytearray(ws.db_path.read_bytes())
    page = 4096
    data[3 * page : 3 * page + 200] = b"\xff" * 200  # damage an index/table page, not the header
    ws.db_path.write_bytes(bytes(data))
    for extra in ("-wal", "-shm"):
        Path(f"{ws.db_path}{extra}").unlink(missing_ok=True)
    aside = repair(ws, "20261121T000000Z")
    assert aside is not None and aside.exists()
