"""The SQLite module: migrations, transactions, corruption, FTS quoting."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from nevo.db import Database, migrations, open_database, quote_fts, repair
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
