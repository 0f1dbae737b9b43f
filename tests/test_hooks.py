"""The hook scripts, run as real processes the way Claude Code runs them."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nevo.context import render
from nevo.workspace import Workspace
from tests.support.claude import wait_for_renames

PAYLOAD = json.dumps(
    {
        "session_id": "s1",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": "/tmp/ws",
        "hook_event_name": "PostToolUseFailure",
        "tool_name": "Bash",
        "tool_input": {"command": "ls /nope"},
        "tool_use_id": "toolu_01",
        "error": "Exit code 2\nls: cannot access '/nope': No such file or directory \u00e9\\n",
        "is_interrupt": False,
        "duration_ms": 12,
    }
)


def run_hook(workspace: Workspace, script: str, payload: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(workspace.root)}
    return subprocess.run(
        [str(workspace.hooks_dir / script)],
        input=payload,
        capture_output=True,
        env=env,
        cwd=workspace.root,
        timeout=30,
    )


def triggers(workspace: Workspace) -> list[Path]:
    wait_for_renames(workspace.triggers_dir)  # the hook renames after it has exited
    return sorted(workspace.triggers_dir.glob("*.json"))


def test_capture_writes_the_payload_byte_for_byte(installed: Workspace) -> None:
    done = run_hook(installed, "capture", PAYLOAD.encode())
    assert done.returncode == 0
    assert done.stdout == b"" and done.stderr == b""
    [trigger] = triggers(installed)
    assert trigger.read_bytes() == PAYLOAD.encode()
    assert not list(installed.triggers_dir.glob(".tmp-*")), "the temp file must be renamed away"


def test_trigger_names_sort_by_time(installed: Workspace) -> None:
    for _ in range(5):
        run_hook(installed, "capture", b"{}")
    names = [p.name for p in triggers(installed)]
    assert len(names) == 5
    stamps = [int(n.split("-")[0]) for n in names]
    assert stamps == sorted(stamps)
    assert all(len(n.split("-")[0]) == 12 for n in names)


def test_capture_without_its_folder_exits_zero_and_logs(installed: Workspace) -> None:
    installed.triggers_dir.rmdir()
    done = run_hook(installed, "capture", PAYLOAD.encode())
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""
    log = installed.capture_log.read_text()
    assert "capture failed" in log and str(installed.triggers_dir) in log


def test_capture_of_a_huge_payload(installed: Workspace) -> None:
    big = b'{"error": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    done = run_hook(installed, "capture", big)
    assert done.returncode == 0
    [trigger] = triggers(installed)
    assert trigger.stat().st_size == len(big)


def test_many_concurrent_captures_are_all_complete(installed: Workspace) -> None:
    payloads = [json.dumps({"n": i, "pad": "y" * (i % 50) * 100}).encode() for i in range(1000)]
    with ThreadPoolExecutor(max_workers=64) as pool:
        codes = list(pool.map(lambda p: run_hook(installed, "capture", p).returncode, payloads))
    assert codes == [0] * 1000
    seen = sorted(json.loads(p.read_bytes())["n"] for p in triggers(installed))
    assert seen == list(range(1000)), "a trigger was lost or is partial"


def test_stop_hook_also_records_a_trigger(installed: Workspace) -> None:
    stop = json.dumps({"session_id": "s1", "hook_event_name": "Stop", "stop_hook_active": False}).encode()
    done = run_hook(installed, "stop", stop)
    assert done.returncode == 0
    assert [p.read_bytes() for p in triggers(installed)] == [stop]


def test_session_start_prints_nothing_without_context(installed: Workspace) -> None:
    done = run_hook(installed, "session-start", b'{"hook_event_name": "SessionStart"}')
    assert done.returncode == 0 and done.stdout == b""


def test_session_start_prints_the_rendered_context(installed: Workspace) -> None:
    text = render([("Rules", "- PROJ-001 use `npm --prefix web run build`")])
    payload = {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text}}
    installed.context_path.write_text(json.dumps(payload))
    done = run_hook(installed, "session-start", b"{}")
    assert done.returncode == 0
    assert json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"] == text
