"""Warm memory: two small files loaded into every session's context, whatever the number of facts.

``.nevo/memory/MEMORY.md`` (at most memory.memory_chars, 2,200 by default): how this project is built
and run, and lessons. ``.nevo/memory/USER.md`` (at most memory.user_chars, 1,375): the user's
preferences. Each is rendered from the highest-value facts: a category weight, times how often the
fact was confirmed (log), times how recently it was last seen (half-life 90 days).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from nevo.clock import Clock, parse_instant
from nevo.config import Config
from nevo.context import memory_context, refresh_context
from nevo.db import Database
from nevo.fsutil import atomic_write_text
from nevo.memory.facts import Fact, fact_problem
from nevo.redact import redact
from nevo.workspace import Workspace

CATEGORY_WEIGHT = {"preference": 3.0, "lesson": 3.0, "environment": 2.5, "configuration": 2.5, "event": 1.0}
HALF_LIFE_DAYS = 90.0
CANDIDATE_LIMIT = 5000  # facts considered per file: the most confirmed and most recent

MEMORY_HEADER = "# Project memory (nevo: rendered from facts, edits are overwritten)\n"
USER_HEADER = "# The user's preferences (nevo: rendered from facts, edits are overwritten)\n"


@dataclass(frozen=True)
class WarmMemory:
    memory: str
    user: str
    changed: bool


def score(fact: Fact, now: datetime) -> float:
    age_days = max(0.0, (now - parse_instant(fact.last_seen_at)).total_seconds() / 86400)
    recency = 0.5 ** (age_days / HALF_LIFE_DAYS)
    return CATEGORY_WEIGHT.get(fact.category, 1.0) * (1 + math.log2(max(1, fact.confirmations))) * recency


def _top_facts(db: Database, categories: tuple[str, ...], now: datetime) -> list[Fact]:
    marks = ",".join("?" * len(categories))
    rows = db.query(
        f"SELECT * FROM facts WHERE category IN ({marks}) ORDER BY confirmations DESC, last_seen_at DESC LIMIT ?",
        (*categories, CANDIDATE_LIMIT),
    )
    facts = [Fact.from_row(r) for r in rows]
    return sorted(facts, key=lambda f: (-score(f, now), f.id))


def _shown_text(fact: Fact) -> str | None:
    """The fact as it may be loaded into every session, or None when it must not be: facts stored
    before the safety gate and the prose redaction existed are checked again here."""
    text = redact(fact.text)
    return None if fact_problem(text, fact.source) else text


def _fill(header: str, sections: list[tuple[str, list[Fact]]], budget: int) -> str:
    """Best facts first, each section keeping its own order, until the budget is spent (never exceeded)."""
    text = header
    chosen: dict[str, list[str]] = {title: [] for title, _ in sections}
    ranked = sorted(
        ((rank, title, fact) for title, facts in sections for rank, fact in enumerate(facts)),
        key=lambda item: item[0],
    )
    used = len(header) + sum(len(f"\n## {title}\n") for title, facts in sections if facts)
    for _, title, fact in ranked:
        line = f"- {fact.text}\n"
        if used + len(line) > budget:
            continue
        shown = _shown_text(fact)
        if shown is None:
            continue
        line = f"- {shown}\n"
        if used + len(line) > budget:
            continue
        chosen[title].append(line)
        used += len(line)
    for title, _ in sections:
        if chosen[title]:
            text += f"\n## {title}\n" + "".join(chosen[title])
    return text if len(text) <= budget else text[:budget]


def render_memory(db: Database, config: Config, now: datetime) -> tuple[str, str]:
    """(MEMORY.md, USER.md) text; empty strings when there is nothing to say."""
    environment = _top_facts(db, ("environment", "configuration"), now)
    lessons = _top_facts(db, ("lesson", "event"), now)
    preferences = _top_facts(db, ("preference",), now)
    memory = ""
    if environment or lessons:
        memory = _fill(
            MEMORY_HEADER,
            [("How this project is built and run", environment), ("Lessons", lessons)],
            int(config.get("memory.memory_chars")),
        )
    user = (
        _fill(USER_HEADER, [("Preferences", preferences)], int(config.get("memory.user_chars"))) if preferences else ""
    )
    return memory, user


def render_warm(db: Database, workspace: Workspace, config: Config, clock: Clock) -> WarmMemory:
    """Re-render MEMORY.md and USER.md; when they changed, re-render the SessionStart context too."""
    memory, user = render_memory(db, config, clock())
    changed = False
    for name, text in (("MEMORY.md", memory), ("USER.md", user)):
        path = workspace.memory_dir / name
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current == text:
            continue
        changed = True
        if text:
            atomic_write_text(path, text)
        else:
            path.unlink(missing_ok=True)
    if changed:
        refresh(workspace)
    return WarmMemory(memory, user, changed)


warm_context = memory_context  # the warm memory as context text; it lived here (context renders it now)


def refresh(workspace: Workspace) -> bool:
    """Re-render the SessionStart context (rules index and warm memory)."""
    refresh_context(workspace)
    return True
