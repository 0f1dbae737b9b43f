"""The monitor: triggers -> incidents exactly once, rejected triggers, huge payloads, secrets, transcripts
(hook-less failures, recoveries, incremental reads), loops, StopFailure, and the hand-offs to memory and
the analyst. Real SQLite, real files, and a real kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nevo import incidents as store
from nevo import store as store_of
from nevo.cli import main as cli_main
from nevo.config import Config
from nevo.db import Database, open_database
from nevo.monitor import Monitor, RunResult, process_pending
from nevo.triggers import read_payload
from nevo.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
FAILURES = REPO / "tests" / "data" / "failures"

# ------------------------------------------------------------------------------------------ helpers

_sequence = iter(range(10**9))


def failure_payload(
    command: str = "npm run build",
    error: str = 'Exit code 1\nnpm error Missing script: "build"',
    *,
    session: str = "s1",
    tool_use_id: str | None = None,
    cwd: str = "/tmp/ws",
    tool: str = "Bash",
    tool_input: dict[str, Any] | None = None,
    transcript: str = "/nonexistent/t.jsonl",
) -> dict[str, Any]:
    return {
        "session_id": session,
        "transcript_path": transcript,
        "cwd": cwd,
        "hook_event_name": "PostToolUseFailure",
        "tool_name": tool,
        "tool_input": tool_input if tool_input is not None else {"command": command, "description": "run it"},
        "tool_use_id": tool_use_id or f"toolu_{next(_sequence):06d}",
        "error": error,
        "is_interrupt": False,
        "duration_ms": 12,
    }


def recorded_failure(name: str, **overrides: Any) -> dict[str, Any]:
    """A payload built from a real failure captured by tests/gen_failures.py."""
    data = json.loads((FAILURES / f"{name}.json").read_text())
    return failure_payload(
        tool=data["tool_name"],
        tool_input=data["tool_input"],
        error=data["error"],
        cwd=data["cwd"],
        **overrides,
    )


def write_trigger(
    workspace: Workspace, payload: dict[str, Any] | str | bytes, name: str | None = None
) -> Path:
    workspace.triggers_dir.mkdir(parents=True, exist_ok=True)
    path = workspace.triggers_dir / (name or f"{next(_sequence):012d}-{os.getpid()}.json")
    if isinstance(payload, dict):
        payload = json.dumps(payload)
    path.write_bytes(payload if isinstance(payload, bytes) else payload.encode())
    return path


class TranscriptWriter:
    """Writes a Claude Code-shaped transcript (.jsonl) line by line."""

    def __init__(self, path: Path, session: str = "s1", cwd: str = "/tmp/ws") -> None:
        self.path, self.session, self.cwd, self.seconds = path, session, cwd, 0
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    def _line(self, kind: str, content: list[dict[str, Any]]) -> None:
        self.seconds += 1
        entry = {
            "type": kind,
            "sessionId": self.session,
            "cwd": self.cwd,
            "version": "2.1.197",
            "uuid": f"u{self.seconds}",
            "timestamp": f"2026-11-21T03:{self.seconds // 60:02d}:{self.seconds % 60:02d}Z",
            "message": {"role": kind, "content": content},
        }
        with self.path.open("a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def call(
        self, tool_use_id: str, tool: str, tool_input: dict[str, Any], result: str, *, error: bool = False
    ) -> None:
        self._line("assistant", [{"type": "tool_use", "id": tool_use_id, "name": tool, "input": tool_input}])
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id, "content": result}
        if error:
            block["is_error"] = True
        self._line("user", [block])

    def bash(self, tool_use_id: str, command: str, output: str = "", code: int = 0) -> None:
        self.call(
            tool_use_id,
            "Bash",
            {"command": command},
            f"Exit code {code}\n{output}" if code else output,
            error=bool(code),
        )

    def stop_payload(self, event: str = "Stop") -> dict[str, Any]:
        return {
            "session_id": self.session,
            "transcript_path": str(self.path),
            "cwd": self.cwd,
            "hook_event_name": event,
            "stop_hook_active": False,
        }


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path / "project")
    workspace.triggers_dir.mkdir(parents=True)
    return workspace


@pytest.fixture(params=["sqlite", "postgresql"])
def db(ws: Workspace, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The store the monitor counts into: the local SQLite, or a PostgreSQL shared store (the memory stays in
    the local database either way)."""
    with open_database(ws) as database:
        if request.param == "sqlite":
            yield database
            return
        from nevo.pgstore import PgDatabase

        url = request.getfixturevalue("pg_url")
        request.getfixturevalue("monkeypatch").setenv(store_of.ENV_URL, url)  # the CLI in the test reads it too
        with PgDatabase(url, local=database) as shared:
            yield cast(Database, shared)


def run(ws: Workspace, db: Database, config: Config | None = None) -> RunResult:
    return Monitor(ws, db, config or Config(), local=store_of.local_of(db)).process_pending()


def only(db: Database) -> store.Incident:
    found = store.list_incidents(db)
    assert len(found) == 1, [i.id for i in found]
    return found[0]


# ------------------------------------------------------------------------------------------ counting


