"""The quality gate in front of the real Claude Code: a task marked completed with a type error in the
files it changed is blocked and Claude sees the findings; once fixed, the completion goes through."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nevo.install import init
from nevo.workspace import Workspace
from tests.conftest import process_by_hand
from tests.support import FakeMessagesAPI, run_claude, text, tool

REPO = Path(__file__).resolve().parents[1]
BAD = '"""Half."""\n\n\ndef half(x: int) -> int:\n    """Half."""\n    return x / 2\n'
GOOD = '"""Half."""\n\n\ndef half(x: int) -> int:\n    """Half."""\n    return x // 2\n'


@pytest.mark.e2e
def test_task_completed_is_blocked_with_the_findings_until_they_are_fixed(
    git_workspace: Workspace, tmp_path: Path
) -> None:
    init(git_workspace, quality_gate=True)
    process_by_hand(git_workspace.root)
    settings = json.loads(git_workspace.settings_path.read_text())
    if "TaskCreated" not in settings["hooks"]:  # until `nevo init --quality-gate` registers it
        settings["hooks"]["TaskCreated"] = settings["hooks"]["TaskCompleted"]
        git_workspace.settings_path.write_text(json.dumps(settings))
    # The person's own uncommitted work, with a type error of its own: not the task's, never judged.
    (git_workspace.root / "legacy.py").write_text(BAD.replace("half", "legacy"))
    half = str(git_workspace.root / "half.py")
    script = [
        tool("TaskCreate", {"subject": "add half()", "description": "write half.py", "activeForm": "adding"}),
        tool("Write", {"file_path": half, "content": BAD}),
        tool("TaskUpdate", {"taskId": "1", "status": "completed"}),
        tool("Write", {"file_path": half, "content": GOOD}),
        tool("TaskUpdate", {"taskId": "1", "status": "completed"}),
        text("done"),
    ]
    env = {"PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with FakeMessagesAPI(script) as api:
        run = run_claude(git_workspace.root, "add half()", api, tmp_path / "claude-config", extra_env=env)
    assert run.returncode == 0, run.describe(api)
    requests = api.main_requests()
    after_first_completion = requests[3].messages_text()
    assert "nevo quality gate: 1 problem(s)" in after_first_completion, after_first_completion[-2000:]
    assert "half.py:6: error: Incompatible return value type" in after_first_completion
    assert "legacy.py" not in after_first_completion  # the baseline taken at TaskCreated left it out
    after_fix = requests[5].messages_text()
    assert after_fix.count("nevo quality gate:") == 1  # the second completion was not blocked
