"""Names and paths that come from a file or a payload, checked before nevo builds a path from them.

A rule id comes from a rule file a teammate may have written, a skill name from an LLM's answer or the
command line, a path from the commit queue: none of them is trusted. Each kind of name has one pattern
here (no ``/``, no ``..``, no leading ``-`` that a tool would read as an option), and every path nevo
writes is checked to stay inside the workspace with no symlink leading out of it.

Symlinks: a workspace may link ``.nevo`` or ``.claude/rules`` to another folder *inside* it; a link that
leads out of the workspace is refused with a clear error, because everything nevo writes there (and
everything ``uninstall --purge`` deletes) would land in someone else's folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from nevo.errors import NevoError
from nevo.workspace import Workspace

RULE_ID = re.compile(r"^(?:PROJ|AGENT)-\d{3,}$")
SKILL_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # Claude Code's own rule for skill names
AGENT_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INCIDENT_ID = re.compile(r"^INC-\d{4}-\d{2}-\d{2}-[0-9a-f]{4,16}$")
MAX_NAME = 64


class UnsafePath(NevoError):
    """A name or path that would reach outside where nevo keeps its files."""


def _name(value: object, pattern: re.Pattern[str], what: str, example: str, limit: int = MAX_NAME) -> str:
    if not isinstance(value, str) or len(value) > limit or not pattern.fullmatch(value):  # `$` allows a final \n
        shown = repr(value)[:120]
        raise UnsafePath(f"{shown} is not a valid {what}", f"a {what} looks like {example}")
    return value


def rule_id(value: object) -> str:
    """``PROJ-012`` / ``AGENT-003``: nothing else becomes part of a rule's file name."""
    return _name(value, RULE_ID, "rule id", "PROJ-012 or AGENT-003")


def skill_name(value: object) -> str:
    return _name(value, SKILL_NAME, "skill name", "run-migrations (lower case, digits and hyphens)")


def agent_name(value: object) -> str:
    return _name(value, AGENT_NAME, "agent name", "incident-analyst (lower case, digits and hyphens)")


def incident_id(value: object) -> str:
    return _name(value.strip() if isinstance(value, str) else value, INCIDENT_ID, "incident id", "INC-2026-11-21-a8f2")


def relative_path(value: object, what: str = "path") -> str:
    """A relative POSIX path that stays where it is put: no absolute path, no ``..``, no empty or
    option-like part, no NUL. Returns it normalised (``a/./b`` -> ``a/b``)."""
    if not isinstance(value, str) or not value or "\x00" in value or len(value) > 4096:
        raise UnsafePath(f"{what} {str(value)[:120]!r} is not a relative path", "it must name a file in the workspace")
    pure = PurePosixPath(value)
    parts = [part for part in pure.parts if part != "."]
    if pure.is_absolute() or not parts or any(part == ".." or part.startswith("-") for part in parts):
        raise UnsafePath(
            f"{what} {value[:120]!r} leaves the workspace or reads as an option",
            "it must be a plain relative path inside the workspace",
        )
    return "/".join(parts)


def is_inside(root: Path, path: Path) -> bool:
    """Whether ``path`` (symlinks resolved, as far as it exists) is ``root`` or below it."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def confine(root: Path, path: Path, what: str = "path") -> Path:
    """``path`` when it stays inside ``root`` once every symlink on the way is followed; else UnsafePath."""
    if not is_inside(root, path):
        raise UnsafePath(
            f"{what} {path} leads outside {root} (through `..` or a symlink); nevo writes only inside the workspace",
            "remove the symlink or fix the name, then run the command again",
        )
    return path


def check_workspace(workspace: Workspace) -> None:
    """Refuse a workspace whose ``.nevo`` or ``.claude`` folders (or the ones nevo writes in them, or the
    database) are symlinks leading out of it: every file nevo writes (and ``uninstall --purge`` deletes)
    would land where they point. A few ``lstat`` calls: cheap enough for every open."""
    root = workspace.root
    nevo = workspace.nevo_dir
    for folder in (
        nevo,
        *(nevo / name for name in ("triggers", "rejected", "hooks", "incidents", "memory", "locks", "logs")),
        *(nevo / name for name in ("agents", "skills-inactive", "nevo.db")),
        workspace.claude_dir,
        workspace.rules_dir,
        workspace.claude_dir / "rules-deprecated",
        workspace.skills_dir,
        workspace.agents_dir,
    ):
        if os.path.lexists(folder) and not is_inside(root, folder):
            raise UnsafePath(
                f"{folder} is a symlink to {folder.resolve()}, outside the workspace {root}; "
                "nevo does not write through it",
                f"replace the symlink with a real folder (or point it inside {root}), then run the command again",
            )
