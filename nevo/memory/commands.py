"""Shell commands as memory sees them: which part of a command is the reusable way to build, test or check
this project (``pnpm test``, ``uv run pytest``), and what role it plays (test, lint, build, ...)."""

from __future__ import annotations

import re
import shlex
from functools import lru_cache

# Programs whose successful run says how this project is built, tested or checked, with the role it plays
# when the subcommand does not say ("pytest" tests; "make" builds unless its target says otherwise).
BUILD_TOOLS = {
    "pytest": "test",
    "tox": "test",
    "nox": "test",
    "unittest": "test",
    "jest": "test",
    "vitest": "test",
    "playwright": "e2e",
    "cypress": "e2e",
    "make": "build",
    "just": "build",
    "cargo": "build",
    "go": "build",
    "npm": "build",
    "pnpm": "build",
    "yarn": "build",
    "bun": "build",
    "mvn": "build",
    "gradle": "build",
    "./gradlew": "build",
    "bazel": "build",
    "dotnet": "build",
    "deno": "build",
    "ruff": "lint",
    "golangci-lint": "lint",
    "staticcheck": "lint",
    "flake8": "lint",
    "pylint": "lint",
    "eslint": "lint",
    "biome": "lint",
    "mypy": "typecheck",
    "pyright": "typecheck",
    "tsc": "typecheck",
    "black": "format",
    "prettier": "format",
    "alembic": "migrate",
    "pre-commit": "lint",
    # Ruby, PHP, Elixir
    "rspec": "test",
    "bin/rspec": "test",
    "rubocop": "lint",
    "standardrb": "lint",
    "rake": "build",
    "rails": "build",
    "bin/rails": "build",
    "bin/dev": "dev",
    "phpunit": "test",
    "pest": "test",
    "mix": "build",
}
# Wrappers that run another program: the program after them is what the command is.
WRAPPERS = {
    ("uv", "run"),
    ("poetry", "run"),
    ("pipenv", "run"),
    ("hatch", "run"),
    ("pdm", "run"),
    ("rye", "run"),
    ("pnpm", "exec"),
    ("pnpm", "dlx"),
    ("npm", "exec"),
    ("yarn", "dlx"),
    ("bun", "x"),
    ("bundle", "exec"),
}
_SINGLE_WRAPPERS = ("npx", "bunx", "uvx", "pipx")
# Programs whose first word after them is a subcommand worth keeping (``pnpm test``, ``make lint``).
_KEEPS_SUBCOMMAND = set(
    [
        "make",
        "just",
        "cargo",
        "go",
        "npm",
        "pnpm",
        "yarn",
        "bun",
        "mvn",
        "gradle",
        "./gradlew",
        "bazel",
        "dotnet",
        "deno",
        "tox",
        "nox",
        "alembic",
        "pre-commit",
        "ruff",
        "playwright",
        "rake",
        "rails",
        "bin/rails",
        "mix",
    ]
)
# Subcommands that set up or ask rather than build or test: `pnpm install`, `go mod tidy`, `cargo version`.
_SETUP_SUBCOMMANDS = frozenset(
    ("run", "exec", "install", "add", "i", "ci", "remove", "uninstall", "update", "version", "env", "help", "mod",
     "get", "list", "ls", "doc", "init", "config", "info", "outdated", "cache", "console", "c", "routes", "runner",
     "generate", "g", "new", "destroy", "dbconsole", "about", "notes", "stats", "deps.get", "credentials:edit")
)  # fmt: skip
_ROLE_WORDS = (
    ("e2e", "e2e"),
    ("typecheck", "typecheck"),
    ("type-check", "typecheck"),
    ("types", "typecheck"),
    ("test", "test"),
    ("check", "lint"),
    ("lint", "lint"),
    ("fmt", "format"),
    ("format", "format"),
    ("build", "build"),
    ("dev", "dev"),
    ("serve", "dev"),
    ("start", "dev"),
    ("migrat", "migrate"),
    ("upgrade", "migrate"),
    ("deploy", "deploy"),
    ("release", "deploy"),
    ("seed", "seed"),
)
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1[^\n]*\n.*?(?:\n\2\s*$|\Z)", re.DOTALL | re.MULTILINE)
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
_SUBCOMMAND = re.compile(r"[a-z][a-z0-9:._-]*")


