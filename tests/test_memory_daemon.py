"""`nevo daemon`: the watcher and the nightly schedule in one process, stopped cleanly."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from nevo.clock import fixed_clock
from nevo.daemon import run_daemon
from nevo.db import open_database
from nevo.nightly import NightlyReport
from nevo.workspace import Workspace


def test_the_daemon_watches_and_runs_a_missed_nightly_then_stops(
    installed: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nevo.nightly as nightly

    monkeypatch.setattr(nightly, "stage_steps", lambda: [])  # the rules and forge stages test their own steps
    stop = threading.Event()
    ready = threading.Event()
    seen: list[NightlyReport] = []

    def on_nightly(report: NightlyReport) -> None:
        seen.append(report)

    clock = fixed_clock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    result: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: result.update(
            report=run_daemon(
                installed, stop, clock=clock, tick_seconds=0.05, on_nightly=on_nightly, watcher_ready=ready
            )
        )
    )
    thread.start()
    try:
        assert ready.wait(20), "the watcher never started"
        for _ in range(200):
            if seen:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(seen) == 1 and seen[0].ran  # never ran before: due at once; then not again at the same moment
    db = open_database(installed)
    assert db.scalar("SELECT value FROM meta WHERE key = 'nightly.last_run'") == "2026-11-21T09:00:00Z"
