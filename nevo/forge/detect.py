"""DETECT: the gaps worth a skill. Three sources:

- analysed incidents whose root cause is missing knowledge or a process gap (the analyst's ``analyses``);
- multi-step tool sequences the journal shows repeated across sessions: each session's successful shell
  commands are normalised to their program and sub-command (``alembic upgrade``), and the ordered n-grams
  (length >= 3) that at least ``forge.min_sessions`` sessions share are a costly pattern worth packaging;
- a person's ``nevo forge request "TEXT"``, with the journal searched for the commands that match it.

Each gap is stored once in ``gap_candidates`` (keyed, so seeing it again updates it instead of adding one).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nevo.clock import Clock, iso
from nevo.db import Database, OperationalError
from nevo.forge.sequences import contains, occurrence, repeated_sequences, session_steps, step_token

ANALYSIS_CATEGORIES = ("missing-knowledge", "process-gap")
MAX_JOURNAL_GAPS = 5
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by do for from how i in into is it me my of on or our please run skill that"
        " the this to use using we when with you your make write create",
    )
)


@dataclass
class Gap:
    key: str
    source: str  # analysis | journal | request
    title: str
    detail: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)
    sessions: int = 0
    id: int | None = None
    status: str = "new"
    decision: str | None = None
    decision_reason: str | None = None
    skill_name: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _key(prefix: str, text: str) -> str:
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


# -- from analyses ----------------------------------------------------------------------------------


def from_analyses(db: Database) -> list[Gap]:
    """One gap per analysed incident whose latest analysis says missing knowledge or a process gap (read from
    the shared store when one is open beside ``db``: the team's analyses and incidents live there)."""
    from nevo.incidents import get_incident
    from nevo.store import shared_beside

    db = shared_beside(db)
    try:
        rows = db.query(
            "SELECT a.incident_id, a.root_cause, a.category, a.rule_id, a.verdict FROM analyses a"
            " WHERE a.id IN (SELECT MAX(id) FROM analyses GROUP BY incident_id) AND a.category IN (?, ?)"
            " ORDER BY a.id",
            ANALYSIS_CATEGORIES,
        )
    except OperationalError:  # the analyst's tables are not there (an older database): nothing to read
        return []
    gaps = []
    for row in rows:
        incident = get_incident(db, row["incident_id"])
        if incident is None:
            continue
        evidence: dict[str, Any] = {
            "root_cause": row["root_cause"],
            "category": row["category"],
            "rule_id": row["rule_id"],
            "tool": incident.tool,
            "command": incident.command,
            "error_class": incident.error_class,
            "error": incident.normalized_error[:500],
            "count": incident.count,
            "session_count": incident.session_count,
            "is_loop": incident.is_loop,
        }
        if incident.recovery is not None:
            evidence["recovery"] = {
                "tool": incident.recovery.tool,
                "command": incident.recovery.command,
                "between": list(incident.recovery.between)[:10],
            }
        label = "Process gap" if row["category"] == "process-gap" else "Missing knowledge"
        what = incident.command or incident.tool
        gaps.append(
            Gap(
                key=f"analysis:{incident.id}",
                source="analysis",
                title=f"{label}: {incident.error_class} from `{what[:80]}`",
                detail=str(row["root_cause"] or ""),
                evidence=evidence,
                incidents=[incident.id],
                sessions=incident.session_count,
            )
        )
    return gaps


# -- from the journal -------------------------------------------------------------------------------


def failures_between(db: Database, session_id: str, first_seq: int, last_seq: int) -> list[dict[str, Any]]:
    """The failed calls in a span of a session, each with the next successful command (what fixed it)."""
    rows = db.query(
        "SELECT seq, tool, command, output FROM journal WHERE session_id = ? AND kind = 'tool'"
        " AND is_error = 1 AND seq BETWEEN ? AND ? ORDER BY seq",
        (session_id, first_seq, last_seq),
    )
    found = []
    for row in rows:
        fix = db.one(
            "SELECT command FROM journal WHERE session_id = ? AND kind = 'tool' AND is_error = 0 AND seq > ?"
            " AND tool = ? ORDER BY seq LIMIT 1",
            (session_id, row["seq"], row["tool"]),
        )
        found.append(
            {
                "tool": row["tool"],
                "command": row["command"] or "",
                "error": _first_lines(row["output"] or "", 3),
                "fixed_by": fix["command"] if fix else None,
            }
        )
    return found


def from_journal(db: Database, min_sessions: int) -> list[Gap]:
    steps = session_steps(db)
    # A workflow already handled (deployed, rejected, routed...) is not found again as a longer or shorter
    # variant of itself: one skill per workflow.
    handled = [
        tuple(g.evidence.get("sequence") or ())
        for g in list_gaps(db)
        if g.source == "journal" and g.status != "new"
    ]
    found = [
        (gram, sessions)
        for gram, sessions in repeated_sequences(steps, min_sessions)
        if not any(
            known and known != gram and (contains(known, gram) or contains(gram, known)) for known in handled
        )
    ]
    gaps = []
    for gram, sessions in found[:MAX_JOURNAL_GAPS]:
        latest = sessions[-1]
        occurrences = {sid: occ for sid in sessions if (occ := occurrence(steps[sid], gram)) is not None}
        example = occurrences[latest]
        failures: list[dict[str, Any]] = []
        for sid, occ in occurrences.items():
            failures.extend(failures_between(db, sid, occ[0].seq, occ[-1].seq))
        evidence = {
            "sequence": list(gram),
            "commands": [step.command for step in example],
            "cwd": example[0].cwd,
            "sessions": sessions,
            "failures": failures[:10],
        }
        gaps.append(
            Gap(
                key=_key("journal", " > ".join(gram)),
                source="journal",
                title="Repeated workflow: " + " -> ".join(gram),
                detail=f"the same {len(gram)} steps, in order, in {len(sessions)} sessions",
                evidence=evidence,
                sessions=len(sessions),
            )
        )
    return gaps


# -- from a request ---------------------------------------------------------------------------------


def search_words(text: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9][\w.-]*", text)]
    return list(dict.fromkeys(w for w in words if len(w) >= 3 and w not in _STOPWORDS))


def journal_matches(db: Database, text: str, limit: int = 60) -> list[dict[str, Any]]:
    """Tool calls in the journal that match the words of ``text`` (any of them, best first)."""
    words = search_words(text)
    if not words:
        return []
    query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
    try:
        rows = db.query(
            "SELECT j.session_id, j.seq, j.tool, j.command, j.output, j.is_error, s.cwd FROM journal_fts f"
            " JOIN journal j ON j.id = f.rowid JOIN sessions s ON s.id = j.session_id"
            " WHERE journal_fts MATCH ? AND j.kind = 'tool' ORDER BY bm25(journal_fts) LIMIT ?",
            (query, limit),
        )
    except OperationalError:
        return []
    return [dict(row) for row in rows]


def request_evidence(db: Database, text: str) -> dict[str, Any]:
    """What the journal knows about a requested skill: the commands that worked (from the session that shows
    the most of them, in its order) and the failures met, each with what fixed it."""
    matches = journal_matches(db, text)
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for match in matches:
        # Looking around (ls, cat, grep) is not a step of the work, even when its output matches.
        if match["tool"] == "Bash" and match["command"] and step_token(match["command"], match["cwd"]):
            by_session[match["session_id"]].append(match)
    commands: list[str] = []
    failures: list[dict[str, Any]] = []
    cwd = ""
    if by_session:
        best = max(
            by_session,
            key=lambda sid: (len({m["command"] for m in by_session[sid] if not m["is_error"]}), sid),
        )
        ordered = sorted(by_session[best], key=lambda m: m["seq"])
        cwd = ordered[0]["cwd"] or ""
        commands = list(dict.fromkeys(m["command"] for m in ordered if not m["is_error"]))[:12]
        for sid, session_matches in sorted(by_session.items()):
            for match in session_matches:
                if match["is_error"]:
                    failures.extend(failures_between(db, sid, match["seq"], match["seq"]))
    return {
        "request": text,
        "commands": commands,
        "cwd": cwd,
        "failures": failures[:10],
        "sessions": sorted(by_session),
        "matched_calls": len(matches),
    }


def from_request(db: Database, text: str) -> Gap:
    from nevo.redact import redact

    text = redact(" ".join(text.split()))  # a person may paste a token into a request: never stored
    evidence = request_evidence(db, text)
    return Gap(
        key=_key("request", text.lower()),
        source="request",
        title=text[:200],
        detail=text,
        evidence=evidence,
        sessions=len(evidence["sessions"]),
    )


# -- storage ----------------------------------------------------------------------------------------


def store(db: Database, gaps: Iterable[Gap], clock: Clock, *, reopen: bool = False) -> list[Gap]:
    """Insert new gaps; refresh the evidence of known ones. ``reopen``: a failed or rejected gap seen again
    (a person asking again) goes back to new. Returns the stored gaps with ids and statuses."""
    now = iso(clock())
    stored = []
    with db.transaction():
        for gap in gaps:
            row = db.one("SELECT id, status FROM gap_candidates WHERE key = ?", (gap.key,))
            if row is None:
                cursor = db.execute(
                    "INSERT INTO gap_candidates (key, source, title, detail, evidence, incidents, sessions,"
                    " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?)",
                    (
                        gap.key,
                        gap.source,
                        gap.title,
                        gap.detail,
                        json.dumps(gap.evidence),
                        json.dumps(gap.incidents),
                        gap.sessions,
                        now,
                        now,
                    ),
                )
                gap.id = int(cursor.lastrowid or 0)
            else:
                gap.id = int(row["id"])
                status = "new" if reopen and row["status"] in ("failed", "rejected") else row["status"]
                db.execute(
                    "UPDATE gap_candidates SET evidence = ?, incidents = ?, sessions = ?, status = ?,"
                    " updated_at = ? WHERE id = ?",
                    (json.dumps(gap.evidence), json.dumps(gap.incidents), gap.sessions, status, now, gap.id),
                )
            stored.append(load_gap(db, gap.id))
    return stored


def load_gap(db: Database, gap_id: int) -> Gap:
    row = db.one("SELECT * FROM gap_candidates WHERE id = ?", (gap_id,))
    if row is None:
        raise KeyError(gap_id)
    return _gap(row)


def list_gaps(db: Database, status: str | None = None) -> list[Gap]:
    if status is None:
        return [_gap(r) for r in db.query("SELECT * FROM gap_candidates ORDER BY id")]
    return [_gap(r) for r in db.query("SELECT * FROM gap_candidates WHERE status = ? ORDER BY id", (status,))]


def _gap(row: Any) -> Gap:
    return Gap(
        key=row["key"],
        source=row["source"],
        title=row["title"],
        detail=row["detail"],
        evidence=json.loads(row["evidence"] or "{}"),
        incidents=json.loads(row["incidents"] or "[]"),
        sessions=row["sessions"],
        id=row["id"],
        status=row["status"],
        decision=row["decision"],
        decision_reason=row["decision_reason"],
        skill_name=row["skill_name"],
        note=row["note"],
    )


def detect_all(db: Database, min_sessions: int) -> list[Gap]:
    return [*from_analyses(db), *from_journal(db, min_sessions)]


def _first_lines(text: str, count: int) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:count])[:400]
