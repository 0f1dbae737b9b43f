"""Semantic memory: atomic facts with a category, a time to live, a content hash, provenance and a subject.

A fact is one short sentence ("This project tests with `pnpm test`."). The same fact said again, in
any session, is one row (SHA-256 of the normalised text) whose confirmations grow; each origin is
kept in ``fact_sources``. A fact about a nameable thing (a port, a version, a package manager, a host,
a command: see :mod:`nevo.memory.subjects`) carries that subject and its value, and a newer value of the
same thing supersedes the older one (:func:`resolve_subject`): the old fact stays, marked superseded with
when and by which fact. Where facts come from is :mod:`nevo.memory.extract`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from nevo.clock import iso, parse_instant
from nevo.config import Config
from nevo.db import Database
from nevo.memory.events import event_days
from nevo.memory.subjects import keywords
from nevo.redact import MARKER_PREFIX, redact
from nevo.safety import scan

log = logging.getLogger(__name__)

CATEGORIES = ("preference", "configuration", "environment", "event", "lesson")
SOURCES = ("user", "agent", "output", "journal", "verdict", "inbox", "model")
MAX_FACT_CHARS = 240
DECLARING = ("user", "agent")  # sources whose statement of a value is a decision, not an observation


@dataclass(frozen=True)
class FactCandidate:
    text: str
    category: str
    source: str  # user, agent, output, journal, verdict, inbox, model
    journal_seq: int | None = None
    subject: str | None = None  # "port:dev server" (see nevo.memory.subjects)
    value: str | None = None
    replaces: tuple[str, ...] = ()  # values the statement names as old ("pnpm, not npm")
    at: str | None = None  # when it was said or shown (the journal row's time); None: the session's start


@dataclass(frozen=True)
class Fact:
    id: int
    text: str
    category: str
    source: str
    session_id: str | None
    journal_seq: int | None
    created_at: str
    last_seen_at: str
    confirmations: int
    expires_at: str | None
    subject: str | None = None
    value: str | None = None
    superseded_at: str | None = None
    superseded_by: int | None = None

    @property
    def current(self) -> bool:
        return self.superseded_at is None

    @classmethod
    def from_row(cls, row: Any) -> Fact:
        names = set(row.keys())
        values: dict[str, Any] = {name: row[name] if name in names else None for name in cls.__dataclass_fields__}
        return cls(**values)


def normalise(text: str) -> str:
    """What makes two statements the same fact: case, spacing, quotes and final punctuation do not."""
    lowered = text.lower().replace("`", "").replace('"', "").replace("'", "")
    return re.sub(r"\s+", " ", lowered).strip(" .!;:,")


def fact_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def expiry(category: str, seen_at: datetime, config: Config, text: str = "") -> str | None:
    """When a fact stops being true unless said again: its category's time to live, or sooner for an event whose
    own words say it is over within a day or two ("down today", "back tomorrow")."""
    days = config.get("memory.ttl_days").get(category)
    if category == "event" and text:
        short = event_days(text)
        if short is not None:
            days = short if days is None else min(float(days), short)
    return None if days is None else iso(seen_at + timedelta(days=float(days)))


# A credential named next to a redacted value: "the staging password is [REDACTED:password]".
_CREDENTIAL_WORD = re.compile(
    r"\b(?:passw(?:or)?d|passphrase|passcode|secret|token|api[ _-]?key|access[ _-]?key|pin|credentials?)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)  # the same facts are confirmed session after session: scanned once per run
def fact_problem(text: str, source: str) -> str | None:
    """Why ``text`` (already redacted) must not become a fact, or None. Facts are loaded into every
    session's context, so the safety gate applies to them as to rules: tool output read by the agent
    (the inbox, a model's answer) may carry an injected instruction. A user's statement that named a
    credential with its value is useless once redacted, and says where a secret lives: dropped too."""
    # What the person said is theirs to say ("skip the slow tests locally"): the gate is for text that came
    # through tool output or a model. Sub-agent prompts are journaled as the assistant's, never as the user's.
    findings = scan(text) if source != "user" else []
    if findings:
        return f"unsafe ({findings[0].kind})"
    if source == "user" and MARKER_PREFIX in text and _CREDENTIAL_WORD.search(text):
        return "a credential with its value"
    return None


def record_fact(db: Database, candidate: FactCandidate, origin: str, at: datetime, config: Config) -> str:
    """Like remember(), but says what happened: "new", "seen" (known fact, maybe one more
    confirmation), "empty", or "dropped: <why>" (logged)."""
    text = tidy(redact(candidate.text))  # inbox lines and model answers were never redacted: do it here
    category = candidate.category if candidate.category in CATEGORIES else "lesson"
    if not text:
        return "empty"
    problem = fact_problem(text, candidate.source)
    if problem is not None:
        log.warning("fact from %s dropped, %s: %.80r", origin, problem, text)
        return f"dropped: {problem}"
    if candidate.at:
        at = parse_instant(candidate.at)
    candidate = _with_named_subject(db, candidate)
    digest = fact_hash(text)
    stamp = iso(at)
    row = db.one("SELECT id, created_at, last_seen_at, category, subject FROM facts WHERE hash = ?", (digest,))
    if row is None:
        value = redact(candidate.value) if candidate.value else None
        cursor = db.execute(
            "INSERT INTO facts (hash, text, category, source, session_id, journal_seq, created_at, last_seen_at,"
            " confirmations, expires_at, subject, value, replaces, keywords)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
            (
                digest,
                text,
                category,
                candidate.source,
                None if origin.startswith("inbox:") else origin,
                candidate.journal_seq,
                stamp,
                stamp,
                expiry(category, at, config, text),
                candidate.subject if value else None,
                value,
                json.dumps(list(candidate.replaces)) if value and candidate.replaces else None,
                keywords(candidate.subject if value else None, category, value),
            ),
        )
        db.execute(
            "INSERT INTO fact_sources (fact_id, origin, journal_seq, at) VALUES (?, ?, ?, ?)",
            (cursor.lastrowid, origin, candidate.journal_seq, stamp),
        )
        if candidate.subject and value:
            resolve_subject(db, candidate.subject)
        return "new"
    added = db.execute(
        "INSERT OR IGNORE INTO fact_sources (fact_id, origin, journal_seq, at) VALUES (?, ?, ?, ?)",
        (row["id"], origin, candidate.journal_seq, stamp),
    ).rowcount
    if added:
        latest = max(stamp, str(row["last_seen_at"]))
        db.execute(
            "UPDATE facts SET confirmations = confirmations + 1, last_seen_at = ?, created_at = ?, expires_at = ?"
            " WHERE id = ?",
            (
                latest,
                min(stamp, str(row["created_at"])),  # a backfill may bring an older session later
                expiry(str(row["category"]), parse_instant(latest), config, text),
                row["id"],
            ),
        )
        if row["subject"]:
            resolve_subject(db, str(row["subject"]))
    return "seen"


def _with_named_subject(db: Database, candidate: FactCandidate) -> FactCandidate:
    """A statement that names no service ("moved the app to port 3100, 3000 is taken") is about the one whose
    value it names as the old one: it takes that subject, so it replaces that value (when one service had it)."""
    subject = candidate.subject or ""
    if subject != UNNAMED_PORT or not candidate.replaces or not candidate.value:
        return candidate
    marks = ",".join("?" * len(candidate.replaces))
    found = {
        str(r["subject"])
        for r in db.query(
            f"SELECT DISTINCT subject FROM facts WHERE subject LIKE ? AND subject != ? AND value IN ({marks})",
            ("port:%", subject, *candidate.replaces),
        )
    }
    return replace(candidate, subject=found.pop()) if len(found) == 1 else candidate


UNNAMED_PORT = "port:server"  # what subjects.py calls a port whose service the text does not name


def remember(db: Database, candidate: FactCandidate, origin: str, at: datetime, config: Config) -> bool:
    """Record a fact from ``origin`` (a session id, or ``inbox:...``); True when the fact is new. Saying it
    again from the same origin changes nothing; from a new origin it is one more confirmation and its life
    starts again. An unsafe fact is dropped (see fact_problem). Call inside a transaction."""
    return record_fact(db, candidate, origin, at, config) == "new"


# -- supersession -----------------------------------------------------------------------------------


def same_value(a: str, b: str) -> bool:
    """One value, said more or less precisely: "20" and "20.11.1" are the same Node."""
    if a == b:
        return True
    if re.fullmatch(r"\d+(?:\.\d+)*", a) and re.fullmatch(r"\d+(?:\.\d+)*", b):
        short, long = sorted((a, b), key=len)
        return long.startswith(short + ".")
    return False


@dataclass
class _ValueGroup:
    value: str
    first_seen: str
    last_seen: str
    first_id: int
    ids: list[int]
    named_old: list[tuple[str, str]]  # (value this group's statements call old, when they said so)
    declared: list[str]  # when the user or the agent stated this value (a declaration, not an observation)


def resolve_subject(db: Database, subject: str) -> None:
    """Mark which facts of ``subject`` are superseded. A value is superseded by the first other value that
    was first stated after it was last stated (it was not said again since the new one appeared); a
    statement that names the old value itself ("we moved from npm to pnpm") supersedes it even when both
    were said in one session; a value the user or the agent declares replaces the values not seen since.
    Recomputed from the rows each time, so the order of ingestion does not matter."""
    rows = db.query(
        "SELECT id, value, replaces, source, created_at, last_seen_at FROM facts"
        " WHERE subject = ? AND value IS NOT NULL ORDER BY created_at, id",
        (subject,),
    )
    groups: list[_ValueGroup] = []
    for row in rows:
        value = str(row["value"])
        named = [(str(v), str(row["last_seen_at"])) for v in _json_list(row["replaces"])]
        declared = [str(row["created_at"]), str(row["last_seen_at"])] if row["source"] in DECLARING else []
        group = next((g for g in groups if same_value(g.value, value)), None)
        if group is None:
            groups.append(
                _ValueGroup(
                    value, row["created_at"], row["last_seen_at"], int(row["id"]), [int(row["id"])], named, declared
                )
            )
            continue
        group.ids.append(int(row["id"]))
        group.last_seen = max(group.last_seen, str(row["last_seen_at"]))
        group.named_old += named
        group.declared += declared
        if len(value) > len(group.value):
            group.value = value  # the more precise statement names the group
    updates: list[tuple[str | None, int | None, int]] = []
    current: list[str] = []
    replaced: list[tuple[str, str, int]] = []  # (old value, since when, by which fact)
    for group in groups:
        successors: list[tuple[str, int]] = []  # (since when, by which fact)
        for other in groups:
            if other is group:
                continue
            if other.first_seen > group.last_seen:
                successors.append((other.first_seen, other.first_id))
            # The user (or the agent) stating the other value after this one was last seen replaces it, even if
            # both had been in use side by side ("we dropped the Makefile; tests run with `uv run pytest`").
            later = [at for at in other.declared if at > group.last_seen]
            if later:
                successors.append((min(later), other.first_id))
            said = [at for old, at in other.named_old if same_value(old, group.value) and at >= group.last_seen]
            if said:
                successors.append((max(min(said), group.first_seen), other.first_id))
        if successors:
            stamp, successor = min(successors)
            updates += [(stamp, successor, fact_id) for fact_id in group.ids]
            replaced.append((group.value, stamp, successor))
        else:
            updates += [(None, None, fact_id) for fact_id in group.ids]
            current.append(group.value)
    db.executemany("UPDATE facts SET superseded_at = ?, superseded_by = ? WHERE id = ?", updates)
    _share_names(db, subject)
    # A value named as the old one ("we're done with poetry, the repo is on uv") need not have a fact of its own.
    replaced += [(old, at, g.first_id) for g in groups if g.value in current for old, at in g.named_old]
    # Decided again from the rows each time: a value current again (back on poetry) brings its lessons back.
    db.execute(
        "UPDATE facts SET superseded_at = NULL, superseded_by = NULL WHERE category = 'lesson' AND subject IS NULL"
        " AND superseded_by IN (SELECT id FROM facts WHERE subject = ?)",
        (subject,),
    )
    for old, stamp, successor in replaced:
        if not any(same_value(old, value) for value in current):
            _retire_lessons_naming(db, old, current, stamp, successor, subject)


# The name of a setting (an environment variable): "MLFLOW_TRACKING_URI=http://mlflow.ferry.internal:5000".
_SETTING_NAME = re.compile(r"(?<![\w$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")


def _share_names(db: Database, subject: str) -> None:
    """Every statement of one subject is found by the names any of them gave the thing: "mlflow moved again:
    https://mlflow.acme.io" says no variable, the statement it replaces said MLFLOW_TRACKING_URI; a search for the
    tracking URI should meet the current value first, not only the old one."""
    rows = db.query(
        "SELECT id, text, category, value, keywords FROM facts WHERE subject = ? AND value IS NOT NULL", (subject,)
    )
    names = sorted({name for row in rows for name in _SETTING_NAME.findall(str(row["text"]))})
    if not names:
        return
    updates = []
    for row in rows:
        wanted = " ".join([keywords(subject, str(row["category"]), str(row["value"])), *names])
        if row["keywords"] != wanted:
            updates.append((wanted, int(row["id"])))
    db.executemany("UPDATE facts SET keywords = ? WHERE id = ?", updates)


def _retire_lessons_naming(
    db: Database, old: str, current: list[str], stamp: str, successor: int, subject: str
) -> None:
    """A lesson learned before a value was replaced, naming the old value and none of the current ones (`Run
    docker compose up -d redis before poetry run celery ...` once the project moved to uv), is superseded with
    it: its words would bring the old value back into warm memory. It stays in history and search, marked.
    A bare number (a port, a version) must come with a word of what it belongs to (`bin/rails server -p 3000`
    for the dev server's port; `curl localhost:3000` for grafana is another service's)."""
    named = _value_pattern(old)
    if named is None:
        return
    role = [w for w in re.split(r"[\s_-]+", subject.partition(":")[2]) if len(w) >= 3]
    if old.replace(".", "").isdigit() and not role:
        return
    rows = db.query(
        "SELECT id, text FROM facts WHERE category = 'lesson' AND superseded_at IS NULL AND subject IS NULL"
        " AND created_at <= ?",
        (stamp,),
    )
    numeric = old.replace(".", "").isdigit()
    stale = [
        int(r["id"])
        for r in rows
        if named.search(str(r["text"]))
        and not any((p := _value_pattern(value)) is not None and p.search(str(r["text"])) for value in current)
        and (not numeric or any(re.search(rf"\b{re.escape(word)}\b", str(r["text"]), re.IGNORECASE) for word in role))
    ]
    db.executemany(
        "UPDATE facts SET superseded_at = ?, superseded_by = ? WHERE id = ?", [(stamp, successor, i) for i in stale]
    )


@lru_cache(maxsize=512)
def _value_pattern(value: str) -> re.Pattern[str] | None:
    """The value as a whole word (a port not inside a longer number, a tool not inside a longer name)."""
    value = value.strip()
    if len(value) < 2:
        return None
    return re.compile(rf"(?<![\w.-]){re.escape(value)}(?![\w-]|\.\d)", re.IGNORECASE)


def _json_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().strip("-*• ").strip()
    if not text:
        return ""
    if len(text) > MAX_FACT_CHARS:
        text = text[: MAX_FACT_CHARS - 3].rsplit(" ", 1)[0] + "..."
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?`)" else text + "."


def list_facts(db: Database, category: str | None = None, *, current_only: bool = False) -> list[Fact]:
    where = [w for w in ("category = ?" if category else "", "superseded_at IS NULL" if current_only else "") if w]
    sql = "SELECT * FROM facts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY last_seen_at DESC, id"
    return [Fact.from_row(r) for r in db.query(sql, (category,) if category else ())]


def prune_expired(db: Database, now: datetime) -> int:
    """Delete facts past their time to live; returns how many."""
    with db.transaction():
        return int(
            db.execute("DELETE FROM facts WHERE expires_at IS NOT NULL AND expires_at <= ?", (iso(now),)).rowcount
        )


FACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["facts"],
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "category"],
                "properties": {
                    "text": {"type": "string", "maxLength": MAX_FACT_CHARS},
                    "category": {"enum": list(CATEGORIES)},
                    "seq": {"type": ["integer", "null"]},
                    "subject": {"type": ["string", "null"]},
                    "value": {"type": ["string", "null"]},
                    "replaces": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
