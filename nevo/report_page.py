"""``nevo report``: the numbers behind the one-page report of what the agent learned (``--json`` prints them).

Read only, through the stores: incidents and their occurrences, the rules in ``.claude/rules``, memory,
the LLM metering table, the nightly fitness snapshots and last result. Guard events (a guard rewrote or
refused a call, or stood aside because its cause no longer held) are read from ``rule_events`` when the
database has that table, and count as zero otherwise. :mod:`nevo.report_html` draws the page.

Not to be confused with :mod:`nevo.reports`, which writes one Markdown report per incident.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from nevo import store
from nevo.clock import Clock, iso, parse_instant, system_clock
from nevo.config import load_config
from nevo.db import Database, open_database
from nevo.errors import NevoError
from nevo.incidents import list_incidents
from nevo.memory.fitness import FIELDS as FITNESS_FIELDS
from nevo.rules import RuleBook
from nevo.workspace import Workspace

DEFAULT_DAYS = 30
TOP_INCIDENTS = 10
GUARD_EVENTS_TABLE = "rule_events"
WARM_FILES = (("MEMORY.md", "memory.memory_chars"), ("USER.md", "memory.user_chars"))


def gather(workspace: Workspace, *, days: int = DEFAULT_DAYS, clock: Clock = system_clock) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-ready values; ``days`` ends today (UTC)."""
    if not workspace.nevo_dir.is_dir():
        raise NevoError(f"nevo is not installed in {workspace.root}", "run `nevo init` there first")
    if days < 1:
        raise NevoError(f"--days must be 1 or more (got {days})", "e.g. --days 30")
    now = clock()
    first_day = (now - timedelta(days=days - 1)).date().isoformat()
    day_list = [(now - timedelta(days=offset)).date().isoformat() for offset in range(days - 1, -1, -1)]
    config = load_config(workspace)
    with open_database(workspace) as local, store.shared(workspace, local, config) as db:  # db: the shared tables
        guard_events = _guard_events(db)
        rules = _rules(workspace, db, guard_events)
        data: dict[str, Any] = {
            "workspace": str(workspace.root),
            "generated_at": iso(now),
            "days": days,
            "period": {"from": first_day, "to": day_list[-1]},
            "failures_per_day": _failures_per_day(db, day_list, guard_events),
            "top_incidents": _top_incidents(db, rules),
            "rules": rules,
            "memory": _memory(local, workspace, config.get),
            "llm": _llm(db, day_list, config.get),
            "nightly": _nightly(local, first_day, str(config.get("schedule.nightly"))),
        }
        data["totals"] = {**_totals(data), "incidents": int(db.scalar("SELECT COUNT(*) FROM incidents"))}
    return data


def _day(instant: str) -> str:
    try:
        return parse_instant(instant).date().isoformat()
    except (ValueError, TypeError):
        return str(instant)[:10]


def _guard_events(db: Database) -> list[dict[str, str]]:
    """Every guard event: rule, what happened (hit / stood-aside), what it did, when."""
    rows = db.query(f"SELECT rule_id, event, action, at FROM {GUARD_EVENTS_TABLE} ORDER BY at")
    return [
        {"rule": str(r["rule_id"]), "event": str(r["event"]), "action": str(r["action"]), "at": str(r["at"])}
        for r in rows
    ]


