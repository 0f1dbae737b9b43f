"""Helpers for end-to-end tests of the whole loop: the real nevo CLI in a subprocess, the bounded wait for
the background run a session's end starts, what the guards did (their NevoGuard events, the rewrites the
transcript shows), and an environment isolated from the machine for module-scoped fixtures.

    with isolated_env(tmp_path_factory.mktemp("home")):
        nevo(root, "init")
        ...
        runs = wait_for_background_runs(root, 1)
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nevo.transcript import ToolCall, read_transcript

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


@contextlib.contextmanager
def isolated_env(home: Path) -> Iterator[None]:
    """HOME, Claude Code's config folder and git's global config in ``home``, no Anthropic key: what the
    function-scoped autouse fixture of conftest does, for a module-scoped fixture (set up before it)."""
    names = ("HOME", "CLAUDE_CONFIG_DIR", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "ANTHROPIC_API_KEY")
    saved = {name: os.environ.get(name) for name in (*names, "ANTHROPIC_BASE_URL")}
    os.environ.update(
        {
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    os.environ.pop("ANTHROPIC_API_KEY", None)
    os.environ.pop("ANTHROPIC_BASE_URL", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """git in ``cwd`` with a pinned identity; stdout (raises with stderr on failure when ``check``)."""
    out = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_IDENTITY}, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout


def nevo(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real nevo CLI on ``workspace``; asserts it exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    out = subprocess.run(
        [sys.executable, "-m", "nevo", *args, "--workspace", str(workspace)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, f"nevo {' '.join(args)}: {out.returncode}\n{out.stdout}\n{out.stderr}"
    return out


def nevo_json(workspace: Path, *args: str) -> Any:
    return json.loads(nevo(workspace, *args, "--json").stdout)


def install_offline(root: Path) -> None:
    """``nevo init`` with the offline provider (Claude Code's own ANTHROPIC_API_KEY reaches the hooks: a test
    must never let the background run call a real model), committed like a user would."""
    nevo(root, "init")
    config = root / ".nevo" / "config.yaml"
    config.write_text(config.read_text().replace("name: auto", "name: offline", 1))
    git(root, "add", ".nevo/config.yaml", ".nevo/.gitignore", ".claude/settings.json")
    git(root, "commit", "-qm", "nevo init")


def wait_for_background_runs(root: Path, count: int, timeout: float = 120.0) -> list[dict[str, Any]]:
    """Bounded wait until ``count`` background runs have finished and none is under way or asked for;
    the runs, newest first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = nevo_json(root, "status")["background"]
        if len(status["runs"]) >= count and not status["running"] and not status["again"]:
            return list(status["runs"])
        time.sleep(0.2)
    log = root / ".nevo" / "logs" / "background.log"
    raise AssertionError(
        f"no {count} finished background run(s) in {timeout} s; log:\n"
        + (log.read_text() if log.is_file() else "(none)")
    )


@dataclass(frozen=True)
class Played:
    """One call of a real session, as its transcript shows it: what the model asked, what ran, the result."""

    tool: str
    asked: dict[str, Any]  # the model's request
    ran: dict[str, Any]  # what really ran (a guard's rewrite applied)
    ok: bool
    output: str

    @property
    def rewritten(self) -> bool:
        return self.asked != self.ran

    @property
    def command(self) -> str:
        return str(self.ran.get("command") or "")


def played(transcript: Path | None) -> list[Played]:
    """The calls of a session in order (read with nevo's own transcript reader, which applies rewrites)."""
    assert transcript is not None, "the session wrote no transcript"
    calls: list[ToolCall] = read_transcript(transcript).calls
    return [
        Played(
            c.name,
            dict(c.requested_input or c.input),
            dict(c.input),
            c.succeeded,
            c.result.text if c.result is not None else "",
        )
        for c in calls
    ]


def guard_events(root: Path) -> list[tuple[str, str]]:
    """(rule, hit | stood-aside) of the NevoGuard triggers still waiting in ``.nevo/triggers``."""
    found = [json.loads(p.read_text()) for p in sorted((root / ".nevo" / "triggers").glob("*.json"))]
    return [(e["rule"], e["event"]) for e in found if e.get("hook_event_name") == "NevoGuard"]


def guard_table(root: Path) -> list[dict[str, Any]]:
    """The compiled guards (``.nevo/guards.json``); [] when there is none."""
    path = root / ".nevo" / "guards.json"
    return list(json.loads(path.read_text())["guards"]) if path.is_file() else []


def rule_files(root: Path) -> dict[str, str]:
    """Every rule file under .claude/rules, by name: its text."""
    folder = root / ".claude" / "rules"
    return {p.name: p.read_text() for p in sorted(folder.glob("*.md"))} if folder.is_dir() else {}
