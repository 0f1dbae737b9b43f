"""What each rule's record shows: recurrences since it was committed, guard hits, guards standing aside.

The guard hook reports what it did as a trigger (``.nevo/triggers/<stamp>-g<pid>.json``, hook event
``NevoGuard``): ``hit`` when it rewrote or denied a call, ``stood-aside`` when the call matched but the
cause it answers was gone (the script exists now), so it let the call through. The monitor counts each
event once (:func:`record_guard_event`, in its transaction; the key is the trigger's name and content).
Recurrences are occurrences of the rule's incidents after the rule was committed or last revised.

:func:`rule_evidence` puts them together; ``nevo rules list``, the revision of a rule that keeps failing
and the retirement of a rule whose cause is gone (:mod:`nevo.upkeep`) read it. Only this module writes the
``rule_events`` and ``rule_reviews`` tables (``migrations/0007_rule_evidence.sql``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nevo.db import Database

EVENTS = ("hit", "stood-aside")
GUARD_EVENT = "NevoGuard"  # the hook_event_name of a guard's trigger
REVIEW_ACTIONS = ("revised", "unchanged", "rejected", "retired", "provider-error")


class BadGuardEvent(ValueError):
    """A NevoGuard trigger without the fields an event needs; the monitor moves it aside with this reason."""


@dataclass(frozen=True)
class GuardEvent:
    rule_id: str
    event: str  # hit | stood-aside
    action: str  # rewrite | deny
    tool: str
    session_id: str
    tool_use_id: str


def guard_event(payload: dict[str, Any]) -> GuardEvent:
    """Parse a NevoGuard payload; raises :class:`BadGuardEvent` saying what is wrong."""
    event, rule_id = payload.get("event"), payload.get("rule")
    if event not in EVENTS:
        raise BadGuardEvent(f"NevoGuard event must be one of {', '.join(EVENTS)}, not {event!r}")
    if not isinstance(rule_id, str) or not rule_id.strip() or len(rule_id) > 40:
        raise BadGuardEvent(f"NevoGuard event without a rule id: {rule_id!r}")

    def text(name: str) -> str:
        value = payload.get(name)
        return value[:200] if isinstance(value, str) else ""

    return GuardEvent(
        rule_id.strip(), str(event), text("action"), text("tool_name"), text("session_id"), text("tool_use_id")
    )


def record_guard_event(db: Database, key: str, event: GuardEvent, at: str) -> bool:
    """Count one guard event (call inside a transaction). Idempotent per ``key``; True when it was new."""
    cursor = db.execute(
        "INSERT INTO rule_events (key, rule_id, event, action, tool, session_id, tool_use_id, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, event.rule_id, event.event, event.action, event.tool, event.session_id, event.tool_use_id, at),
    )
    return bool(cursor.rowcount)


@dataclass(frozen=True)
class Recurrence:
    incident_id: str
    at: str
    session_id: str


@dataclass(frozen=True)
class RuleEvidence:
    """A rule's record since ``since`` (when it was committed, or last revised)."""

    rule_id: str
    since: str
    recurrences: tuple[Recurrence, ...]
    hits: int
    stood_aside: int
    last_hit: str | None
    last_stood_aside: str | None
    # The first time the guard stood aside after the last hit and the last recurrence: since then the
    # cause has looked gone every time the agent came near it. None while it still acts (or never stood aside).
    cause_gone_since: str | None
    last_review: str | None  # when nevo last looked at the rule again (any review action)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "recurrences": len(self.recurrences),
            "guard_hits": self.hits,
            "stood_aside": self.stood_aside,
            "last_hit": self.last_hit,
            "last_stood_aside": self.last_stood_aside,
            "cause_gone_since": self.cause_gone_since,
            "last_review": self.last_review,
        }


def rule_evidence(db: Database, rule_id: str, incidents: list[str], since: str) -> RuleEvidence:
    """The record of rule ``rule_id`` (answering ``incidents``) since the instant ``since`` (ISO 8601 UTC;
    :attr:`nevo.rules.Rule.since`)."""
    since = since or "0000"
    recurrences: list[Recurrence] = []
    if incidents:
        marks = ",".join("?" * len(incidents))
        rows = db.query(
            "SELECT o.incident_id, o.at, o.session_id FROM occurrences o JOIN incidents i ON i.id = o.incident_id"
            f" WHERE (i.id IN ({marks}) OR i.fingerprint IN ({marks})) AND o.at > ? ORDER BY o.at, o.id",
            (*incidents, *incidents, since),
        )
        recurrences = [Recurrence(r["incident_id"], r["at"], r["session_id"]) for r in rows]
    counts = {
        r["event"]: (int(r["n"]), r["last"])
        for r in db.query(
            "SELECT event, COUNT(*) AS n, MAX(at) AS last FROM rule_events WHERE rule_id = ? AND at > ? GROUP BY event",
            (rule_id, since),
        )
    }
    hits, last_hit = counts.get("hit", (0, None))
    stood, last_stood = counts.get("stood-aside", (0, None))
    # Events are recorded in the order their triggers were written (names sort by time), so the rowid
    # orders a hit and a stand-aside within the same second; a recurrence is known only by its time.
    last_hit_row = db.scalar(
        "SELECT MAX(rowid) FROM rule_events WHERE rule_id = ? AND event = 'hit' AND at > ?", (rule_id, since)
    )
    after = max([since, *([recurrences[-1].at] if recurrences else [])])
    gone = db.scalar(
        "SELECT MIN(at) FROM rule_events WHERE rule_id = ? AND event = 'stood-aside' AND at > ? AND rowid > ?",
        (rule_id, after, int(last_hit_row or 0)),
    )
    review = db.scalar("SELECT MAX(at) FROM rule_reviews WHERE rule_id = ?", (rule_id,))
    return RuleEvidence(
        rule_id, since, tuple(recurrences), hits, stood, last_hit, last_stood, gone, str(review) if review else None
    )


def record_review(db: Database, rule_id: str, at: str, action: str, reason: str, commit: str | None = None) -> None:
    if action not in REVIEW_ACTIONS:
        raise ValueError(f"unknown review action {action!r}")
    with db.transaction():
        db.execute(
            "INSERT INTO rule_reviews (rule_id, at, action, reason, commit_sha) VALUES (?, ?, ?, ?, ?)",
            (rule_id, at, action, reason, commit),
        )


def reviews(db: Database, rule_id: str) -> list[dict[str, Any]]:
    rows = db.query(
        "SELECT at, action, reason, commit_sha FROM rule_reviews WHERE rule_id = ? ORDER BY at, id", (rule_id,)
    )
    return [dict(r) for r in rows]