def _failures_per_day(db: Database, day_list: list[str], guard_events: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Per day: failures that opened an incident (new), failures of a known incident (repeated), and calls a
    guard rewrote or refused (prevented: the failure that did not happen)."""
    per_day: dict[str, dict[str, Any]] = {
        day: {"day": day, "new": 0, "repeated": 0, "prevented": 0} for day in day_list
    }
    rows = db.query(
        "SELECT o.at, o.id = (SELECT o2.id FROM occurrences o2 WHERE o2.incident_id = o.incident_id"
        " ORDER BY o2.at, o2.id LIMIT 1) AS first FROM occurrences o WHERE o.at >= ?",
        (day_list[0],),
    )
    for row in rows:
        bucket = per_day.get(_day(str(row["at"])))
        if bucket is not None:
            bucket["new" if row["first"] else "repeated"] += 1
    for event in guard_events:
        bucket = per_day.get(_day(event["at"]))
        if bucket is not None and event["event"] == "hit":
            bucket["prevented"] += 1
    return list(per_day.values())


def _rules(workspace: Workspace, db: Database, guard_events: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each rule with the moments its incidents came back after it was made, and its guard's events."""
    out = []
    for rule in sorted(RuleBook(workspace).rules(), key=lambda r: (r.created, r.id)):
        created = rule.created or ""
        since = created + "T23:59:59Z" if len(created) == 10 else created  # a date: from the end of that day
        recurrences: list[str] = []
        if rule.incidents:
            marks = ",".join("?" for _ in rule.incidents)
            recurrences = [
                str(r["at"])
                for r in db.query(
                    f"SELECT at FROM occurrences WHERE incident_id IN ({marks}) AND at > ? ORDER BY at",
                    (*rule.incidents, since),
                )
            ]
        events = [e for e in guard_events if e["rule"] == rule.id]
        out.append(
            {
                "id": rule.id,
                "title": rule.title,
                "status": rule.status,
                "created": created,
                "enforcement": rule.enforcement,
                "guard": bool(rule.guard),
                "incidents": list(rule.incidents),
                "recurrences": recurrences,
                "guard_hits": [e["at"] for e in events if e["event"] == "hit"],
                "stood_aside": [e["at"] for e in events if e["event"] == "stood-aside"],
            }
        )
    return out


def _top_incidents(db: Database, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ruled = {incident: rule["id"] for rule in rules for incident in rule["incidents"]}
    return [
        {
            "id": incident.id,
            "tool": incident.tool,
            "command": incident.command,
            "error_class": incident.error_class,
            "count": incident.count,
            "sessions": incident.session_count,
            "status": incident.status,
            "first_seen": incident.first_seen,
            "last_seen": incident.last_seen,
            "recovered": incident.recovery is not None,
            "rule": ruled.get(incident.id),
        }
        for incident in list_incidents(db)[:TOP_INCIDENTS]
    ]


def _memory(db: Database, workspace: Workspace, setting: Any) -> dict[str, Any]:
    from nevo.memory.status import memory_status

    status = memory_status(db, workspace)
    categories = {
        str(r["category"]): int(r["n"]) for r in db.query("SELECT category, COUNT(*) AS n FROM facts GROUP BY category")
    }
    warm = {}
    for name, key in WARM_FILES:
        path = workspace.memory_dir / name
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        warm[name] = {
            "chars": len(text),
            "budget": int(setting(key)),
            "lines": [line for line in text.splitlines() if line.strip()],
        }
    return {
        "sessions": status["sessions"],
        "journal": status["journal"],
        "narratives": status["narratives"],
        "facts": status["facts"],
        "facts_by_category": categories,
        "weekly": status["weekly"],
        "monthly": status["monthly"],
        "inbox": status["inbox"],
        "warm": warm,
    }


def _llm(db: Database, day_list: list[str], setting: Any) -> dict[str, Any]:
    per_day = {day: {"day": day, "calls": 0, "failed": 0, "tokens": 0, "cost_usd": 0.0} for day in day_list}
    for row in db.query(
        "SELECT day, COUNT(*) AS calls, SUM(1 - ok) AS failed, SUM(input_tokens + output_tokens) AS tokens,"
        " SUM(cost_usd) AS cost FROM llm_calls WHERE day >= ? GROUP BY day",
        (day_list[0],),
    ):
        bucket = per_day.get(str(row["day"]))
        if bucket is not None:
            bucket.update(calls=int(row["calls"]), failed=int(row["failed"] or 0), tokens=int(row["tokens"] or 0))
            bucket["cost_usd"] = round(float(row["cost"] or 0.0), 6)
    by_agent = {
        str(r["agent"]): {
            "calls": int(r["calls"]),
            "tokens": int(r["tokens"] or 0),
            "cost_usd": round(float(r["cost"] or 0), 6),
        }
        for r in db.query(
            "SELECT agent, COUNT(*) AS calls, SUM(input_tokens + output_tokens) AS tokens, SUM(cost_usd) AS cost"
            " FROM llm_calls WHERE day >= ? GROUP BY agent ORDER BY cost DESC, calls DESC",
            (day_list[0],),
        )
    }
    return {
        "per_day": list(per_day.values()),
        "by_agent": by_agent,
        "token_cap": int(setting("provider.daily_token_cap")),
        "cost_cap_usd": float(setting("provider.daily_cost_cap_usd")),
    }


def _nightly(db: Database, first_day: str, schedule: str) -> dict[str, Any]:
    """The nightly runs in the period (one fitness snapshot each) and the outcome of the last one."""
    runs = [
        {key: row[key] for key in FITNESS_FIELDS}
        for row in db.query(f"SELECT {', '.join(FITNESS_FIELDS)} FROM fitness WHERE at >= ? ORDER BY at", (first_day,))
    ]
    last: dict[str, Any] | None = None
    raw = db.scalar("SELECT value FROM meta WHERE key = 'nightly.last_result'")
    if raw:
        try:
            result = json.loads(str(raw))
            last = {
                "at": result.get("at"),
                "ok": bool(result.get("ok")),
                "steps": [
                    {
                        "name": s.get("name"),
                        "ok": bool(s.get("ok")),
                        "seconds": s.get("seconds"),
                        "error": s.get("error"),
                    }
                    for s in result.get("steps") or []
                    if isinstance(s, dict)
                ],
            }
        except (ValueError, AttributeError):
            last = {"at": None, "ok": False, "steps": [], "error": "the last result is unreadable"}
    return {"schedule": schedule, "runs": runs, "last": last}


def _totals(data: dict[str, Any]) -> dict[str, Any]:
    days = data["failures_per_day"]
    llm = data["llm"]["per_day"]
    rules = data["rules"]
    return {
        "failures": sum(d["new"] + d["repeated"] for d in days),
        "new": sum(d["new"] for d in days),
        "repeated": sum(d["repeated"] for d in days),
        "prevented": sum(d["prevented"] for d in days),
        "rules_active": sum(1 for r in rules if r["status"] == "active"),
        "rules_with_guard": sum(1 for r in rules if r["guard"] and r["status"] == "active"),
        "recurrences": sum(len(r["recurrences"]) for r in rules),
        "guard_hits": sum(len(r["guard_hits"]) for r in rules),
        "stood_aside": sum(len(r["stood_aside"]) for r in rules),
        "llm_calls": sum(d["calls"] for d in llm),
        "tokens": sum(d["tokens"] for d in llm),
        "cost_usd": round(sum(d["cost_usd"] for d in llm), 6),
    }
