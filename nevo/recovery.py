"""Which later successful call plausibly fixed a failed one (the recovery the analyst learns from).

A recovery must be the same kind of action on the same thing: for Bash a command that runs the same
program with the failed command's subcommand and target among its words (``npm --prefix web run
build`` after ``npm run build``; not ``npm run lint``, not ``git status`` after ``git push``); for the
file tools an edit or write of the same file; for Read a read of the same path or file name; for any
other tool the same tool on one of the same targets. An unrelated later success is never a recovery.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

FILE_WRITERS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
TARGET_KEYS = ("file_path", "notebook_path", "path", "url", "pattern", "query", "skill", "subagent_type")
# Programs that only set the stage in a compound command: `cd web && npm test` is about npm.
STAGE_PROGRAMS = frozenset(
    [
        "cd",
        "pushd",
        "popd",
        "echo",
        "printf",
        "export",
        "set",
        "unset",
        "source",
        ".",
        "true",
        ":",
        "sleep",
        "test",
        "[",
        "alias",
        "ls",
        "pwd",
        "which",
    ]
)
WRAPPERS = frozenset({"sudo", "env", "time", "nohup", "command", "exec", "nice", "xargs"})

_SEGMENT_SPLIT = re.compile(r"&&|\|\||[;|\n]")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"^python\d*(?:\.\d+)?$")
_PIP = re.compile(r"^pip\d*(?:\.\d+)?$")


def plausible_recovery(
    failed_tool: str,
    failed_input: Mapping[str, Any],
    ok_tool: str,
    ok_input: Mapping[str, Any],
    cwd: str | None,
) -> bool:
    """True when the successful call ``ok_*`` plausibly fixes the failed call ``failed_*``."""
    if failed_tool in FILE_WRITERS:
        return ok_tool in FILE_WRITERS and _same_file(failed_input, ok_input, cwd)
    if failed_tool != ok_tool:
        return False
    if failed_tool == "Bash":
        return _bash_recovers(str(failed_input.get("command") or ""), str(ok_input.get("command") or ""))
    if failed_tool == "Read":
        return _same_file(failed_input, ok_input, cwd) or _same_name(failed_input, ok_input)
    failed_targets = _targets(failed_input)
    return not failed_targets or bool(failed_targets & _targets(ok_input))


def describe_call(tool: str, tool_input: Mapping[str, Any]) -> str:
    """A short human line for a call: ``Bash: npm run build``, ``Read calc.py``."""
    if tool == "Bash":
        command = str(tool_input.get("command") or "").strip().splitlines()
        return f"Bash: {command[0][:120] if command else ''}"
    for key in TARGET_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return f"{tool} {value[:120]}"
    return tool


@lru_cache(maxsize=4096)  # the same commands recur all session long, and shlex is slow
def segments(command: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(program, words) for each simple command in a compound one, skipping env assignments and wrappers;
    words are the non-option arguments, paths reduced to their last component."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for part in _SEGMENT_SPLIT.split(command):
        try:
            tokens = shlex.split(part, comments=True)
        except ValueError:  # unbalanced quotes: a plain split is still informative
            tokens = part.split()
        while tokens and (_ASSIGNMENT.match(tokens[0]) or tokens[0] in WRAPPERS):
            tokens = tokens[1:]
        if not tokens:
            continue
        program = _program(tokens[0])
        words = [_word(t) for t in tokens[1:] if not t.startswith("-") and not _ASSIGNMENT.match(t)]
        if program == "python" and len(tokens) > 2 and tokens[1] == "-m":  # python -m pytest == pytest
            program, words = _program(tokens[2]), [_word(t) for t in tokens[3:] if not t.startswith("-")]
        elif program in ("npx", "uvx", "pnpx") and words:
            program, words = _program(words[0]), words[1:]
        out.append((program, tuple(w for w in words if w)))
    return tuple(out)


def _bash_recovers(failed: str, ok: str) -> bool:
    failed_parts = [s for s in segments(failed) if s[0] not in STAGE_PROGRAMS] or list(segments(failed))
    ok_parts = segments(ok)
    for program, words in failed_parts:
        key_words = {words[0], words[-1]} if words else set()
        for ok_program, ok_words in ok_parts:
            if ok_program == program and key_words <= set(ok_words):
                return True
    return False


def _program(token: str) -> str:
    name = posixpath.basename(token)
    if _PYTHON.match(name):
        return "python"
    if _PIP.match(name):
        return "pip"
    return name


def _word(token: str) -> str:
    token = token.rstrip("/")
    return posixpath.basename(token) if "/" in token else token


def _file(tool_input: Mapping[str, Any]) -> str | None:
    for key in ("file_path", "notebook_path", "path"):
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _same_file(a: Mapping[str, Any], b: Mapping[str, Any], cwd: str | None) -> bool:
    first, second = _file(a), _file(b)
    if first is None or second is None:
        return False
    base = cwd or "/"
    return os.path.normpath(os.path.join(base, first)) == os.path.normpath(os.path.join(base, second))


def _same_name(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    first, second = _file(a), _file(b)
    return bool(first and second and posixpath.basename(first) == posixpath.basename(second))


def _targets(tool_input: Mapping[str, Any]) -> set[str]:
    return {v for k in TARGET_KEYS if isinstance(v := tool_input.get(k), str) and v}
