"""End to end: a real Claude Code session in a workspace where nevo is installed, with failing and succeeding
tool calls, then `nevo monitor --once`: one trigger per failure, the right incidents and counts, the Edit
failure that fires no hook found in the transcript, and the recoveries recorded."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from nevo import incidents as store
from nevo.cli import main as cli_main
from nevo.db import open_database
from nevo.install import init
from nevo.workspace import Workspace
from tests.conftest import process_by_hand
from tests.support import (
    CLAUDE_MISSING,
    FakeMessagesAPI,
    bash,
    claude_available,
    edit,
    payload_recorder_hook,
    read,
    recorded_hook_payloads,
    run_claude,
    text,
    tool,
)
from tests.support.fake_api import ContentBlock, count_assistant_tool_uses

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING),
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed"),
]


def test_a_real_session_becomes_incidents_with_counts_transcript_failures_and_recoveries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path / "shop")
    (ws.root / "web").mkdir(parents=True)
    (ws.root / "web" / "package.json").write_text(
        json.dumps({"name": "web", "version": "1.0.0", "scripts": {"build": "echo built"}})
    )
    (ws.root / "notes.txt").write_text("alpha\nbeta\n")
    init(ws)
    process_by_hand(ws.root)
    # A second hook on the same event records what Claude Code sent, to compare with the triggers.
    (ws.claude_dir / "settings.local.json").write_text(
        json.dumps(
            {"hooks": {"PostToolUseFailure": [{"matcher": "*", "hooks": [payload_recorder_hook("failure")]}]}}
        )
    )
    script = [
        bash("npm run build"),  # fails: no package.json at the top
        bash("ls missing-dir"),  # fails
        bash("ls missing-dir"),  # fails again: the same incident
        bash("echo unrelated"),  # succeeds, recovers nothing
        bash("npm --prefix web run build"),  # succeeds: the recovery of the build
        bash("mkdir missing-dir && ls missing-dir"),  # succeeds: the recovery of ls
        read("notes.txt"),
        edit("notes.txt", "absent text", "x"),  # fails without a hook: only the transcript has it
        edit("notes.txt", "alpha", "ALPHA"),  # succeeds: the recovery of the edit
        text("done"),
    ]
    with FakeMessagesAPI(script) as api:
        run = run_claude(ws.root, "build the shop", api, tmp_path / "claude-config")
    assert run.returncode == 0 and run.result_json and run.result_json["result"] == "done", run.describe(api)
    assert (ws.root / "notes.txt").read_text() == "ALPHA\nbeta\n"

    # Before the monitor: exactly one trigger per failure, each exactly the payload Claude Code sent.
    triggers = [json.loads(p.read_text()) for p in sorted(ws.triggers_dir.glob("*.json"))]
    failure_triggers = [t for t in triggers if t["hook_event_name"] == "PostToolUseFailure"]
    sent = recorded_hook_payloads(ws.root, "failure")
    assert len(failure_triggers) == len(sent) == 3
    key = lambda payload: payload["tool_use_id"]  # noqa: E731
    assert sorted(failure_triggers, key=key) == sorted(sent, key=key)
    assert {t["hook_event_name"] for t in triggers} >= {"PostToolUseFailure", "Stop"}
    assert not list(ws.triggers_dir.glob(".tmp-*"))

    assert cli_main(["monitor", "--once", "--json", "-w", str(ws.root)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["processed"] == len(triggers) and result["rejected"] == [] and result["warnings"] == []
    reads = [
        t for t in triggers if t["hook_event_name"] in ("Stop", "SubagentStop", "SessionEnd", "PreCompact")
    ]
    assert (result["sessions_ended"], result["transcripts_read"]) == (1, len(reads)), sorted(
        t["hook_event_name"] for t in triggers
    )
    assert (result["counted"], len(result["new_incidents"]), result["recoveries"]) == (4, 3, 3)
    assert list(ws.triggers_dir.glob("*.json")) == []

    with open_database(ws) as db:
        found = {i.tool + ":" + i.command: i for i in store.list_incidents(db)}
        assert sorted(found) == ["Bash:ls missing-dir", "Bash:npm run build", "Edit:" + found_edit_key(found)]
        ls, build = found["Bash:ls missing-dir"], found["Bash:npm run build"]
        edit_incident = next(i for i in found.values() if i.tool == "Edit")
        assert (ls.count, build.count, edit_incident.count) == (2, 1, 1)
        assert store.list_incidents(db)[0].id == ls.id  # most frequent first
        assert all(i.session_count == 1 and not i.is_loop for i in found.values())
        assert {o.session_id for i in found.values() for o in store.occurrences(db, i.id)} == {run.session_id}
        assert [o.source for o in store.occurrences(db, edit_incident.id)] == ["transcript"]
        assert "String to replace not found" in edit_incident.sample["error"]
        assert build.recovery is not None and build.recovery.command == "npm --prefix web run build"
        assert ls.recovery is not None and ls.recovery.command == "mkdir missing-dir && ls missing-dir"
        assert edit_incident.recovery is not None and edit_incident.recovery.input["old_string"] == "alpha"
        assert all(o.tool_use_id for i in found.values() for o in store.occurrences(db, i.id))
        if importlib.util.find_spec("nevo.memory.ingest") is not None:  # SessionEnd reached the journal
            assert db.scalar("SELECT COUNT(*) FROM sessions WHERE id = ?", (run.session_id,)) == 1
    for incident in found.values():
        assert (ws.incidents_dir / f"{incident.id}.md").is_file()

    # A second pass changes nothing: every trigger was consumed once.
    assert cli_main(["monitor", "--once", "--json", "-w", str(ws.root)]) == 0
    assert json.loads(capsys.readouterr().out)["processed"] == 0


def found_edit_key(found: dict[str, store.Incident]) -> str:
    return next(k.split(":", 1)[1] for k in found if k.startswith("Edit:"))


SUB_AGENT_MARK = "SUB-AGENT-JOB-7"


def delegating_step(messages: list[dict[str, Any]]) -> list[ContentBlock]:
    """The main agent hands `make` to a sub-agent (the Agent tool); the sub-agent runs it, it fails.
    One function for both conversations: the sub-agent's first message carries the mark."""
    tool_uses = count_assistant_tool_uses(messages)
    if messages and SUB_AGENT_MARK in json.dumps(messages[0].get("content")):
        return bash("make no-such-target") if tool_uses == 0 else text("make failed")
    if tool_uses:
        return text("done")
    prompt = f"{SUB_AGENT_MARK}: run make no-such-target"
    return tool("Agent", {"description": "run make", "prompt": prompt, "subagent_type": "general-purpose"})


