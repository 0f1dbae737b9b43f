"""The learning loop end to end: real Claude Code, a fake Messages API, the real nevo CLI, real git and npm.

Session 1 fails `npm run build` (no root build script) and recovers with `npm --prefix web run build`.
With no nevo command at all, the run the SessionEnd hook starts in the background commits PROJ-001 (the
offline analyst), citing the incident and the recovery, while a file the user staged stays staged and out
of the commit. Session 2 tries `npm run build` again: the guard rewrites it, nothing fails, and the context
names the rule. A second variant does the same step by step, with `nevo monitor --once` and `nevo analyze`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git, process_by_hand
from tests.support import (
    CLAUDE_MISSING,
    FakeMessagesAPI,
    bash,
    claude_available,
    run_claude,
    text,
    tool_results_in,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING),
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed"),
]


def nevo(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    out = subprocess.run(
        [sys.executable, "-m", "nevo", *args, "--workspace", str(workspace)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, f"nevo {' '.join(args)}: {out.returncode}\n{out.stdout}\n{out.stderr}"
    return out


def make_project(root: Path) -> None:
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "shop", "private": True, "scripts": {"test": "true"}}))
    (root / "web").mkdir()
    (root / "web" / "package.json").write_text(
        json.dumps(
            {
                "name": "web",
                "private": True,
                "scripts": {"build": "node -e \"require('fs').writeFileSync('dist.txt', 'built')\""},
            }
        )
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "project")


def background_runs(root: Path) -> list[dict[str, Any]]:
    path = root / ".nevo" / "logs" / "background.json"
    try:
        return list(json.loads(path.read_text())["runs"])
    except (FileNotFoundError, ValueError):
        return []  # not written yet (or being replaced: the write is atomic, the read may race the rename)


def wait_for_background_runs(root: Path, count: int, timeout: float = 90.0) -> list[dict[str, Any]]:
    """Bounded wait until ``count`` background runs have finished and none is under way or asked for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = json.loads(nevo(root, "status", "--json").stdout)["background"]
        if len(status["runs"]) >= count and not status["running"] and not status["again"]:
            return list(status["runs"])
        time.sleep(0.2)
    log = root / ".nevo" / "logs" / "background.log"
    raise AssertionError(
        f"no {count} finished background run(s) in {timeout} s; log:\n"
        + (log.read_text() if log.is_file() else "(none)")
    )


