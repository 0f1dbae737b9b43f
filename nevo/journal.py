"""The action journal: every tool call, its result and every prompt of every session, redacted, searchable.

Rows come from Claude Code's transcripts (the hooks only see failures; the transcript sees everything).
Ingestion is incremental by byte offset (``sessions.ingested_offset``): a session that grew is read
from where the last run stopped, and ingesting the same transcript twice adds nothing. A tool call
whose result had not been written yet is journaled without it and completed by a later run.
Everything passes :func:`nevo.redact.redact` before it reaches the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nevo.clock import Clock, iso
from nevo.db import Database
from nevo.redact import redact, redact_obj
from nevo.transcript import Message, ToolCall, iter_entries, read_transcript, result_text

MAX_OUTPUT_CHARS = 4000  # a journaled tool result keeps its head and tail
MAX_MESSAGE_CHARS = 4000
MAX_INPUT_CHARS = 8000
_PRE_REDACT_FACTOR = 3  # clip to this multiple first, so redaction of a huge output stays cheap


@dataclass(frozen=True)
class JournalEntry:
    session_id: str
    seq: int
    at: str | None
    kind: str
    tool: str | None
    command: str | None
    input: str | None
    output: str | None
    is_error: bool
    tool_use_id: str | None
    words: str | None = None  # what the search index reads of the input (see search_words); None: read input


@dataclass(frozen=True)
class IngestResult:
    session_id: str
    added: int  # journal rows added
    completed: int  # earlier tool calls whose result arrived in this run
    offset: int  # bytes of the transcript journaled so far

    @property
    def changed(self) -> bool:
        return bool(self.added or self.completed)


def session_id_for(path: Path) -> str:
    """Claude Code names a transcript after its session: ``<session-id>.jsonl``."""
    return path.stem


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters cut ...]\n{text[-half:]}"


def safe_text(text: str, limit: int) -> str:
    """Redacted and clipped (clipped loosely first so a megabyte of output is not scanned whole)."""
    return clip(_redacted(clip(text, limit * _PRE_REDACT_FACTOR)), limit)


# The same texts come back in session after session (a file read again, `git status`, the same command and its
# help): redaction, a pure function, is not run twice on one text within a run. Kept in memory only.
_redacted = lru_cache(maxsize=4096)(redact)


@lru_cache(maxsize=4096)
def _redacted_input(encoded: str) -> tuple[dict[str, Any], str]:
    """A tool input (as JSON) redacted, and the redacted input as JSON."""
    redacted = redact_obj(json.loads(encoded))
    if not isinstance(redacted, dict):
        return {}, "{}"
    return redacted, json.dumps(redacted, ensure_ascii=False, sort_keys=True)


# Option values that are the tool's own vocabulary, not what the call was about (Grep's output_mode:
# "files_with_matches" would make "file" a word of every Grep call). Kept in step with migration 0010.
_UNSEARCHED_KEYS = frozenset({"output_mode", "type", "subagent_type"})


def search_words(kind: str, text: str | None) -> str | None:
    """What the search index reads of a journal row's input: a tool call's values, never its JSON keys
    (`file_path`, `old_string`, `command` were words of every call); a prompt or message as it is."""
    if kind != "tool" or not text:
        return text
    try:
        value = json.loads(text)
    except ValueError:  # clipped past the JSON's end: the text itself
        return text
    return input_words(value)


def input_words(value: Any) -> str:
    """A tool input's string values, joined (see :func:`search_words`)."""
    words: list[str] = []

    def walk(item: Any, key: str | None) -> None:
        if isinstance(item, str):
            if key not in _UNSEARCHED_KEYS:
                words.append(item)
        elif isinstance(item, dict):
            for name, inner in item.items():
                walk(inner, str(name))
        elif isinstance(item, list):
            for inner in item:
                walk(inner, key)

    walk(value, None)
    return clip(" ".join(words), MAX_INPUT_CHARS)


