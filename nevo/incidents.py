"""The incident store: one incident per fingerprint, every occurrence counted exactly once.

Only this module (with :mod:`nevo.counting`, its batch writer) writes the ``incidents``, ``occurrences``,
``recoveries``, ``verdicts`` and ``transcript_offsets`` tables (schema: ``migrations/0002_incidents.sql``,
``0006_verdicts.sql``, ``0008_judge_offsets.sql``). Writers (``record_failure``, ``record_recovery``) run
inside the caller's transaction, so the monitor can commit a whole batch of triggers at once and delete the
trigger files only after that commit. Everything stored here is already redacted. ``db`` is the handle for
the shared tables (:mod:`nevo.store`): the local SQLite, or a team's PostgreSQL; the SQL is the same on both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nevo import store as shared_store
from nevo.counting import Tally, apply_tally
from nevo.counting import write_pending as write_pending  # re-exported: the monitor calls it through here
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
    verdict: Verdict | None = None  # what its failures taught: a lesson when one did, else the latest verdict

    @property
    def teaches(self) -> bool:
        return self.verdict is not None and self.verdict.teaches

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("recovery", "verdict")}
        out["recovery"] = None if self.recovery is None else dict(self.recovery.__dict__)
        out["verdict"] = None if self.verdict is None else self.verdict.to_json()
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
    ``agent_type``: the sub-agent it happened in ('' in the main session).

    With ``tally`` (the monitor's batch) the occurrence is written and the incident's counters updated when
    the batch ends (:func:`apply_tally`: one statement for all rows, which says which incidents became loops
    and how many calls turned out counted before, :attr:`Tally.late_duplicates`); ``counted`` is then
    provisional. Without, all at once."""
    batch = tally if tally is not None else Tally()
    if key in batch.pending:  # the same call twice in this batch (the hook and the transcript)
        return Recorded(batch.pending[key][1], counted=False, is_new=False)
    incident_id, is_new = batch.known.get(fp.digest), False
    if incident_id is None:
        # Was this call counted already (the hook and the transcript both saw it; a replay)? Then nothing
        # happens, also no incident for a fingerprint that differs. Else its fingerprint's incident, if any.
        row = db.one(
            "SELECT (SELECT incident_id FROM occurrences WHERE key = ?) AS counted_in,"
            " (SELECT id FROM incidents WHERE fingerprint = ?) AS incident_id",
            (key, fp.digest),
        )
        if row is not None and row["counted_in"] is not None:
            return Recorded(row["counted_in"], counted=False, is_new=False)
        incident_id = row["incident_id"] if row is not None else None
        if incident_id is None:
            incident_id, is_new = _open_incident(db, fp, at, sample)
        batch.known[fp.digest] = incident_id
    batch.pending[key] = (
        key,
        incident_id,
        session_id,
        tool_use_id,
        at,
        source,
        fp.tool,
        json.dumps(failed_input, ensure_ascii=False, sort_keys=True),
        agent_type,
    )
    if tally is not None:
        return Recorded(incident_id, counted=True, is_new=is_new)
    loops = apply_tally(db, batch, loop_threshold)
    counted = not batch.late_duplicates
    return Recorded(incident_id, counted=counted, is_new=is_new and counted, became_loop=incident_id in loops)


def _open_incident(db: Database, fp: Fingerprint, at: str, sample: dict[str, Any]) -> tuple[str, bool]:
    """Open the incident of ``fp``. Two writers at once (two machines on one shared store): one opens it, the
    other finds it; an id another fingerprint took meanwhile makes this one pick the next id."""
    shared_store.one_opener_at_a_time(db)
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
    rows = shared_store.shared_beside(db).query(  # memory asks with its local database: the verdicts are shared
        "SELECT incident_id, verdict FROM verdicts WHERE session_id = ? ORDER BY at, key", (session_id,)
    )
    return [(r["incident_id"], Verdict.from_json(_json(r["verdict"], None))) for r in rows]


def occurrence_incident(db: Database, key: str) -> str | None:
    """The incident an occurrence (by key) was counted against; None when it was not counted."""
    row = db.one("SELECT incident_id FROM occurrences WHERE key = ?", (key,))
    return None if row is None else str(row["incident_id"])


def incident_verdicts(db: Database, incident_id: str) -> list[Verdict]:
    """Every stored verdict of an incident's failures, lessons first, then the most recent."""
    rows = db.query(
        "SELECT verdict FROM verdicts WHERE incident_id = ? ORDER BY kind = 'lesson' DESC, at DESC, key",
        (incident_id,),
    )
    return [Verdict.from_json(_json(r["verdict"], None)) for r in rows]


def mark_recovered(db: Database, session_id: str, incident_id: str) -> None:
    db.execute(
        "UPDATE occurrences SET recovered = 1 WHERE session_id = ? AND incident_id = ?",
        (session_id, incident_id),
    )


def transcript_offset(db: Database, path: str) -> int:
    return int(db.scalar("SELECT read_offset FROM transcript_offsets WHERE path = ?", (path,)) or 0)


def judge_offset(db: Database, path: str) -> int | None:
    """Where the line of the transcript's earliest failure not settled yet starts (None: every one is)."""
    value = db.scalar("SELECT judge_offset FROM transcript_offsets WHERE path = ?", (path,))
    return None if value is None else int(value)


def set_judge_offset(db: Database, path: str, offset: int | None) -> None:
    db.execute("UPDATE transcript_offsets SET judge_offset = ? WHERE path = ?", (offset, path))


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
    " r.failed_tool_use_id AS r_failed_tool_use_id, r.steps_between AS r_between,"
    " (SELECT v.verdict FROM verdicts v WHERE v.incident_id = i.id"
    "  ORDER BY v.kind = 'lesson' DESC, v.at DESC, v.key LIMIT 1) AS v_verdict"
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
        verdict=_stored_verdict(row["v_verdict"]),
    )


def _stored_verdict(text: str | None) -> Verdict | None:
    """A stored verdict read back; a damaged one is reported as none rather than trusted or fatal."""
    if not text:
        return None
    try:
        return Verdict.from_json(_json(text, None))
    except NevoError:
        return None


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
