"""The incident store: one incident per fingerprint, every occurrence counted exactly once.

Only this module writes the ``incidents``, ``occurrences``, ``recoveries`` and ``transcript_offsets``
tables (schema: ``migrations/0002_incidents.sql``). Writers (``record_failure``, ``record_recovery``)
run inside the caller's transaction, so the monitor can commit a whole batch of triggers at once and
delete the trigger files only after that commit. Everything stored here is already redacted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nevo import store as shared_store
from nevo.db import Database, Row
from nevo.errors import NevoError
from nevo.fingerprint import Fingerprint
from nevo.verdict import Verdict
from nevo.workspace import Workspace

STATUSES = ("new", "analysed", "resolved")
ID_PREFIX = "INC-"


@dataclass(frozen=True)
class Occurrence:
    session_id: str
    tool_use_id: str
    at: str
    source: str = "hook"  # "hook" (a trigger) or "transcript" (a failure that fired no hook)


@dataclass(frozen=True)
class Recovery:
    """The call that succeeded after the failure in the same session, and the failing call's input."""

    tool: str
    input: dict[str, Any]
    command: str
    session_id: str
    tool_use_id: str
    at: str
    failed_input: dict[str, Any]
    failed_tool_use_id: str = ""
    between: list[str] = field(default_factory=list)  # short summaries of the calls in between


@dataclass(frozen=True)
class Incident:
    id: str
    fingerprint: str
    tool: str
    command: str
    error_class: str
    normalized_error: str
    sample: dict[str, Any]  # redacted: tool_input, error (clipped), cwd, session_id, tool_use_id
    count: int
    first_seen: str
    last_seen: str
    session_count: int
    status: str
    is_loop: bool
    recovery: Recovery | None = None

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "recovery"}
        out["recovery"] = None if self.recovery is None else dict(self.recovery.__dict__)
        return out


@dataclass(frozen=True)
class Recorded:
    """What ``record_failure`` did: ``counted`` is False when this exact call was already counted."""

    incident_id: str
    counted: bool
    is_new: bool
    became_loop: bool = False


# ---------------------------------------------------------------------------------------- writing


def call_key(session_id: str, tool_use_id: str) -> str:
    """The occurrence key of a tool call: the hook payload and the transcript name it the same way."""
    return f"call:{session_id}:{tool_use_id}"


def trigger_key(trigger_name: str) -> str:
    return f"trigger:{trigger_name}"


def record_failure(
    db: Database,
    fp: Fingerprint,
    *,
    key: str,
    session_id: str,
    tool_use_id: str,
    at: str,
    source: str,
    sample: dict[str, Any],
    failed_input: dict[str, Any],
    loop_threshold: int,
    agent_type: str = "",
    tally: Tally | None = None,
) -> Recorded:
    """Count one failure (call inside a transaction). Idempotent per ``key``: a replay changes nothing.
    ``agent_type``: the sub-agent it happened in ('' in the main session). With ``tally`` the incident's
    counters are updated when the batch ends (:func:`apply_tally`, which says which incidents became loops);
    without, at once."""
    existing = db.one("SELECT incident_id FROM occurrences WHERE key = ?", (key,))
    if existing is not None:
        return Recorded(existing["incident_id"], counted=False, is_new=False)
    batch = tally if tally is not None else Tally()
    incident_id, is_new = batch.incident_of(db, fp, at, sample)
    # ON CONFLICT: a monitor elsewhere (or beside this one) may have counted the same call since the check.
    cursor = db.execute(
        "INSERT INTO occurrences (key, incident_id, session_id, tool_use_id, at, source, tool, input, agent_type)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (
            key,
            incident_id,
            session_id,
            tool_use_id,
            at,
            source,
            fp.tool,
            json.dumps(failed_input, ensure_ascii=False, sort_keys=True),
            agent_type,
        ),
    )
    if not cursor.rowcount:
        return Recorded(incident_id, counted=False, is_new=False)
    batch.entries.append((incident_id, session_id, at))
    if tally is not None:
        return Recorded(incident_id, counted=True, is_new=is_new)
    loops = apply_tally(db, batch, loop_threshold)
    return Recorded(incident_id, counted=True, is_new=is_new, became_loop=incident_id in loops)


