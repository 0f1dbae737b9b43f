"""Guards: rules with teeth, compiled into the PreToolUse hook; the hook script run for real."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from nevo import guards
from nevo.install import init, sync_hooks
from nevo.publish import publish, refresh_if_stale
from nevo.rules import Rule, RuleBook
from nevo.workspace import Workspace
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

FIX = "npm --prefix web run build"


def add_rule(
    ws: Workspace, action: str = "rewrite", command: str = "npm run build", rule_id: str = "PROJ-001"
) -> Rule:
    guard: dict[str, Any] = {"tool": "Bash", "command": command, "action": action}
    if action == "rewrite":
        guard["fix"] = FIX
    rule = Rule(
        id=rule_id,
        title="Web build",
        body=f"When running the web build, use `{FIX}`, not `{command}`.",
        trigger=f"PreToolUse Bash `{command}`",
        enforcement=f"guard {action}",
        verification="v",
        created="2026-11-21T05:00:00Z",
        guard=guard,
    )
    RuleBook(ws).write(rule)
    return rule


@pytest.mark.parametrize(
    "command,hit",
    [
        ("npm run build", True),
        ("  npm   run build ", True),
        ("npm install && npm run build", True),
        ("npm run build; echo done", True),
        ("(npm run build)", True),
        ("true || npm run build", True),
        ("npm run build:prod", False),
        ("npm run build --watch", False),
        ("echo npm run build", False),
        ("pnpm run build", False),
        ("npm run build 2>&1 | tail -20", True),
        ("npm run build > build.log", True),
        ("npm run build >build.log 2>&1", True),
        ("npm run build &> build.log", True),
        ("npm run build < /dev/null", True),
        ("CI=1 npm run build", True),
        ("CI=1 NODE_ENV='prod x' npm run build", True),
        ("timeout 300 npm run build", True),
        ("timeout -k 5 10m npm run build 2>&1 | tee log", True),
        ("env CI=1 npm run build", True),
        ("make && CI=1 timeout 300 npm run build", True),
        ("CI=1 npm run build:prod", False),
        ("timeout 300 npm run build:prod > log", False),
        ("npm run build2>log", False),
        ("npm run build 2 > log", False),
        ("echo CI=1 npm run build", False),
    ],
)
def test_the_pattern_matches_whole_shell_segments_only(command: str, hit: bool) -> None:
    assert bool(re.search(guards.command_regex("npm run build"), command)) is hit


def test_compile_writes_the_table_and_hooks_only_guarded_tools(installed: Workspace) -> None:
    assert guards.hook_specs(installed) == []
    add_rule(installed)
    RuleBook(installed).write(
        Rule(
            id="PROJ-002",
            title="No guard",
            body="Read first.",
            trigger="t",
            enforcement="context only",
            verification="v",
        )
    )
    compiled = guards.compile_guards(installed)
    assert [g["rule"] for g in compiled] == ["PROJ-001"]
    [spec] = guards.hook_specs(installed)
    assert (spec.event, spec.matcher, spec.script) == ("PreToolUse", "Bash", "guard")
    lines = guards.needles_path(installed).read_text().splitlines()
    assert Path(lines[0]).is_file() and lines[1:] == ["build"]
    sync_hooks(installed, guards.hook_specs(installed))
    settings = json.loads(installed.settings_path.read_text())
    assert [(g["matcher"], g["hooks"][0]["command"]) for g in settings["hooks"]["PreToolUse"]] == [
        ("Bash", spec.command)
    ]
    assert spec.command.endswith('"$CLAUDE_PROJECT_DIR"/.nevo/hooks/guard')
    # The rule deprecated: no guard, no files, and the hook goes away.
    RuleBook(installed).deprecate("PROJ-001", "obsolete")
    assert guards.compile_guards(installed) == [] and not guards.table_path(installed).exists()
    sync_hooks(installed, guards.hook_specs(installed))
    assert "PreToolUse" not in json.loads(installed.settings_path.read_text()).get("hooks", {})


def run_hook(ws: Workspace, command: Any, tool: str = "Bash") -> tuple[int, dict[str, Any] | None, float]:
    payload = {
        "session_id": "s",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": {"command": command, "description": "d"},
        "tool_use_id": "t",
        "cwd": str(ws.root),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [str(ws.hooks_dir / "guard")], input=json.dumps(payload), capture_output=True, text=True, timeout=10
    )
    elapsed = (time.perf_counter() - start) * 1000
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None, elapsed


@pytest.fixture
def guarded(installed: Workspace) -> Workspace:
    add_rule(installed)
    guards.compile_guards(installed)
    return installed


def test_the_hook_rewrites_the_failing_command_to_its_fix(guarded: Workspace) -> None:
    code, out, _ = run_hook(guarded, "npm install && npm run build")
    assert code == 0 and out is not None
    specific = out["hookSpecificOutput"]
    assert specific["hookEventName"] == "PreToolUse" and "permissionDecision" not in specific
    assert specific["updatedInput"] == {"command": f"npm install && {FIX}", "description": "d"}


@pytest.mark.parametrize(
    "command,fixed",
    [
        ("npm run build 2>&1 | tail -20", f"{FIX} 2>&1 | tail -20"),
        ("npm run build > log", f"{FIX} > log"),
        ("CI=1 npm run build", f"CI=1 {FIX}"),
        ("timeout 300 npm run build", f"timeout 300 {FIX}"),
        ("npm ci && CI=1 timeout 300 npm run build 2>&1 | tail", f"npm ci && CI=1 timeout 300 {FIX} 2>&1 | tail"),
    ],
)
def test_the_hook_keeps_prefixes_and_redirections_around_the_fix(
    guarded: Workspace, command: str, fixed: str
) -> None:
    code, out, _ = run_hook(guarded, command)
    assert code == 0 and out is not None, command
    assert out["hookSpecificOutput"]["updatedInput"]["command"] == fixed


@pytest.mark.parametrize(
    "command",
    ["npm run build:prod", "ls", "cd web && npm run build", "cd web && CI=1 npm run build > log", 42],
)
def test_the_hook_leaves_other_calls_alone(guarded: Workspace, command: Any) -> None:
    assert run_hook(guarded, command)[:2] == (0, None)


def test_a_deny_guard_gives_the_rule_as_the_reason(installed: Workspace) -> None:
    add_rule(installed, action="deny", command="rm -rf build")
    guards.compile_guards(installed)
    code, out, _ = run_hook(installed, "rm -rf build")
    assert code == 0 and out == {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": (
                f"nevo PROJ-001: When running the web build, use `{FIX}`, not `rm -rf build`."
            ),
        }
    }


@pytest.mark.parametrize("damage", ["broken-table", "no-table", "no-python", "garbage-needles"])
def test_a_broken_guard_never_blocks(guarded: Workspace, damage: str) -> None:
    table, needles = guards.table_path(guarded), guards.needles_path(guarded)
    if damage == "broken-table":
        table.write_text("{not json")
    elif damage == "no-table":
        table.unlink()
    elif damage == "no-python":
        lines = needles.read_text().splitlines()
        needles.write_text("\n".join(["/nonexistent/python3", *lines[1:]]) + "\n")
    else:
        needles.write_bytes(b"\x00\xff\n\n")
    assert run_hook(guarded, "npm run build")[:2] == (0, None)


def test_a_payload_that_is_not_json_is_let_through(guarded: Workspace) -> None:
    done = subprocess.run(
        [str(guarded.hooks_dir / "guard")],
        input="npm run build {",
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert (done.returncode, done.stdout) == (0, "")


def test_the_hook_is_fast(guarded: Workspace) -> None:
    misses = [run_hook(guarded, "ls -la")[2] for _ in range(15)]
    hits = [run_hook(guarded, "npm run build")[2] for _ in range(15)]
    # Generous bounds for a loaded CI machine; bench/bench_rules.py reports the real figures.
    assert statistics.median(misses) < 30 and statistics.median(hits) < 150, (misses, hits)
    assert statistics.median(misses) < statistics.median(hits)  # a miss never starts Python


@pytest.mark.e2e
@pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING)
def test_a_deny_guard_stops_the_call_in_a_real_session(installed: Workspace, tmp_path: Path) -> None:
    add_rule(installed, action="deny", command="touch forbidden.txt")
    publish(installed)
    process_by_hand(installed.root)
    with FakeMessagesAPI([bash("touch forbidden.txt"), bash("touch allowed.txt"), text("done")]) as api:
        run = run_claude(installed.root, "go", api, tmp_path / "claude-config")
    assert run.returncode == 0, run.describe(api)
    assert not (installed.root / "forbidden.txt").exists() and (installed.root / "allowed.txt").exists()
    results = [block for block, _ in tool_results_in(run.transcript_entries()).values()]
    assert results[0]["is_error"] is True and "nevo PROJ-001" in str(results[0]["content"])
    assert "nevo PROJ-001" in api.main_requests()[1].messages_text()


def test_init_installs_the_guard_scripts(workspace: Workspace) -> None:
    init(workspace)
    assert (workspace.hooks_dir / "guard").is_file() and (workspace.hooks_dir / "guard.py").is_file()
    assert shutil.which(str(workspace.hooks_dir / "guard")) is not None  # executable


def test_init_in_a_fresh_clone_compiles_the_guards_from_the_rules(workspace: Workspace) -> None:
    add_rule(workspace)  # the rule arrived with the code; no table yet
    init(workspace)
    assert guards.table_path(workspace).is_file()
    settings = json.loads(workspace.settings_path.read_text())
    assert [g["matcher"] for g in settings["hooks"]["PreToolUse"]] == ["Bash"]
    assert run_hook(workspace, "npm run build")[1] is not None


def test_guards_can_be_turned_off(guarded: Workspace) -> None:
    guarded.config_path.write_text("analyst:\n  guards: false\n")
    assert guards.hook_specs(guarded) == [] and not guards.table_path(guarded).exists()
    assert run_hook(guarded, "npm run build")[:2] == (0, None)


def test_the_payload_reaches_python_byte_for_byte(guarded: Workspace) -> None:
    # Quotes, backslashes, $, backticks and a line that reads like the here-document's end marker.
    command = 'printf "a\\\\nb\\"c $HOME `x`" PAYLOAD\nPAYLOAD\n && npm run build'
    code, out, _ = run_hook(guarded, command)
    assert code == 0 and out is not None
    assert out["hookSpecificOutput"]["updatedInput"]["command"] == command.replace("npm run build", FIX)


@pytest.fixture
def committed(installed: Workspace) -> Workspace:
    root = installed.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    add_rule(installed)
    git(root, "add", ".claude/rules")
    git(root, "commit", "-qm", "nevo: PROJ-001 Web build")
    guards.compile_guards(installed)
    assert run_hook(installed, "npm run build")[1] is not None
    return installed


def test_a_reverted_rule_disarms_its_guard_at_once_and_the_table_follows(committed: Workspace) -> None:
    git(committed.root, "revert", "--no-edit", "HEAD")
    assert not list(committed.rules_dir.glob("PROJ-001*"))
    assert guards.table_path(committed).is_file()  # nothing rebuilt the table yet...
    assert run_hook(committed, "npm run build")[:2] == (0, None)  # ...but the hook sees the rule is gone
    assert refresh_if_stale(committed) is True
    assert not guards.table_path(committed).exists() and not guards.needles_path(committed).exists()
    assert refresh_if_stale(committed) is False  # nothing changed since


def test_a_hand_edited_guard_is_not_applied_until_recompiled(committed: Workspace) -> None:
    [path] = committed.rules_dir.glob("PROJ-001*")
    path.write_text(path.read_text().replace(f"fix: {FIX}", "fix: npm --prefix app run build"))
    assert run_hook(committed, "npm run build")[:2] == (0, None)  # the table's fix is no longer the rule's
    assert refresh_if_stale(committed) is True
    _, out, _ = run_hook(committed, "npm run build")
    assert out is not None and out["hookSpecificOutput"]["updatedInput"]["command"] == "npm --prefix app run build"


def test_a_rule_deprecated_by_hand_disarms_its_guard(committed: Workspace) -> None:
    [path] = committed.rules_dir.glob("PROJ-001*")
    path.write_text(path.read_text().replace("status: active", "status: deprecated"))
    assert run_hook(committed, "npm run build")[:2] == (0, None)


def test_a_rule_that_arrives_by_git_gets_its_guard_when_stale(committed: Workspace) -> None:
    git(committed.root, "revert", "--no-edit", "HEAD")
    refresh_if_stale(committed)
    git(committed.root, "revert", "--no-edit", "HEAD")  # the rule is back (as after a pull)
    assert refresh_if_stale(committed) is True
    assert run_hook(committed, "npm run build")[1] is not None


def test_a_table_from_an_older_nevo_is_stale(committed: Workspace) -> None:
    table = guards.table_path(committed)
    table.write_text(table.read_text().replace('"version": 2', '"version": 1'))
    assert refresh_if_stale(committed) is True and '"version": 2' in table.read_text()


def test_refresh_leaves_guards_alone_when_they_are_turned_off(committed: Workspace) -> None:
    committed.config_path.write_text("analyst:\n  guards: false\n")
    git(committed.root, "revert", "--no-edit", "HEAD")
    assert refresh_if_stale(committed) is False


def test_a_narrowing_rewrite_from_an_older_rule_is_not_compiled(installed: Workspace) -> None:
    rule = add_rule(installed, command="pytest tests/test_api.py")
    assert rule.guard is not None
    rule.guard["fix"] = "pytest tests/test_api.py -k test_login"
    RuleBook(installed).write(rule)
    add_rule(installed, rule_id="PROJ-002")
    assert [g["rule"] for g in guards.compile_guards(installed)] == ["PROJ-002"]
    assert run_hook(installed, "pytest tests/test_api.py")[:2] == (0, None)
