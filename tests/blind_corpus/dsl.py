"""The small language the blind scenarios are written in: a project, the calls an agent makes, the label.

A scenario is a temporary project (files, setup commands run before the session), the tool calls the
scripted model makes (played by the real Claude Code CLI, so every output, exit code and error text is
real), and a label written by hand: what the first failed call teaches and which later call answers it.

Placeholders, replaced when the scenario runs: ``@WS@`` the workspace (absolute), ``@HOME@`` the
session's home folder, ``@HTTP@`` a loopback HTTP server's base URL (``http://127.0.0.1:PORT``),
``@HTTP_PORT@`` its port, ``@HTTPS_PORT@`` a loopback HTTPS server for ``localhost`` with a self-signed
certificate, ``@PORT@`` a port some other process listens on (``hold_port``), ``@FREE_PORT@`` a port nothing
listens on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("lesson", "work", "retry", "weakened", "harmful", "none")
GUARD = ("yes", "no", "either")


@dataclass(frozen=True)
class X:
    """A file's content that must be executable."""

    text: str


@dataclass(frozen=True)
class Expect:
    kind: str  # the kind a careful reader gives it (one of KINDS)
    fix: int | None = None  # index (in the scenario's calls) of the call that does what the failed one meant
    fix_kind: str = ""  # replace / prepare / other-tool, for a lesson
    guard: str = "either"  # whether a guard is right: yes, no (never), either
    also: tuple[str, ...] = ()  # other kinds a careful reader would accept (for traps: never "lesson")
    note: str = ""
    either: bool = False  # a lesson or ordinary use, by taste: outside recall, precision and traps

    def __post_init__(self) -> None:
        assert self.kind in KINDS and set(self.also) <= set(KINDS) and self.guard in GUARD, self
        assert self.kind != "lesson" or (self.fix is not None and self.fix_kind), self
        assert self.either or self.kind == "lesson" or "lesson" not in self.also, self


def lesson(fix: int, fix_kind: str, guard: str = "either", note: str = "") -> Expect:
    return Expect("lesson", fix, fix_kind, guard, note=note)


def either(kind: str, fix: int, fix_kind: str = "", also: tuple[str, ...] = (), note: str = "") -> Expect:
    """A lesson or ordinary use, by taste (Claude Code's own rules for its file tools): never a guard."""
    return Expect(kind, fix, fix_kind, "no", also, note, either=True)


def trap(kind: str, fix: int | None = None, also: tuple[str, ...] = (), note: str = "") -> Expect:
    """Anything but a lesson; never a guard."""
    return Expect(kind, fix, "", "no", also, note)


@dataclass(frozen=True)
class Scenario:
    id: str
    category: str  # "lesson/<how>" or "trap/<what>"
    tools: tuple[str, ...]
    steps: list[list[dict[str, Any]]]  # fake-API steps, one tool call each
    expect: Expect
    files: dict[str, str | X] = field(default_factory=dict)
    setup: tuple[str, ...] = ()  # shell commands run in the workspace before the session
    failed: int = 0  # index of the failed call the label is about
    agent: str = ""  # the calls run inside this project sub-agent
    home_git_identity: bool = True  # the session's home has a ~/.gitconfig with a name and email
    hold_port: bool = False  # another process listens on @PORT@ during the session
    postgres: bool = False  # a PostgreSQL server runs (PGHOST/PGPORT/PGUSER set for setup and session)
    background: str = ""  # a command run in the workspace during the session (it prints `ready` first)
    needs: tuple[str, ...] = ()  # programs that must be on PATH (else the scenario is skipped)


def S(
    id: str,
    category: str,
    tools: str,
    steps: list[list[dict[str, Any]]],
    expect: Expect,
    **kw: Any,
) -> Scenario:
    return Scenario(id, category, tuple(tools.split()), steps, expect, **kw)


# --- tool calls -----------------------------------------------------------------------------------


def _tool(name: str, tool_input: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "tool_use", "name": name, "input": tool_input}]


def B(command: str) -> list[dict[str, Any]]:
    """A Bash call."""
    return _tool("Bash", {"command": command, "description": command[:60]})


def R(path: str, **part: int) -> list[dict[str, Any]]:
    """A Read of a path relative to the workspace (Claude Code gets it absolute, as the model sends it);
    ``offset``/``limit`` read a part."""
    return _tool("Read", {"file_path": f"@WS@/{path}", **part})


def E(path: str, old: str, new: str, replace_all: bool = False) -> list[dict[str, Any]]:
    data: dict[str, Any] = {"file_path": f"@WS@/{path}", "old_string": old, "new_string": new}
    if replace_all:
        data["replace_all"] = True
    return _tool("Edit", data)


def W(path: str, content: str) -> list[dict[str, Any]]:
    return _tool("Write", {"file_path": f"@WS@/{path}", "content": content})


def G(pattern: str, path: str | None = None) -> list[dict[str, Any]]:
    """A Glob call."""
    return _tool("Glob", {"pattern": pattern, **({"path": f"@WS@/{path}"} if path else {})})


def GR(pattern: str, path: str | None = None, **options: Any) -> list[dict[str, Any]]:
    """A Grep call."""
    return _tool("Grep", {"pattern": pattern, **({"path": f"@WS@/{path}"} if path else {}), **options})