@dataclass
class Tally:
    """The counter updates of a batch of failures, applied when the batch ends (:func:`apply_tally`, in its
    transaction): once per incident, in id order. On a shared store an incident's row is then locked only for
    the end of a batch, not all of it, and monitors on several machines counting the same failures never
    wait on each other in a circle. ``mark``/``undo`` drop what one trigger added when it is rolled back."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)  # (incident id, session id, at)
    known: dict[str, str] = field(default_factory=dict)  # fingerprint digest -> incident id, in this batch

    def mark(self) -> int:
        return len(self.entries)

    def undo(self, mark: int) -> None:
        del self.entries[mark:]
        self.known.clear()  # an incident opened by the trigger rolled back is gone with it

    def incident_of(self, db: Database, fp: Fingerprint, at: str, sample: dict[str, Any]) -> tuple[str, bool]:
        """The incident of ``fp`` (opened when there is none) and whether it was opened now."""
        if fp.digest in self.known:
            return self.known[fp.digest], False
        row = db.one("SELECT id FROM incidents WHERE fingerprint = ?", (fp.digest,))
        if row is not None:
            self.known[fp.digest] = row["id"]
            return row["id"], False
        incident_id, is_new = _open_incident(db, fp, at, sample)
        self.known[fp.digest] = incident_id
        return incident_id, is_new


def _open_incident(db: Database, fp: Fingerprint, at: str, sample: dict[str, Any]) -> tuple[str, bool]:
    """Open the incident of ``fp``. Two writers at once (two machines on one shared store): one opens it, the
    other finds it; an id another fingerprint took meanwhile makes this one pick the next id."""
    for _ in range(16):
        incident_id = new_incident_id(db, fp.digest, at)
        cursor = db.execute(
            "INSERT INTO incidents (id, fingerprint, tool, command, error_class, normalized_error, sample,"
            " count, first_seen, last_seen, session_count) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0)"
            " ON CONFLICT DO NOTHING",
            (
                incident_id,
                fp.digest,
                fp.tool,
                fp.command,
                fp.error_class,
                fp.normalized_error,
                json.dumps(sample, ensure_ascii=False, sort_keys=True),
                at,
                at,
            ),
        )
        if cursor.rowcount:
            return incident_id, True
        row = db.one("SELECT id FROM incidents WHERE fingerprint = ?", (fp.digest,))
        if row is not None:
            return row["id"], False
    raise NevoError(f"could not open an incident for fingerprint {fp.digest[:16]}", "run the monitor again")


def apply_tally(db: Database, tally: Tally, loop_threshold: int) -> list[str]:
    """Apply a batch's counter updates (call inside its transaction, after its occurrences were inserted):
    count, first and last seen, sessions, loops. Returns the incidents that became loops.

    Per incident, in id order: the first UPDATE takes the row (on PostgreSQL, its lock until the commit), so
    the occurrences counted next include every other batch that touched this incident and committed; a
    session is new to the incident when all its occurrences of it are this batch's."""
    groups: dict[str, tuple[int, str, str, dict[str, int]]] = {}
    for incident_id, session_id, at in tally.entries:
        count, first, last, sessions = groups.get(incident_id, (0, at, at, {}))
        sessions[session_id] = sessions.get(session_id, 0) + 1
        groups[incident_id] = (count + 1, min(first, at), max(last, at), sessions)
    loops = []
    for incident_id in sorted(groups):
        count, first, last, sessions = groups[incident_id]
        db.execute(
            "UPDATE incidents SET count = count + ?,"
            " first_seen = CASE WHEN first_seen > ? THEN ? ELSE first_seen END,"
            " last_seen = CASE WHEN last_seen < ? THEN ? ELSE last_seen END WHERE id = ?",
            (count, first, first, last, last, incident_id),
        )
        was_loop = bool(db.scalar("SELECT is_loop FROM incidents WHERE id = ?", (incident_id,)))
        marks = ",".join("?" * len(sessions))
        totals = {
            str(r["session_id"]): int(r["n"])
            for r in db.query(
                "SELECT session_id, COUNT(*) AS n FROM occurrences"
                f" WHERE incident_id = ? AND session_id IN ({marks}) GROUP BY session_id",
                (incident_id, *sessions),
            )
        }
        new_sessions = sum(1 for session, own in sessions.items() if totals.get(session, 0) == own)
        became_loop = not was_loop and any(session and totals.get(session, 0) >= loop_threshold for session in sessions)
        if new_sessions or became_loop:
            db.execute(
                "UPDATE incidents SET session_count = session_count + ?,"
                " is_loop = CASE WHEN ? <> 0 THEN 1 ELSE is_loop END,"
                " report_written = CASE WHEN ? <> 0 THEN 0 ELSE report_written END WHERE id = ?",
                (new_sessions, int(became_loop), int(became_loop), incident_id),
            )
        if became_loop:
            loops.append(incident_id)
    tally.entries.clear()
    return loops