def test_the_same_real_failure_from_two_checkouts_is_one_incident_and_others_are_not(
    ws: Workspace, db: Database
) -> None:
    write_trigger(ws, recorded_failure("npm-missing-script-build__a", session="s1"))
    write_trigger(ws, recorded_failure("npm-missing-script-build__b", session="s2"))
    write_trigger(ws, recorded_failure("npm-missing-script-test__a", session="s1"))
    write_trigger(ws, recorded_failure("py-missing-module-nosuchmod__a", session="s1"))

    result = run(ws, db)

    assert (result.processed, result.counted, result.duplicates, result.rejected) == (4, 4, 0, [])
    found = store.list_incidents(db)
    assert len(found) == 3 == len(result.new_incidents)
    top = found[0]
    assert (top.command, top.count, top.session_count) == ("npm run build", 2, 2)
    assert {len(store.occurrences(db, i.id)) for i in found[1:]} == {1}
    assert list(ws.triggers_dir.iterdir()) == []
    for incident in found:  # a readable report per novel incident
        report = (ws.incidents_dir / f"{incident.id}.md").read_text()
        assert report.startswith(f"# {incident.id}") and incident.fingerprint in report


def test_a_trigger_replayed_after_a_crash_between_commit_and_delete_counts_once(
    ws: Workspace, db: Database
) -> None:
    payload = failure_payload()
    trigger = write_trigger(ws, payload)
    kept = trigger.read_bytes()
    assert run(ws, db).counted == 1
    trigger.write_bytes(kept)  # as if the process died after COMMIT, before unlink
    replay = run(ws, db)
    assert (replay.processed, replay.counted, replay.duplicates) == (1, 0, 1)
    assert only(db).count == 1 and not trigger.exists()


def test_a_trigger_without_tool_use_id_is_keyed_by_its_name(ws: Workspace, db: Database) -> None:
    payload = failure_payload()
    del payload["tool_use_id"]
    trigger = write_trigger(ws, payload)
    kept = trigger.read_bytes()
    run(ws, db)
    trigger.write_bytes(kept)
    run(ws, db)
    write_trigger(ws, payload)  # another trigger file: another occurrence
    run(ws, db)
    assert only(db).count == 2


def test_unreadable_triggers_are_moved_aside_with_the_reason_and_the_rest_is_counted(
    ws: Workspace, db: Database
) -> None:
    bad = {
        "empty": b"",
        "garbage": b"\x00\xff not json",
        "list": b"[1, 2]",
        "no-event": json.dumps({"session_id": "s"}).encode(),
        "unknown-event": json.dumps({"hook_event_name": "Teleport"}).encode(),
        "no-tool": json.dumps({"hook_event_name": "PostToolUseFailure", "error": "x"}).encode(),
        "deep": b"[" * 100_000 + b"]" * 100_000,
    }
    names = {key: write_trigger(ws, data).name for key, data in bad.items()}
    write_trigger(ws, failure_payload())

    result = run(ws, db)

    assert result.counted == 1 and sorted(result.rejected) == sorted(names.values())
    reasons = {key: (ws.rejected_dir / f"{name}.reason").read_text() for key, name in names.items()}
    assert reasons["empty"].startswith("empty file")
    assert "not" in reasons["garbage"] and "JSON object" in reasons["list"]
    assert "no hook_event_name" in reasons["no-event"] and "Teleport" in reasons["unknown-event"]
    assert "tool_name" in reasons["no-tool"] and "nested" in reasons["deep"]
    assert all((ws.rejected_dir / name).exists() for name in names.values())
    assert list(ws.triggers_dir.iterdir()) == []


def test_a_stale_temp_file_is_moved_aside_as_partial_and_a_fresh_one_is_left_alone(
    ws: Workspace, db: Database
) -> None:
    stale = ws.triggers_dir / ".tmp-000000000001-42"
    stale.write_text('{"hook_event_name": "PostTool')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = ws.triggers_dir / ".tmp-000000000002-43"
    fresh.write_text("{")
    result = run(ws, db)
    assert result.rejected == [stale.name] and fresh.exists() and not stale.exists()
    assert "partial write" in (ws.rejected_dir / "tmp-000000000001-42.partial.reason").read_text()


def test_a_complete_temp_file_whose_rename_never_ran_is_adopted(ws: Workspace, db: Database) -> None:
    """The hook renames in the background, after it exits; if that process was killed, nothing is lost."""
    left = ws.triggers_dir / ".tmp-000000000003-44"
    left.write_text(json.dumps(failure_payload()))
    old = time.time() - 3600
    os.utime(left, (old, old))
    result = run(ws, db)
    assert result.processed == 1 and result.rejected == [] and not left.exists()
    assert len(store.list_incidents(db)) == 1


def test_an_interrupt_is_consumed_without_an_incident(ws: Workspace, db: Database) -> None:
    write_trigger(ws, dict(failure_payload(), is_interrupt=True))
    assert run(ws, db).processed == 1
    assert store.list_incidents(db) == []


