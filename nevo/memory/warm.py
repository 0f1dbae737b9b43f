"""Warm memory: two small files loaded into every session's context, whatever the number of facts.

``.nevo/memory/USER.md`` (at most memory.user_chars, 1,375 by default): the user's instructions and
preferences. ``.nevo/memory/MEMORY.md`` (at most memory.memory_chars, 2,200): how this project is set up
(package managers, commands, ports, hosts, versions, decisions), lessons, and recent events. Both are
always written, with a header even when there is nothing to say yet.

What goes in is ranked by importance (what kind of fact, who said it, what it is about) and recency, not
by how often it was re-confirmed: a build command seen in every session is one line, not the top of the
file. Superseded and expired facts never appear; near-duplicates (one subject and value, or nearly the
same words) are one line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from nevo.clock import Clock, iso, parse_instant
from nevo.config import Config
from nevo.context import EMPTY_MEMORY_LINE, memory_context, refresh_context
from nevo.db import Database
from nevo.fsutil import atomic_write_text
from nevo.memory.facts import Fact, fact_problem, same_value
from nevo.redact import redact
from nevo.workspace import Workspace

HALF_LIFE_DAYS = 60.0  # durable facts fade slowly
EVENT_HALF_LIFE_DAYS = 7.0  # events matter for days
EVENT_DAYS_SHOWN = 21  # older events stay searchable but leave the warm files
CANDIDATE_LIMIT = 3000  # facts considered: the most recent

MEMORY_HEADER = "# Project memory (nevo: rendered from facts, edits are overwritten)\n"
USER_HEADER = "# The user's instructions and preferences (nevo: rendered from facts, edits are overwritten)\n"
EMPTY_LINE = EMPTY_MEMORY_LINE + "\n"

# How much a fact matters to every session, by what it is about (the subject's kind) ...
SUBJECT_WEIGHT = {"package-manager": 9.0, "port": 8.5, "host": 8.5, "tool": 7.5, "command": 7.0, "release": 7.0,
                  "remote": 6.0, "path": 5.0}  # fmt: skip
RUNTIMES = {"node", "python", "postgres", "mysql", "redis", "go", "rust", "ruby", "java", "deno", "bun"}
# ... and, for a fact about nothing nameable, by its category and who said it.
KIND_WEIGHT = {
    ("preference", "user"): 10.0,
    ("configuration", "user"): 9.0,
    ("lesson", "verdict"): 7.5,
    ("configuration", "agent"): 6.5,
    ("event", "user"): 6.0,
}
CATEGORY_WEIGHT = {"preference": 6.0, "configuration": 5.5, "lesson": 5.5, "environment": 4.5, "event": 4.0}
SECTIONS = ("Setup", "Lessons", "Recent events")


@dataclass(frozen=True)
class WarmMemory:
    memory: str
    user: str
    changed: bool


def importance(fact: Fact) -> float:
    if fact.subject and fact.value and fact.category != "preference":
        kind, _, what = fact.subject.partition(":")
        if kind == "version":
            return 7.0 if what in RUNTIMES else 3.5
        weight = SUBJECT_WEIGHT.get(kind, 5.0)
        return weight + (1.0 if fact.source == "user" else 0.0)
    return KIND_WEIGHT.get((fact.category, fact.source), CATEGORY_WEIGHT.get(fact.category, 3.0))


def score(fact: Fact, now: datetime) -> float:
    age_days = max(0.0, (now - parse_instant(fact.last_seen_at)).total_seconds() / 86400)
    half_life = EVENT_HALF_LIFE_DAYS if fact.category == "event" else HALF_LIFE_DAYS
    recency = 0.5 ** (age_days / half_life)
    confirmed = 1 + 0.05 * math.log2(max(1, fact.confirmations))  # a small tie-breaker, never the ranking
    return importance(fact) * recency * min(confirmed, 1.1)


def _current_facts(db: Database, now: datetime) -> list[Fact]:
    rows = db.query(
        "SELECT * FROM facts WHERE superseded_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"
        " ORDER BY last_seen_at DESC, id DESC LIMIT ?",
        (iso(now), CANDIDATE_LIMIT),
    )
    return [Fact.from_row(r) for r in rows]


def _shown_text(text: str, source: str) -> str | None:
    """A fact as it may be loaded into every session, or None when it must not be: facts stored
    before the safety gate and the prose redaction existed are checked again here."""
    text = redact(text)
    return None if fact_problem(text, source) else text


_WORD = re.compile(r"[a-z0-9][a-z0-9._/-]*")
_STOP = {"the", "a", "an", "is", "are", "to", "of", "in", "on", "for", "and", "or", "with", "this", "that", "it", "we"}


def _words(text: str) -> set[str]:
    return {w.strip("._/-") for w in _WORD.findall(text.lower()) if w not in _STOP}


def _near(a: set[str], b: set[str]) -> bool:
    """Nearly the same words: most of the shorter statement is in the longer one."""
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.7


class _Picker:
    """Keeps one line per subject value and per near-identical wording, best first."""

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {}
        self.words: list[tuple[set[str], str | None]] = []

    def take(self, fact: Fact) -> bool:
        if fact.subject and fact.value:
            seen = self.values.setdefault(fact.subject, [])
            if any(same_value(v, fact.value) for v in seen):
                return False
        words = _words(fact.text)
        if any(_near(words, other) and subject in (None, fact.subject) for other, subject in self.words):
            return False
        if fact.subject and fact.value:
            self.values[fact.subject].append(fact.value)
        self.words.append((words, fact.subject))
        return True


def _section(fact: Fact) -> str:
    if fact.category == "lesson":
        return "Lessons"
    if fact.category == "event":
        return "Recent events"
    return "Setup"


_EVIDENCE = re.compile(r"\s*\(`[^`]*`\)\.?$")


def compact(fact: Fact) -> str:
    """The fact as one short line for the warm files (the full text stays in the facts table and search):
    command output facts without the command that showed them, lessons without the error they quote."""
    text = fact.text
    if fact.source == "output":
        text = _EVIDENCE.sub(".", text)
    elif fact.source == "verdict":
        text = text.split(" Error: ")[0]
    return text


@dataclass(frozen=True)
class _Entry:
    section: str
    text: str
    fact: Fact | None  # None: a line made of several facts (the commands that work)


def _commands_line(facts: list[Fact]) -> str:
    """The commands that ran successfully, grouped by what they do, best first: one line, not one per command."""
    roles: dict[str, list[str]] = {}
    for fact in facts:
        role = str(fact.subject).split(":", 1)[1]
        shown = roles.setdefault(role, [])
        if f"`{fact.value}`" not in shown:
            shown.append(f"`{fact.value}`")
    return "Commands that work here: " + "; ".join(f"{role} {', '.join(heads)}" for role, heads in roles.items()) + "."


def _fill(header: str, entries: list[_Entry], titles: tuple[str, ...], budget: int) -> str:
    """Best entries first, each into its section, until the budget is spent (never exceeded)."""
    chosen: dict[str, list[str]] = {title: [] for title in titles}
    picker = _Picker()
    used = len(header)
    for entry in entries:
        shown = _shown_text(entry.text, entry.fact.source if entry.fact else "journal")
        if shown is None:
            continue
        line = f"- {shown}\n"
        cost = len(line) + (0 if chosen[entry.section] else len(f"\n## {entry.section}\n"))
        if used + cost > budget or (entry.fact is not None and not picker.take(entry.fact)):
            continue
        chosen[entry.section].append(line)
        used += cost
    body = "".join(f"\n## {title}\n" + "".join(lines) for title, lines in chosen.items() if lines)
    text = header + (body or "\n" + EMPTY_LINE)
    return text if len(text) <= budget else text[:budget]


def render_memory(db: Database, config: Config, now: datetime) -> tuple[str, str]:
    """(MEMORY.md, USER.md) text, each at least its header."""
    facts = sorted(_current_facts(db, now), key=lambda f: (-score(f, now), -f.id))
    user: list[_Entry] = []
    memory: list[_Entry] = []
    # Commands shown to work (by the journal, the inbox, command output) are one line, grouped by what they do.
    commands = [
        f
        for f in facts
        if f.source in ("journal", "inbox", "output") and (f.subject or "").startswith("command:") and f.value
    ]
    for fact in facts:
        if fact.category == "preference" and fact.source in ("user", "inbox", "model"):
            user.append(_Entry("Instructions and preferences", fact.text, fact))
        elif fact in commands:
            if fact is commands[0]:
                memory.append(_Entry("Setup", _commands_line(commands), None))
        elif fact.category == "event":
            if (now - parse_instant(fact.last_seen_at)).days <= EVENT_DAYS_SHOWN:
                memory.append(_Entry("Recent events", compact(fact), fact))
        else:
            memory.append(_Entry(_section(fact), compact(fact), fact))
    return (
        _fill(MEMORY_HEADER, memory, SECTIONS, int(config.get("memory.memory_chars"))),
        _fill(USER_HEADER, user, ("Instructions and preferences",), int(config.get("memory.user_chars"))),
    )


def render_warm(db: Database, workspace: Workspace, config: Config, clock: Clock) -> WarmMemory:
    """Re-render MEMORY.md and USER.md (both always exist); when they changed, re-render the SessionStart
    context too."""
    memory, user = render_memory(db, config, clock())
    changed = False
    for name, text in (("MEMORY.md", memory), ("USER.md", user)):
        path = workspace.memory_dir / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        changed = True
        atomic_write_text(path, text)
    if changed:
        refresh(workspace)
    return WarmMemory(memory, user, changed)


warm_context = memory_context  # the warm memory as context text; it lived here (context renders it now)


def refresh(workspace: Workspace) -> bool:
    """Re-render the SessionStart context (rules index and warm memory)."""
    refresh_context(workspace)
    return True
