"""Shared fixtures. No test may touch the network or the real home folder."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from nevo.workspace import Workspace
from tests.support import CLAUDE_MISSING, claude_available
from tests.support.postgres import pg_server, pg_url  # noqa: F401 - fixtures: a throwaway PostgreSQL server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if claude_available():
        return
    skip = pytest.mark.skip(reason=CLAUDE_MISSING)
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """HOME and Claude Code's config folder point into a temp dir, so nothing reaches the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.delenv("NEVO_STORE_URL", raising=False)  # a developer's shared store never reaches a test
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    yield


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a pinned identity; returns stdout; raises with stderr on failure."""
    env = {**os.environ, **GIT_IDENTITY}
    out = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty project folder (not installed)."""
    root = tmp_path / "project"
    root.mkdir()
    return Workspace(root)


@pytest.fixture
def git_workspace(workspace: Workspace) -> Workspace:
    """A project folder that is a git repository with one commit."""
    git(workspace.root, "init", "-q", "-b", "main")
    (workspace.root / "README.md").write_text("# project\n")
    git(workspace.root, "add", "README.md")
    git(workspace.root, "commit", "-q", "-m", "initial")
    return workspace


@pytest.fixture
def installed(workspace: Workspace) -> Workspace:
    from nevo.install import init

    init(workspace)
    return workspace


def process_by_hand(root: Path) -> None:
    """Turn off the background run at session end (`monitor.run_at_session_end`) in an installed workspace,
    for a test that processes the triggers itself, step by step, and must not race a run it did not start."""
    config = root / ".nevo" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "run_at_session_end: true" in text, "nevo init writes the key; the test needs it to turn it off"
    config.write_text(text.replace("run_at_session_end: true", "run_at_session_end: false", 1), encoding="utf-8")
