"""Which later successful call plausibly fixed a failed one (the recovery the analyst learns from).

A recovery must be the same kind of action on the same thing: for Bash a command that runs the same
program with the failed command's subcommand and target among its words (``npm --prefix web run
build`` after ``npm run build``; not ``npm run lint``, not ``git status`` after ``git push``); for the
file tools an edit or write of the same file; for Read a read of the same path or file name; for any
other tool the same tool on one of the same targets. An unrelated later success is never a recovery.

Nor is the same command run again (it passed on a retry, or the code was fixed in between), nor a re-run
that only narrows or silences the failure (``-k``, ``--deselect``, a test id, ``--no-verify``, ``|| true``):
learning those would turn "skip the failing test" into a rule. And a failing test is the work itself, not
a lesson about the environment: :func:`recovery_is_lesson` and :func:`is_test_failure` say so for the
analyst, which gives guards only to environment and usage errors.
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

# A failure of environment or usage (a lesson), as opposed to a failing test being fixed (ordinary work).
# The same idea as nevo.memory.facts' journal recoveries; this is the shared predicate.
ENVIRONMENTAL = re.compile(
    r"not found|no module named|modulenotfound|importerror|no such file|"
    r"unknown (?:option|command|flag|argument)|unrecognized|no rule to make target|permission denied|"
    r"is not installed|cannot find (?:module|package)|enoent|usage:|invalid (?:option|choice|argument)|"
    r"not recognized|deprecated|requires|missing|not a (?:git )?(?:repository|directory)|"
    r"(?:could not|cannot|can't) (?:find|read|open|access|stat)",
    re.IGNORECASE,
)
# Error classes of a test run whose tests failed (nevo.fingerprint's labels), also behind `make test`.
_TEST_FAILED_CLASS = re.compile(
    r"^(?:make: \S+ failed: )?(?:pytest|unittest|jest|vitest|mocha|go test|cargo test): .*\b(?:failed|errored)\b"
)
# A test run's environmental failures: the collection broke on an import, not on the tests.
_TEST_ENVIRONMENTAL_CLASS = re.compile(r"\(collection: (?:ModuleNotFoundError|ImportError)\b|: not found: ")
TEST_RUNNERS = frozenset(
    {"pytest", "py.test", "jest", "vitest", "mocha", "ava", "tap", "tox", "nox", "phpunit", "rspec", "karma"}
)
_TEST_SUBCOMMANDS = frozenset({"test", "tests", "check", "spec"})
# Options that only select fewer tests or silence a check; the ones in _NARROWING_WITH_VALUE take a value.
_NARROWING_FLAGS = frozenset(
    {
        "-x",
        "--exitfirst",
        "--lf",
        "--last-failed",
        "--sw",
        "--stepwise",
        "--no-verify",
        "--bail",
        "--onlyFailures",
        "--only-failures",
        "--onlyChanged",
        "--passWithNoTests",
    }
)
_NARROWING_WITH_VALUE = frozenset(
    {
        "-k",
        "-m",
        "--deselect",
        "--ignore",
        "--ignore-glob",
        "--maxfail",
        "-t",
        "--testNamePattern",
        "--testPathIgnorePatterns",
        "--skip",
        "--grep",
        "--exclude",
    }
)
_SILENCERS = re.compile(r"\|\|\s*(?:true|:|exit 0)\b|;\s*(?:true|exit 0)\s*$")


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


def normalise_command(command: str) -> str:
    """A command with its whitespace folded and trailing separators dropped (what "the same" means)."""
    return " ".join(command.split()).rstrip(";& ").strip()


def only_narrows(failed: str, fixed: str) -> bool:
    """True when ``fixed`` is ``failed`` again, or ``failed`` with nothing but filters that run fewer tests
    or silence the failure added (``-k``, ``--deselect``, ``-x``, ``--lf``, ``-m``, a test id ``a.py::t``,
    ``--ignore``, ``--skip*``, ``--no-verify``, ``-n`` for git commit, ``|| true``)."""
    failed_norm, fixed_norm = normalise_command(failed), normalise_command(fixed)
    if failed_norm == fixed_norm:
        return True
    if _SILENCERS.search(fixed_norm) and not _SILENCERS.search(failed_norm):
        return True
    return _narrowed(failed_norm) == _narrowed(fixed_norm)


@lru_cache(maxsize=4096)  # the monitor asks this of every later call in a session: the same commands recur
def _narrowed(command: str) -> tuple[str, ...]:
    """The command's words without the narrowing filters."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        tokens = command.split()
    return tuple(_strip_narrowing(tokens))


def _strip_narrowing(tokens: list[str]) -> list[str]:
    git_commit = len(tokens) > 1 and _program(tokens[0]) == "git" and "commit" in tokens
    kept: list[str] = []
    skip_value = False
    for token in tokens:
        if skip_value:
            skip_value = False
            continue
        name = token.split("=", 1)[0]
        if token in _NARROWING_WITH_VALUE:
            skip_value = True
            continue
        if name in _NARROWING_WITH_VALUE or name in _NARROWING_FLAGS or name.startswith("--skip"):
            continue
        if git_commit and token == "-n":
            continue
        if "::" in token:  # a test id narrows its file: `tests/a.py::test_x` is `tests/a.py`, filtered
            token = token.split("::", 1)[0]
            if not token or token in kept:
                continue
        kept.append(token)
    return kept


def runs_tests(command: str) -> bool:
    """Whether a command runs a test suite (pytest, jest, `npm test`, `go test`, `make test`...)."""
    for program, words in segments(command):
        if program in TEST_RUNNERS or (words and words[0] in _TEST_SUBCOMMANDS):
            return True
        script = words[1].split(":")[0] if len(words) > 1 and words[0] == "run" else ""
        if program in ("npm", "pnpm", "yarn", "bun") and script in _TEST_SUBCOMMANDS:
            return True
    return False


def is_test_failure(command: str, error_class: str, error_text: str = "") -> bool:
    """A failure where tests failed (an assertion, a test erroring), not the environment or the usage:
    the error class says a test failed, or a test command failed for no environmental reason."""
    if _TEST_ENVIRONMENTAL_CLASS.search(error_class):
        return False
    if _TEST_FAILED_CLASS.match(error_class):
        return True
    return runs_tests(command) and not is_environmental(error_class, error_text)


def is_environmental(error_class: str, error_text: str = "") -> bool:
    """A failure of environment or usage (a missing script, program, module or file, a wrong folder or
    flag): the only kind a rewrite guard may answer."""
    return bool(ENVIRONMENTAL.search(f"{error_class}\n{error_text}"))


def recovery_is_lesson(failed: str, fixed: str, error_class: str = "", error_text: str = "") -> bool:
    """Whether a Bash recovery is worth a command-for-command rule: not the same command again, not a
    narrower or silenced re-run, and not a failing test (fixing a test is the work, not a lesson)."""
    if not failed.strip() or not fixed.strip() or only_narrows(failed, fixed):
        return False
    return not is_test_failure(failed, error_class, error_text)


def _bash_recovers(failed: str, ok: str) -> bool:
    if only_narrows(failed, ok):  # a retry, or the failure filtered away: never a fix
        return False
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
