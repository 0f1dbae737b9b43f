"""AGENT-NNN end to end: a project sub-agent fails and recovers inside its own work; with no nevo command,
the run at session end commits AGENT-001 with the agent's definition, and in the next session that
sub-agent's system prompt carries the rule while the main session's context does not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git
from tests.support import CLAUDE_MISSING, FakeMessagesAPI, bash, claude_available, run_claude, text, tool
from tests.support.fake_api import ContentBlock, RecordedRequest, count_assistant_tool_uses
from tests.test_e2e_learning import make_project, nevo, wait_for_background_runs

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING),
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed"),
]

JOB = "BUILDER-JOB-41"
BUILDER = """---
name: builder
description: Builds the web app of this project. Use it for any build.
tools: Bash
---
You build this project's web app and say what you built.
"""


def delegating(sub_agent_calls: list[list[ContentBlock]]) -> Any:
    """The main session hands the build to the `builder` sub-agent, which plays ``sub_agent_calls``."""

    def step(messages: list[dict[str, Any]]) -> list[ContentBlock]:
        done = count_assistant_tool_uses(messages)
        if messages and JOB in json.dumps(messages[0].get("content")):
            return sub_agent_calls[done] if done < len(sub_agent_calls) else text("built")
        if done:
            return text("done")
        job = {"description": "build", "prompt": f"{JOB}: build the web app", "subagent_type": "builder"}
        return tool("Agent", job)

    return step


def rule_body(path: Path) -> str:
    return path.read_text().split("\n---\n", 1)[1].strip()


def sub_agent_requests(api: FakeMessagesAPI) -> list[RecordedRequest]:
    return [r for r in api.main_requests() if r.messages and JOB in json.dumps(r.messages[0].get("content"))]


def test_a_sub_agents_lesson_reaches_that_sub_agent_and_only_it(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    make_project(root)
    (root / ".claude" / "agents").mkdir(parents=True)
    (root / ".claude" / "agents" / "builder.md").write_text(BUILDER)
    nevo(root, "init")
    config = root / ".nevo" / "config.yaml"
    config.write_text(config.read_text().replace("name: auto", "name: offline", 1))
    git(root, "add", ".")
    git(root, "commit", "-qm", "nevo init")
    config_dir = tmp_path / "claude-config"

    calls = [bash("npm run build"), bash("npm --prefix web run build")]
    with FakeMessagesAPI([delegating(calls)] * 6) as api:
        first = run_claude(root, "build the web app", api, config_dir)
    assert first.returncode == 0, first.describe(api)
    assert (root / "web" / "dist.txt").read_text() == "built"
    (root / "web" / "dist.txt").unlink()

    [run] = wait_for_background_runs(root, 1)
    assert run["error"] is None and run["rules"] == ["AGENT-001"], run
    [rule] = json.loads(nevo(root, "rules", "list", "--json").stdout)
    assert (rule["id"], rule["agent"], rule["guard"]) == ("AGENT-001", "builder", True), rule
    assert rule["path"].startswith(".claude/agents/rules/builder/AGENT-001-")
    definition = (root / ".claude" / "agents" / "builder.md").read_text()
    assert definition.startswith(BUILDER) and "AGENT-001" in definition
    committed = sorted(git(root, "show", "--name-only", "--format=", "HEAD").split())
    assert committed == [".claude/agents/builder.md", rule["path"]]

    # Session 2: the sub-agent reads its rule in its system prompt; its `npm run build` is rewritten.
    with FakeMessagesAPI([delegating([bash("npm run build")])] * 4) as api:
        second = run_claude(root, "build the web app", api, config_dir)
        mine = sub_agent_requests(api)
        main = [r for r in api.main_requests() if r not in mine]
    assert second.returncode == 0, second.describe(api)
    assert mine and "AGENT-001" in mine[0].system_text(), second.describe(api)
    # The main session sees the commit in its git status, never the rule itself (body, block, context).
    body = rule_body(root / rule["path"])
    assert main and all(body not in r.all_text() and "nevo:agent-rules" not in r.all_text() for r in main)
    assert body in mine[0].system_text()
    assert (root / "web" / "dist.txt").read_text() == "built"  # the guard ran the known fix
    # The agents Claude Code offers: the builder, and no rule file taken for an agent.
    listing = main[0].messages_text().split("Available agent types for the Agent tool:\n", 1)[1]
    names = [line[2:].split(":", 1)[0] for line in listing.split("\n\n", 1)[0].splitlines() if line.startswith("- ")]
    assert "builder" in names and not [n for n in names if "AGENT" in n or "rule" in n.lower()], names
    wait_for_background_runs(root, 2)
