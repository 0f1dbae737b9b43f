"""`nevo nightly`: steps in order, --now, --if-due, failures isolated, safe beside a running writer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nevo.clock import fixed_clock
from nevo.db import open_database
from nevo.journal import ingest_journal
from nevo.nightly import run_nightly
from nevo.transcript import project_slug
from nevo.workspace import Workspace
from tests.test_journal import TranscriptWriter

MONDAY = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
MEMORY_STEPS = ("ingest", "consolidate", "facts", "inbox", "warm", "fitness")


@pytest.fixture
def memory_steps_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs without the rules and forge steps: those stages test their own steps."""
    import nevo.nightly as nightly

    monkeypatch.setattr(nightly, "stage_steps", lambda: [])


def transcripts_dir(ws: Workspace) -> Path:
    return Path(os.environ["CLAUDE_CONFIG_DIR"]) / "projects" / project_slug(str(ws.root.resolve()))


def write_session(ws: Workspace, name: str, start: datetime, prompt: str = "Task: fix the parser") -> Path:
    w = TranscriptWriter(transcripts_dir(ws) / f"{name}.jsonl", cwd=str(ws.root), start=start)
    w.prompt(prompt)
    w.bash("npm test", "npm: command not found", exit_code=127)
    w.bash("pnpm test", "ok")
    return w.path


