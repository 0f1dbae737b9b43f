"""Fitness: is the loop working? A snapshot of rules, incidents, recurrence, facts, skills and spend.

One row per nightly run (``fitness`` table), so the trend is visible with ``nevo fitness``. A snapshot is
idempotent per moment: storing one for an ``at`` that already has a row replaces that row (nightly run twice). Incident
figures come from the monitor's tables when they exist (a workspace without the monitor shows 0).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from nevo.clock import Clock, iso
from nevo.db import Database
from nevo.workspace import Workspace

RECURRENCE_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Snapshot:
    at: str
    rules: int
    incidents_open: int
    incidents_known: int
    recurrences: int  # occurrences in the last 7 days of incidents first seen before that window
    facts: int
    skills: int
    tokens: int
    cost_usd: float
    sessions: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FIELDS = (
    "at",
    "rules",
    "incidents_open",
    "incidents_known",
    "recurrences",
    "facts",
    "skills",
    "tokens",
    "cost_usd",
    "sessions",
)


def _has_table(db: Database, name: str) -> bool:
    return db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None


def _columns(db: Database, table: str) -> set[str]:
    return {str(r["name"]) for r in db.query(f"PRAGMA table_info({table})")}


def measure(db: Database, workspace: Workspace, clock: Clock) -> Snapshot:
    now = clock()
    rules = sum(1 for _ in workspace.rules_dir.rglob("*.md")) if workspace.rules_dir.is_dir() else 0
    skills = sum(1 for _ in workspace.skills_dir.glob("*/SKILL.md")) if workspace.skills_dir.is_dir() else 0
    incidents_open = incidents_known = recurrences = 0
    if _has_table(db, "incidents"):
        columns = _columns(db, "incidents")
        incidents_known = int(db.scalar("SELECT COUNT(*) FROM incidents") or 0)
        if "status" in columns:
            incidents_open = int(db.scalar("SELECT COUNT(*) FROM incidents WHERE status != 'resolved'") or 0)
        if _has_table(db, "occurrences") and "first_seen" in columns and "at" in _columns(db, "occurrences"):
            since = iso(now - timedelta(days=RECURRENCE_WINDOW_DAYS))
            recurrences = int(
                db.scalar(
                    "SELECT COUNT(*) FROM occurrences o JOIN incidents i ON i.id = o.incident_id"
                    " WHERE o.at >= ? AND i.first_seen < ?",
                    (since, since),
                )
                or 0
            )
    spent = db.one(
        "SELECT COALESCE(SUM(input_tokens + output_tokens), 0) AS tokens,"
        " COALESCE(SUM(cost_usd), 0) AS cost FROM llm_calls"
    )
    assert spent is not None
    return Snapshot(
        at=iso(now),
        rules=rules,
        incidents_open=incidents_open,
        incidents_known=incidents_known,
        recurrences=recurrences,
        facts=int(db.scalar("SELECT COUNT(*) FROM facts") or 0),
        skills=skills,
        tokens=int(spent["tokens"]),
        cost_usd=round(float(spent["cost"]), 6),
        sessions=int(db.scalar("SELECT COUNT(*) FROM sessions") or 0),
    )


def take_snapshot(db: Database, workspace: Workspace, clock: Clock) -> Snapshot:
    """Measure and store a snapshot, replacing any stored for the same moment."""
    snapshot = measure(db, workspace, clock)
    values = snapshot.as_dict()
    with db.transaction():
        # Delete-then-insert rather than INSERT OR REPLACE: a database migrated before the unique index on
        # ``at`` existed holds no constraint to replace on, and must not gain a duplicate either.
        db.execute("DELETE FROM fitness WHERE at = ?", (snapshot.at,))
        db.execute(
            f"INSERT INTO fitness ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})",
            [values[name] for name in FIELDS],
        )
    return snapshot


def list_snapshots(db: Database, limit: int = 60) -> list[Snapshot]:
    """The latest ``limit`` snapshots, oldest first."""
    rows = db.query(f"SELECT {', '.join(FIELDS)} FROM fitness ORDER BY at DESC, id DESC LIMIT ?", (limit,))
    return [Snapshot(**{name: row[name] for name in FIELDS}) for row in reversed(rows)]
