"""The run at session end: real hook script, real processes, real locks; waits are bounded polls on files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nevo import background
from nevo.db import open_database
from nevo.workspace import Workspace
from tests.conftest import process_by_hand

WAIT_S = 60.0

# A process asking for a run whose passes wait for the test: pass N touches `pass-N-<tag>` in the control
# folder, then waits (bounded) until the test creates `release-N`. Prints how many passes it ran.
REQUESTER = """
import sys, time
from pathlib import Path
from nevo.background import request_run
from nevo.workspace import Workspace

workspace, tag, control = Workspace(Path(sys.argv[1])), sys.argv[2], Path(sys.argv[3])

def one_pass():
    number = len(list(control.glob("pass-*"))) + 1
    (control / f"pass-{number}-{tag}").touch()
    deadline = time.monotonic() + 60
    while not (control / f"release-{number}").exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"pass {number} was never released")
        time.sleep(0.01)

print(request_run(workspace, one_pass))
"""


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def requester(ws: Workspace, tag: str, control: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", REQUESTER, str(ws.root), tag, str(control)], stdout=subprocess.PIPE, text=True
    )


def finished(proc: subprocess.Popen[str]) -> int:
    out, _ = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 0, out
    return int(out.strip())


def test_a_start_while_a_run_holds_the_lock_coalesces_into_one_more_pass(installed: Workspace, tmp_path: Path) -> None:
    control = tmp_path / "control"
    control.mkdir()
    first = requester(installed, "A", control)
    wait_until(lambda: (control / "pass-1-A").exists(), "the first pass to start")

    # Two more sessions end while it runs: both only mark "again" and exit at once, without a pass.
    assert finished(requester(installed, "B", control)) == 0
    assert finished(requester(installed, "C", control)) == 0
    assert background.again_path(installed).exists() and background.is_running(installed)

    (control / "release-1").touch()
    wait_until(lambda: (control / "pass-2-A").exists(), "the running process to go round once more")
    (control / "release-2").touch()
    assert finished(first) == 2  # once for itself, once for both requests that came meanwhile
    assert sorted(p.name for p in control.glob("pass-*")) == ["pass-1-A", "pass-2-A"]
    assert not background.again_path(installed).exists() and not background.is_running(installed)

    # The lock is free again: the next start runs at once.
    (control / "release-3").touch()
    assert finished(requester(installed, "D", control)) == 1


def run_hook(ws: Workspace, payload: dict[str, object]) -> subprocess.CompletedProcess[bytes]:
    """The SessionEnd hook as Claude Code runs it: payload on stdin, stdout and stderr captured."""
    return subprocess.run(
        [str(ws.hooks_dir / "session-end")],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=WAIT_S,
        cwd=ws.root,
    )


def session_end(session: str = "s1") -> dict[str, object]:
    return {"session_id": session, "hook_event_name": "SessionEnd", "reason": "other", "cwd": "/tmp/x"}


def test_the_hook_returns_while_the_run_it_started_goes_on_detached(installed: Workspace) -> None:
    with open_database(installed) as db:
        db.execute("BEGIN IMMEDIATE")  # the run will wait for the database: it cannot finish before we let it
        try:
            done = run_hook(installed, session_end())
            # Returned (its pipes closed) with the run still going: nothing of the run holds Claude Code's pipes.
            assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
            wait_until(lambda: background.is_running(installed), "the run to take its lock")
            assert background.summary(installed)["last"] is None
        finally:
            db.execute("ROLLBACK")
    wait_until(
        lambda: background.summary(installed)["last"] is not None and not background.is_running(installed),
        "the run to finish and let its lock go",
    )
    summary = background.summary(installed)
    last = summary["last"]
    assert last["error"] is None and last["triggers"] == 1 and last["detached"] is True, last
    assert last["pid"] != os.getpid() and not summary["running"] and summary["current"] is None
    assert list(installed.triggers_dir.glob("*.json")) == []  # the session end was recorded, then processed
    assert "run finished" in background.log_path(installed).read_text()


def test_the_hook_records_the_trigger_even_when_the_run_is_turned_off(installed: Workspace) -> None:
    process_by_hand(installed.root)
    done = run_hook(installed, session_end())
    assert (done.returncode, done.stdout) == (0, b"")
    wait_until(lambda: len(list(installed.triggers_dir.glob("*.json"))) == 1, "the trigger's rename")
    [trigger] = installed.triggers_dir.glob("*.json")
    assert json.loads(trigger.read_text()) == session_end()
    # The run started and stopped at once (turned off): no lock was ever taken, nothing processed.
    wait_until(lambda: not any(installed.triggers_dir.glob(".tmp-*")), "no write in flight")
    assert background.read_state(installed) == {"current": None, "runs": []}


def test_without_a_recorded_interpreter_the_hook_says_so_in_the_log_and_exits_0(installed: Workspace) -> None:
    background.logs_dir(installed)  # not created yet
    (installed.hooks_dir / "interpreter").unlink()
    done = run_hook(installed, session_end())
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    log = background.log_path(installed)
    wait_until(log.is_file, "the hook's log line")
    wait_until(lambda: "no Python with nevo" in log.read_text(), "the whole line")
    assert "nevo init" in log.read_text()
    assert len(list(installed.triggers_dir.glob("*.json"))) == 1  # the trigger is kept for a later run


def test_a_failing_run_is_recorded_in_the_log_and_status_and_the_process_exits_0(installed: Workspace) -> None:
    installed.config_path.write_text("monitor: [not, a, mapping\n")  # invalid YAML
    done = subprocess.run(
        [sys.executable, "-m", "nevo.background", str(installed.root)], capture_output=True, timeout=WAIT_S
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    last = background.summary(installed)["last"]
    assert last is not None and "not valid YAML" in last["error"], last
    assert "not valid YAML" in background.log_path(installed).read_text()


def test_runs_are_kept_bounded_and_newest_first(installed: Workspace) -> None:
    for _ in range(background.HISTORY + 3):
        background.background(installed)
    summary = background.summary(installed)
    assert len(summary["runs"]) == background.HISTORY
    stamps = [r["started_at"] for r in summary["runs"]]
    assert stamps == sorted(stamps, reverse=True)


def test_a_damaged_outcome_file_is_reported_not_fatal(installed: Workspace) -> None:
    background.logs_dir(installed).mkdir(parents=True)
    background.state_path(installed).write_text("{not json")
    summary = background.summary(installed)
    assert summary["last"] is None and "background.json" in summary["unreadable"]
    background.background(installed)  # a run starts over with a fresh file
    assert background.summary(installed)["last"] is not None


@pytest.mark.parametrize("args", [[], ["a", "b"]])
def test_main_needs_exactly_the_workspace(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert background.main(args) == 2
    assert "usage" in capsys.readouterr().err


def test_uninstall_takes_the_runs_logs_and_locks_and_keeps_the_data(installed: Workspace) -> None:
    from nevo.install import uninstall

    background.background(installed)
    assert background.log_path(installed).parent.is_dir() and background.lock_path(installed).is_file()
    report = uninstall(installed)
    assert not background.logs_dir(installed).exists() and not background.lock_path(installed).parent.exists()
    assert installed.db_path.exists() and ".nevo/nevo.db" in report.kept


def test_a_run_killed_midway_shows_as_interrupted_and_the_next_one_runs(installed: Workspace) -> None:
    with open_database(installed) as db:
        db.execute("BEGIN IMMEDIATE")  # holds the run inside its pass
        try:
            run_hook(installed, session_end())
            wait_until(lambda: background.summary(installed)["current"] is not None, "the pass to start")
            pid = background.summary(installed)["current"]["pid"]
            os.kill(pid, 9)
            wait_until(lambda: not background.is_running(installed), "the killed run's lock to go")
        finally:
            db.execute("ROLLBACK")
    summary = background.summary(installed)
    assert summary["interrupted"] is not None and summary["interrupted"]["pid"] == pid
    assert background.background(installed) == 1  # nothing was lost: the trigger is still there
    summary = background.summary(installed)
    assert summary["interrupted"] is None and summary["last"]["triggers"] == 1
