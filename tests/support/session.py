"""A session as the monitor sees it, without Claude Code: a transcript in Claude Code's shape and the
SessionEnd trigger that hands it to the real monitor, which counts its failures and stores the verdicts.

    session = Session(ws, "s1")
    session.bash("npm run build", 'npm error Missing script: "build"', code=1)
    session.bash("npm --prefix web run build", "built")
    session.end()  # the real Monitor processes the trigger: incidents, verdicts (nevo.lesson), recoveries
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

from nevo.config import Config
from nevo.db import open_database
from nevo.monitor import Monitor, RunResult
from nevo.workspace import Workspace

_sequence = itertools.count(1)


class Session:
    """Writes one session's transcript call by call; :meth:`end` runs the monitor on it."""

    def __init__(self, workspace: Workspace, session_id: str = "s1", *, day: str = "2026-11-21") -> None:
        self.workspace, self.session_id, self.day = workspace, session_id, day
        self.path = workspace.root.parent / "claude-config" / "projects" / f"{session_id}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("")
        self.seconds = 0
        self.ids: list[str] = []

    def _line(self, kind: str, content: list[dict[str, Any]]) -> None:
        self.seconds += 1
        entry = {
            "type": kind,
            "sessionId": self.session_id,
            "cwd": str(self.workspace.root),
            "version": "2.1.197",
            "uuid": f"{self.session_id}-u{self.seconds}",
            "timestamp": f"{self.day}T03:{self.seconds // 60:02d}:{self.seconds % 60:02d}Z",
            "message": {"role": kind, "content": content},
        }
        with self.path.open("a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def call(self, tool: str, tool_input: dict[str, Any], result: str, *, error: bool = False) -> str:
        """One tool call and its result; returns its tool_use id."""
        tool_use_id = f"{self.session_id}-t{len(self.ids)}"
        self.ids.append(tool_use_id)
        self._line("assistant", [{"type": "tool_use", "id": tool_use_id, "name": tool, "input": tool_input}])
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id, "content": result}
        if error:
            block["is_error"] = True
        self._line("user", [block])
        return tool_use_id

    def bash(self, command: str, output: str = "", code: int = 0) -> str:
        result = f"Exit code {code}\n{output}" if code else output
        return self.call("Bash", {"command": command}, result, error=bool(code))

    def end(self, config: Config | None = None) -> RunResult:
        """The SessionEnd trigger, processed by the real monitor (no analysis: the test runs the analyst)."""
        payload = {
            "session_id": self.session_id,
            "transcript_path": str(self.path),
            "cwd": str(self.workspace.root),
            "hook_event_name": "SessionEnd",
            "reason": "other",
        }
        self.workspace.triggers_dir.mkdir(parents=True, exist_ok=True)
        name = f"{next(_sequence):012d}-{os.getpid()}.json"
        (self.workspace.triggers_dir / name).write_text(json.dumps(payload))
        with open_database(self.workspace) as db:
            return Monitor(self.workspace, db, config or Config(), analyze=False).process_pending()
