"""End to end: `nevo init` in a workspace, a real Claude Code session against a loopback fake of the
Messages API, and the triggers the real hooks leave behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import process_by_hand
from tests.support import FakeMessagesAPI, Script, bash, run_claude, text

pytestmark = pytest.mark.e2e

FAILING = ["ls /nope", "false", "python3 -c 'import nosuchmodule_xyz'", "sh -c 'exit 3'"]
SUCCEEDING = ["echo ok", "true", "printf 'a\\nb\\n' | wc -l"]
RECORDER = (
    'mkdir -p "$CLAUDE_PROJECT_DIR/.recorded" && '
    'cat > "$(mktemp "$CLAUDE_PROJECT_DIR/.recorded/failure.XXXXXX")"'
)


def nevo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nevo", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_a_session_leaves_exactly_one_trigger_per_failed_call(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    done = nevo("init", cwd=ws)
    assert done.returncode == 0, done.stderr
    process_by_hand(ws)
    # An independent recorder in the user's local settings: what Claude Code really sent each failure hook.
    (ws / ".claude" / "settings.local.json").write_text(
        json.dumps(
            {
                "hooks": {
                    "PostToolUseFailure": [
                        {"matcher": "*", "hooks": [{"type": "command", "command": RECORDER}]}
                    ]
                }
            }
        )
    )
    marker = "CONTEXT-MARKER-5e1d"
    (ws / ".nevo" / "context.json").write_text(
        json.dumps({"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": marker}})
    )

    interleaved = [c for pair in zip(FAILING, [*SUCCEEDING, ""], strict=True) for c in pair if c]
    steps = [*map(bash, interleaved), text("done")]
    with FakeMessagesAPI(Script(steps)) as api:
        run = run_claude(ws, "run the commands", api, tmp_path / "claude-config")
        assert run.returncode == 0, run.describe(api)
        assert marker in api.main_requests()[0].all_text(), "the SessionStart context did not reach the model"

    triggers = sorted((ws / ".nevo" / "triggers").glob("*.json"))
    payloads = [json.loads(p.read_bytes()) for p in triggers]
    failures = [p for p in payloads if p["hook_event_name"] == "PostToolUseFailure"]
    assert sorted(p["tool_input"]["command"] for p in failures) == sorted(FAILING)
    assert {p["hook_event_name"] for p in payloads} <= {"PostToolUseFailure", "Stop", "SessionEnd"}

    recorded = sorted(p.read_bytes() for p in (ws / ".recorded").iterdir())
    captured = sorted(
        p.read_bytes() for p, d in zip(triggers, payloads, strict=True) if d["hook_event_name"] == "PostToolUseFailure"
    )
    assert captured == recorded, "a trigger differs from the payload Claude Code sent"
    assert not list((ws / ".nevo" / "triggers").glob(".tmp-*"))
    assert not (ws / ".nevo" / "capture.log").exists()

    status = json.loads(nevo("status", "--json", cwd=ws).stdout)
    assert status["pending_triggers"] == len(triggers)
    assert status["installed"] is True
