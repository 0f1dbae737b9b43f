"""Guards in real Claude Code sessions (the real CLI against the loopback fake, real hooks, real npm).

Two rules are written by hand, in the format the analyst writes: a Read of `config/app.yml` (which does
not exist; `config/app.yaml` does) is denied with a reason naming the right file, and `npm run build`
(the root has no build script) is rewritten to `npm --prefix web run build`. Once the project changes
(the file is created, the root gains a build script) both guards stand aside: the same calls run as
written, and each guard leaves a hit and a stood-aside event behind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nevo.install import init
from nevo.workspace import Workspace
from tests.support import (
    CLAUDE_MISSING,
    FakeMessagesAPI,
    bash,
    claude_available,
    read,
    run_claude,
    text,
    tool_results_in,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING),
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed"),
]

READ_RULE = """\
---
id: PROJ-001
title: The app config is config/app.yaml
trigger: PreToolUse Read `config/app.yml`
enforcement: guard deny
verification: the Read of config/app.yml does not fail again
incidents: []
created: '2026-11-21T05:00:00Z'
status: active
guard:
  tool: Read
  match: config/app.yml
  action: deny
  fix: config/app.yaml
  check:
    kind: missing-path
    subject: config/app.yml
    where: .
---
The app's configuration is `config/app.yaml`; there is no `config/app.yml`.
"""

BUILD_RULE = """\
---
id: PROJ-002
title: Build the web app from web/
trigger: PreToolUse Bash `npm run build`
enforcement: guard rewrite
verification: npm run build does not fail again
incidents: []
created: '2026-11-21T05:00:00Z'
status: active
guard:
  tool: Bash
  match: npm run build
  action: rewrite
  fix: npm --prefix web run build
  check:
    kind: missing-npm-script
    subject: build
    where: .
---
The root package has no build script: build the web app with `npm --prefix web run build`.
"""


def make_project(root: Path) -> Workspace:
    root.mkdir()
    (root / "config").mkdir()
    (root / "config" / "app.yaml").write_text("port: 8080\n")
    (root / "package.json").write_text(json.dumps({"name": "shop", "private": True, "scripts": {"test": "true"}}))
    (root / "web").mkdir()
    build = "node -e \"require('fs').writeFileSync('built-by.txt', 'web')\""
    (root / "web" / "package.json").write_text(
        json.dumps({"name": "web", "private": True, "scripts": {"build": build}})
    )
    rules = root / ".claude" / "rules"
    rules.mkdir(parents=True)
    (rules / "PROJ-001-the-app-config-is-config-app-yaml.md").write_text(READ_RULE)
    (rules / "PROJ-002-build-the-web-app-from-web.md").write_text(BUILD_RULE)
    workspace = Workspace(root)
    init(workspace)  # compiles the guards from the rules and registers the PreToolUse hook
    settings = json.loads(workspace.settings_path.read_text())
    assert [g["matcher"] for g in settings["hooks"]["PreToolUse"]] == ["Bash|Read"]
    return workspace


def guard_events(workspace: Workspace) -> list[tuple[str, str]]:
    found = [json.loads(p.read_text()) for p in sorted(workspace.triggers_dir.glob("*.json"))]
    return [(e["rule"], e["event"]) for e in found if e.get("hook_event_name") == "NevoGuard"]


def test_guards_act_while_the_cause_holds_and_stand_aside_once_the_project_changed(tmp_path: Path) -> None:
    workspace = make_project(tmp_path / "shop")
    root = workspace.root
    config_dir = tmp_path / "claude-config"
    wrong = str(root / "config" / "app.yml")

    # Session 1: the known mistakes. The Read is denied naming the right file; the build is rewritten.
    with FakeMessagesAPI([read(wrong), bash("npm run build"), text("done")]) as api:
        first = run_claude(root, "read the config, then build", api, config_dir)
        follow_up = api.main_requests()[1].messages_text()
    assert first.returncode == 0, first.describe(api)
    [(denied, _), (built, _)] = tool_results_in(first.transcript_entries()).values()
    assert denied.get("is_error") is True, first.describe(api)
    assert "nevo PROJ-001" in str(denied["content"]) and "config/app.yaml" in str(denied["content"])
    assert "config/app.yaml" in follow_up  # the agent reads which file to use
    assert built.get("is_error") is not True, first.describe(api)
    assert (root / "web" / "built-by.txt").read_text() == "web"  # the guard ran the known fix
    assert sorted(guard_events(workspace)) == [("PROJ-001", "hit"), ("PROJ-002", "hit")]

    # The project changes: the file now exists, and the root gains its own build script.
    (root / "config" / "app.yml").write_text("port: 9090\n")
    root_build = "node -e \"require('fs').writeFileSync('built-by.txt', 'root')\""
    (root / "package.json").write_text(json.dumps({"name": "shop", "private": True, "scripts": {"build": root_build}}))

    # Session 2: the same calls run as written.
    with FakeMessagesAPI([read(wrong), bash("npm run build"), text("done")]) as api:
        second = run_claude(root, "read the config, then build", api, config_dir)
    assert second.returncode == 0, second.describe(api)
    [(readback, _), (rebuilt, _)] = tool_results_in(second.transcript_entries()).values()
    assert readback.get("is_error") is not True and "9090" in str(readback["content"]), second.describe(api)
    assert rebuilt.get("is_error") is not True, second.describe(api)
    assert (root / "built-by.txt").read_text() == "root"  # not rewritten: the root's own script ran
    assert sorted(guard_events(workspace)) == [
        ("PROJ-001", "hit"),
        ("PROJ-001", "stood-aside"),
        ("PROJ-002", "hit"),
        ("PROJ-002", "stood-aside"),
    ]