def test_huge_payloads_are_clipped_not_choked_on(ws: Workspace, db: Database) -> None:
    head, tail = "Exit code 1\nERROR: first line of a huge log\n", "\nFATAL: the real error at the end\n"
    noise = 'progress é 0123456789 \\ " ok\n' * 1_700_000  # ~50 MB, with escapes and UTF-8 to cut through
    write_trigger(ws, failure_payload("make all", head + noise + tail))
    write_trigger(ws, failure_payload("make all", head + noise[:1000] + tail))
    big_input = failure_payload(
        tool="Write",
        tool_input={"file_path": "/tmp/ws/big.txt", "content": noise},
        error="<tool_use_error>File has not been read yet. Read it first before writing to "
        "it.</tool_use_error>",
    )
    write_trigger(ws, big_input)

    started = time.perf_counter()
    result = run(ws, db)
    elapsed = time.perf_counter() - started

    assert result.processed == 3 and result.rejected == [] and elapsed < 5
    make = next(i for i in store.list_incidents(db) if i.tool == "Bash")
    assert (
        "first line of a huge log" in make.sample["error"]
        and "the real error at the end" in make.sample["error"]
    )
    assert len(make.sample["error"]) < 10_000
    write = next(i for i in store.list_incidents(db) if i.tool == "Write")
    assert len(write.sample["tool_input"]["content"]) < 100_000


