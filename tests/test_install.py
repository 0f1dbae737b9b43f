"""nevo init / uninstall against real folders."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from nevo.errors import NevoError
from nevo.install import BASE_HOOKS, init, read_state, uninstall
from nevo.settings import our_hooks, parse_settings
from nevo.workspace import Workspace


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under root with its content hash and mode: 'exactly as it was' means equal."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_dir():
            found[rel + "/"] = oct(path.stat().st_mode)
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + oct(path.stat().st_mode)
    return found


USER_SETTINGS = """{
    "model": "opus",
    "permissions": {"allow": ["Bash(npm test)"]},
    "hooks": {
        "PostToolUseFailure": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "notify-me"}]}],
        "PreToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "./lint.sh", "timeout": 5}]}]
    }
}
"""


def test_init_creates_the_layout(workspace: Workspace) -> None:
    report = init(workspace)
    for folder in ("triggers", "hooks"):
        assert (workspace.nevo_dir / folder).is_dir()
    assert workspace.rules_dir.is_dir()
    assert workspace.config_path.read_text().startswith("# nevo configuration")
    for script in ("capture", "session-start", "stop"):
        mode = (workspace.hooks_dir / script).stat().st_mode
        assert mode & stat.S_IXUSR, f"{script} is not executable"
    settings = parse_settings(workspace.settings_path.read_text(), "settings.json")
    events = {event for event, _, _ in our_hooks(settings)}
    assert events == {spec.event for spec in BASE_HOOKS}
    assert ".nevo/config.yaml" in report.created


def test_runtime_state_is_git_ignored_and_rules_are_not(git_workspace: Workspace) -> None:
    ws = git_workspace
    init(ws)
    for rel in (
        ".nevo/triggers/000000000001-1.json",
        ".nevo/nevo.db",
        ".nevo/nevo.db-wal",
        ".nevo/capture.log",
        ".claude/rules/PROJ-001-x.md",
        ".nevo/config.yaml",
        ".nevo/memory/MEMORY.md",
    ):
        (ws.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws.root / rel).write_text("x")
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=ws.root,
        text=True,
        capture_output=True,
        input="\n".join(
            [
                ".nevo/triggers/000000000001-1.json",
                ".nevo/nevo.db",
                ".nevo/nevo.db-wal",
                ".nevo/capture.log",
                ".claude/rules/PROJ-001-x.md",
                ".nevo/config.yaml",
                ".nevo/memory/MEMORY.md",
            ]
        ),
    ).stdout.split()
    assert sorted(ignored) == sorted(
        [".nevo/triggers/000000000001-1.json", ".nevo/nevo.db", ".nevo/nevo.db-wal", ".nevo/capture.log"]
    )


def test_init_twice_changes_nothing(workspace: Workspace) -> None:
    init(workspace)
    before = snapshot(workspace.root)
    mtimes = {p: p.stat().st_mtime_ns for p in workspace.root.rglob("*")}
    report = init(workspace)
    assert report.unchanged
    assert snapshot(workspace.root) == before
    assert {p: p.stat().st_mtime_ns for p in workspace.root.rglob("*")} == mtimes, (
        "a second init rewrote a file"
    )


def test_foreign_keys_and_hooks_are_kept(workspace: Workspace) -> None:
    workspace.claude_dir.mkdir()
    workspace.settings_path.write_text(USER_SETTINGS)
    init(workspace)
    merged = json.loads(workspace.settings_path.read_text())
    original = json.loads(USER_SETTINGS)
    assert merged["model"] == "opus" and merged["permissions"] == original["permissions"]
    assert original["hooks"]["PostToolUseFailure"][0] in merged["hooks"]["PostToolUseFailure"]
    assert merged["hooks"]["PreToolUse"] == original["hooks"]["PreToolUse"]


def test_invalid_settings_are_refused_and_untouched(workspace: Workspace) -> None:
    workspace.claude_dir.mkdir()
    broken = '{"model": "opus",, }'
    workspace.settings_path.write_text(broken)
    before = snapshot(workspace.root)
    with pytest.raises(NevoError, match="not valid JSON"):
        init(workspace)
    assert workspace.settings_path.read_text() == broken
    assert snapshot(workspace.root) == before, "a refused init must not create anything"


@pytest.mark.parametrize("settings_text", [None, USER_SETTINGS, '{\n  "hooks": {}\n}\n'])
def test_uninstall_gives_the_workspace_back_exactly(workspace: Workspace, settings_text: str | None) -> None:
    (workspace.root / "src").mkdir()
    (workspace.root / "src" / "app.py").write_text("print('hi')\n")
    if settings_text is not None:
        workspace.claude_dir.mkdir()
        workspace.settings_path.write_text(settings_text)
    before = snapshot(workspace.root)
    init(workspace)
    (workspace.triggers_dir / "000000000001-1.json").write_text(
        "{}"
    )  # processed triggers leave nothing behind
    (workspace.triggers_dir / "000000000001-1.json").unlink()
    uninstall(workspace)
    assert snapshot(workspace.root) == before


def test_uninstall_keeps_the_users_later_settings_edits(workspace: Workspace) -> None:
    init(workspace)
    data = json.loads(workspace.settings_path.read_text())
    data["model"] = "sonnet"
    workspace.settings_path.write_text(json.dumps(data))
    uninstall(workspace)
    assert json.loads(workspace.settings_path.read_text()) == {"model": "sonnet"}


def test_uninstall_keeps_data_unless_purged(workspace: Workspace) -> None:
    init(workspace)
    workspace.db_path.write_bytes(b"")  # stands for nevo's history
    (workspace.triggers_dir / "000000000001-1.json").write_text("{}")
    report = uninstall(workspace)
    assert workspace.db_path.exists() and ".nevo/nevo.db" in report.kept
    assert (workspace.triggers_dir / "000000000001-1.json").exists(), "a pending trigger is data"
    assert not workspace.hooks_dir.exists() and not workspace.install_state_path.exists()
    init(workspace)
    uninstall(workspace, purge=True)
    assert not workspace.nevo_dir.exists()


def test_uninstall_keeps_an_edited_config(workspace: Workspace) -> None:
    init(workspace)
    workspace.config_path.write_text("monitor:\n  loop_threshold: 5\n")
    report = uninstall(workspace)
    assert workspace.config_path.read_text() == "monitor:\n  loop_threshold: 5\n"
    assert ".nevo/config.yaml" in report.kept


def test_uninstall_without_install_is_a_clear_error(workspace: Workspace) -> None:
    with pytest.raises(NevoError, match="not installed"):
        uninstall(workspace)


def test_reinstall_after_a_script_was_deleted_restores_it(workspace: Workspace) -> None:
    init(workspace)
    (workspace.hooks_dir / "capture").unlink()
    report = init(workspace)
    assert ".nevo/hooks/capture" in report.created
    assert os.access(workspace.hooks_dir / "capture", os.X_OK)


def test_quality_gate_option_is_remembered(workspace: Workspace) -> None:
    init(workspace, quality_gate=True)
    init(workspace)  # a later plain init keeps the option
    assert read_state(workspace)["options"]["quality_gate"] is True
    events = {e for e, _, _ in our_hooks(json.loads(workspace.settings_path.read_text()))}
    assert "TaskCompleted" in events


def test_the_shipped_skills_are_installed_and_an_edited_one_survives_uninstall(workspace: Workspace) -> None:
    init(workspace)
    skill = workspace.skills_dir / "nevo-rules" / "SKILL.md"
    assert skill.read_text().startswith("---\nname: nevo-rules")
    skill.write_text(skill.read_text() + "\nMy own note.\n")
    report = uninstall(workspace)
    assert skill.exists() and ".claude/skills/nevo-rules/SKILL.md" in report.kept
    assert not (workspace.skills_dir / "nevo-quality-gate").exists()


def test_a_failed_init_can_still_be_uninstalled(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(workspace.root)

    def disk_full(*args: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("nevo.memory.nudge.render_stop_conf", disk_full)
    with pytest.raises(OSError):
        init(workspace)
    monkeypatch.undo()
    assert read_state(workspace)["created_paths"], "what the failed init created is recorded"
    uninstall(workspace)
    assert snapshot(workspace.root) == before


def test_an_unreadable_install_state_is_moved_aside_by_init(workspace: Workspace) -> None:
    init(workspace)
    workspace.install_state_path.write_text("{broken")
    with pytest.raises(NevoError, match="unreadable"):
        uninstall(workspace)
    report = init(workspace)
    assert any("moved aside" in line for line in report.updated)
    assert read_state(workspace)["version"]
    assert list(workspace.nevo_dir.glob("install.json.corrupt-*"))


def test_kept_data_stays_out_of_git_after_uninstall(git_workspace: Workspace) -> None:
    ws = git_workspace
    init(ws)
    ws.rejected_dir.mkdir()
    (ws.rejected_dir / "000000000001-1.json").write_text('{"error": "token ghp_' + "A" * 36 + '"}')
    report = uninstall(ws)
    assert ".nevo/rejected" in report.kept
    untracked = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ws.root,
                               capture_output=True, text=True).stdout
    assert ".nevo/rejected" not in untracked, "kept raw payloads must stay git-ignored"


def test_purge_works_without_install_state(workspace: Workspace) -> None:
    init(workspace)
    workspace.install_state_path.unlink()
    with pytest.raises(NevoError, match="--purge"):
        uninstall(workspace)
    uninstall(workspace, purge=True)
    assert not workspace.nevo_dir.exists()
    assert our_hooks(json.loads(workspace.settings_path.read_text())) == []
