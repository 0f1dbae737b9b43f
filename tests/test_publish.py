"""Publishing after the rules change: guards compiled once, the guard hook synced without re-running the
installer, agents' blocks and the SessionStart context rendered; publishing again changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from nevo import analyst, guards, install, publish
from nevo.clock import fixed_clock
from nevo.rules import RuleBook
from nevo.workspace import Workspace
from tests.conftest import git
from tests.support.judged import record_judged

CLOCK = fixed_clock(datetime(2026, 11, 21, 5, 0, tzinfo=UTC))
NPM_ERROR = 'Exit code 1\nnpm error Missing script: "build"\nnpm error\nnpm error To see a list of scripts, run:'


def record_recovered(ws: Workspace, command: str, error: str, recovery: str) -> str:
    """One failure and the call that fixed it, judged and stored as the monitor does."""
    incident_id, verdict = record_judged(ws, command, error, recovery)
    assert verdict is not None and verdict.teaches, verdict
    return incident_id


@pytest.fixture
def repo(installed: Workspace) -> Workspace:
    git(installed.root, "init", "-q", "-b", "main")
    git(installed.root, "add", ".")
    git(installed.root, "commit", "-qm", "base")
    return installed


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Workspace]:
    """Every call of the real guards.compile_guards, counted."""
    calls: list[Workspace] = []
    real = guards.compile_guards

    def counted(workspace: Workspace, python: str | None = None) -> list[dict[str, Any]]:
        calls.append(workspace)
        return real(workspace, python)

    monkeypatch.setattr(guards, "compile_guards", counted)
    return calls


def test_committing_a_rule_compiles_its_guard_once_and_never_reruns_the_installer(
    repo: Workspace, compiles: list[Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    inits: list[Workspace] = []
    real_init = install.init
    monkeypatch.setattr(install, "init", lambda ws, **kw: inits.append(ws) or real_init(ws, **kw))
    record_recovered(repo, "npm run build", NPM_ERROR, "npm --prefix web run build")

    report = analyst.analyze_ready(repo, clock=CLOCK)

    assert [o.verdict for o in report.outcomes] == ["committed"]
    assert compiles == [repo] and inits == []
    assert report.published is not None and report.published.guarded_tools == ("Bash",)
    settings = json.loads(repo.settings_path.read_text())
    assert [group["matcher"] for group in settings["hooks"]["PreToolUse"]] == ["Bash"]
    table = json.loads(guards.table_path(repo).read_text())
    assert [g["rule"] for g in table["guards"]] == ["PROJ-001"]
    context = json.loads(repo.context_path.read_text())["hookSpecificOutput"]["additionalContext"]
    assert "PROJ-001" in context


def test_publishing_again_changes_nothing(repo: Workspace, compiles: list[Workspace]) -> None:
    record_recovered(repo, "npm run build", NPM_ERROR, "npm --prefix web run build")
    analyst.analyze_ready(repo, clock=CLOCK)
    watched = [repo.settings_path, guards.table_path(repo), guards.needles_path(repo), repo.context_path]
    before = {p: p.read_bytes() for p in watched}
    state_before = repo.install_state_path.read_bytes()

    again = publish.publish(repo)

    assert again.hooks_changed is False and again.agent_files == ()
    assert {p: p.read_bytes() for p in watched} == before
    assert repo.install_state_path.read_bytes() == state_before
    assert len(compiles) == 2  # one per publish, never two
    assert git(repo.root, "status", "--porcelain", "--", ".claude/rules") == ""


def test_a_deprecated_rule_takes_its_guard_hook_away_and_keeps_foreign_hooks(repo: Workspace) -> None:
    settings = json.loads(repo.settings_path.read_text())
    mine = {"type": "command", "command": "echo mine"}
    settings["hooks"]["PreToolUse"] = [{"matcher": "Bash", "hooks": [mine]}]
    repo.settings_path.write_text(json.dumps(settings))
    record_recovered(repo, "npm run build", NPM_ERROR, "npm --prefix web run build")
    analyst.analyze_ready(repo, clock=CLOCK)
    assert len(json.loads(repo.settings_path.read_text())["hooks"]["PreToolUse"]) == 2

    RuleBook(repo).deprecate("PROJ-001", "the root has a build script now")
    published = publish.publish(repo)

    assert published.hooks_changed is True and published.guarded_tools == ()
    assert json.loads(repo.settings_path.read_text())["hooks"]["PreToolUse"] == [{"matcher": "Bash", "hooks": [mine]}]
    assert not guards.table_path(repo).exists() and not repo.context_path.exists()


def test_publish_outside_an_installation_writes_no_settings(workspace: Workspace) -> None:
    published = publish.publish(workspace)
    assert published == publish.Published((), False, (), 0)
    assert not workspace.settings_path.exists() and not workspace.nevo_dir.exists()


def test_refresh_publishes_only_when_the_rules_changed_behind_nevos_back(repo: Workspace) -> None:
    record_recovered(repo, "npm run build", NPM_ERROR, "npm --prefix web run build")
    analyst.analyze_ready(repo, clock=CLOCK)
    assert publish.refresh_if_stale(repo) is False
    git(repo.root, "revert", "--no-edit", "HEAD")  # the rule is gone, its guard and hook must follow
    assert publish.refresh_if_stale(repo) is True
    assert "PreToolUse" not in json.loads(repo.settings_path.read_text())["hooks"]
    assert publish.refresh_if_stale(repo) is False


def test_sync_hooks_refuses_a_workspace_without_nevo(workspace: Workspace) -> None:
    from nevo.errors import NevoError

    with pytest.raises(NevoError, match="not installed"):
        install.sync_hooks(workspace, [])