def setup(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    make_project(root)
    nevo(root, "init")
    config = root / ".nevo" / "config.yaml"  # Claude Code's own ANTHROPIC_API_KEY reaches the hooks: stay offline
    config.write_text(config.read_text().replace("name: auto", "name: offline", 1))
    git(root, "add", ".nevo/config.yaml", ".nevo/.gitignore", ".claude/settings.json")
    git(root, "commit", "-qm", "nevo init")
    (root / "notes.md").write_text("my staged work\n")
    git(root, "add", "notes.md")
    return root


def first_session(root: Path, config_dir: Path) -> None:
    """The mistake and its recovery."""
    with FakeMessagesAPI([bash("npm run build"), bash("npm --prefix web run build"), text("built")]) as api:
        first = run_claude(root, "build the web app", api, config_dir)
    assert first.returncode == 0, first.describe(api)
    results = list(tool_results_in(first.transcript_entries()).values())
    assert [block.get("is_error") is True for block, _ in results] == [True, False], first.describe(api)
    assert (root / "web" / "dist.txt").read_text() == "built"
    (root / "web" / "dist.txt").unlink()


def assert_rule_committed(root: Path) -> str:
    incidents = json.loads(nevo(root, "incidents", "--json").stdout)
    [incident] = [i for i in incidents if "npm run build" in json.dumps(i)]
    message = git(root, "log", "-1", "--format=%B")
    assert message.startswith("nevo: PROJ-001") and incident["id"] in message
    assert "Recovery: `npm --prefix web run build`" in message
    committed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert len(committed) == 1 and committed[0].startswith(".claude/rules/PROJ-001-")
    assert git(root, "diff", "--cached", "--name-only").split() == ["notes.md"]  # still staged, not committed
    rules = json.loads(nevo(root, "rules", "list", "--json").stdout)
    assert [(r["id"], r["incidents"], r["recurrences"], r["guard"]) for r in rules] == [
        ("PROJ-001", [incident["id"]], 0, True)
    ]
    check = json.loads(
        nevo(root, "rules", "check", "use npm --prefix web run build, not npm run build", "--json").stdout
    )
    assert check["verdict"] == "duplicate" and check["matches"][0]["id"] == "PROJ-001"
    return str(incident["id"])


def second_session(root: Path, config_dir: Path) -> None:
    """The same attempt no longer fails, and the context names the rule."""
    with FakeMessagesAPI([bash("npm run build"), text("done")]) as api:
        second = run_claude(root, "build the web app", api, config_dir)
        context = api.main_requests()[0].all_text()
    assert second.returncode == 0, second.describe(api)
    [(block, _)] = tool_results_in(second.transcript_entries()).values()
    assert block.get("is_error") is not True, second.describe(api)
    assert (root / "web" / "dist.txt").read_text() == "built"  # the guard ran the known fix
    assert "PROJ-001" in context and "npm --prefix web run build" in context


def test_the_loop_closes_by_itself_with_no_nevo_command_between_sessions(tmp_path: Path) -> None:
    root = setup(tmp_path)
    config_dir = tmp_path / "claude-config"
    first_session(root, config_dir)

    # No nevo command: the session's end started the run that learns from it. Wait for it (bounded).
    [run] = wait_for_background_runs(root, 1)
    assert run["error"] is None and run["rules"] == ["PROJ-001"] and run["published"] is True, run
    assert run["triggers"] >= 2 and run["failures"] == 1 and run["recoveries"] == 1, run
    assert list((root / ".nevo" / "triggers").glob("*.json")) == []  # everything processed
    assert_rule_committed(root)

    second_session(root, config_dir)
    [again, _] = wait_for_background_runs(root, 2)  # newest first: the second session ended, nothing new
    assert again["error"] is None and again["rules"] == [] and again["failures"] == 0, again
    [rule] = json.loads(nevo(root, "rules", "list", "--json").stdout)
    assert rule["recurrences"] == 0 and rule["learned_at_session_end"] == run["started_at"], rule
    status = nevo(root, "status").stdout
    assert "last background run" in status and "background runs at session end" in status, status
    assert "PROJ-001" in status and "no command" in nevo(root, "rules", "list").stdout


def test_the_same_loop_step_by_step_with_monitor_and_analyze(tmp_path: Path) -> None:
    root = setup(tmp_path)
    process_by_hand(root)
    config = root / ".nevo" / "config.yaml"
    config.write_text(config.read_text().replace("analyze_on_new: true", "analyze_on_new: false", 1))
    config_dir = tmp_path / "claude-config"
    first_session(root, config_dir)

    assert background_runs(root) == []
    monitored = json.loads(nevo(root, "monitor", "--once", "--json").stdout)
    assert monitored["rules"] == [] and len(monitored["new_incidents"]) == 1, monitored
    analysed = json.loads(nevo(root, "analyze", "--json").stdout)
    [outcome] = analysed["outcomes"]
    assert outcome["verdict"] == "committed" and outcome["rule_id"] == "PROJ-001", analysed
    assert analysed["published"]["guarded_tools"] == ["Bash"], analysed
    assert_rule_committed(root)

    second_session(root, config_dir)
    events = [json.loads(t.read_text())["hook_event_name"] for t in (root / ".nevo" / "triggers").glob("*.json")]
    assert "PostToolUseFailure" not in events and events, events  # captured the session end, no failure
    nevo(root, "monitor", "--once")
    assert json.loads(nevo(root, "rules", "list", "--json").stdout)[0]["recurrences"] == 0
    assert background_runs(root) == []