def nevo(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nevo", *args, "-w", str(ws.root)],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )


def test_the_cli_simulates_weeks_and_months_with_now(installed: Workspace) -> None:
    for week in range(8):
        for day in (0, 2):
            write_session(
                installed,
                f"s-{week}-{day}",
                MONDAY + timedelta(weeks=week, days=day),
                prompt=f"Task {week}-{day}. Remember: we use pnpm." if week == 0 else f"Task {week}-{day}",
            )
    first = nevo(installed, "nightly", "--now", "2026-09-20T03:00", "--json")
    report = json.loads(first.stdout)
    assert first.returncode == (0 if report["ok"] else 1), first.stderr
    assert all(s["ok"] for s in report["steps"] if s["name"] in MEMORY_STEPS), (
        report
    )  # other stages' are theirs
    assert [s["name"] for s in report["steps"]][:6] == [
        "ingest",
        "consolidate",
        "facts",
        "inbox",
        "warm",
        "fitness",
    ]
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["ingest"]["detail"]["transcripts"] == 16
    assert steps["consolidate"]["detail"]["weekly"] == ["2026-W37"]

    later = nevo(installed, "nightly", "--now", "2026-11-15T03:00", "--json")
    assert all(s["ok"] for s in json.loads(later.stdout)["steps"] if s["name"] in MEMORY_STEPS), later.stdout
    status = json.loads(nevo(installed, "memory", "status", "--json").stdout)
    assert status["sessions"] == 16 and status["narratives"] == 16
    assert status["weekly"] == 8 and status["monthly"] == 2  # 2026-09 and 2026-10 (Nov 15 - 30 days = Oct 16)
    assert status["last_nightly"] == "2026-11-15T03:00:00Z"
    assert "We use pnpm." in (installed.memory_dir / "MEMORY.md").read_text()
    hits = json.loads(nevo(installed, "memory", "search", "pnpm test", "--json").stdout)
    assert hits and {h["source"] for h in hits} >= {"fact", "journal"}
    fitness = json.loads(nevo(installed, "fitness", "--json").stdout)
    assert [f["at"] for f in fitness] == ["2026-09-20T03:00:00Z", "2026-11-15T03:00:00Z"]
    facts = json.loads(nevo(installed, "memory", "facts", "--json").stdout)
    assert any(f["text"] == "We use pnpm." for f in facts)


def test_if_due_runs_once_per_scheduled_time_and_catches_up(
    installed: Workspace, memory_steps_only: None
) -> None:
    at = datetime(2026, 11, 20, 3, 0, 30, tzinfo=UTC)
    assert run_nightly(installed, at, if_due=True).ran  # never ran: due
    assert not run_nightly(installed, at + timedelta(hours=5), if_due=True).ran
    skipped = run_nightly(installed, at + timedelta(hours=23), if_due=True)
    assert not skipped.ran and "next scheduled 2026-11-21T03:00:00Z" in skipped.reason
    assert run_nightly(installed, at + timedelta(days=3, hours=6), if_due=True).ran  # off for three nights
    assert not run_nightly(installed, at + timedelta(days=3, hours=7), if_due=True).ran


def boom_step(workspace: Workspace, db: Any, clock: Any) -> None:
    raise RuntimeError("the forge is on fire")


def fine_step(workspace: Workspace, db: Any, clock: Any) -> dict[str, str]:
    return {"clock": clock().isoformat()}


def test_a_failing_step_is_reported_and_the_others_still_run(
    installed: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nevo.nightly as nightly

    monkeypatch.setattr(nightly, "stage_steps", lambda: [("boom", boom_step), ("fine", fine_step)])
    report = run_nightly(installed, MONDAY)
    steps = {s.name: s for s in report.steps}
    assert not report.ok
    assert "RuntimeError: the forge is on fire" in (steps["boom"].error or "")
    assert steps["fine"].ok and steps["fine"].detail == {"clock": MONDAY.isoformat()}
    db = open_database(installed)
    assert db.scalar("SELECT value FROM meta WHERE key = 'nightly.last_run'") == "2026-09-07T10:00:00Z"
    assert json.loads(db.scalar("SELECT value FROM meta WHERE key = 'nightly.last_result'"))["ok"] is False


def test_the_cli_exits_1_when_a_step_failed(installed: Workspace) -> None:
    write_session(installed, "s-1", MONDAY, prompt="Remember: we use pnpm.")
    (installed.memory_dir / "MEMORY.md").mkdir(parents=True)  # a folder in its place: the warm step fails
    done = nevo(installed, "nightly", "--now", "2026-09-20T03:00")
    assert done.returncode == 1 and re.search(r"warm +failed", done.stdout), done.stdout
    assert re.search(r"consolidate +ok", done.stdout), "the other steps still ran"


def test_nightly_is_safe_beside_a_writer_and_twice_in_a_row(
    installed: Workspace, memory_steps_only: None
) -> None:
    for index in range(12):
        write_session(installed, f"s-{index}", MONDAY + timedelta(days=index))
    stop = threading.Event()
    errors: list[BaseException] = []
    writes = {"n": 0}
    wrote = threading.Event()

    def monitor_like_writer() -> None:  # another connection appending sessions, as the monitor does
        db = open_database(installed)
        try:
            while not stop.is_set():
                writes["n"] += 1
                path = write_session(installed, f"live-{writes['n']}", MONDAY + timedelta(days=30))
                ingest_journal(db, path, fixed_clock(MONDAY + timedelta(days=30)))
                wrote.set()
        except BaseException as exc:  # surfaced in the assertion below
            errors.append(exc)
        finally:
            db.close()

    thread = threading.Thread(target=monitor_like_writer)
    thread.start()
    try:
        assert wrote.wait(30), "the writer never wrote"
        first = run_nightly(installed, MONDAY + timedelta(days=40))
        # The writer keeps going after the run too (not timing luck): its writes straddle the nightly.
        wrote.clear()
        assert wrote.wait(30)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == [] and first.ok, [s.error for s in first.steps]
    assert writes["n"] > 1
    second = run_nightly(installed, MONDAY + timedelta(days=40))
    assert second.ok
    consolidate = {s.name: s for s in second.steps}["consolidate"].detail
    assert consolidate["monthly"] == [] and consolidate["summarised"] == 0
    db = open_database(installed)
    assert (
        db.scalar("SELECT COUNT(*) FROM sessions WHERE weekly_id IS NULL AND started_at < '2026-10-10'") == 0
    )
