"""The plugin for real: the Claude Code CLI installs it from this repository (a local marketplace) into a
temporary config folder, real sessions run against the loopback fake, the Python side installs itself
offline, and uninstalling leaves nothing of nevo behind.

Offline: pip gets no index (PIP_NO_INDEX) and builds without isolation; nevo's dependencies come from this
test's own environment through PYTHONPATH. Everything else is what a user gets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nevo.install import init
from nevo.workspace import Workspace
from tests.conftest import git
from tests.support import CLAUDE_MISSING, FakeMessagesAPI, bash, claude_available, claude_env, run_claude, text

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING)]

REPO = Path(__file__).resolve().parent.parent
OFFLINE = {
    "PYTHONPATH": sysconfig.get_paths()["purelib"],
    "PIP_NO_INDEX": "1",
    "PIP_NO_BUILD_ISOLATION": "0",  # pip reads this one inverted: "0" turns build isolation off
    "PIP_NO_DEPS": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
FAILING = "ls /nope-plugin-e2e"


def claude_plugin(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [shutil.which("claude") or "claude", "plugin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"claude plugin {' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def failures(project: Path) -> list[str]:
    found = []
    for trigger in sorted((project / ".nevo" / "triggers").glob("*.json")):
        payload = json.loads(trigger.read_text())
        if payload.get("hook_event_name") == "PostToolUseFailure":
            found.append(payload["tool_input"]["command"])
    return found


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def failing_session(project: Path, config: Path, home: Path) -> None:
    with FakeMessagesAPI([bash(FAILING), text("done")]) as api:
        run = run_claude(project, "list it", api, config, home=home, extra_env=OFFLINE)
    assert run.returncode == 0, run.describe(api)
    assert not api.stray_requests(), api.request_log()


def test_the_plugin_installs_learns_only_where_asked_and_uninstalls_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, home = tmp_path / "claude-config", tmp_path / "home"
    data = config / "plugins" / "data" / "nevo-nevo"
    never, opted, before_plugin = tmp_path / "never", tmp_path / "opted", tmp_path / "before-plugin"
    for project in (never, opted, before_plugin):
        project.mkdir()
        (project / "main.py").write_text("print('hello')\n")
        git(project, "init", "-q", "-b", "main")
    # A project that ran `nevo init` before the plugin came: its hooks are in its own settings.json.
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "config-without-plugin"))
    init(Workspace(before_plugin))
    untouched = tree(never)

    with FakeMessagesAPI([text("ok")]) as api:
        env = claude_env(api, config, home, OFFLINE)
        home.mkdir()
        assert "Validation passed" in claude_plugin(env, "validate", str(REPO))
        assert "Validation passed" in claude_plugin(env, "validate", str(REPO / "plugin"))
        claude_plugin(env, "marketplace", "add", str(REPO), "--scope", "user")
        claude_plugin(env, "install", "nevo@nevo", "--scope", "user")
        [listed] = [p for p in json.loads(claude_plugin(env, "list", "--json")) if p["id"] == "nevo@nevo"]
        assert listed["enabled"] is True
    assert json.loads((config / "settings.json").read_text())["enabledPlugins"] == {"nevo@nevo": True}

    # The first session anywhere starts the Python install in the background and does not wait for it.
    failing_session(never, config, home)
    assert wait_until(lambda: (data / "installed").is_file() and not (data / "install.lock").exists(), 240), (
        (data / "install.log").read_text() if (data / "install.log").is_file() else "no install.log"
    )
    location = subprocess.run(
        [str(data / "venv" / "bin" / "python"), "-c", "import nevo; print(nevo.__file__)"],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
        cwd=tmp_path,  # not the repository: `python -c` would import its nevo
    ).stdout
    assert location.startswith(str(data / "venv")), location  # nevo came from the plugin's own copy

    # Opting in with the plugin's command: its `nevo init` output reaches the model.
    with FakeMessagesAPI([text("nevo is set up")]) as api:
        run = run_claude(opted, "/nevo:init", api, config, home=home, extra_env=OFFLINE)
        prompt = api.main_requests()[0].messages_text()
    assert run.returncode == 0, run.describe(api)
    assert "nevo installed in" in prompt and "created  .nevo/hooks/capture" in prompt, prompt[:3000]
    assert (opted / ".nevo" / "hooks" / ".by-plugin").is_file()
    settings = json.loads((opted / ".claude" / "settings.json").read_text())
    assert "hooks" not in settings  # the plugin runs them: nothing fires twice

    for project in (opted, never, before_plugin):
        failing_session(project, config, home)
    assert failures(opted) == [FAILING]  # exactly once
    assert failures(before_plugin) == [FAILING]  # its settings hooks ran; the plugin stood aside
    assert tree(never) == untouched  # no .nevo, nothing written

    # /nevo:status shows the plugin's nevo status to the model: its narrow allowed-tools let it run
    # without asking even outside bypassPermissions.
    with FakeMessagesAPI([text("one incident")]) as api:
        run = run_claude(
            opted,
            "/nevo:status",
            api,
            config,
            home=home,
            extra_env=OFFLINE,
            extra_args=["--permission-mode", "default"],
        )
        prompt = api.main_requests()[0].messages_text()
    assert run.returncode == 0, run.describe(api)
    assert "pending triggers: " in prompt and "plugin: runs the hooks" in prompt, prompt[:3000]
    monitor = subprocess.run(
        [str(data / "venv" / "bin" / "nevo"), "monitor", "--once", "--json", "--workspace", str(opted)],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE, "CLAUDE_CONFIG_DIR": str(config)},
        timeout=120,
    )
    assert monitor.returncode == 0, monitor.stderr
    incidents = subprocess.run(
        [str(data / "venv" / "bin" / "nevo"), "incidents", "--json", "--workspace", str(opted)],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
        timeout=120,
    )
    [incident] = json.loads(incidents.stdout)
    assert incident["count"] == 1 and "nope-plugin-e2e" in json.dumps(incident)

    # Uninstall: the plugin's data (the Python side) goes with it, and no hook fires any more.
    with FakeMessagesAPI([text("ok")]) as api:
        env = claude_env(api, config, home, OFFLINE)
        claude_plugin(env, "uninstall", "nevo@nevo", "--scope", "user")
        claude_plugin(env, "marketplace", "remove", "nevo")
    assert not data.exists()
    assert "nevo@nevo" not in json.loads((config / "plugins" / "installed_plugins.json").read_text())["plugins"]
    settings = json.loads((config / "settings.json").read_text())
    assert "nevo@nevo" not in settings.get("enabledPlugins", {}) and "nevo" not in settings.get(
        "extraKnownMarketplaces", {}
    )
    leftovers = [p for p in (config / "plugins").rglob("*") if p.name in ("venv", "install.log", "installed")]
    assert leftovers == []
    failing_session(opted, config, home)
    assert failures(opted) == []  # the monitor took the earlier trigger; nothing new came
    assert tree(never) == untouched