def segments(command: str) -> list[str]:
    """The simple commands of a command line (split on ``&&``, ``||``, ``;`` and newlines; pipes keep
    their first stage: ``pytest | tail`` is ``pytest``)."""
    command = _HEREDOC.sub("", command)  # a heredoc's body is data, not commands
    parts = re.split(r"&&|\|\||;|\n", command)
    return [p.split("|")[0].strip() for p in parts if p.split("|")[0].strip()]


def words_of(segment: str) -> list[str]:
    try:
        words = shlex.split(segment)
    except ValueError:
        words = segment.split()
    while words and (_ENV_ASSIGNMENT.match(words[0]) or words[0] in ("sudo", "time", "exec", "env")):
        words = words[1:]
    if words and words[0] == "cd":
        return []
    return words


@lru_cache(maxsize=4096)  # the same commands run in every session
def command_head(command: str) -> str | None:
    """The reusable part of a build/test command (``pnpm test``, ``python -m pytest``, ``uv run pytest``), or
    None when the command is not one (``git status``, ``cat x``)."""
    for segment in reversed(segments(command)):
        head = _head(words_of(segment))
        if head:
            return head
    return None


def command_scope(command: str) -> str:
    """The folder a command's build/test step runs in, from a ``cd DIR &&`` before it ("web"), or ""."""
    scope = ""
    for segment in segments(command):
        words = segment.split()
        if len(words) == 2 and words[0] == "cd":
            scope = words[1].strip("./").rstrip("/")
        elif _head(words_of(segment)):
            return scope if scope not in ("", "-", "~") else ""
    return ""


def _head(words: list[str]) -> str | None:
    if not words:
        return None
    prefix: list[str] = []
    if len(words) >= 2 and (words[0], words[1]) in WRAPPERS:
        prefix, words = words[:2], words[2:]
    elif words[0] in _SINGLE_WRAPPERS:
        prefix, words = words[:1], words[1:]
    if len(words) >= 3 and words[0] in ("python", "python3") and words[1] == "-m":
        if words[2] not in BUILD_TOOLS:
            return None
        program, rest = [*words[:3]], words[3:]
    elif words and words[0] in BUILD_TOOLS:
        program, rest = [words[0]], words[1:]
    else:
        return None
    name = program[-1]
    if rest and rest[0].startswith("-") and rest[0] in ("--version", "-v", "-V", "--help", "-h"):
        return None
    if rest and name in _KEEPS_SUBCOMMAND and _SUBCOMMAND.fullmatch(rest[0]):
        if rest[0] in ("run", "exec") and len(rest) > 1 and _SUBCOMMAND.fullmatch(rest[1]):
            program += rest[:2]
        elif rest[0] not in _SETUP_SUBCOMMANDS:
            program.append(rest[0])
        else:
            return None  # `pnpm install`, `go mod tidy`, `cargo --version`: setup or a question, not the build
    return " ".join([*prefix, *program])


def command_role(head: str) -> str:
    """What a command head does: test, e2e, lint, typecheck, format, build, dev, migrate, deploy or seed."""
    words = head.split()
    if any(BUILD_TOOLS.get(w) == "e2e" for w in words):
        return "e2e"
    tail = " ".join(w for w in words if w not in ("run", "exec", "-m")) if len(words) > 1 else head
    for word, role in _ROLE_WORDS:
        if any(word in w for w in tail.split()[1:]):
            return role
    programs = [w for w in words if w in BUILD_TOOLS]
    return BUILD_TOOLS[programs[-1]] if programs else "build"


_ROLE_VERBS = {
    "test": "tests",
    "e2e": "runs the end-to-end tests of",
    "lint": "lints",
    "typecheck": "type-checks",
    "format": "formats",
    "build": "builds",
    "dev": "serves",
    "migrate": "migrates",
    "deploy": "deploys",
    "seed": "seeds",
}


def role_verb(role: str) -> str:
    return _ROLE_VERBS.get(role, "builds")
