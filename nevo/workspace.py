"""Where things live in a workspace. Every path nevo touches is named here, once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

NEVO_DIR = ".nevo"


@dataclass(frozen=True)
class Workspace:
    """A Claude Code workspace (a project folder) that nevo is, or will be, installed into."""

    root: Path

    @property
    def nevo_dir(self) -> Path:
        return self.root / NEVO_DIR

    @property
    def triggers_dir(self) -> Path:
        return self.nevo_dir / "triggers"

    @property
    def rejected_dir(self) -> Path:
        """Triggers that could not be read, each with a ``.reason`` file beside it."""
        return self.nevo_dir / "rejected"

    @property
    def incidents_dir(self) -> Path:
        return self.nevo_dir / "incidents"

    @property
    def hooks_dir(self) -> Path:
        return self.nevo_dir / "hooks"

    @property
    def memory_dir(self) -> Path:
        return self.nevo_dir / "memory"

    @property
    def config_path(self) -> Path:
        return self.nevo_dir / "config.yaml"

    @property
    def db_path(self) -> Path:
        return self.nevo_dir / "nevo.db"

    @property
    def install_state_path(self) -> Path:
        return self.nevo_dir / "install.json"

    @property
    def context_path(self) -> Path:
        """Pre-rendered SessionStart hook output (JSON); `context.md` beside it is the same for people."""
        return self.nevo_dir / "context.json"

    @property
    def capture_log(self) -> Path:
        return self.nevo_dir / "capture.log"

    @property
    def claude_dir(self) -> Path:
        return self.root / ".claude"

    @property
    def settings_path(self) -> Path:
        return self.claude_dir / "settings.json"

    @property
    def rules_dir(self) -> Path:
        return self.claude_dir / "rules"

    @property
    def skills_dir(self) -> Path:
        return self.claude_dir / "skills"

    @property
    def agents_dir(self) -> Path:
        return self.claude_dir / "agents"

    @property
    def is_installed(self) -> bool:
        return self.install_state_path.is_file()


def find_workspace(start: Path | None = None) -> Workspace:
    """The workspace containing ``start``: the nearest folder with ``.nevo/``, else with ``.claude/`` or
    ``.git``, else ``start`` itself (so ``nevo init`` works in a brand-new folder)."""
    here = (start or Path.cwd()).resolve()
    for marker in (NEVO_DIR, ".claude", ".git"):
        for folder in (here, *here.parents):
            if (folder / marker).exists() and folder != Path(folder.anchor) and folder != _home():
                return Workspace(folder)
    return Workspace(here)


def _home() -> Path:
    # ~/.claude is Claude Code's user folder, not a workspace: never mistake $HOME for a project.
    return Path(os.path.expanduser("~")).resolve()
