"""The text of weekly digests and monthly summaries: what the period's sessions were about, what was decided,
what was learned (facts first stated in the period, most important first), what changed (values that
superseded older ones), what happened (events), and the lessons. Bounded: each list keeps its best items."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

from nevo.db import Database, Row
from nevo.memory.facts import Fact
from nevo.memory.warm import importance

MAX_INTENTS = 12
MAX_DECISIONS = 8
MAX_LESSONS = 10
MAX_LEARNED = 12
MAX_CHANGES = 8
MAX_EVENTS = 8


def narratives(db: Database, session_ids: list[str]) -> list[Row]:
    rows: list[Row] = []
    for start in range(0, len(session_ids), 500):
        chunk = session_ids[start : start + 500]
        rows += db.query(
            "SELECT s.id, s.started_at, s.tool_calls, s.failures, n.intent, n.decisions, n.lessons FROM sessions s"
            f" LEFT JOIN narratives n ON n.session_id = s.id WHERE s.id IN ({','.join('?' * len(chunk))})"
            " ORDER BY s.started_at",
            chunk,
        )
    return rows


def _counted(items: Counter[str], limit: int) -> str:
    return " ".join(f"{text} (x{n})" if n > 1 else text for text, n in items.most_common(limit))


def _period_facts(db: Database, start: date, end: date) -> tuple[list[Fact], list[tuple[Fact, Fact | None]]]:
    """(facts first stated in [start, end), most important first; facts superseded in it with their successor)."""
    first, last = str(start), str(end)
    learned = [
        Fact.from_row(r)
        for r in db.query(
            "SELECT * FROM facts WHERE created_at >= ? AND created_at < ? ORDER BY created_at", (first, last)
        )
    ]
    learned.sort(key=lambda f: (-importance(f), f.created_at))
    changed: list[tuple[Fact, Fact | None]] = []
    for row in db.query(
        "SELECT * FROM facts WHERE superseded_at >= ? AND superseded_at < ? ORDER BY superseded_at", (first, last)
    ):
        old = Fact.from_row(row)
        newer = db.one("SELECT * FROM facts WHERE id = ?", (old.superseded_by,)) if old.superseded_by else None
        changed.append((old, Fact.from_row(newer) if newer else None))
    return learned, changed


def _change_line(old: Fact, new: Fact | None) -> str:
    what = (old.subject or "").replace(":", " ").replace("-", " ")
    arrow = f"{old.value} -> {new.value}" if new and new.value else f"{old.value} replaced"
    return f"{what}: {arrow} ({str(old.superseded_at)[:10]})"


def _facts_lines(db: Database, start: date, end: date, learned_label: str) -> list[str]:
    learned, changed = _period_facts(db, start, end)
    lines: list[str] = []
    durable = [f for f in learned if f.category != "event"]
    if durable:
        lines.append(f"{learned_label}: " + " ".join(f.text for f in durable[:MAX_LEARNED]))
    if changed:
        lines.append("Changed: " + "; ".join(dict.fromkeys(_change_line(o, n) for o, n in changed[:MAX_CHANGES])))
    events = [f for f in learned if f.category == "event"]
    if events:
        lines.append("Events: " + " ".join(f.text for f in events[:MAX_EVENTS]))
    return lines


def weekly_text(db: Database, period: str, monday: date, end: date, members: list[str]) -> tuple[str, dict[str, int]]:
    rows = narratives(db, members)
    calls = sum(int(r["tool_calls"]) for r in rows)
    failures = sum(int(r["failures"]) for r in rows)
    lessons: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    intents: list[str] = []
    for row in rows:
        lessons.update(json.loads(row["lessons"] or "[]"))
        decisions.update(d for d in json.loads(row["decisions"] or "[]") if not d.startswith("Changed "))
        intent = str(row["intent"] or "").split(" Then: ")[0]
        if intent and intent not in intents:
            intents.append(intent)
    lines = [
        f"Week {period} ({monday} to {end - timedelta(days=1)}): {len(rows)} sessions, {calls} tool calls,"
        f" {failures} failed."
    ]
    if intents:
        more = f" | (+{len(intents) - MAX_INTENTS} more)" if len(intents) > MAX_INTENTS else ""
        lines.append("Work: " + " | ".join(intents[:MAX_INTENTS]) + more)
    if decisions:
        lines.append("Decisions: " + _counted(decisions, MAX_DECISIONS))
    lines += _facts_lines(db, monday, end, "Learned")
    if lessons:
        lines.append("Lessons: " + _counted(lessons, MAX_LESSONS))
    return "\n".join(lines), {"sessions": len(rows), "tool_calls": calls, "failures": failures}


def monthly_text(db: Database, period: str, weekly_ids: list[int]) -> tuple[str, dict[str, int], date, date]:
    marks = ",".join("?" * len(weekly_ids))
    weeks = db.query(f"SELECT * FROM digests WHERE id IN ({marks}) ORDER BY starts_at", weekly_ids)
    sessions = [str(r["id"]) for r in db.query(f"SELECT id FROM sessions WHERE weekly_id IN ({marks})", weekly_ids)]
    lessons: Counter[str] = Counter()
    for row in narratives(db, sessions):
        lessons.update(json.loads(row["lessons"] or "[]"))
    stats = {key: sum(int(w[key]) for w in weeks) for key in ("sessions", "tool_calls", "failures")}
    lines = [
        f"Month {period}: {stats['sessions']} sessions in {len(weeks)} weeks, {stats['tool_calls']} tool calls,"
        f" {stats['failures']} failed."
    ]
    for week in weeks:
        work = next((line[6:] for line in str(week["text"]).splitlines() if line.startswith("Work: ")), "")
        lines.append(f"{week['period']}: {week['sessions']} sessions. " + work.split(" | ")[0][:160])
    first = date.fromisoformat(str(weeks[0]["starts_at"])) if weeks else date.today()
    last = date.fromisoformat(str(weeks[-1]["ends_at"])) if weeks else first
    lines += _facts_lines(db, first, last, "Key facts")
    if lessons:
        lines.append("Key lessons: " + _counted(lessons, MAX_LESSONS))
    return "\n".join(lines), stats, first, last
