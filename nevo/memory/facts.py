"""Semantic memory: atomic facts with a category, a time to live, a content hash and provenance.

A fact is one short sentence ("This project tests with `pnpm test`."). The same fact said again, in
any session, is one row (SHA-256 of the normalised text) whose confirmations grow; each origin is
kept in ``fact_sources``. Offline, facts come from what the user says explicitly ("remember: ...",
"always ...", "never ...", "we use ...", "I prefer ...") and from what the journal proves (the
commands that build and test this project, failures and what fixed them). With a provider, the
``fact-extractor`` agent reads the same condensed journal.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nevo.clock import iso, parse_instant
from nevo.config import Config
from nevo.db import Database
from nevo.providers import Request, offline_handler
from nevo.recovery import ENVIRONMENTAL  # one definition of a lesson-worthy failure
from nevo.redact import MARKER_PREFIX, redact
from nevo.safety import scan

log = logging.getLogger(__name__)

CATEGORIES = ("preference", "configuration", "environment", "event", "lesson")
MAX_FACT_CHARS = 240


@dataclass(frozen=True)
class FactCandidate:
    text: str
    category: str
    source: str  # user, journal, model, inbox
    journal_seq: int | None = None


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

    @classmethod
    def from_row(cls, row: Any) -> Fact:
        return cls(*(row[name] for name in cls.__dataclass_fields__))


def normalise(text: str) -> str:
    """What makes two statements the same fact: case, spacing, quotes and final punctuation do not."""
    lowered = text.lower().replace("`", "").replace('"', "").replace("'", "")
    return re.sub(r"\s+", " ", lowered).strip(" .!;:,")


def fact_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def expiry(category: str, seen_at: datetime, config: Config) -> str | None:
    days = config.get("memory.ttl_days").get(category)
    return None if days is None else iso(seen_at + timedelta(days=float(days)))


# A credential named next to a redacted value: "the staging password is [REDACTED:password]".
_CREDENTIAL_WORD = re.compile(
    r"\b(?:passw(?:or)?d|passphrase|passcode|secret|token|api[ _-]?key|access[ _-]?key|pin|credentials?)\b",
    re.IGNORECASE,
)


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
    digest = fact_hash(text)
    stamp = iso(at)
    row = db.one("SELECT id, last_seen_at FROM facts WHERE hash = ?", (digest,))
    if row is None:
        cursor = db.execute(
            "INSERT INTO facts (hash, text, category, source, session_id, journal_seq, created_at,"
            " last_seen_at,"
            " confirmations, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (
                digest,
                text,
                category,
                candidate.source,
                None if origin.startswith("inbox:") else origin,
                candidate.journal_seq,
                stamp,
                stamp,
                expiry(category, at, config),
            ),
        )
        db.execute(
            "INSERT INTO fact_sources (fact_id, origin, journal_seq, at) VALUES (?, ?, ?, ?)",
            (cursor.lastrowid, origin, candidate.journal_seq, stamp),
        )
        return "new"
    added = db.execute(
        "INSERT OR IGNORE INTO fact_sources (fact_id, origin, journal_seq, at) VALUES (?, ?, ?, ?)",
        (row["id"], origin, candidate.journal_seq, stamp),
    ).rowcount
    if added:
        latest = max(stamp, str(row["last_seen_at"]))
        category_row = db.one("SELECT category FROM facts WHERE id = ?", (row["id"],))
        assert category_row is not None
        db.execute(
            "UPDATE facts SET confirmations = confirmations + 1, last_seen_at = ?, expires_at = ? WHERE id = ?",
            (latest, expiry(str(category_row["category"]), parse_instant(latest), config), row["id"]),
        )
    return "seen"


def remember(db: Database, candidate: FactCandidate, origin: str, at: datetime, config: Config) -> bool:
    """Record a fact from ``origin`` (a session id, or ``inbox:...``); True when the fact is new. Saying it
    again from the same origin changes nothing; from a new origin it is one more confirmation and its life
    starts again. An unsafe fact is dropped (see fact_problem). Call inside a transaction."""
    return record_fact(db, candidate, origin, at, config) == "new"


def tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().strip("-*• ").strip()
    if not text:
        return ""
    if len(text) > MAX_FACT_CHARS:
        text = text[: MAX_FACT_CHARS - 3].rsplit(" ", 1)[0] + "..."
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?`)" else text + "."


def list_facts(db: Database, category: str | None = None) -> list[Fact]:
    sql = "SELECT * FROM facts" + (" WHERE category = ?" if category else "") + " ORDER BY last_seen_at DESC, id"
    return [Fact.from_row(r) for r in db.query(sql, (category,) if category else ())]


def prune_expired(db: Database, now: datetime) -> int:
    """Delete facts past their time to live; returns how many."""
    with db.transaction():
        return int(
            db.execute("DELETE FROM facts WHERE expires_at IS NOT NULL AND expires_at <= ?", (iso(now),)).rowcount
        )


# -- offline extraction ---------------------------------------------------------------------------

MAX_PROMPT_SCAN = 4000  # statements come first in a prompt; what follows is usually pasted material
_CODE = re.compile(r"[{};]|=>|\(\)|^\s*(?:def|class|import|return|const|let|var|fn)\b|^[>|$#]")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|;\s+")
_REMEMBER = re.compile(r"^(?:please\s+)?remember(?:\s+that)?\s*[:,-]?\s+(.+)$", re.IGNORECASE)
_PREFERENCE = re.compile(
    r"^(?:please\s+|and\s+)?(?:always|never|i\s+(?:would\s+|'d\s+)?prefer|i\s+like|i\s+want\s+you\s+to|"
    r"don'?t\s+ever|do\s+not\s+ever)\b",
    re.IGNORECASE,
)
_CONFIGURATION = re.compile(
    r"\b(?:we\s+use|we'?re\s+using|we\s+are\s+using|this\s+(?:project|repo|repository)\s+uses|"
    r"our\s+\w+\s+is)\b",
    re.IGNORECASE,
)
ENVIRONMENT_WORDS = re.compile(r"\b(?:installed|version|path|runs on|python|node|port|docker|env)\b", re.I)


def classify(text: str) -> str:
    if _PREFERENCE.search(text) or re.search(r"\b(?:prefer|please don'?t|i like)\b", text, re.I):
        return "preference"
    if _CONFIGURATION.search(text):
        return "configuration"
    if re.search(r"\b(?:failed|worked|instead|fix(?:ed)?|broke)\b", text, re.I):
        return "lesson"
    if ENVIRONMENT_WORDS.search(text):
        return "environment"
    return "configuration"


def facts_from_prompt(text: str, seq: int | None) -> list[FactCandidate]:
    """What the user said explicitly, one fact per sentence."""
    found: list[FactCandidate] = []
    for sentence in _SENTENCE_SPLIT.split(text[:MAX_PROMPT_SCAN]):
        sentence = sentence.strip()
        if len(sentence) < 6 or len(sentence) > 400 or _CODE.search(sentence):
            continue  # pasted code or logs say "never" and "we use" too: only prose counts
        remembered = _REMEMBER.match(sentence)
        if remembered:
            body = remembered.group(1)
            found.append(FactCandidate(body, classify(body), "user", seq))
        elif _PREFERENCE.match(sentence):
            found.append(FactCandidate(sentence, "preference", "user", seq))
        elif _CONFIGURATION.search(sentence):
            found.append(FactCandidate(sentence, "configuration", "user", seq))
    return found


# Programs whose successful run says how this project is built, tested or checked.
_BUILD_TOOLS = {
    "pytest": "tests",
    "tox": "tests",
    "nox": "tests",
    "make": "builds",
    "cargo": "builds",
    "go": "builds",
    "npm": "builds",
    "pnpm": "builds",
    "yarn": "builds",
    "mvn": "builds",
    "gradle": "builds",
    "./gradlew": "builds",
    "ruff": "lints",
    "mypy": "type-checks",
    "eslint": "lints",
    "tsc": "type-checks",
    "just": "builds",
    "bazel": "builds",
    "dotnet": "builds",
    "bun": "builds",
    "deno": "builds",
}
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")


def command_head(command: str) -> str | None:
    """The reusable part of a build/test command (``pnpm test``, ``python -m pytest``), or None."""
    segment = command.strip().split("&&")[-1].split("|")[0].strip()
    words = [w for w in segment.split() if not _ENV_ASSIGNMENT.match(w)]
    if not words:
        return None
    if words[0] in ("python", "python3") and len(words) >= 3 and words[1] == "-m":
        program, rest = f"{words[0]} -m {words[2]}", words[3:]
        if words[2] not in _BUILD_TOOLS and words[2] not in ("unittest",):
            return None
    elif words[0] in _BUILD_TOOLS:
        program, rest = words[0], words[1:]
    else:
        return None
    if rest and re.fullmatch(r"[a-z][a-z0-9:_-]*", rest[0]) and program not in ("pytest", "mypy", "ruff", "tsc"):
        if rest[0] == "run" and len(rest) > 1 and re.fullmatch(r"[a-z][a-z0-9:_-]*", rest[1]):
            return f"{program} run {rest[1]}"
        return f"{program} {rest[0]}"
    return program


def _verb(head: str) -> str:
    for word in ("test", "lint", "check", "type", "build", "fmt", "format"):
        if word in head:
            return {
                "test": "tests",
                "lint": "lints",
                "check": "checks",
                "type": "type-checks",
                "build": "builds",
                "fmt": "formats",
                "format": "formats",
            }[word]
    program = head.split()[-1] if head.startswith("python") else head.split()[0]
    return _BUILD_TOOLS.get(program, "tests" if "pytest" in head or "unittest" in head else "builds")


def error_summary(text: str) -> str:
    """The first informative line of a failure, short."""
    for line in text.splitlines():
        line = line.replace("<tool_use_error>", "").replace("</tool_use_error>", "").strip()
        if line and not re.fullmatch(r"Exit code \d+", line):
            return line[:100] + ("..." if len(line) > 100 else "")
    return "an error"


@dataclass(frozen=True)
class Recovery:
    failed_seq: int
    fixed_seq: int
    tool: str
    failed: str  # the failing command (Bash) or tool name
    error: str
    fixed: str  # the command that worked (Bash), or the tools that did (``Read then Edit``)

    @property
    def lesson(self) -> str:
        if self.tool == "Bash":
            return f"`{self.failed}` failed ({self.error}); `{self.fixed}` worked instead."
        # Without the file's name: "Edit failed (File has not been read yet); Read then Edit worked" holds
        # for every file, so it is one fact however often it happens.
        return f"`{self.tool}` failed ({self.error}); {self.fixed} worked."


# A failure of environment or usage (a lesson), as opposed to a failing test being fixed (ordinary work).
def find_recoveries(events: Sequence[dict[str, Any]], window: int = 5) -> list[Recovery]:
    """A failed call followed, within ``window`` tool calls, by a successful call of the same tool on the
    same program or file: what failed and what fixed it. A test that failed and later passed is not a
    lesson (that is the work itself); a command that failed for a reason of environment or usage is."""
    tools = [e for e in events if e.get("kind") == "tool"]
    found: list[Recovery] = []
    used: set[int] = set()
    for index, event in enumerate(tools):
        if not event.get("error"):
            continue
        tool = str(event.get("tool"))
        error = error_summary(str(event.get("output") or ""))
        for offset, later in enumerate(tools[index + 1 : index + 1 + window], start=index + 1):
            if later.get("error") or later["seq"] in used or later.get("tool") != tool:
                continue
            failed, fixed = str(event.get("target") or ""), str(later.get("target") or "")
            if tool == "Bash":
                if failed == fixed or not _is_bash_fix(failed, fixed, str(event.get("output") or "")):
                    break  # passed on a retry, or a test fixed by editing code: not a lesson
                found.append(Recovery(int(event["seq"]), int(later["seq"]), tool, failed[:80], error, fixed[:80]))
            else:
                if not failed or failed != fixed:
                    continue
                between = [
                    str(e.get("tool"))
                    for e in tools[index + 1 : offset]
                    if not e.get("error") and e.get("target") == failed and e.get("tool") != tool
                ]
                steps = " then ".join(dict.fromkeys([*between, tool]))
                found.append(Recovery(int(event["seq"]), int(later["seq"]), tool, tool, error, steps))
            used.add(int(later["seq"]))
            break
    return found


def _is_bash_fix(failed: str, fixed: str, output: str) -> bool:
    if not failed.split() or not fixed.split() or not ENVIRONMENTAL.search(output):
        return False
    if failed.split()[0] == fixed.split()[0]:
        return True  # the same program used differently (another flag, subcommand, target)
    # `npm: command not found`, then `pnpm test`: a substitute program for the same job
    return failed.split()[1:2] == fixed.split()[1:2] or command_head(fixed) is not None


def facts_from_journal(events: Sequence[dict[str, Any]]) -> list[FactCandidate]:
    """What the journal proves: build/test commands that succeeded, and recoveries."""
    found: list[FactCandidate] = []
    seen: set[str] = set()
    for event in events:
        if event.get("kind") != "tool" or event.get("tool") != "Bash" or event.get("error"):
            continue
        if not event.get("has_result", True):
            continue
        head = command_head(str(event.get("target") or ""))
        if head and head not in seen:
            seen.add(head)
            found.append(
                FactCandidate(
                    f"`{head}` {_verb(head)} this project (it ran successfully).",
                    "environment",
                    "journal",
                    int(event["seq"]),
                )
            )
    for recovery in find_recoveries(events):
        found.append(FactCandidate(recovery.lesson, "lesson", "journal", recovery.fixed_seq))
    return found


def extract_offline(events: Sequence[dict[str, Any]]) -> list[FactCandidate]:
    found: list[FactCandidate] = []
    for event in events:
        if event.get("kind") == "user" and event.get("text"):
            found.extend(facts_from_prompt(str(event["text"]), int(event["seq"])))
    found.extend(facts_from_journal(events))
    return found


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
                },
            },
        }
    },
}


@offline_handler("fact-extractor")
def offline_fact_extractor(request: Request) -> dict[str, Any]:
    events = request.data.get("events") or []
    return {
        "facts": [
            {"text": c.text, "category": c.category, "seq": c.journal_seq, "source": c.source}
            for c in extract_offline(events)
        ]
    }


def candidates_from_output(output: dict[str, Any], default_source: str) -> list[FactCandidate]:
    """A provider's answer as candidates; anything malformed is left out."""
    found: list[FactCandidate] = []
    for item in output.get("facts") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            continue
        category = item.get("category") if item.get("category") in CATEGORIES else classify(item["text"])
        seq = item.get("seq") if isinstance(item.get("seq"), int) else None
        source = item.get("source") if item.get("source") in ("user", "journal") else default_source
        found.append(FactCandidate(str(item["text"]), str(category), str(source), seq))
    return found
