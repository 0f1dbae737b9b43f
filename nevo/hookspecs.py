"""The hooks nevo registers (in .claude/settings.json by `nevo init`, or in the plugin's hooks.json):
which event runs which script from ``hooks/``. A list of data, below everything that uses it."""

from __future__ import annotations

from nevo.settings import HookSpec

# The events nevo listens to. Capture is the only one on the per-tool-call path. session-end records its
# trigger as capture does, then starts the background run (nevo.background) detached from Claude Code.
BASE_HOOKS: tuple[HookSpec, ...] = (
    HookSpec("PostToolUseFailure", "capture", matcher="*", timeout=10),
    HookSpec("SessionStart", "session-start", timeout=10),
    HookSpec("Stop", "stop", timeout=10),
    HookSpec("SubagentStop", "capture", timeout=10),
    HookSpec("SessionEnd", "session-end", timeout=5),
    HookSpec("PreCompact", "capture", timeout=10),
    HookSpec("StopFailure", "capture", timeout=10),
)
# The gate judges what a task changed: TaskCreated records a baseline, TaskCompleted checks against it.
QUALITY_GATE_HOOKS = (
    HookSpec("TaskCreated", "quality-gate", timeout=60),
    HookSpec("TaskCompleted", "quality-gate", timeout=300),
)