def test_read_payload_glues_head_and_tail_of_a_huge_string(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    payload = {
        "hook_event_name": "PostToolUseFailure",
        "tool_name": "Bash",
        "tool_input": {"command": "x"},
        "error": "A" + 'ü\\"x' * 400_000 + "Z",
        "session_id": "s",
        "tool_use_id": "t",
    }
    path.write_text(json.dumps(payload))
    parsed = read_payload(path, 100_000)
    assert parsed["session_id"] == "s" and parsed["tool_use_id"] == "t" and parsed["tool_name"] == "Bash"
    assert (
        parsed["error"].startswith("A") and parsed["error"].endswith("Z") and "cut by nevo" in parsed["error"]
    )


# ------------------------------------------------------------------------------------------ secrets

SECRETS = {
    "anthropic": "sk-ant-api03-Zx8vQ2mN4pL6rT9wY1bC3dF5gH7jK0lM2nP4qR6sT8uV0wX2yZ4aB6cD8eF0gH2jK4lM6nP8q"
    "R0sT2uV4w",
    "aws-secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ9vT4h2kL",
    "aws-id": "AKIAZ3MHQW5XKQ7VTJ2P",
    "github": "ghp_9fT2kLmN4pQ6rS8tU0vW2xY4zA6bC8dE0fG2",
    "url-password": "S3cr3tPassw0rdQ",
    "flag-password": "hunter2xyzQ7",
}


def test_no_secret_reaches_the_database_the_report_or_show_json(
    ws: Workspace, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = (
        f"AWS_SECRET_ACCESS_KEY={SECRETS['aws-secret']} AWS_ACCESS_KEY_ID={SECRETS['aws-id']} "
        f"psql postgres://admin:{SECRETS['url-password']}@db.internal:5432/app "
        f"--password={SECRETS['flag-password']}"
    )
    error = (
        f"Exit code 2\ncurl: (401) Authorization: Bearer {SECRETS['anthropic']}\n"
        f"fatal: https://x-access-token:{SECRETS['github']}@github.com/acme/app.git not found"
    )
    write_trigger(ws, failure_payload(command, error, session="s1", tool_use_id="t1"))
    transcript = TranscriptWriter(tmp_path / "t.jsonl")
    transcript.bash("t1", command, error.split("\n", 1)[1], code=2)
    transcript.bash(
        "t2", command.replace("psql", "psql -h localhost"), "ok"
    )  # the recovery holds secrets too
    write_trigger(ws, transcript.stop_payload())

    result = run(ws, db)
    assert result.recoveries == 1
    incident = only(db)
    assert cli_main(["incidents", "show", incident.id, "-w", str(ws.root), "--json"]) == 0
    shown = capsys.readouterr().out
    if store_of.is_shared(db):  # every row of the shared tables, as text
        tables = ("incidents", "occurrences", "recoveries", "verdicts")
        stored = json.dumps([list(r) for t in tables for r in db.query(f"SELECT * FROM {t}")]).encode()
    else:
        db.execute("PRAGMA wal_checkpoint(FULL)")
        stored = b"".join(p.read_bytes() for p in ws.nevo_dir.glob("nevo.db*"))
    report = (ws.incidents_dir / f"{incident.id}.md").read_text()
    assert "[REDACTED:" in shown and "[REDACTED:" in report
    assert json.loads(shown)["recovery"]["command"].startswith("AWS_SECRET_ACCESS_KEY=[REDACTED")
    for kind, secret in SECRETS.items():
        assert secret not in shown, kind
        assert secret not in report, kind
        assert secret.encode() not in stored, kind


# ------------------------------------------------------------------------------------------ transcripts


def test_transcript_failures_without_a_hook_and_recoveries_are_found(
    ws: Workspace, db: Database, tmp_path: Path
) -> None:
    t = TranscriptWriter(tmp_path / "session.jsonl")
    build_error = 'npm error Missing script: "build"'
    write_trigger(
        ws,
        failure_payload(
            "npm run build", f"Exit code 1\n{build_error}", tool_use_id="b1", transcript=str(t.path)
        ),
    )
    t.bash("b1", "npm run build", build_error, code=1)
    t.bash("g1", "git push", "fatal: The current branch main has no upstream branch.", code=128)
    t.call(
        "e1",
        "Edit",
        {"file_path": "/tmp/ws/calc.py", "old_string": "total = 0", "new_string": "total = 1"},
        "<tool_use_error>String to replace not found in file.\nString: total = 0</tool_use_error>",
        error=True,
    )
    t.bash("ok1", "git status", "On branch main")  # unrelated to git push: not its recovery
    t.bash("ok2", "npm run lint", "lint ok")  # same program, other script: not a recovery of the build
    t.call("r1", "Read", {"file_path": "/tmp/ws/calc.py"}, "1\ttotal  = 0")
    t.call(
        "e2",
        "Edit",
        {"file_path": "calc.py", "old_string": "total  = 0", "new_string": "total = 1"},
        "The file calc.py has been updated.",
        error=False,
    )
    t.bash("ok3", "npm --prefix web run build", "built in 2s")
    write_trigger(ws, t.stop_payload())

    result = run(ws, db)

    assert (result.counted, result.duplicates, result.recoveries) == (3, 1, 2)
    by_tool = {(i.tool, i.command): i for i in store.list_incidents(db)}
    build = by_tool[("Bash", "npm run build")]
    assert build.count == 1  # the hook and the transcript saw the same call: counted once
    assert build.recovery is not None and build.recovery.command == "npm --prefix web run build"
    assert (
        build.recovery.failed_input["command"] == "npm run build"
        and build.recovery.failed_tool_use_id == "b1"
    )
    assert "Bash: npm run lint" in build.recovery.between
    edit = next(i for (tool, _), i in by_tool.items() if tool == "Edit")
    assert "String to replace not found" in edit.sample["error"]
    assert [o.source for o in store.occurrences(db, edit.id)] == ["transcript"]
    assert edit.recovery is not None and edit.recovery.tool_use_id == "e2"
    assert "Read /tmp/ws/calc.py" in edit.recovery.between
    push = next(i for (tool, command), i in by_tool.items() if command.startswith("git push"))
    assert push.recovery is None
    assert "npm --prefix web run build" in (ws.incidents_dir / f"{build.id}.md").read_text()


def test_transcripts_are_read_incrementally_and_a_later_turn_can_recover(
    ws: Workspace, db: Database, tmp_path: Path
) -> None:
    t = TranscriptWriter(tmp_path / "session.jsonl")
    t.bash("p1", "pytest tests/test_calc.py", "E   AssertionError: assert 2 == 3\n1 failed", code=1)
    write_trigger(ws, t.stop_payload())
    first = run(ws, db)
    offset = store.transcript_offset(db, str(t.path))
    assert first.counted == 1 and offset == t.path.stat().st_size
    # Nothing answered it yet and the session goes on: no verdict, and the next read starts at its line.
    assert store.session_verdicts(db, "s1") == [] and store.judge_offset(db, str(t.path)) == 0

    # A narrower re-run passing is no fix (it only did less); the code edited, then the full run passing is.
    t.bash("p2", "pytest tests/test_calc.py -k test_add", "1 passed")
    t.call("e1", "Edit", {"file_path": "/tmp/ws/calc.py", "old_string": "2", "new_string": "3"}, "updated")
    t.bash("p3", ".venv/bin/pytest tests/test_calc.py", "1 passed")
    write_trigger(ws, t.stop_payload())
    second = run(ws, db)
    assert (second.counted, second.duplicates, second.recoveries) == (0, 0, 1)
    recovery = only(db).recovery
    assert recovery is not None and recovery.tool_use_id == "p3"
    [(_, verdict)] = store.session_verdicts(db, "s1")
    assert verdict.kind == "work" and verdict.fix == ".venv/bin/pytest tests/test_calc.py" and verdict.guard is None
    assert store.judge_offset(db, str(t.path)) is None  # settled: nothing to read again

    write_trigger(ws, t.stop_payload("SessionEnd"))  # nothing new: nothing counted again
    third = run(ws, db)
    assert (third.counted, third.duplicates, third.recoveries, third.sessions_ended) == (0, 0, 0, 1)
    assert only(db).count == 1


def test_a_lesson_found_in_a_later_turn_is_judged_with_the_calls_before_it(
    ws: Workspace, db: Database, tmp_path: Path
) -> None:
    t = TranscriptWriter(tmp_path / "session.jsonl", cwd=str(ws.root))
    t.bash("m1", "make biuld", "make: *** No rule to make target 'biuld'.  Stop.", code=2)
    t.bash("m2", "cat Makefile", "build:\n\techo ok")
    write_trigger(ws, t.stop_payload())
    assert run(ws, db).counted == 1 and store.session_verdicts(db, "s1") == []
    t.bash("m3", "make build", "ok")
    write_trigger(ws, t.stop_payload())
    assert run(ws, db).recoveries == 1
    [(_, verdict)] = store.session_verdicts(db, "s1")
    assert (verdict.kind, verdict.fix, verdict.distance) == ("lesson", "make build", 1)
    assert verdict.guard is not None and (verdict.guard.match, verdict.guard.fix) == ("make biuld", "make build")
    assert only(db).teaches and only(db).verdict == verdict


def test_a_failure_still_open_when_the_session_ends_gets_a_none_verdict(
    ws: Workspace, db: Database, tmp_path: Path
) -> None:
    t = TranscriptWriter(tmp_path / "session.jsonl")
    t.bash("n1", "npm run lint", 'npm error Missing script: "lint"', code=1)
    t.bash("n2", "git status", "On branch main")
    write_trigger(ws, t.stop_payload())
    run(ws, db)
    assert store.session_verdicts(db, "s1") == []
    write_trigger(ws, t.stop_payload("SessionEnd"))
    run(ws, db)
    [(_, verdict)] = store.session_verdicts(db, "s1")
    assert verdict.kind == "none" and verdict.error_line == 'npm error Missing script: "lint"'
    assert only(db).recovery is None and not only(db).teaches


def test_a_failure_inside_a_sub_agent_records_the_agent(ws: Workspace, db: Database, tmp_path: Path) -> None:
    t = TranscriptWriter(tmp_path / "agent-a1.jsonl")
    t.bash("s1", "npm run tset", 'npm error Missing script: "tset"', code=1)
    t.bash("s2", "npm run test", "12 passed")
    payload = {**t.stop_payload("SubagentStop"), "agent_transcript_path": str(t.path), "agent_type": "test-runner"}
    write_trigger(ws, payload)
    run(ws, db)
    [(_, verdict)] = store.session_verdicts(db, "s1")
    assert (verdict.kind, verdict.agent, verdict.fix) == ("lesson", "test-runner", "npm run test")


def test_a_destructive_success_is_stored_as_harmful_with_no_recovery(
    ws: Workspace, db: Database, tmp_path: Path
) -> None:
    t = TranscriptWriter(tmp_path / "session.jsonl")
    t.bash("g1", "git push origin main", " ! [rejected]        main -> main (fetch first)", code=1)
    t.bash("g2", "git push --force origin main", " + 1a2b...3c4d main -> main (forced update)")
    write_trigger(ws, t.stop_payload())
    assert run(ws, db).recoveries == 0
    [(_, verdict)] = store.session_verdicts(db, "s1")
    assert verdict.kind == "harmful" and verdict.guard is None and not verdict.lesson
    assert only(db).recovery is None


def test_a_failure_repeated_in_one_session_is_a_loop(ws: Workspace, db: Database) -> None:
    for _ in range(2):
        write_trigger(ws, failure_payload(session="calm"))
    for _ in range(2):
        write_trigger(ws, failure_payload(session="looping"))
    assert run(ws, db).loops == []
    write_trigger(ws, failure_payload(session="looping"))
    result = run(ws, db)
    incident = only(db)
    assert result.loops == [incident.id] and incident.is_loop and incident.count == 5
    assert "repeatedly" in (ws.incidents_dir / f"{incident.id}.md").read_text()  # the report was updated


def test_stop_failure_is_an_incident(ws: Workspace, db: Database) -> None:
    payload = {
        "session_id": "s1",
        "transcript_path": "/nope",
        "cwd": "/tmp/ws",
        "hook_event_name": "StopFailure",
        "error": "rate_limit_error",
        "error_details": {"status": 429, "message": "Too many requests"},
    }
    write_trigger(ws, payload)
    write_trigger(ws, dict(payload, session_id="s2"))
    run(ws, db)
    incident = only(db)
    assert (incident.tool, incident.count) == ("StopFailure", 2)
    assert "rate_limit_error" in incident.sample["error"]


def test_session_end_hands_the_transcript_to_memory_and_new_incidents_to_the_analyst(
    ws: Workspace, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingested: list[Path] = []
    analysed: list[dict[str, Any]] = []
    memory = types.ModuleType("nevo.memory.ingest")
    memory.ingest_session = lambda db, ws, path, clock: ingested.append(path)  # type: ignore[attr-defined]
    analyst = types.ModuleType("nevo.analyst")

    def analyze_ready(
        workspace: Workspace, provider: object = None, clock: object = None, *, db: Database | None = None
    ) -> object:
        analysed.append({"workspace": workspace, "db": db, "has_clock": callable(clock)})
        return types.SimpleNamespace(outcomes=[])

    analyst.analyze_ready = analyze_ready  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nevo.memory.ingest", memory)
    monkeypatch.setitem(sys.modules, "nevo.analyst", analyst)
    t = TranscriptWriter(tmp_path / "session.jsonl")
    write_trigger(ws, failure_payload())
    write_trigger(ws, t.stop_payload("SessionEnd"))

    config = Config()
    config.data["monitor"]["analyze_on_new"] = False
    run(ws, db, config)
    assert ingested == [t.path] and analysed == []

    write_trigger(ws, failure_payload("make test", "Exit code 2\nmake: *** No rule to make target 'test'."))
    run(ws, db)  # analyze_on_new is on by default
    assert analysed == [{"workspace": ws, "db": db, "has_clock": True}]


def test_memory_missing_or_failing_never_blocks_incidents(
    ws: Workspace, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = types.ModuleType("nevo.memory.ingest")

    def broken(*args: object) -> None:
        raise RuntimeError("journal is on fire")

    memory.ingest_session = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nevo.memory.ingest", memory)
    write_trigger(ws, failure_payload())
    write_trigger(ws, TranscriptWriter(tmp_path / "t.jsonl").stop_payload("SessionEnd"))
    result = run(ws, db)
    assert result.processed == 2 and result.counted == 1
    assert any("journal is on fire" in w for w in result.warnings)


# ------------------------------------------------------------------------------------------ crashes

_WORKER = """
import sys
from pathlib import Path
from nevo.monitor import process_pending
from nevo.workspace import Workspace
process_pending(Workspace(Path(sys.argv[1])))
"""


def test_kill_9_mid_run_loses_nothing_and_counts_nothing_twice(ws: Workspace, tmp_path: Path) -> None:
    kinds = sorted(p.stem for p in FAILURES.glob("*.json"))[:20]
    hooked, sessions, per_transcript = 2000, 40, 5
    for i in range(hooked):
        write_trigger(
            ws, recorded_failure(kinds[i % len(kinds)], session=f"s{i % 7}", tool_use_id=f"t{i:05d}")
        )
        if i % (hooked // sessions) == 0:  # now and then a turn ends: failures only its transcript has
            t = TranscriptWriter(tmp_path / f"x{i}.jsonl", session=f"x{i}")
            for j in range(per_transcript):
                t.bash(f"x{i}-{j}", f"make step{j}", f"make: *** No rule to make target 'step{j}'.", code=2)
                t.bash(f"x{i}-{j}-ok", f"make step{j} -f other.mk", "done")
            write_trigger(ws, t.stop_payload())
    total = hooked + sessions * per_transcript
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    kills = 0
    for _attempt in range(40):
        remaining = len(list(ws.triggers_dir.glob("*.json")))
        if remaining == 0:
            break
        worker = subprocess.Popen([sys.executable, "-c", _WORKER, str(ws.root)], env=env)
        deadline = time.monotonic() + 30
        while worker.poll() is None and time.monotonic() < deadline:  # wait until a batch has landed
            if len(list(ws.triggers_dir.glob("*.json"))) < remaining:
                break
            time.sleep(0.002)
        if worker.poll() is None:
            time.sleep(0.01 * (_attempt % 4))
            worker.send_signal(signal.SIGKILL)
            kills += 1
        worker.wait(timeout=30)
    assert kills >= 2, "the monitor finished before it could be killed: make the run longer"
    process_pending(ws)
    assert list(ws.triggers_dir.glob("*.json")) == []
    reasons = [p.read_text() for p in ws.rejected_dir.glob("*.reason")] if ws.rejected_dir.exists() else []
    assert reasons == []
    with open_database(ws) as db:
        assert db.scalar("SELECT COUNT(*) FROM occurrences") == total
        assert db.scalar("SELECT COUNT(DISTINCT tool_use_id) FROM occurrences") == total
        assert db.scalar("SELECT SUM(count) FROM incidents") == total
        assert db.scalar("SELECT COUNT(*) FROM recoveries") == per_transcript  # one per make-step incident


def test_a_call_whose_result_is_not_written_yet_is_read_again_next_time(
    ws: Workspace, db: Database, tmp_path: Path
) -> None:
    t = TranscriptWriter(tmp_path / "session.jsonl")
    t.bash("a1", "make lint", "ok")
    t._line(
        "assistant", [{"type": "tool_use", "id": "m1", "name": "Bash", "input": {"command": "make test"}}]
    )
    write_trigger(ws, t.stop_payload("PreCompact"))  # mid-turn: make test has no result yet
    assert run(ws, db).counted == 0
    assert store.transcript_offset(db, str(t.path)) < t.path.stat().st_size
    t._line(
        "user",
        [{"type": "tool_result", "tool_use_id": "m1", "content": "Exit code 2\nFAIL", "is_error": True}],
    )
    write_trigger(ws, t.stop_payload())
    assert run(ws, db).counted == 1
    assert store.transcript_offset(db, str(t.path)) == t.path.stat().st_size


# ----------------------------------------------------------------------------------- properties and CLI


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    big=st.text(min_size=3000, max_size=6000),
    before=st.dictionaries(st.text(max_size=8), st.text(max_size=30), max_size=3),
    after=st.text(max_size=50),
)
def test_a_huge_string_is_cut_in_the_middle_and_the_rest_survives(
    tmp_path: Path, big: str, before: dict[str, str], after: str
) -> None:
    payload = {
        "hook_event_name": "PostToolUseFailure",
        "tool_name": "Bash",
        "extra": before,
        "error": big,
        "tool_use_id": after,
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(payload, ensure_ascii=bool(len(big) % 2)))
    parsed = read_payload(path, 2048)
    assert parsed["extra"] == before and parsed["tool_use_id"] == after and parsed["tool_name"] == "Bash"
    assert big.startswith(parsed["error"].split("\n[... ", 1)[0][:100])


def test_two_monitors_at_once_still_count_each_trigger_once(ws: Workspace) -> None:
    total = 1500
    for i in range(total):
        write_trigger(
            ws,
            failure_payload(
                f"make t{i % 30}",
                f"Exit code 2\nmake: *** No rule to make target 't{i % 30}'.",
                tool_use_id=f"t{i}",
            ),
        )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(ws.root)], env=env) for _ in range(2)]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    with open_database(ws) as db:
        assert db.scalar("SELECT COUNT(*) FROM occurrences") == total
        assert db.scalar("SELECT SUM(count) FROM incidents") == total
    assert list(ws.triggers_dir.glob("*.json")) == []


def test_cli_lists_incidents_and_refuses_a_workspace_without_nevo(
    ws: Workspace, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_trigger(ws, failure_payload("npm test", 'Exit code 1\nnpm error Missing script: "test"'))
    for _ in range(2):
        write_trigger(
            ws, failure_payload("make", "Exit code 2\nmake: *** No targets specified and no makefile found.")
        )
    assert cli_main(["monitor", "--once", "-w", str(ws.root)]) == 0
    out = capsys.readouterr().out
    assert "3 trigger(s) processed" in out and out.count("new incident INC-") == 2
    assert cli_main(["incidents", "--json", "-w", str(ws.root)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["command"], i["count"]) for i in listed] == [("make", 2), ("npm test", 1)]
    assert cli_main(["incidents", "-w", str(ws.root)]) == 0
    table_out = capsys.readouterr().out
    assert listed[0]["id"] in table_out and listed[1]["id"] in table_out
    assert cli_main(["incidents", "show", listed[0]["id"], "-w", str(ws.root)]) == 0
    assert "recovery: none seen yet" in capsys.readouterr().out
    assert cli_main(["incidents", "show", "INC-2000-01-01-0000", "-w", str(ws.root)]) == 1
    assert "no incident" in capsys.readouterr().err
    bare = tmp_path / "bare"
    bare.mkdir()
    assert cli_main(["monitor", "--once", "-w", str(bare)]) == 1
    assert "not installed" in capsys.readouterr().err


def test_guard_denials_and_rejections_in_a_transcript_are_not_failures(
    ws: Workspace, db: Database, tmp_path: Path
) -> None:
    t = TranscriptWriter(tmp_path / "session.jsonl")
    t.call(
        "d1",
        "Bash",
        {"command": "npm run build"},
        "nevo PROJ-003: Build the web app with npm --prefix web.",
        error=True,
    )
    t.call(
        "d2",
        "Bash",
        {"command": "rm -rf build"},
        "The user doesn't want to proceed with this tool use.",
        error=True,
    )
    t.call("d3", "Bash", {"command": "sleep 100"}, "[Request interrupted by user for tool use]", error=True)
    t.bash(
        "f1", "make", "make: *** No targets specified and no makefile found.  Stop.", code=2
    )  # the control
    write_trigger(ws, t.stop_payload())
    assert run(ws, db).counted == 1
    assert only(db).command == "make"


def test_a_trigger_the_code_cannot_handle_is_moved_aside_without_blocking_the_rest(
    ws: Workspace, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Monitor._count

    def fragile(self: Monitor, tool: str, *args: Any, **kwargs: Any) -> None:
        real(self, tool, *args, **kwargs)  # its effect must be undone too
        if tool == "Poison":
            raise RecursionError("unforeseen")

    monkeypatch.setattr(Monitor, "_count", fragile)
    write_trigger(ws, failure_payload())
    poison = write_trigger(ws, failure_payload(tool="Poison", tool_input={}))
    write_trigger(ws, failure_payload())
    result = run(ws, db)
    assert (result.processed, result.counted, result.rejected) == (2, 2, [poison.name])
    assert only(db).count == 2
    assert "RecursionError: unforeseen" in (ws.rejected_dir / f"{poison.name}.reason").read_text()


# ------------------------------------------------------------------------------------------ review fixes


def deep_trigger_bytes(depth: int = 800) -> bytes:
    """A failure whose tool_input nests ``depth`` levels: json.loads takes it, a recursive walk does not."""
    head = json.dumps(failure_payload(tool="Deep", tool_input={"command": "x"}))
    assert head.count('"tool_input": {"command": "x"}') == 1
    nested = "[" * depth + "]" * depth
    return head.replace('"tool_input": {"command": "x"}', f'"tool_input": {{"command": "x", "n": {nested}}}').encode()


def test_a_payload_nested_800_deep_is_moved_aside_and_never_blocks_once(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = write_trigger(ws, deep_trigger_bytes(800))
    json.loads(deep.read_bytes())  # valid JSON that the parser accepts: the danger is downstream
    write_trigger(ws, failure_payload())
    assert cli_main(["monitor", "--once", "-w", str(ws.root)]) == 0
    capsys.readouterr()
    assert "nested too deeply" in (ws.rejected_dir / f"{deep.name}.reason").read_text()
    assert list(ws.triggers_dir.glob("*.json")) == []
    write_trigger(ws, failure_payload())  # the next run goes on as usual
    assert cli_main(["monitor", "--once", "-w", str(ws.root)]) == 0
    with open_database(ws) as db:
        assert only(db).count == 2


def test_any_exception_while_reading_one_trigger_moves_only_that_one_aside(
    ws: Workspace, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nevo.monitor as monitor_module

    real = monitor_module.read_payload

    def fragile(path: Path, max_bytes: int) -> dict[str, Any]:
        if b"Poison" in path.read_bytes():
            raise KeyError("unforeseen")
        return real(path, max_bytes)

    monkeypatch.setattr(monitor_module, "read_payload", fragile)
    write_trigger(ws, failure_payload())
    poison = write_trigger(ws, failure_payload(tool="Poison", tool_input={}))
    write_trigger(ws, failure_payload())
    result = run(ws, db)
    assert (result.processed, result.counted, result.rejected) == (2, 2, [poison.name])
    assert "KeyError" in (ws.rejected_dir / f"{poison.name}.reason").read_text()


def test_cli_shows_commands_and_trigger_names_with_brackets_as_written(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nevo.cli.common import console

    monkeypatch.setattr(console, "_width", 200)  # one table row per line
    command = "sed -i s/[/]//g f.txt"
    write_trigger(ws, failure_payload(command, "Exit code 1\nsed: -e expression #1, char 9: unterminated `s' command"))
    odd = write_trigger(ws, b"", name="000000000000-[bold].json")  # rejected: its name is printed
    assert cli_main(["monitor", "--once", "-w", str(ws.root)]) == 0
    assert f"rejected trigger {odd.name}" in capsys.readouterr().out
    assert cli_main(["incidents", "-w", str(ws.root)]) == 0
    listed = capsys.readouterr().out
    assert "Bash: sed -i s/[/]//g f.txt" in listed


def test_cli_incidents_outside_a_workspace_is_an_error_and_an_empty_list_says_so(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    for command in (["incidents"], ["incidents", "--json"], ["incidents", "show", "INC-2000-01-01-0000"]):
        assert cli_main([*command, "-w", str(bare)]) == 1, command
        err = capsys.readouterr().err
        assert "not installed" in err and "nevo init" in err
    assert cli_main(["incidents", "-w", str(ws.root)]) == 0
    assert "no incidents yet" in capsys.readouterr().out


NEVO = [sys.executable, "-c", "import sys; from nevo.cli import main; sys.exit(main(sys.argv[1:]))"]


def test_monitor_once_reports_a_rejected_trigger_once(ws: Workspace) -> None:
    bad = write_trigger(ws, b"")
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "300"}
    done = subprocess.run(
        [*NEVO, "monitor", "--once", "-w", str(ws.root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    assert len([line for line in lines if bad.name in line]) == 1, lines


def test_a_trigger_name_seen_before_a_reboot_is_a_new_occurrence_and_a_replay_is_not(
    ws: Workspace, db: Database
) -> None:
    stop_failure = {
        "session_id": "s1",
        "transcript_path": "/nope",
        "cwd": "/tmp/ws",
        "hook_event_name": "StopFailure",
        "error": "rate_limit_error",
    }
    no_call_id = failure_payload(session="s1")
    del no_call_id["tool_use_id"]
    names = ["000000001234-42.json", "000000001235-43.json"]  # centiseconds since boot + pid: they repeat
    for name, payload in zip(names, [stop_failure, no_call_id], strict=True):
        kept = write_trigger(ws, payload, name=name).read_bytes()
        assert run(ws, db).counted == 1
        write_trigger(ws, kept, name=name)  # a crash between commit and delete: the same file again
        assert run(ws, db).duplicates == 1
        write_trigger(ws, dict(payload, session_id="s2"), name=name)  # after a reboot: another failure
        assert run(ws, db).counted == 1
    assert sorted(i.count for i in store.list_incidents(db)) == [2, 2]


def write_entry(path: Path, at: str, kind: str, content: list[dict[str, Any]], session: str = "s1") -> None:
    entry = {"type": kind, "sessionId": session, "cwd": "/tmp/ws", "timestamp": at}
    with path.open("a") as handle:
        handle.write(json.dumps({**entry, "message": {"role": kind, "content": content}}) + "\n")


@pytest.mark.parametrize("ending", ["SessionEnd", "resumed an hour later"])
def test_a_call_that_never_gets_a_result_stops_holding_the_read_offset(
    ws: Workspace, db: Database, tmp_path: Path, ending: str
) -> None:
    t = TranscriptWriter(tmp_path / f"{ending}.jsonl")
    t.bash("a1", "make lint", "ok")
    t._line("assistant", [{"type": "tool_use", "id": "m1", "name": "Bash", "input": {"command": "sleep 1"}}])
    write_trigger(ws, t.stop_payload("PreCompact"))
    run(ws, db)
    held = store.transcript_offset(db, str(t.path))
    assert held < t.path.stat().st_size  # waiting for m1's result, as it should for now
    if ending == "SessionEnd":  # the session was killed mid-call, then ended
        write_trigger(ws, t.stop_payload("SessionEnd"))
    else:  # killed mid-call and resumed: the transcript goes on without m1's result
        tool_use = {"type": "tool_use", "id": "f1", "name": "Bash", "input": {"command": "make docs"}}
        write_entry(t.path, "2026-11-21T04:30:00Z", "assistant", [tool_use])
        failed = {"type": "tool_result", "tool_use_id": "f1", "content": "Exit code 2\nno docs", "is_error": True}
        write_entry(t.path, "2026-11-21T04:30:01Z", "user", [failed])
        write_trigger(ws, t.stop_payload())
    result = run(ws, db)
    assert store.transcript_offset(db, str(t.path)) == t.path.stat().st_size, ending
    assert result.counted == (ending != "SessionEnd")  # make docs failed in the resumed session


def test_guards_are_refreshed_once_per_run_and_a_failing_refresh_never_stops_incidents(
    ws: Workspace, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nevo.publish

    calls: list[Workspace] = []

    def broken(workspace: Workspace) -> bool:
        calls.append(workspace)
        raise OSError("rules folder unreadable")

    monkeypatch.setattr(nevo.publish, "refresh_if_stale", broken)
    for _ in range(3):
        write_trigger(ws, failure_payload())
    monitor = Monitor(ws, db, Config())
    monitor.batch_size = 1  # three batches, one run
    result = monitor.process_pending()
    assert (result.processed, result.counted) == (3, 3) and calls == [ws]
    assert result.warnings == ["guard refresh failed: OSError: rules folder unreadable"]
