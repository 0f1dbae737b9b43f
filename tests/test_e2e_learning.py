"""The learning loop end to end: real Claude Code, a fake Messages API, the real nevo CLI, real git and npm.

Session 1 fails `npm run build` (no root build script) and recovers with `npm --prefix web run build`.
`nevo monitor --once` and `nevo analyze` (no API key: the offline analyst) commit PROJ-001, citing the
incident and the recovery, while a file the user staged stays staged and out of the commit. Session 2
tries `npm run build` again: the guard rewrites it, nothing fails, and the context names the rule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git
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
    (root / "package.json").write_text(
        json.dumps({"name": "shop", "private": True, "scripts": {"test": "true"}})
    )
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


def test_a_mistake_becomes_a_rule_with_teeth_and_does_not_happen_again(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    make_project(root)
    nevo(root, "init")
    git(root, "add", ".nevo/config.yaml", ".nevo/.gitignore", ".claude/settings.json")
    git(root, "commit", "-qm", "nevo init")
    (root / "notes.md").write_text("my staged work\n")
    git(root, "add", "notes.md")
    config_dir = tmp_path / "claude-config"

    # Session 1: the mistake and its recovery.
    with FakeMessagesAPI([bash("npm run build"), bash("npm --prefix web run build"), text("built")]) as api:
        first = run_claude(root, "build the web app", api, config_dir)
    assert first.returncode == 0, first.describe(api)
    results = list(tool_results_in(first.transcript_entries()).values())
    assert [block.get("is_error") is True for block, _ in results] == [True, False], first.describe(api)
    assert (root / "web" / "dist.txt").read_text() == "built"

    nevo(root, "monitor", "--once")
    incidents = json.loads(nevo(root, "incidents", "--json").stdout)
    [incident] = [i for i in incidents if "npm run build" in json.dumps(i)]
    analysed = json.loads(nevo(root, "analyze", "--json").stdout)
    [outcome] = analysed["outcomes"]
    assert outcome["verdict"] == "committed" and outcome["rule_id"] == "PROJ-001", analysed

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
    (root / "web" / "dist.txt").unlink()

    # Session 2: the same attempt no longer fails, and the context names the rule.
    with FakeMessagesAPI([bash("npm run build"), text("done")]) as api:
        second = run_claude(root, "build the web app", api, config_dir)
        context = api.main_requests()[0].all_text()
    assert second.returncode == 0, second.describe(api)
    [(block, _)] = tool_results_in(second.transcript_entries()).values()
    assert block.get("is_error") is not True, second.describe(api)
    assert (root / "web" / "dist.txt").read_text() == "built"  # the guard ran the known fix
    assert "PROJ-001" in context and "npm --prefix web run build" in context
    events = [
        json.loads(t.read_text())["hook_event_name"] for t in (root / ".nevo" / "triggers").glob("*.json")
    ]
    assert "PostToolUseFailure" not in events and events, events  # captured the session end, no failure
    nevo(root, "monitor", "--once")
    assert json.loads(nevo(root, "rules", "list", "--json").stdout)[0]["recurrences"] == 0
