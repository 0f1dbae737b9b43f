"""nevo demo: the loop closes (a rule is committed and the second session's repeat is rewritten or refused by
its guard) with a real Claude Code session, and with replayed hook payloads where there is no CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nevo import gitops
from nevo.cli import main
from nevo.demo.agent import ClaudeAgent, isolated_env
from nevo.demo.loop import FIRST_TRY, FIX, run_demo
from tests.support import CLAUDE_MISSING, claude_available

STEPS = (
    "1. nevo init",
    "2. Session 1",
    "3. Incident opened: INC-",
    "4. Rule committed: PROJ-001",
    "5. Session 2",
    "6. nevo memory search",
)


def assert_loop_closed(lines: list[str], result: object, base: Path) -> None:
    from nevo.demo.loop import DemoResult

    assert isinstance(result, DemoResult)
    text = "\n".join(lines)
    positions = [text.find(step) for step in STEPS]
    assert -1 not in positions and positions == sorted(positions), text
    assert result.incident and result.rule_id == "PROJ-001" and result.commit, text
    committed = gitops.show(result.workspace, result.commit)
    assert ".claude/rules/PROJ-001-" in committed and result.incident in committed
    assert result.guard in ("rewrote", "refused"), text
    assert result.second_call is not None and result.second_call.asked == FIRST_TRY
    if result.guard == "rewrote":
        assert (result.workspace / "dist" / "index.html").is_file()
    assert result.failures_in_second_session == 0, text
    assert result.memory_hit and FIX in result.memory_hit, text
    assert result.workspace.is_relative_to(base)
    assert str(base / "shop") in text  # it says where to look


@pytest.mark.e2e
@pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING)
def test_the_demo_with_real_claude_code_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-the-users-own-key")
    before = os.environ["CLAUDE_CONFIG_DIR"]
    lines: list[str] = []
    result = run_demo(lines.append, tmp_path)
    assert result.agent == ClaudeAgent.name and result.context_named_rule and result.stray_requests == 0
    assert_loop_closed(lines, result, tmp_path)
    assert os.environ["CLAUDE_CONFIG_DIR"] == before  # the demo's config was only borrowed
    assert not Path(before).exists()  # the user's Claude Code folder was never touched


def test_the_demo_replays_hook_payloads_without_the_cli(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_demo(lines.append, tmp_path, replay=True)
    assert "replayed" in result.agent and result.context_named_rule
    assert_loop_closed(lines, result, tmp_path)


def test_claude_code_gets_none_of_the_users_secrets_or_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-the-users-own-key")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "the-users-token")
    env = isolated_env(tmp_path / "config", tmp_path / "home", "http://127.0.0.1:9")
    assert "sk-the-users-own-key" not in env.values() and "ANTHROPIC_AUTH_TOKEN" not in env
    assert env["HOME"] == str(tmp_path / "home") and env["CLAUDE_CONFIG_DIR"] == str(tmp_path / "config")
    assert env["HTTPS_PROXY"] == "http://127.0.0.1:9" and env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"


def test_the_command_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine.txt").write_text("keep me\n")
    assert main(["demo", "--replay", "--workspace", str(tmp_path)]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
    assert main(["demo", "--replay", "--workspace", str(tmp_path / "new")]) == 0
    assert "the loop took" in capsys.readouterr().out
