"""The e2e harness itself: the fake Messages API, and the real Claude Code CLI driven against it.

The first tests need no CLI (they talk to the fake over HTTP). The e2e ones run the real `claude`
and pin down the Claude Code behaviours nevo relies on: which failures fire PostToolUseFailure and
with what payload, what the transcript holds, and how hook output reaches the model.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    CLAUDE_MISSING,
    FakeMessagesAPI,
    Script,
    bash,
    claude_available,
    edit,
    payload_recorder_hook,
    read,
    recorded_hook_payloads,
    run_claude,
    text,
    tool_results_in,
    tool_uses_in,
    write_project_settings,
)

SESSION_START_MARKER = "SESSION-START-MARKER-7f3a"

requires_claude = pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING)


# --- The fake alone (no CLI needed) --------------------------------------------------------------


def _post(api: FakeMessagesAPI, body: dict[str, Any]) -> tuple[str, bytes]:
    request = urllib.request.Request(
        api.base_url + "/v1/messages?beta=true",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "x-claude-code-session-id": "s-1"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers.get("Content-Type", ""), response.read()


def _assistant(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(blocks)}


def test_fake_plays_the_step_matching_the_tool_uses_already_in_messages() -> None:
    script = Script([bash("echo 1"), read("a.txt"), text("done")])
    main_body = {"model": "m", "tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "go"}]}
    with FakeMessagesAPI(script) as api:
        _, first = _post(api, main_body)
        _, retried = _post(api, main_body)
        played = json.loads(first)["content"][0]
        history = [*main_body["messages"], _assistant(played), {"role": "user", "content": "result"}]
        _, second = _post(api, dict(main_body, messages=history))
        _, side = _post(api, {"model": "haiku", "messages": [{"role": "user", "content": "title?"}]})

    assert played["type"] == "tool_use" and played["input"]["command"] == "echo 1"
    assert json.loads(first)["stop_reason"] == "tool_use"
    assert json.loads(retried)["content"][0]["input"]["command"] == "echo 1"  # a retry replays the step
    assert json.loads(second)["content"][0]["input"] == {"file_path": "a.txt"}
    assert json.loads(side)["content"] == [{"type": "text", "text": "ok"}]
    assert [r.step_index for r in api.main_requests()] == [0, 0, 1]
    assert len(api.side_requests()) == 1 and api.requests[0].session_id == "s-1"


def test_fake_streams_tool_use_as_sse_with_split_input_json() -> None:
    body = {"model": "m", "stream": True, "tools": [{"name": "Bash"}], "messages": []}
    with FakeMessagesAPI([bash("ls /nope")]) as api:
        content_type, raw = _post(api, body)

    events = [
        line.removeprefix("event: ") for line in raw.decode().splitlines() if line.startswith("event: ")
    ]
    datas = [json.loads(line[6:]) for line in raw.decode().splitlines() if line.startswith("data: ")]
    assert content_type.startswith("text/event-stream")
    assert events[0] == "message_start" and events[-2:] == ["message_delta", "message_stop"]
    pieces = [d["delta"]["partial_json"] for d in datas if d["type"] == "content_block_delta"]
    assert len(pieces) == 2 and json.loads("".join(pieces))["command"] == "ls /nope"
    assert datas[-2]["delta"]["stop_reason"] == "tool_use"


def test_fake_answers_text_after_the_script_is_exhausted_and_counts_it() -> None:
    body = {"model": "m", "tools": [{"name": "Bash"}], "messages": [_assistant(*bash("true"))]}
    with FakeMessagesAPI([bash("true")]) as api:
        _, raw = _post(api, body)
    assert json.loads(raw)["stop_reason"] == "end_turn"
    assert api.exhausted_hits == 1


# --- The real CLI ---------------------------------------------------------------------------------


def _echo_json_hook(output: dict[str, Any]) -> dict[str, Any]:
    return {"type": "command", "command": f"cat > /dev/null; echo '{json.dumps(output)}'", "timeout": 10}


def _workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "notes.txt").write_text("alpha\nbeta\n")
    return workspace


@pytest.mark.e2e
@requires_claude
def test_failed_bash_calls_fire_post_tool_use_failure_and_land_in_the_transcript(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    write_project_settings(
        workspace,
        {
            "hooks": {
                "PostToolUseFailure": [{"matcher": "*", "hooks": [payload_recorder_hook("failure")]}],
                "PostToolUse": [{"matcher": "*", "hooks": [payload_recorder_hook("success")]}],
                "SessionStart": [{"hooks": [{"type": "command", "command": f"echo {SESSION_START_MARKER}"}]}],
            }
        },
    )
    failing = ["ls /nope", "false", "exit 3"]
    script = [
        bash(failing[0]),
        bash("echo ok > made.txt"),
        bash(failing[1]),
        read("notes.txt"),
        edit("notes.txt", "absent text", "x"),  # input validation error: no failure hook
        bash(failing[2]),
        text("done"),
    ]
    with FakeMessagesAPI(script) as api:
        run = run_claude(workspace, "exercise the tools", api, tmp_path / "claude-config")

    assert run.returncode == 0 and run.result_json and run.result_json["result"] == "done", run.describe(api)
    assert not api.stray_requests(), api.request_log()
    assert [r.step_index for r in api.main_requests()] == list(range(len(script))), api.request_log()
    assert (workspace / "made.txt").read_text() == "ok\n"  # the tools really ran in the workspace

    played = {block["input"].get("command"): block["id"] for block in api.played_tool_uses()}
    failures = recorded_hook_payloads(workspace, "failure")
    assert sorted(p["tool_input"]["command"] for p in failures) == sorted(failing)
    for payload in failures:
        assert payload["hook_event_name"] == "PostToolUseFailure"
        assert payload["tool_name"] == "Bash"
        assert payload["tool_use_id"] == played[payload["tool_input"]["command"]]
        assert payload["error"].startswith("Exit code ")
        assert payload["session_id"] == run.session_id
        assert Path(payload["transcript_path"]) == run.transcript_path
        assert Path(payload["cwd"]).resolve() == workspace.resolve()
        assert payload["is_interrupt"] is False and isinstance(payload["duration_ms"], int)
    errors = {p["tool_input"]["command"]: p["error"] for p in failures}
    assert errors["ls /nope"].startswith("Exit code 2\nls: cannot access '/nope'")
    assert errors["false"] == "Exit code 1" and errors["exit 3"] == "Exit code 3"
    assert sorted(p["tool_name"] for p in recorded_hook_payloads(workspace, "success")) == ["Bash", "Read"]

    entries = run.transcript_entries()
    uses, results = tool_uses_in(entries), tool_results_in(entries)
    assert set(uses) == set(results) == {block["id"] for block in api.played_tool_uses()}
    for command, tool_use_id in played.items():
        if command is not None:
            assert results[tool_use_id][0]["is_error"] is (command in failing)
    edit_id = next(i for i, block in uses.items() if block["name"] == "Edit")
    edit_result, edit_tool_use_result = results[edit_id]
    assert edit_result["is_error"] is True
    assert "String to replace not found in file" in edit_result["content"]
    assert isinstance(edit_tool_use_result, str) and edit_tool_use_result.startswith("Error: ")
    assert SESSION_START_MARKER in api.main_requests()[0].messages_text()


@pytest.mark.e2e
@requires_claude
def test_session_start_additional_context_json_reaches_the_model(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    marker = "ADDITIONAL-CONTEXT-MARKER-51c2"
    output = {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": marker}}
    write_project_settings(workspace, {"hooks": {"SessionStart": [{"hooks": [_echo_json_hook(output)]}]}})
    with FakeMessagesAPI([text("done")]) as api:
        run = run_claude(workspace, "hello", api, tmp_path / "claude-config")

    assert run.returncode == 0, run.describe(api)
    first = api.main_requests()[0]
    assert marker in first.messages_text()
    assert "hookSpecificOutput" not in first.all_text()  # parsed as JSON, not pasted as text


@pytest.mark.e2e
@requires_claude
def test_pre_tool_use_deny_blocks_bash_under_bypass_permissions(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    reason = "DENY-REASON-MARKER-9d1e"
    deny = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
    }
    deny_commands_naming_denied = {
        "type": "command",
        "command": f"if grep -q denied; then echo '{json.dumps(deny)}'; fi",
        "timeout": 10,
    }
    write_project_settings(
        workspace,
        {
            "hooks": {
                "PreToolUse": [{"matcher": "Bash", "hooks": [deny_commands_naming_denied]}],
                "PostToolUseFailure": [{"matcher": "*", "hooks": [payload_recorder_hook("failure")]}],
            }
        },
    )
    with FakeMessagesAPI([bash("touch denied.txt"), bash("exit 4"), text("done")]) as api:
        run = run_claude(workspace, "go", api, tmp_path / "claude-config")

    assert run.returncode == 0, run.describe(api)
    assert not (workspace / "denied.txt").exists()
    denied_id = next(block["id"] for block in api.played_tool_uses() if "denied" in block["input"]["command"])
    result, tool_use_result = tool_results_in(run.transcript_entries())[denied_id]
    assert result["is_error"] is True and result["content"] == reason
    assert tool_use_result == f"Error: {reason}"
    assert reason in api.main_requests()[1].messages_text()  # Claude sees the reason
    # A deny is not a tool failure; the real failure after it is (the control).
    assert [p["tool_input"]["command"] for p in recorded_hook_payloads(workspace, "failure")] == ["exit 4"]


@pytest.mark.e2e
@requires_claude
@pytest.mark.parametrize("decision", [{"permissionDecision": "allow"}, {}], ids=["allow", "no-decision"])
def test_pre_tool_use_updated_input_rewrites_the_bash_command(
    tmp_path: Path, decision: dict[str, str]
) -> None:
    workspace = _workspace(tmp_path)
    rewrite = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            **decision,
            "updatedInput": {"command": "touch rewritten.txt", "description": "rewritten by hook"},
        }
    }
    write_project_settings(
        workspace, {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [_echo_json_hook(rewrite)]}]}}
    )
    with FakeMessagesAPI([bash("touch original.txt"), text("done")]) as api:
        run = run_claude(workspace, "go", api, tmp_path / "claude-config")

    assert run.returncode == 0, run.describe(api)
    assert (workspace / "rewritten.txt").exists() and not (workspace / "original.txt").exists()


@pytest.mark.e2e
@requires_claude
def test_sessions_in_one_workspace_get_their_own_transcripts(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    config_dir = tmp_path / "claude-config"
    with FakeMessagesAPI([bash("echo again >> log.txt"), text("done")]) as api:
        first = run_claude(workspace, "one", api, config_dir)
        second = run_claude(workspace, "two", api, config_dir)

    assert first.returncode == 0 and second.returncode == 0, first.describe(api) + second.describe(api)
    assert first.session_id and second.session_id and first.session_id != second.session_id
    assert first.transcript_path and second.transcript_path
    assert first.transcript_path != second.transcript_path
    assert first.transcript_path.parent == second.transcript_path.parent
    assert first.transcript_path.is_relative_to(config_dir / "projects")
    assert len(api.main_requests_of(first.session_id)) == len(api.main_requests_of(second.session_id)) == 2
    assert (workspace / "log.txt").read_text() == "again\nagain\n"
