"""The action journal: transcripts into SQLite + FTS5, redacted, incremental, idempotent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nevo.clock import fixed_clock, iso
from nevo.db import Database, quote_fts
from nevo.journal import ingest_journal, session_entries

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLOCK = fixed_clock(datetime(2026, 11, 21, 3, 0, tzinfo=UTC))


class TranscriptWriter:
    """Writes a transcript in Claude Code's jsonl shape (the lines nevo reads), one event at a time."""

    def __init__(
        self, path: Path, session_id: str | None = None, cwd: str = "/tmp/project", start: datetime = T0
    ) -> None:
        self.path = path
        self.session_id = session_id or path.stem
        self.cwd = cwd
        self.now = start
        self.calls = 0
        path.parent.mkdir(parents=True, exist_ok=True)

    def _line(self, kind: str, content: Any) -> None:
        self.now += timedelta(seconds=5)
        entry = {
            "type": kind,
            "message": {"role": kind, "content": content},
            "uuid": f"u{self.calls}-{kind}",
            "timestamp": iso(self.now),
            "sessionId": self.session_id,
            "cwd": self.cwd,
            "version": "2.1.197",
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def prompt(self, text: str) -> TranscriptWriter:
        self._line("user", text)
        return self

    def say(self, text: str) -> TranscriptWriter:
        self._line("assistant", [{"type": "text", "text": text}])
        return self

    def call(self, name: str, tool_input: dict[str, Any]) -> str:
        self.calls += 1
        tool_id = f"toolu_{self.session_id[:6]}_{self.calls:03d}"
        self._line("assistant", [{"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}])
        return tool_id

    def result(self, tool_id: str, text: str, is_error: bool = False) -> TranscriptWriter:
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_id, "content": text}
        if is_error:
            block["is_error"] = True
        self._line("user", [block])
        return self

    def bash(self, command: str, output: str = "ok", exit_code: int = 0) -> TranscriptWriter:
        tool_id = self.call("Bash", {"command": command, "description": "run"})
        if exit_code:
            return self.result(tool_id, f"Exit code {exit_code}\n{output}", is_error=True)
        return self.result(tool_id, output)


def test_journal_records_every_call_result_and_prompt_redacted(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    path = tmp_path / "cfg" / "sess-aaaa.jsonl"
    w = TranscriptWriter(path)
    w.prompt("run the tests please; token is ghp_" + "a1B2" * 9)
    w.bash("npm test", "command not found: npm", exit_code=127)
    w.bash("pnpm test", "12 passed")
    w.say("All tests pass now.")

    result = ingest_journal(db, path, CLOCK)

    rows = session_entries(db, "sess-aaaa")
    assert result.added == 4 == len(rows)
    assert [r.kind for r in rows] == ["user", "tool", "tool", "assistant"]
    assert "ghp_" not in (rows[0].input or "") and "REDACTED" in (rows[0].input or "")
    assert (
        rows[1].command == "npm test" and rows[1].is_error and "command not found" in (rows[1].output or "")
    )
    assert rows[2].command == "pnpm test" and not rows[2].is_error and rows[2].tool_use_id
    session = db.one("SELECT * FROM sessions WHERE id = 'sess-aaaa'")
    assert session is not None and session["tool_calls"] == 2 and session["failures"] == 1
    assert session["started_at"] < session["ended_at"]
    hits = db.query("SELECT rowid FROM journal_fts WHERE journal_fts MATCH ?", (quote_fts("pnpm"),))
    assert len(hits) == 1


def test_ingesting_the_same_transcript_twice_adds_nothing(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    path = tmp_path / "s1.jsonl"
    TranscriptWriter(path).prompt("hello").bash("make", "built")
    first = ingest_journal(db, path, CLOCK)
    second = ingest_journal(db, path, CLOCK)
    assert first.added == 2 and second.added == 0 and not second.changed
    assert db.scalar("SELECT COUNT(*) FROM journal") == 2
    assert db.scalar("SELECT COUNT(*) FROM journal_fts") == 2


def test_incremental_ingest_reads_only_the_new_bytes_and_completes_a_pending_result(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    path = tmp_path / "s2.jsonl"
    w = TranscriptWriter(path)
    w.prompt("build it")
    pending = w.call("Bash", {"command": "cargo build"})
    first = ingest_journal(db, path, CLOCK)
    assert first.added == 2
    row = db.one("SELECT has_result, output FROM journal WHERE tool_use_id = ?", (pending,))
    assert row is not None and row["has_result"] == 0 and row["output"] is None

    w.result(pending, "Exit code 101\nerror[E0425]: cannot find value", is_error=True)
    w.bash("cargo build --offline", "Finished")
    second = ingest_journal(db, path, CLOCK)

    assert second.completed == 1 and second.added == 1
    row = db.one("SELECT has_result, is_error, output FROM journal WHERE tool_use_id = ?", (pending,))
    assert row is not None and row["has_result"] == 1 and row["is_error"] == 1 and "E0425" in row["output"]
    assert [e.seq for e in session_entries(db, "s2")] == [0, 1, 2]
    session = db.one("SELECT tool_calls, failures, ingested_offset FROM sessions WHERE id = 's2'")
    assert session is not None and session["tool_calls"] == 2 and session["failures"] == 1
    assert session["ingested_offset"] == path.stat().st_size
    hits = db.query("SELECT rowid FROM journal_fts WHERE journal_fts MATCH ?", (quote_fts("E0425"),))
    assert len(hits) == 1  # the update trigger re-indexed the completed row


def test_a_half_written_last_line_waits_for_the_next_run(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    path = tmp_path / "s3.jsonl"
    TranscriptWriter(path).prompt("first")
    whole = path.read_bytes()
    with path.open("ab") as handle:
        handle.write(b'{"type": "user", "message": {"role": "user", "content": "sec')
    assert ingest_journal(db, path, CLOCK).offset == len(whole)
    with path.open("ab") as handle:
        handle.write(b'ond"}, "timestamp": "2026-11-02T10:00:00Z"}\n')
    assert ingest_journal(db, path, CLOCK).added == 1
    assert [e.input for e in session_entries(db, "s3")] == ["first", "second"]


def test_a_missing_transcript_is_not_an_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "nevo.db")
    result = ingest_journal(db, tmp_path / "gone.jsonl", CLOCK)
    assert result.added == 0 and db.scalar("SELECT COUNT(*) FROM sessions") == 0
