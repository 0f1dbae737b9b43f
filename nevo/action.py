"""One thing a call does (:class:`Action`) and the path words it is described in: shared by :mod:`nevo.calls`,
which turns calls into actions, and :mod:`nevo.programs`, which reads the arguments of common programs."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
LONG_VALUE = re.compile(r"^--[\w-]+$")
# Options that ask a program about itself, not to do its job: a call with one of them only looks.
HELP = frozenset({"--help", "-help", "--version", "--usage"})


@dataclass(frozen=True)
class Action:
    """One thing a call does. ``folder`` is where it acts, relative to the workspace root ("." for the root);
    ``targets`` are what it acts on (a script, a make target, a branch, a module path, files), paths relative
    to the workspace root."""

    tool: str
    intent: str  # run, read, list, search, edit, look, change
    family: str  # npm, make, git, cargo, script, pytest, file, or the program's name
    verb: str = ""
    targets: tuple[str, ...] = ()
    folder: str = "."
    stage: str = "."  # the folder the segment starts in (after any `cd`), before its own -C/--prefix
    env: tuple[str, ...] = ()  # NAME=value set in front of it
    runner: str = ""  # how it is run: npx, python3 -m, bash, .venv/bin/python, uv run
    options: tuple[str, ...] = ()
    text: str = ""  # the command segment as written (Bash), or the call described
    exe: str = ""  # the program as written, once assignments and wrappers are set aside (Bash)

    @property
    def program(self) -> str:
        if self.exe:
            return self.exe
        words = [w for w in self.text.split() if not ASSIGNMENT.match(w)]
        return words[0] if words else ""


def positional(args: list[str], values: tuple[str, ...] | frozenset[str] = (), long_values: bool = True) -> list[str]:
    """Arguments that are not options, nor the value of a long option (``--config x``; unless ``long_values``
    is off, for tools whose long options are flags) or of a short option known to take one."""
    found: list[str] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "--":
            found.extend(args[index + 1 :])
            break
        if arg.startswith("-") and len(arg) > 1:
            takes = (long_values and bool(LONG_VALUE.match(arg))) or arg in values
            skip = takes and index + 1 < len(args) and not args[index + 1].startswith("-")
            continue
        found.append(arg)
    return found


def asks_help(args: list[str], short: bool = False) -> bool:
    """The call asks the program for its help or version (``--help``; with ``short``, ``-h`` alone: for a
    script, where it means help), not to do its job."""
    return any(a in HELP for a in args) or (short and args == ["-h"])


def relative_to(path: str, root: str) -> str:
    """``path`` relative to the workspace ``root`` ("." for the root itself); unchanged when outside it."""
    if not root or not path.startswith("/"):
        return posixpath.normpath(path) if path else "."
    root = root.rstrip("/")
    if path == root:
        return "."
    if path.startswith(root + "/"):
        return posixpath.normpath(path[len(root) + 1 :])
    return posixpath.normpath(path)


def place(path: str, folder: str, root: str) -> str:
    """Where ``path`` (as the call wrote it, from ``folder``) is, relative to the workspace root."""
    path = path.strip("'\"")
    if path.startswith("/"):
        return relative_to(path, root)
    if path.startswith("~"):
        return path
    return posixpath.normpath(posixpath.join(folder or ".", path))
