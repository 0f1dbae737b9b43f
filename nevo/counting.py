"""Counting a batch of failures: the occurrences and the incidents' counters written once per batch.

:func:`nevo.incidents.record_failure` decides what a failure is (which incident, counted before or not);
with a :class:`Tally` (the monitor's batch) the writing waits for the end of the batch, where
:func:`apply_tally` writes every occurrence in one statement and updates each incident once. On the local
SQLite that is a few statements less; on a shared store it is one round trip instead of one per failure,
and the incidents' rows are locked only at the end of a batch, in id order, so monitors on several machines
counting the same failures never wait on each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nevo.db import Database
from nevo.store_base import StoreConflict


@dataclass
class Tally:
    """A batch of failures, written when the batch ends (:func:`apply_tally`, in its transaction): the
    occurrences in one statement, each incident's counters once, in id order. On a shared store that is one
    round trip instead of one per failure, an incident's row is locked only for the end of a batch, and
    monitors on several machines counting the same failures never wait on each other in a circle.
    ``mark``/``undo`` drop what one trigger added when it is rolled back."""

    pending: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # key -> occurrence row, not written yet
    entries: list[tuple[str, str, str]] = field(default_factory=list)  # written: (incident id, session id, at)
    known: dict[str, str] = field(default_factory=dict)  # fingerprint digest -> incident id, in this batch
    late_duplicates: int = 0  # provisionally counted calls that were counted before (replays)

    def mark(self) -> tuple[int, int]:
        return len(self.entries), len(self.pending)

    def undo(self, mark: tuple[int, int]) -> None:
        del self.entries[mark[0] :]
        for key in list(self.pending)[mark[1] :]:
            del self.pending[key]
        self.known.clear()  # an incident opened by the trigger rolled back is gone with it


def write_pending(db: Database, tally: Tally) -> None:
    """Write the batch's occurrences so far (before anything reads them, and when the batch ends). A call
    counted before (a trigger replayed after a crash between commit and delete) is left out and counted in
    :attr:`Tally.late_duplicates`; one another writer counted since the check makes the batch run again."""
    if not tally.pending:
        return
    rows = list(tally.pending.values())
    tally.pending.clear()
    existing: set[str] = set()
    for chunk in _chunks([row[0] for row in rows]):
        marks = ",".join("?" * len(chunk))
        existing.update(r["key"] for r in db.query(f"SELECT key FROM occurrences WHERE key IN ({marks})", chunk))
    fresh = [row for row in rows if row[0] not in existing]
    if fresh:
        cursor = db.executemany(
            "INSERT INTO occurrences (key, incident_id, session_id, tool_use_id, at, source, tool, input, agent_type)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            fresh,
        )
        if cursor.rowcount != len(fresh):  # a monitor beside this one counted some of them since the check
            raise StoreConflict(
                "another monitor counted some of these failures at the same moment; the batch runs again",
                "run it again (the monitor does by itself)",
            )
    tally.entries.extend((row[1], row[2], row[4]) for row in fresh)
    tally.late_duplicates += len(rows) - len(fresh)


def apply_tally(db: Database, tally: Tally, loop_threshold: int) -> list[str]:
    """Apply a batch's counter updates (call inside its transaction, after its occurrences were inserted):
    count, first and last seen, sessions, loops. Returns the incidents that became loops.

    First every incident's row, in id order: on PostgreSQL each UPDATE holds the row's lock until the commit
    (taken in one order, two batches never wait on each other in a circle). Then, under those locks, the
    occurrences counted include every other batch that touched these incidents and committed: a session is
    new to an incident when all its occurrences of it are this batch's. A few statements per batch, each
    sent once for all its rows."""
    write_pending(db, tally)
    groups: dict[str, tuple[int, str, str, dict[str, int]]] = {}
    for incident_id, session_id, at in tally.entries:
        count, first, last, sessions = groups.get(incident_id, (0, at, at, {}))
        sessions[session_id] = sessions.get(session_id, 0) + 1
        groups[incident_id] = (count + 1, min(first, at), max(last, at), sessions)
    tally.entries.clear()
    if not groups:
        return []
    order = sorted(groups)
    db.executemany(
        "UPDATE incidents SET count = count + ?,"
        " first_seen = CASE WHEN first_seen > ? THEN ? ELSE first_seen END,"
        " last_seen = CASE WHEN last_seen < ? THEN ? ELSE last_seen END WHERE id = ?",
        [(groups[i][0], groups[i][1], groups[i][1], groups[i][2], groups[i][2], i) for i in order],
    )
    was_loop: dict[str, bool] = {}
    totals: dict[tuple[str, str], int] = {}
    for chunk in _chunks(order):
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT id, is_loop FROM incidents WHERE id IN ({marks})", chunk):
            was_loop[row["id"]] = bool(row["is_loop"])
        for some in _chunks(sorted({s for i in chunk for s in groups[i][3]})):
            rows = db.query(
                "SELECT incident_id, session_id, COUNT(*) AS n FROM occurrences"
                f" WHERE incident_id IN ({marks}) AND session_id IN ({','.join('?' * len(some))})"
                " GROUP BY incident_id, session_id",
                (*chunk, *some),
            )
            totals.update(((r["incident_id"], r["session_id"]), int(r["n"])) for r in rows)
    changes, loops = [], []
    for incident_id in order:
        sessions = groups[incident_id][3]
        seen = {session: totals.get((incident_id, session), 0) for session in sessions}
        new_sessions = sum(1 for session, own in sessions.items() if seen[session] == own)
        became_loop = not was_loop.get(incident_id, False) and any(
            session and total >= loop_threshold for session, total in seen.items()
        )
        if new_sessions or became_loop:
            changes.append((new_sessions, int(became_loop), int(became_loop), incident_id))
        if became_loop:
            loops.append(incident_id)
    if changes:
        db.executemany(
            "UPDATE incidents SET session_count = session_count + ?,"
            " is_loop = CASE WHEN ? <> 0 THEN 1 ELSE is_loop END,"
            " report_written = CASE WHEN ? <> 0 THEN 0 ELSE report_written END WHERE id = ?",
            changes,
        )
    return loops


def _chunks(items: list[str], size: int = 400) -> list[list[str]]:
    """Lists short enough for one IN (...) each (SQLite before 3.32 takes at most 999 parameters)."""
    return [items[start : start + size] for start in range(0, len(items), size)]