def call_target(call: ToolCall) -> str:
    """What a tool call acted on, for search and display: the command, file, pattern or URL."""
    if call.command:
        return call.command
    for key in ("file_path", "notebook_path", "path", "pattern", "url", "query", "description", "prompt"):
        value = call.input.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def ingest_journal(db: Database, transcript_path: Path, clock: Clock) -> IngestResult:
    """Journal what is new in ``transcript_path`` since the last run; one transaction."""
    path = transcript_path.resolve() if transcript_path.exists() else transcript_path
    session_id = session_id_for(path)
    row = db.one("SELECT ingested_offset, next_seq FROM sessions WHERE id = ?", (session_id,))
    offset = int(row["ingested_offset"]) if row else 0
    try:
        size = path.stat().st_size
    except OSError:
        return IngestResult(session_id, 0, 0, offset)
    if row is not None and size <= offset:
        return IngestResult(session_id, 0, 0, offset)  # nothing new: the cheap path of every nightly run
    transcript = read_transcript(path, offset)
    with db.transaction():
        row = db.one("SELECT ingested_offset, next_seq FROM sessions WHERE id = ?", (session_id,))
        if row is not None and int(row["ingested_offset"]) != offset:
            return IngestResult(session_id, 0, 0, int(row["ingested_offset"]))  # another process got here first
        if row is None:
            db.execute(
                "INSERT INTO sessions (id, transcript_path, cwd, started_at, ended_at) VALUES (?, ?, ?, ?, ?)",
                (session_id, str(path), transcript.cwd, transcript.started_at, transcript.ended_at),
            )
            next_seq = 0
        else:
            next_seq = int(row["next_seq"])
        completed = _complete_pending(db, session_id, path, offset)
        entries = list(_entries(session_id, next_seq, transcript.events))
        db.executemany(
            "INSERT OR IGNORE INTO journal (session_id, seq, at, kind, tool, command, input, input_words, output,"
            " is_error,"
            " has_result, tool_use_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.session_id,
                    e.seq,
                    e.at,
                    e.kind,
                    e.tool,
                    e.command,
                    e.input,
                    e.words if e.words is not None else search_words(e.kind, e.input),
                    e.output,
                    int(e.is_error),
                    int(e.output is not None) if e.kind == "tool" else 1,
                    e.tool_use_id,
                )
                for e in entries
            ],
        )
        calls = sum(1 for e in entries if e.kind == "tool")
        failures = sum(1 for e in entries if e.is_error)
        db.execute(
            "UPDATE sessions SET ingested_offset = ?, next_seq = ?, ingested_at = ?,"
            " tool_calls = tool_calls + ?, failures = failures + ?,"
            " cwd = COALESCE(cwd, ?), started_at = COALESCE(started_at, ?), ended_at = COALESCE(?, ended_at)"
            " WHERE id = ?",
            (
                transcript.end_offset,
                next_seq + len(entries),
                iso(clock()),
                calls,
                failures + completed[1],
                transcript.cwd,
                transcript.started_at,
                transcript.ended_at,
                session_id,
            ),
        )
    return IngestResult(session_id, len(entries), completed[0], transcript.end_offset)


def _entries(session_id: str, first_seq: int, events: list[ToolCall | Message]) -> list[JournalEntry]:
    out: list[JournalEntry] = []
    seq = first_seq
    for event in events:
        if isinstance(event, ToolCall):
            result = event.result
            encoded = json.dumps(event.input, ensure_ascii=False, sort_keys=True, default=str)
            safe_input, safe_encoded = _redacted_input(encoded)
            target = call_target(ToolCall(event.id, event.name, safe_input, None, None, None))  # already redacted
            out.append(
                JournalEntry(
                    session_id,
                    seq,
                    event.at,
                    "tool",
                    event.name,
                    clip(target, 2000) or None,
                    clip(safe_encoded, MAX_INPUT_CHARS),
                    None if result is None else safe_text(result.text, MAX_OUTPUT_CHARS),
                    bool(result and result.is_error),
                    event.id or None,
                    input_words(safe_input),
                )
            )
        elif not event.is_meta:
            out.append(
                JournalEntry(
                    session_id,
                    seq,
                    event.at,
                    # A sub-agent's "user" message is the main agent's prompt: facts "from the user" must be
                    # the person's own words, so it is journaled as the assistant's.
                    "assistant" if event.sidechain else event.role,
                    None,
                    None,
                    safe_text(event.text, MAX_MESSAGE_CHARS),
                    None,
                    False,
                    None,
                )
            )
        else:
            continue
        seq += 1
    return out


def _complete_pending(db: Database, session_id: str, path: Path, offset: int) -> tuple[int, int]:
    """Fill in the results of calls journaled before their result was written. (completed, failures)."""
    pending = {
        str(r["tool_use_id"]): int(r["id"])
        for r in db.query(
            "SELECT id, tool_use_id FROM journal WHERE session_id = ? AND kind = 'tool' AND has_result = 0"
            " AND tool_use_id IS NOT NULL",
            (session_id,),
        )
    }
    if not pending or offset == 0:
        return 0, 0
    completed = failures = 0
    for _, entry in iter_entries(path, offset):
        for block in _result_blocks(entry):
            row_id = pending.pop(str(block.get("tool_use_id")), None)
            if row_id is None:
                continue
            is_error = bool(block.get("is_error"))
            db.execute(
                "UPDATE journal SET output = ?, is_error = ?, has_result = 1 WHERE id = ?",
                (safe_text(result_text(block.get("content")), MAX_OUTPUT_CHARS), int(is_error), row_id),
            )
            completed += 1
            failures += int(is_error)
        if not pending:
            break
    return completed, failures


def _result_blocks(entry: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not entry or entry.get("type") != "user":
        return []
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]


def session_entries(db: Database, session_id: str, since_seq: int = 0) -> list[JournalEntry]:
    """A session's journal, in order."""
    return [
        JournalEntry(
            r["session_id"],
            r["seq"],
            r["at"],
            r["kind"],
            r["tool"],
            r["command"],
            r["input"],
            r["output"],
            bool(r["is_error"]),
            r["tool_use_id"],
        )
        for r in db.query(
            "SELECT * FROM journal WHERE session_id = ? AND seq >= ? ORDER BY seq", (session_id, since_seq)
        )
    ]
