"""Test support: drive the real Claude Code CLI against a scripted loopback fake of the Messages API.

- `fake_api`: `FakeMessagesAPI` (the server), `Script` and the step builders
  (`bash`, `read`, `edit`, `write`, `tool`, `text`), `RecordedRequest`.
- `claude`: `claude_available`, `claude_version`, `run_claude` -> `ClaudeRun`, transcript helpers.

Typical e2e test:

    pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not claude_available(), reason=CLAUDE_MISSING)]

    def test_x(tmp_path):
        write_project_settings(workspace, {...hooks...})
        with FakeMessagesAPI([bash("false"), text("done")]) as api:
            run = run_claude(workspace, "go", api, tmp_path / "claude-config")
        assert run.returncode == 0, run.describe(api)
        assert not api.stray_requests()
"""

from __future__ import annotations

from .claude import (
    ClaudeRun,
    claude_available,
    claude_env,
    claude_version,
    find_transcript,
    payload_recorder_hook,
    read_transcript,
    recorded_hook_payloads,
    run_claude,
    tool_results_in,
    tool_uses_in,
    write_project_settings,
)
from .fake_api import (
    FakeMessagesAPI,
    RecordedRequest,
    Script,
    bash,
    edit,
    read,
    text,
    tool,
    write,
)

CLAUDE_MISSING = "the Claude Code CLI is not installed (npm install -g @anthropic-ai/claude-code)"

__all__ = [
    "CLAUDE_MISSING",
    "ClaudeRun",
    "FakeMessagesAPI",
    "RecordedRequest",
    "Script",
    "bash",
    "claude_available",
    "claude_env",
    "claude_version",
    "edit",
    "find_transcript",
    "payload_recorder_hook",
    "read",
    "read_transcript",
    "recorded_hook_payloads",
    "run_claude",
    "text",
    "tool",
    "tool_results_in",
    "tool_uses_in",
    "write",
    "write_project_settings",
]
