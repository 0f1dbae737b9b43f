"""End to end: real Claude Code sessions become memory, and memory reaches the next session.

Session 1 fails a command, recovers, shows a version, the agent states a decision, and the user says
"remember: we use pnpm" and a preference that mentions code; `nevo memory ingest` (the real CLI, default
transcript location) journals it; search finds the commands and the output that answers; every channel
became a fact; the Stop hook nudged once; and the next real session's request to the model carries the
warm memory (the user's instructions first) in its SessionStart context.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import process_by_hand
from tests.support import FakeMessagesAPI, Script, bash, run_claude, text

pytestmark = pytest.mark.e2e

PROMPT = (
    "Run the test suite. Remember: we use pnpm for the frontend, not npm. No print() in library code, use the logger."
)


def nevo(ws: Path, config_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(config_dir)}
    return subprocess.run(
        [sys.executable, "-m", "nevo", *args, "-w", str(ws)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_sessions_become_searchable_memory_and_reach_the_next_session(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_ok.py").write_text("def test_ok():\n    assert True\n", encoding="utf-8")
    config_dir = tmp_path / "claude-config"
    assert nevo(ws, config_dir, "init").returncode == 0
    process_by_hand(ws)

    first_script = Script(
        [
            bash("nosuchtool-xyz test"),
            bash("python3 -m pytest -q -p no:cacheprovider test_ok.py"),
            bash("python3 --version"),
            text("The suite runs with pytest. I'll use pytest fixtures rather than unittest classes for new tests."),
        ]
    )
    with FakeMessagesAPI(first_script) as api:
        first = run_claude(ws, PROMPT, api, config_dir)
        assert first.returncode == 0, first.describe(api)
        # the failure was recovered: the Stop hook asked once for lessons, then let the session end
        nudges = [r for r in api.main_requests() if ".nevo/memory/inbox.md" in r.messages_text()]
        assert nudges, api.request_log()
    assert first.transcript_path is not None
    assert (ws / ".nevo" / "memory" / "nudged" / str(first.session_id)).exists()

    ingested = nevo(ws, config_dir, "memory", "ingest", "--json")
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    assert report["transcripts"] == 1 and report["narratives"] == 1 and report["journal_rows"] >= 4
    assert json.loads(nevo(ws, config_dir, "memory", "ingest", "--json").stdout)["journal_rows"] == 0  # idempotent

    hits = json.loads(nevo(ws, config_dir, "memory", "search", "nosuchtool-xyz", "--json").stdout)
    assert any(h["source"] == "journal" and "nosuchtool" in h["snippet"] for h in hits), hits
    found = json.loads(nevo(ws, config_dir, "memory", "search", "python version", "--json").stdout)
    snippets = [h["snippet"] for h in found]
    assert any(s.startswith("python3 --[version] → [Python] 3.") for s in snippets), snippets  # the output answers
    facts = json.loads(nevo(ws, config_dir, "memory", "facts", "--json").stdout)
    texts = {f["text"]: f for f in facts}
    pnpm = texts["We use pnpm for the frontend, not npm."]
    assert (pnpm["category"], pnpm["subject"], pnpm["value"]) == ("configuration", "package-manager:js", "pnpm")
    assert pnpm["session_id"] == first.session_id
    assert texts["No print() in library code, use the logger."]["category"] == "preference"
    assert "`python3 -m pytest` tests this project (it ran successfully)." in texts
    assert any(f["subject"] == "version:python" and f["source"] == "output" for f in facts)
    decision = "I'll use pytest fixtures rather than unittest classes for new tests."
    assert texts[decision]["source"] == "agent"
    status = json.loads(nevo(ws, config_dir, "memory", "status", "--json").stdout)
    assert status["sessions"] == 1 and status["facts"] >= 2 and 0 < status["compression"] < 1

    with FakeMessagesAPI(Script([text("ok")])) as api:
        second = run_claude(ws, "what do you know about this project?", api, config_dir)
        assert second.returncode == 0, second.describe(api)
        context = api.main_requests()[0].all_text()
    assert "We use pnpm for the frontend, not npm." in context
    assert "Commands that work here: test `python3 -m pytest`." in context
    assert context.index("No print() in library code") < context.index("We use pnpm for the frontend")
