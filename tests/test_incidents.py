"""The incident store: ids, exactly-once counting, ordering, recoveries, status, recurrences. Each test runs
on the local SQLite and on a PostgreSQL shared store (the same SQL on both)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from nevo import incidents as store
from nevo.db import Database
from nevo.errors import NevoError
from nevo.fingerprint import Fingerprint
from nevo.workspace import Workspace


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        with Database(tmp_path / "nevo.db") as local:
            yield local
        return
    from nevo.pgstore import PgDatabase

    with PgDatabase(request.getfixturevalue("pg_url")) as shared:
        yield cast(Database, shared)


def _fp(digest: str, command: str = "npm run build") -> Fingerprint:
    return Fingerprint(digest, "Bash", command, "npm: missing script build", "missing script: build")


def _record(
    db: Database,
    fp: Fingerprint,
    key: str,
    *,
    session: str = "s1",
    at: str = "2026-11-21T03:00:00Z",
    threshold: int = 3,
) -> store.Recorded:
    with db.transaction():
        return store.record_failure(
            db,
            fp,
            key=key,
            session_id=session,
            tool_use_id=key,
            at=at,
            source="hook",
            sample={"error": "boom"},
            failed_input={"command": fp.command},
            loop_threshold=threshold,
        )


def test_a_new_fingerprint_opens_an_incident_named_by_day_and_digest(db: Database) -> None:
    recorded = _record(db, _fp("a8f2c0ffee000001"), "k1", at="2026-11-21T03:00:00Z")
    assert recorded.is_new and recorded.counted
    assert recorded.incident_id == "INC-2026-11-21-a8f2"
    incident = store.get_incident(db, recorded.incident_id)
    assert incident is not None
    assert (incident.count, incident.session_count, incident.status, incident.is_loop) == (1, 1, "new", False)
    assert incident.first_seen == incident.last_seen == "2026-11-21T03:00:00Z"
    assert incident.sample == {"error": "boom"} and incident.recovery is None


def test_an_id_collision_takes_the_next_digits_of_the_digest(db: Database) -> None:
    first = _record(db, _fp("a8f2000000000001"), "k1").incident_id
    second = _record(db, _fp("a8f2bbbb00000002", "make"), "k2").incident_id
    third = _record(db, _fp("a8f2bbbb00000003", "git push"), "k3").incident_id
    assert first == "INC-2026-11-21-a8f2"
    assert second == "INC-2026-11-21-bbbb"
    assert third == "INC-2026-11-21-0000" and len({first, second, third}) == 3
    assert all(re.fullmatch(r"INC-\d{4}-\d{2}-\d{2}-[0-9a-f]{4}", i) for i in (first, second, third))


def test_the_same_key_counts_once_and_the_same_fingerprint_counts_up(db: Database) -> None:
    fp = _fp("1111222233334444")
    first = _record(db, fp, "k1", at="2026-11-21T03:00:00Z")
    replay = _record(db, fp, "k1", at="2026-11-21T03:00:00Z")
    again = _record(db, fp, "k2", session="s2", at="2026-11-22T03:00:00Z")
    assert (replay.counted, replay.is_new, replay.incident_id) == (False, False, first.incident_id)
    assert again.counted and not again.is_new
    incident = store.get_incident(db, first.incident_id)
    assert incident is not None
    assert (incident.count, incident.session_count) == (2, 2)
    assert (incident.first_seen, incident.last_seen) == ("2026-11-21T03:00:00Z", "2026-11-22T03:00:00Z")
    assert [o.tool_use_id for o in store.occurrences(db, first.incident_id)] == ["k1", "k2"]


def test_the_loop_threshold_is_per_session(db: Database) -> None:
    fp = _fp("5555222233334444")
    results = [_record(db, fp, f"k{i}", session="s1" if i < 2 else "s2") for i in range(3)]
    assert not any(r.became_loop for r in results)
    third_in_s1 = _record(db, fp, "k9", session="s1")
    assert third_in_s1.became_loop
    incident = store.get_incident(db, third_in_s1.incident_id)
    assert incident is not None and incident.is_loop and incident.count == 4


def test_listing_is_most_frequent_then_most_recent(db: Database) -> None:
    _record(db, _fp("aaaa000000000000", "a"), "a1", at="2026-11-21T01:00:00Z")
    _record(db, _fp("bbbb000000000000", "b"), "b1", at="2026-11-21T02:00:00Z")
    _record(db, _fp("cccc000000000000", "c"), "c1", at="2026-11-21T01:00:00Z")
    _record(db, _fp("cccc000000000000", "c"), "c2", at="2026-11-21T01:30:00Z")
    assert [i.command for i in store.list_incidents(db)] == ["c", "b", "a"]
    store.set_status(db, store.list_incidents(db)[0].id, "analysed")
    assert [i.command for i in store.list_incidents(db, "analysed")] == ["c"]
    assert [i.command for i in store.list_incidents(db, "new")] == ["b", "a"]


def test_set_status_rejects_unknown_statuses_and_ids(db: Database) -> None:
    incident_id = _record(db, _fp("dddd000000000000"), "k").incident_id
    with pytest.raises(NevoError, match="unknown incident status"):
        store.set_status(db, incident_id, "fixed")
    with pytest.raises(NevoError, match="no incident"):
        store.set_status(db, "INC-2000-01-01-0000", "resolved")
    store.set_status(db, incident_id, "resolved")
    incident = store.get_incident(db, incident_id)
    assert incident is not None and incident.status == "resolved"


def test_count_since_counts_later_occurrences_by_id_or_fingerprint(db: Database) -> None:
    fp = _fp("eeee000000000000")
    incident_id = _record(db, fp, "k1", at="2026-11-01T00:00:00Z").incident_id
    _record(db, fp, "k2", at="2026-11-10T00:00:00Z")
    _record(db, fp, "k3", at="2026-11-20T00:00:00Z")
    assert store.count_since(db, incident_id, "2026-11-05T00:00:00Z") == 2
    assert store.count_since(db, fp.digest, "2026-11-10T00:00:00Z") == 1
    assert store.count_since(db, "INC-1999-01-01-0000", "2000-01-01T00:00:00Z") == 0


def test_the_first_recovery_is_kept_and_round_trips(db: Database) -> None:
    incident_id = _record(db, _fp("ffff000000000000"), "k1").incident_id
    recovery = store.Recovery(
        tool="Bash",
        input={"command": "npm --prefix web run build"},
        command="npm --prefix web run build",
        session_id="s1",
        tool_use_id="t2",
        at="2026-11-21T03:01:00Z",
        failed_input={"command": "npm run build"},
        failed_tool_use_id="k1",
        between=["Read package.json"],
    )
    later = store.Recovery("Bash", {"command": "x"}, "x", "s2", "t9", "2026-11-22T00:00:00Z", {})
    with db.transaction():
        assert store.record_recovery(db, incident_id, recovery)
        assert not store.record_recovery(db, incident_id, later)
    incident = store.get_incident(db, incident_id)
    assert incident is not None and incident.recovery == recovery
    assert incident.to_json()["recovery"]["command"] == "npm --prefix web run build"


def test_cli_helpers_read_an_existing_database_and_explain_a_missing_incident(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    assert store.load_incidents(workspace) == []  # no database yet: nothing, and no file created
    assert not workspace.db_path.exists()
    with Database(workspace.db_path) as db:
        incident_id = _record(db, _fp("abcd000000000000"), "k1").incident_id
    details = store.incident_details(workspace, incident_id)
    assert details["occurrences"] == [
        {"session_id": "s1", "tool_use_id": "k1", "at": "2026-11-21T03:00:00Z", "source": "hook"}
    ]
    with pytest.raises(NevoError, match="no incident INC-2000"):
        store.incident_details(workspace, "INC-2000-01-01-0000")
    with pytest.raises(NevoError, match="unknown incident status"):
        store.load_incidents(workspace, "open")