def new_incident_id(db: Database, digest: str, at: str) -> str:
    """``INC-<day of first sighting>-<4 hex of the digest>``; on a collision (another fingerprint got those
    4 hex digits that day) the next 4 digits of the digest, then a counter."""
    day = at[:10]
    candidates = [digest[i : i + 4] for i in range(0, max(len(digest) - 3, 1), 4) if len(digest[i : i + 4]) == 4]
    for suffix in candidates:
        incident_id = f"{ID_PREFIX}{day}-{suffix}"
        if db.one("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)) is None:
            return incident_id
    number = 0
    while True:
        incident_id = f"{ID_PREFIX}{day}-{number:04x}"
        if db.one("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)) is None:
            return incident_id
        number += 1


def record_recovery(db: Database, incident_id: str, recovery: Recovery) -> bool:
    """Store the recovery of an incident (call inside a transaction). The first one found is kept: it is
    what fixed the failure the first time. Returns True when it was stored."""
    cursor = db.execute(
        "INSERT INTO recoveries (incident_id, tool, input, command, session_id, tool_use_id, at,"
        " failed_input, failed_tool_use_id, steps_between) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (incident_id) DO NOTHING",
        (
            incident_id,
            recovery.tool,
            json.dumps(recovery.input, ensure_ascii=False, sort_keys=True),
            recovery.command,
            recovery.session_id,
            recovery.tool_use_id,
            recovery.at,
            json.dumps(recovery.failed_input, ensure_ascii=False, sort_keys=True),
            recovery.failed_tool_use_id,
            json.dumps(recovery.between, ensure_ascii=False),
        ),
    )
    if cursor.rowcount:
        db.execute("UPDATE incidents SET report_written = 0 WHERE id = ?", (incident_id,))
    return bool(cursor.rowcount)


def record_verdict(db: Database, key: str, incident_id: str, session_id: str, at: str, verdict: Verdict) -> None:
    """Store what the failure with occurrence ``key`` teaches (call inside a transaction). Deciding again
    (a later, better recovery) replaces the earlier verdict of the same failure."""
    db.execute(
        "INSERT INTO verdicts (key, incident_id, session_id, at, kind, verdict) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET at = excluded.at, kind = excluded.kind, verdict = excluded.verdict",
        (key, incident_id, session_id, at, verdict.kind, json.dumps(verdict.to_json(), ensure_ascii=False)),
    )


def session_verdicts(db: Database, session_id: str) -> list[tuple[str, Verdict]]:
    """(incident id, verdict) for every failure of a session that was judged, in the order they were."""
    rows = db.query("SELECT incident_id, verdict FROM verdicts WHERE session_id = ? ORDER BY at, key", (session_id,))
    return [(r["incident_id"], Verdict.from_json(_json(r["verdict"], None))) for r in rows]


def incident_verdicts(db: Database, incident_id: str) -> list[Verdict]:
    """Every stored verdict of an incident's failures, lessons first, then the most recent."""
    rows = db.query(
        "SELECT verdict FROM verdicts WHERE incident_id = ? ORDER BY kind = 'lesson' DESC, at DESC, key",
        (incident_id,),
    )
    return [Verdict.from_json(_json(r["verdict"], None)) for r in rows]


@dataclass(frozen=True)
class OpenFailure:
    """A failure in a session that no later call has recovered yet (input for recovery matching)."""

    incident_id: str
    tool: str
    tool_use_id: str
    input: dict[str, Any]
    at: str


def open_failures(db: Database, session_id: str) -> list[OpenFailure]:
    """This session's failures whose incident has no recovery yet, oldest first."""
    rows = db.query(
        "SELECT o.incident_id, o.tool, o.tool_use_id, o.input, o.at FROM occurrences o"
        " WHERE o.session_id = ? AND o.recovered = 0"
        " AND NOT EXISTS (SELECT 1 FROM recoveries r WHERE r.incident_id = o.incident_id) ORDER BY o.id",
        (session_id,),
    )
    return [OpenFailure(r["incident_id"], r["tool"], r["tool_use_id"], _json(r["input"], {}), r["at"]) for r in rows]


def mark_recovered(db: Database, session_id: str, incident_id: str) -> None:
    db.execute(
        "UPDATE occurrences SET recovered = 1 WHERE session_id = ? AND incident_id = ?",
        (session_id, incident_id),
    )


def transcript_offset(db: Database, path: str) -> int:
    return int(db.scalar("SELECT read_offset FROM transcript_offsets WHERE path = ?", (path,)) or 0)


def set_transcript_offset(db: Database, path: str, offset: int, session_id: str, at: str) -> None:
    db.execute(
        "INSERT INTO transcript_offsets (path, read_offset, session_id, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(path) DO UPDATE SET read_offset = excluded.read_offset,"
        " session_id = excluded.session_id,"
        " updated_at = excluded.updated_at",
        (path, offset, session_id, at),
    )


def reports_due(db: Database) -> list[str]:
    return [r["id"] for r in db.query("SELECT id FROM incidents WHERE report_written = 0 ORDER BY id")]


def mark_reports_written(db: Database, ids: Sequence[str]) -> None:
    db.executemany("UPDATE incidents SET report_written = 1 WHERE id = ?", [(i,) for i in ids])


# ---------------------------------------------------------------------------------------- reading


def list_incidents(db: Database, status: str | None = None) -> list[Incident]:
    """All incidents, most frequent first, then most recent."""
    where, params = ("WHERE i.status = ?", (status,)) if status else ("", ())
    rows = db.query(f"{_SELECT} {where} ORDER BY i.count DESC, i.last_seen DESC, i.id", params)
    return [_incident(r) for r in rows]


def get_incident(db: Database, incident_id: str) -> Incident | None:
    row = db.one(f"{_SELECT} WHERE i.id = ?", (incident_id,))
    return None if row is None else _incident(row)


def occurrences(db: Database, incident_id: str) -> list[Occurrence]:
    rows = db.query(
        "SELECT session_id, tool_use_id, at, source FROM occurrences WHERE incident_id = ? ORDER BY at, id",
        (incident_id,),
    )
    return [Occurrence(r["session_id"], r["tool_use_id"], r["at"], r["source"]) for r in rows]


def set_status(db: Database, incident_id: str, status: str) -> None:
    if status not in STATUSES:
        raise NevoError(f"unknown incident status {status!r}", f"use one of: {', '.join(STATUSES)}")
    cursor = db.execute("UPDATE incidents SET status = ? WHERE id = ?", (status, incident_id))
    if not cursor.rowcount:
        raise NevoError(f"no incident {incident_id}", "`nevo incidents` lists them")


def count_since(db: Database, fingerprint_or_id: str, since_iso: str) -> int:
    """Occurrences of an incident (by id or fingerprint digest) strictly after ``since_iso``."""
    return int(
        db.scalar(
            "SELECT COUNT(*) FROM occurrences o JOIN incidents i ON i.id = o.incident_id"
            " WHERE (i.id = ? OR i.fingerprint = ?) AND o.at > ?",
            (fingerprint_or_id, fingerprint_or_id, since_iso),
        )
    )


_SELECT = (
    "SELECT i.*, r.tool AS r_tool, r.input AS r_input, r.command AS r_command, r.session_id AS r_session_id,"
    " r.tool_use_id AS r_tool_use_id, r.at AS r_at, r.failed_input AS r_failed_input,"
    " r.failed_tool_use_id AS r_failed_tool_use_id, r.steps_between AS r_between"
    " FROM incidents i LEFT JOIN recoveries r ON r.incident_id = i.id"
)


def _incident(row: Row) -> Incident:
    recovery = None
    if row["r_tool"] is not None:
        recovery = Recovery(
            tool=row["r_tool"],
            input=_json(row["r_input"], {}),
            command=row["r_command"],
            session_id=row["r_session_id"],
            tool_use_id=row["r_tool_use_id"],
            at=row["r_at"],
            failed_input=_json(row["r_failed_input"], {}),
            failed_tool_use_id=row["r_failed_tool_use_id"],
            between=_json(row["r_between"], []),
        )
    return Incident(
        id=row["id"],
        fingerprint=row["fingerprint"],
        tool=row["tool"],
        command=row["command"],
        error_class=row["error_class"],
        normalized_error=row["normalized_error"],
        sample=_json(row["sample"], {}),
        count=row["count"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        session_count=row["session_count"],
        status=row["status"],
        is_loop=bool(row["is_loop"]),
        recovery=recovery,
    )


def _json(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------- for the CLI


def load_incidents(workspace: Workspace, status: str | None = None) -> list[Incident]:
    """``nevo incidents``: every incident of a workspace, most frequent first, then most recent."""
    if status is not None and status not in STATUSES:
        raise NevoError(f"unknown incident status {status!r}", f"use one of: {', '.join(STATUSES)}")
    if not workspace.db_path.exists() and not shared_store.configured(workspace):
        return []
    with shared_store.open_store(workspace) as db:
        return list_incidents(db, status)


def incident_details(workspace: Workspace, incident_id: str) -> dict[str, Any]:
    """``nevo incidents show ID``: the incident, its recovery and every occurrence, as plain data."""
    if workspace.db_path.exists() or shared_store.configured(workspace):
        with shared_store.open_store(workspace) as db:
            incident = get_incident(db, incident_id)
            if incident is not None:
                details = incident.to_json()
                details["occurrences"] = [dict(o.__dict__) for o in occurrences(db, incident_id)]
                details["report"] = str(workspace.incidents_dir / f"{incident_id}.md")
                return details
    raise NevoError(f"no incident {incident_id} in {workspace.root}", "`nevo incidents` lists them")