def test_a_sub_agents_failure_is_counted_once_and_its_transcript_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path / "shop")
    ws.root.mkdir(parents=True)
    init(ws)
    process_by_hand(ws.root)
    with FakeMessagesAPI([delegating_step] * 3) as api:
        run = run_claude(ws.root, "delegate the build", api, tmp_path / "claude-config")
    assert run.returncode == 0 and run.result_json and run.result_json["result"] == "done", run.describe(api)
    triggers = [json.loads(p.read_text()) for p in sorted(ws.triggers_dir.glob("*.json"))]
    sub_stops = [t for t in triggers if t["hook_event_name"] == "SubagentStop"]
    assert len(sub_stops) == 1 and sub_stops[0].get("agent_transcript_path"), triggers
    agent_transcript = sub_stops[0]["agent_transcript_path"]
    assert agent_transcript != sub_stops[0]["transcript_path"] and Path(agent_transcript).is_file()

    assert cli_main(["monitor", "--once", "--json", "-w", str(ws.root)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rejected"] == [] and result["warnings"] == []
    # The hook and the sub-agent's transcript both saw the failure: it counts once.
    assert (result["counted"], len(result["new_incidents"])) == (1, 1), result
    assert result["duplicates"] >= 1, result
    with open_database(ws) as db:
        incident = store.list_incidents(db)[0]
        assert (incident.command, incident.count, incident.error_class) == (
            "make no-such-target",
            1,
            "make: no rule to make target no-such-target",
        )
        assert [o.session_id for o in store.occurrences(db, incident.id)] == [run.session_id]
        assert store.transcript_offset(db, agent_transcript) == Path(agent_transcript).stat().st_size
