"""The Claude Code plugin: its folder is current with the repository, detection, init's hand-over, nevo-hook.

Claude Code's records are written here as Claude Code 2.1.197 writes them (installed_plugins.json,
enabledPlugins); tests/test_plugin_e2e.py installs the plugin with the real CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from nevo import plugin
from nevo.doctor import run_checks
from nevo.install import BASE_HOOKS, init, shipped_hooks, uninstall
from nevo.settings import our_hooks, parse_settings
from nevo.workspace import Workspace
from tests.support.claude import wait_for_renames

REPO = Path(__file__).resolve().parent.parent
RUNNER = REPO / "plugin" / "hooks" / "nevo-hook"
PYTHON_ENV = REPO / "plugin" / "scripts" / "python-env"
FAILURE = {
    "session_id": "s1",
    "hook_event_name": "PostToolUseFailure",
    "tool_name": "Bash",
    "tool_input": {"command": "ls /nope"},
    "tool_use_id": "toolu_1",
    "error": "Exit code 2\nls: cannot access '/nope': No such file or directory",
}


def install_plugin_record(
    config: Path, *, scope: str = "user", project: Path | None = None, enabled: bool = True
) -> None:
    """What `claude plugin install nevo@nevo --scope <scope>` leaves in the config folder (and project)."""
    entry: dict[str, object] = {
        "scope": scope,
        "installPath": str(config / "plugins/cache/nevo/nevo/0.1.0"),
        "version": "0.1.0",
    }
    if project is not None:
        entry["projectPath"] = str(project)
    (config / "plugins").mkdir(parents=True, exist_ok=True)
    (config / "plugins" / "installed_plugins.json").write_text(
        json.dumps({"version": 2, "plugins": {"nevo@nevo": [entry]}})
    )
    settings = (project / ".claude" / "settings.json") if scope == "project" and project else config / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"enabledPlugins": {"nevo@nevo": enabled}}))


@pytest.fixture
def config_dir() -> Path:
    return Path(os.environ["CLAUDE_CONFIG_DIR"])  # conftest points it into a temp home


def registered_events(workspace: Workspace) -> set[str]:
    if not workspace.settings_path.is_file():
        return set()
    return {event for event, _, _ in our_hooks(parse_settings(workspace.settings_path.read_text(), "s"))}


# -- the folder ---------------------------------------------------------------------------------------------


def test_the_committed_plugin_is_built_from_the_repository() -> None:
    assert plugin.build(REPO, check=True) == [], "run `nevo plugin build` and commit the result"


def test_build_finds_and_mends_drift(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "plugin", repo / "plugin", symlinks=True)
    shutil.copytree(REPO / ".claude-plugin", repo / ".claude-plugin")
    hooks_json = repo / "plugin" / "hooks" / "hooks.json"
    hooks_json.write_text(hooks_json.read_text().replace("nevo-hook capture", "nevo-hook kapture"))
    (repo / "plugin" / "skills").unlink()
    (repo / "plugin" / "skills").write_text("a copy that would drift\n")

    found = plugin.build(repo, check=True)
    assert found == ["plugin/hooks/hooks.json is out of date", "plugin/skills must be a symlink to ../skills"]
    assert "kapture" in hooks_json.read_text()  # --check changes nothing

    plugin.build(repo)
    assert plugin.build(repo, check=True) == []
    assert os.readlink(repo / "plugin" / "skills") == "../skills"


def test_every_hook_nevo_registers_is_in_the_plugin_and_runs_a_shipped_script() -> None:
    hooks = json.loads((REPO / "plugin" / "hooks" / "hooks.json").read_text())["hooks"]
    ran = {
        (event, handler["command"].rsplit(" ", 1)[1])
        for event, groups in hooks.items()
        for group in groups
        for handler in group["hooks"]
        if "nevo-hook" in handler["command"]
    }
    assert {(spec.event, spec.script) for spec in BASE_HOOKS} <= ran
    assert ("PreToolUse", "guard") in ran
    shipped = {p.name for p in shipped_hooks().iterdir()}
    assert {script for _, script in ran} <= shipped
    for name in ("nevo-hook",):
        assert os.access(REPO / "plugin" / "hooks" / name, os.X_OK)
    assert os.access(PYTHON_ENV, os.X_OK) and os.access(REPO / "plugin" / "bin" / "nevo", os.X_OK)


def test_the_plugin_version_is_nevos() -> None:
    from nevo import __version__

    manifest = json.loads((REPO / "plugin" / ".claude-plugin" / "plugin.json").read_text())
    assert manifest["name"] == "nevo" and manifest["version"] == __version__
    marketplace = json.loads((REPO / ".claude-plugin" / "marketplace.json").read_text())
    assert marketplace["name"] == "nevo" and marketplace["plugins"][0]["source"] == "./plugin"


# -- detection ----------------------------------------------------------------------------------------------


def test_detection_reads_the_config_folder_named_by_claude_config_dir(workspace: Workspace, tmp_path: Path) -> None:
    elsewhere = tmp_path / "other-config"
    install_plugin_record(elsewhere)
    assert not plugin.plugin_state(workspace).active
    state = plugin.plugin_state(workspace, {"CLAUDE_CONFIG_DIR": str(elsewhere)})
    assert state.active and state.scope == "user" and state.version == "0.1.0"
    assert state.data_dir == elsewhere / "plugins" / "data" / "nevo-nevo"


def test_a_disabled_plugin_or_another_projects_install_does_not_count(
    workspace: Workspace, config_dir: Path, tmp_path: Path
) -> None:
    install_plugin_record(config_dir, enabled=False)
    state = plugin.plugin_state(workspace)
    assert state.installed and not state.enabled and not state.active

    other = tmp_path / "other-project"
    other.mkdir()
    install_plugin_record(config_dir, scope="project", project=other)
    assert not plugin.plugin_state(workspace).installed
    assert plugin.plugin_state(Workspace(other)).active


def test_the_most_specific_settings_decide(workspace: Workspace, config_dir: Path) -> None:
    install_plugin_record(config_dir)
    workspace.claude_dir.mkdir()
    (workspace.claude_dir / "settings.local.json").write_text('{"enabledPlugins": {"nevo@nevo": false}}')
    assert not plugin.plugin_state(workspace).active
    (workspace.claude_dir / "settings.local.json").write_text("{ not json")  # unreadable: says nothing
    assert plugin.plugin_state(workspace).active


# -- nevo init hands the hooks to the plugin -----------------------------------------------------------------


def test_with_the_plugin_init_registers_no_hooks_and_marks_the_project(workspace: Workspace, config_dir: Path) -> None:
    install_plugin_record(config_dir)
    assert "has not opted in" in plugin.health(workspace)[1]
    init(workspace)
    assert registered_events(workspace) == set()
    assert plugin.runs_hooks_of(workspace)
    assert (workspace.hooks_dir / "capture").is_file()  # the plugin runs the project's copies
    assert all(
        check.ok for check in run_checks(workspace) if check.name in ("hooks registered", "hook scripts", "plugin")
    )


def test_without_the_plugin_init_works_as_before(workspace: Workspace) -> None:
    init(workspace)
    assert registered_events(workspace) == {spec.event for spec in BASE_HOOKS}
    assert not plugin.runs_hooks_of(workspace)


def test_init_moves_the_hooks_between_settings_and_plugin(workspace: Workspace, config_dir: Path) -> None:
    init(workspace, quality_gate=True)
    assert "SessionStart" in registered_events(workspace)

    install_plugin_record(config_dir)  # the plugin arrives: until init runs again the settings hooks stay
    assert not plugin.runs_hooks_of(workspace)
    init(workspace)
    assert registered_events(workspace) == {"TaskCreated", "TaskCompleted"}  # a project's own choice stays
    assert plugin.runs_hooks_of(workspace)

    (config_dir / "settings.json").write_text('{"enabledPlugins": {"nevo@nevo": false}}')
    [failing] = [c for c in run_checks(workspace) if not c.ok and c.name != "claude"]
    assert failing.name == "plugin" and "switched off" in failing.detail and failing.fix == "run `nevo init`"
    init(workspace)
    assert "SessionStart" in registered_events(workspace) and not plugin.runs_hooks_of(workspace)


def test_uninstall_takes_the_marker_away(workspace: Workspace, config_dir: Path) -> None:
    install_plugin_record(config_dir)
    init(workspace)
    uninstall(workspace)
    assert not workspace.nevo_dir.exists()


# -- nevo-hook, the plugin's side of every hook ------------------------------------------------------------


def run_hook(script: str, project: Path, payload: dict[str, object], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUNNER), script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "CLAUDE_PROJECT_DIR": str(project), **env},
        timeout=30,
    )


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_project_that_did_not_opt_in_is_left_alone(tmp_path: Path) -> None:
    project = tmp_path / "untouched"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.py").write_text("print('hi')\n")
    before = tree(project)
    for script in ("capture", "stop", "session-start", "guard"):
        done = run_hook(script, project, FAILURE)
        assert (done.returncode, done.stdout, done.stderr) == (0, "", ""), script
    assert tree(project) == before
    # No project folder at all (CLAUDE_PROJECT_DIR unset or gone): still nothing.
    done = subprocess.run(
        [str(RUNNER), "capture"], input="{}", capture_output=True, text=True, env={"PATH": os.environ["PATH"]}
    )
    assert done.returncode == 0 and not done.stdout


def test_an_opted_in_project_captures_each_failure_once(workspace: Workspace, config_dir: Path) -> None:
    install_plugin_record(config_dir)
    init(workspace)
    done = run_hook("capture", workspace.root, FAILURE)
    assert done.returncode == 0 and done.stdout == ""
    wait_for_renames(workspace.triggers_dir)
    [trigger] = list(workspace.triggers_dir.glob("*.json"))
    assert json.loads(trigger.read_text()) == FAILURE


def test_a_project_with_its_own_settings_hooks_is_left_to_them(workspace: Workspace) -> None:
    init(workspace)  # no plugin: hooks in settings.json, which Claude Code runs besides the plugin's
    run_hook("capture", workspace.root, FAILURE)
    wait_for_renames(workspace.triggers_dir)
    assert list(workspace.triggers_dir.iterdir()) == []


def test_the_plugins_python_is_put_on_path_for_the_hooks(
    workspace: Workspace, config_dir: Path, tmp_path: Path
) -> None:
    install_plugin_record(config_dir)
    init(workspace)
    (workspace.hooks_dir / "capture").write_text('#!/bin/sh\ncommand -v nevo >"$CLAUDE_PROJECT_DIR/which"\n')
    data = tmp_path / "data"
    (data / "venv" / "bin").mkdir(parents=True)
    (data / "venv" / "bin" / "nevo").write_text("#!/bin/sh\n")
    (data / "venv" / "bin" / "nevo").chmod(0o755)
    run_hook("capture", workspace.root, FAILURE, CLAUDE_PLUGIN_DATA=str(data))
    assert (workspace.root / "which").read_text().strip() == str(data / "venv" / "bin" / "nevo")


# -- python-env: the install on first use -------------------------------------------------------------------


def test_a_failing_install_is_reported_once_in_the_background_and_shown_to_a_person(tmp_path: Path) -> None:
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    for name in ("python3", "python3.11", "python3.12", "python3.13", "uv"):
        (fake / name).write_text("#!/bin/sh\nexit 1\n")
        (fake / name).chmod(0o755)
    data = tmp_path / "data"
    env = {"PATH": f"{fake}:{os.environ['PATH']}", "CLAUDE_PLUGIN_DATA": str(data), "HOME": str(tmp_path)}
    done = subprocess.run([str(PYTHON_ENV), "background"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0
    assert "needs Python 3.11 or newer" in (data / "install.log").read_text()
    assert (data / "failed").is_file() and not (data / "install.lock").exists()
    # SessionStart does not start it again for this version (no process per session), returning at once.
    done = subprocess.run([str(PYTHON_ENV), "start"], capture_output=True, text=True, env=env, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (data / "install.log").read_text().count("installing nevo") == 1
    # A person's command retries in the foreground and says why it failed.
    done = subprocess.run([str(PYTHON_ENV), "ensure"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1 and "needs Python 3.11 or newer" in done.stderr


def test_a_lock_left_by_a_killed_installer_is_taken_over(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "install.lock").mkdir(parents=True)
    dead = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True).stdout.strip()
    (data / "install.lock" / "pid").write_text(dead + "\n")
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    for name in ("python3", "python3.11", "python3.12", "python3.13", "uv"):
        (fake / name).write_text("#!/bin/sh\nexit 1\n")
        (fake / name).chmod(0o755)
    env = {"PATH": f"{fake}:{os.environ['PATH']}", "CLAUDE_PLUGIN_DATA": str(data), "HOME": str(tmp_path)}
    done = subprocess.run([str(PYTHON_ENV), "install"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1  # it ran (and failed on the fake Python) instead of waiting for a dead one
    assert "installing nevo" in (data / "install.log").read_text()
    assert not (data / "install.lock").exists()


def test_two_installs_at_once_make_one(tmp_path: Path) -> None:
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    for name in ("python3", "python3.11", "python3.12", "python3.13", "uv"):
        (fake / name).write_text("#!/bin/sh\nsleep 2\nexit 1\n")  # a slow Python check: the first holds the lock
        (fake / name).chmod(0o755)
    data = tmp_path / "data"
    env = {"PATH": f"{fake}:{os.environ['PATH']}", "CLAUDE_PLUGIN_DATA": str(data), "HOME": str(tmp_path)}
    first = subprocess.Popen([str(PYTHON_ENV), "install"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (data / "install.lock" / "pid").is_file() and time.monotonic() < deadline:
        time.sleep(0.02)
    second = subprocess.run([str(PYTHON_ENV), "install"], capture_output=True, text=True, env=env, timeout=60)
    assert second.returncode == 75 and "another install is running" in second.stderr
    first.communicate(timeout=60)
    assert (data / "install.log").read_text().count("installing nevo") == 1
    assert not (data / "install.lock").exists()
