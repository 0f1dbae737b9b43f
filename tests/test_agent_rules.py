"""AGENT-NNN rules: a lesson from one project sub-agent's work is numbered like PROJ rules, kept with that
agent's definition (a block nevo renders into it) and committed with it; everything else stays PROJ."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nevo import agent_rules, analyst, incidents, rule_ops
from nevo.clock import fixed_clock
from nevo.config import Config
from nevo.context import refresh_context
from nevo.db import open_database
from nevo.fingerprint import fingerprint
from nevo.monitor import Monitor
from nevo.publish import publish
from nevo.rules import RuleBook
from nevo.workspace import Workspace
from tests.conftest import git
from tests.support.judged import store_judgment

CLOCK = fixed_clock(datetime(2026, 11, 21, 5, 0, tzinfo=UTC))
NPM_ERROR = 'Exit code 1\nnpm error Missing script: "build"\nnpm error\nnpm error To see a list of scripts, run:'
BUILDER = """---
name: builder
description: Builds the project. Use it for any build.
tools: Bash, Read
---
You build this project and report what you built.
"""


def record(ws: Workspace, agent_types: list[str], command: str = "npm run build") -> str:
    """Failures of one incident (one per entry, in that sub-agent; '' = the main session) and a recovery."""
    script = command.split()[-1]
    error = NPM_ERROR.replace('"build"', f'"{script}"')
    fp = fingerprint("Bash", {"command": command}, error, str(ws.root))
    with open_database(ws) as db, db.transaction():
        incident_id = ""
        for number, agent in enumerate(agent_types):
            incident_id = incidents.record_failure(
                db,
                fp,
                key=f"call:s{number}:{command}",
                session_id=f"s{number}",
                tool_use_id=f"t{number}",
                at="2026-11-21T04:00:00Z",
                source="hook",
                sample={"tool_input": {"command": command}, "error": error},
                failed_input={"command": command},
                loop_threshold=99,
                agent_type=agent,
            ).incident_id
        store_judgment(
            db,
            ws,
            key=f"call:s0:{command}",
            incident_id=incident_id,
            session="s0",
            at="2026-11-21T04:00:09Z",
            command=command,
            error=error,
            recovery=f"npm --prefix web run {script}",
            agent=agent_types[0],
        )
    return incident_id


@pytest.fixture
def repo(installed: Workspace) -> Workspace:
    installed.agents_dir.mkdir(parents=True)
    (installed.agents_dir / "builder.md").write_text(BUILDER)
    git(installed.root, "init", "-q", "-b", "main")
    git(installed.root, "add", ".")
    git(installed.root, "commit", "-qm", "base")
    return installed


def test_a_lesson_inside_a_project_sub_agent_becomes_an_agent_rule_kept_with_it(repo: Workspace) -> None:
    incident_id = record(repo, ["builder"])
    [outcome] = analyst.analyze_ready(repo, clock=CLOCK).outcomes
    assert (outcome.verdict, outcome.rule_id) == ("committed", "AGENT-001"), outcome

    rule = RuleBook(repo).get("AGENT-001")
    assert rule.agent == "builder" and rule.incidents == [incident_id]
    assert rule.path is not None and rule.path.parent == repo.agents_dir / "rules" / "builder"
    committed = sorted(git(repo.root, "show", "--name-only", "--format=", "HEAD").split())
    assert committed == [".claude/agents/builder.md", str(rule.path.relative_to(repo.root))]
    assert "Agent: builder" in git(repo.root, "log", "-1", "--format=%B")
    definition = (repo.agents_dir / "builder.md").read_text()
    assert definition.startswith(BUILDER) and "AGENT-001" in definition and "npm --prefix web run build" in definition
    assert git(repo.root, "status", "--porcelain", "--", ".claude/agents") == ""
    # The main session is not charged for it: not in .claude/rules, not in the SessionStart context.
    assert not list(repo.rules_dir.glob("*.md"))
    assert "AGENT-001" not in refresh_context(repo)
    assert agent_rules.definitions(repo) == {"builder": repo.agents_dir / "builder.md"}  # a rule is no agent


@pytest.mark.parametrize(
    "agent_types",
    [
        ["general-purpose"],  # a built-in agent: no definition to keep it with
        ["builder", ""],  # the main session failed the same way: a project lesson
        ["builder", "tester"],
    ],
)
def test_other_lessons_stay_project_rules(repo: Workspace, agent_types: list[str]) -> None:
    record(repo, agent_types)
    [outcome] = analyst.analyze_ready(repo, clock=CLOCK).outcomes
    assert outcome.rule_id == "PROJ-001", outcome
    assert (repo.agents_dir / "builder.md").read_text() == BUILDER


def test_agent_numbers_never_collide_with_history(repo: Workspace) -> None:
    record(repo, ["builder"])
    analyst.analyze_ready(repo, clock=CLOCK)
    git(repo.root, "revert", "--no-edit", "HEAD")  # AGENT-001 is gone, but its number was taken
    assert (repo.agents_dir / "builder.md").read_text() == BUILDER
    assert RuleBook(repo).next_id("AGENT") == "AGENT-002" and RuleBook(repo).next_id("PROJ") == "PROJ-001"
    record(repo, ["builder"], command="npm run lint")
    outcomes = analyst.analyze_ready(repo, clock=CLOCK).outcomes
    assert [o.rule_id for o in outcomes] == ["AGENT-002"]


def test_deprecating_an_agent_rule_gives_the_definition_back_in_the_same_commit(repo: Workspace) -> None:
    record(repo, ["builder"])
    analyst.analyze_ready(repo, clock=CLOCK)
    outcome = rule_ops.deprecate_rule(repo, "AGENT-001", "the build script moved", clock=CLOCK)
    assert outcome.verdict == "committed"
    assert (repo.agents_dir / "builder.md").read_text() == BUILDER  # byte for byte
    changed = git(repo.root, "show", "--name-only", "--format=", "HEAD").split()
    assert ".claude/agents/builder.md" in changed
    assert git(repo.root, "status", "--porcelain", "--", ".claude/agents", ".claude/rules-deprecated") == ""
    assert publish(repo).agent_files == ()  # the commit already holds the definition as it must be


def test_publish_follows_a_rule_edited_by_hand(repo: Workspace) -> None:
    record(repo, ["builder"])
    analyst.analyze_ready(repo, clock=CLOCK)
    rule = RuleBook(repo).get("AGENT-001")
    assert rule.path is not None
    rule.path.write_text(rule.path.read_text().replace("npm --prefix web run build", "make -C web build"))
    assert publish(repo).agent_files == (".claude/agents/builder.md",)
    assert "make -C web build" in (repo.agents_dir / "builder.md").read_text()
    assert publish(repo).agent_files == ()


blocks = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@given(user=blocks, rules=st.lists(st.text(alphabet="abc xyz.", min_size=1, max_size=20), max_size=3))
def test_a_block_comes_out_as_it_went_in(user: str, rules: list[str]) -> None:
    text = f"---\nname: a\ndescription: b\n---\n{user.rstrip()}\n"
    block = "\n".join([agent_rules.BEGIN + " -->", *rules, agent_rules.END]) if rules else ""
    added = agent_rules.with_block(text, block)
    assert agent_rules.with_block(added, block) == added  # idempotent
    assert agent_rules.with_block(added, "") == text  # removed: the user's text back
    if block:
        assert added.endswith(block + "\n") and added.count(agent_rules.BEGIN) == 1


def test_the_monitor_keeps_the_agent_type_of_a_failure(installed: Workspace, tmp_path: Path) -> None:
    payload = {
        "session_id": "s1",
        "transcript_path": "/nonexistent.jsonl",
        "cwd": str(installed.root),
        "hook_event_name": "PostToolUseFailure",
        "tool_name": "Bash",
        "tool_input": {"command": "npm run build"},
        "tool_use_id": "toolu_1",
        "error": NPM_ERROR,
        "agent_id": "a1",
        "agent_type": "builder",
    }
    transcript = tmp_path / "agent.jsonl"
    call = {"type": "tool_use", "id": "toolu_2", "name": "Edit", "input": {"file_path": "a.txt", "old_string": "x"}}
    failed = {"type": "tool_result", "tool_use_id": "toolu_2", "content": "String to replace not found"}
    failed["is_error"] = True
    transcript.write_text(
        "".join(
            json.dumps({"type": kind, "sessionId": "s1", "uuid": kind, "message": {"role": kind, "content": [block]}})
            + "\n"
            for kind, block in (("assistant", call), ("user", failed))
        )
    )
    stop = {
        "session_id": "s1",
        "transcript_path": "/nonexistent-main.jsonl",
        "agent_transcript_path": str(transcript),
        "cwd": str(installed.root),
        "hook_event_name": "SubagentStop",
        "agent_type": "tester",
    }
    installed.triggers_dir.joinpath("000000000001-1.json").write_text(json.dumps(payload))
    installed.triggers_dir.joinpath("000000000002-1.json").write_text(json.dumps(stop))
    with open_database(installed) as db:
        result = Monitor(installed, db, Config(), analyze=False).process_pending()
        assert result.counted == 2, result
        rows = db.query("SELECT tool_use_id, agent_type FROM occurrences ORDER BY tool_use_id")
    assert [tuple(r) for r in rows] == [("toolu_1", "builder"), ("toolu_2", "tester")]


def test_an_agent_rule_that_arrives_by_git_gets_its_guard_at_the_next_refresh(repo: Workspace) -> None:
    from nevo import guards
    from nevo.publish import refresh_if_stale

    record(repo, ["builder"])
    analyst.analyze_ready(repo, clock=CLOCK)
    git(repo.root, "revert", "--no-edit", "HEAD")
    assert refresh_if_stale(repo) is True and not guards.table_path(repo).exists()
    assert refresh_if_stale(repo) is False
    git(repo.root, "revert", "--no-edit", "HEAD")  # back, as after a pull
    assert refresh_if_stale(repo) is True
    assert [g["rule"] for g in json.loads(guards.table_path(repo).read_text())["guards"]] == ["AGENT-001"]
    assert refresh_if_stale(repo) is False
