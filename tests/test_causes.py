"""Whether a guard's cause still holds, asked of real files, real git repositories and real folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nevo import causes
from tests.conftest import git


def holds(kind: str, subject: str, root: Path, where: str = ".") -> bool | None:
    return causes.holds(kind, subject, where, str(root))


def test_missing_path_holds_until_the_file_exists(tmp_path: Path) -> None:
    assert holds("missing-path", "config/settings.yml", tmp_path) is True
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yml").write_text("a: 1\n")
    assert holds("missing-path", "config/settings.yml", tmp_path) is False
    assert holds("missing-path", "settings.yml", tmp_path, where="config") is False
    os.symlink("nowhere", tmp_path / "dangling")
    assert holds("missing-path", "dangling", tmp_path) is False  # a link is there, even a broken one


def test_not_executable_holds_until_the_run_bit_is_set(tmp_path: Path) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\necho ok\n")
    script.chmod(0o644)
    assert holds("not-executable", "deploy.sh", tmp_path) is True
    script.chmod(0o755)
    assert holds("not-executable", "deploy.sh", tmp_path) is False
    script.unlink()
    assert holds("not-executable", "deploy.sh", tmp_path) is False  # gone: no longer a missing run bit


def test_missing_executable_scans_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    assert holds("missing-executable", "frobnicate", tmp_path) is True
    tool = bin_dir / "frobnicate"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o644)
    assert holds("missing-executable", "frobnicate", tmp_path) is True  # there, but not runnable
    tool.chmod(0o755)
    assert holds("missing-executable", "frobnicate", tmp_path) is False
    assert holds("missing-executable", "./tools/gen", tmp_path) is True
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "gen").write_text("#!/bin/sh\n")
    (tmp_path / "tools" / "gen").chmod(0o755)
    assert holds("missing-executable", "./tools/gen", tmp_path) is False


def test_missing_npm_script_reads_the_package_json_of_its_folder(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    assert holds("missing-npm-script", "build", tmp_path) is True  # no package.json at all
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"test": "true"}}))
    assert holds("missing-npm-script", "build", tmp_path) is True
    (tmp_path / "web" / "package.json").write_text(json.dumps({"scripts": {"build": "vite build"}}))
    assert holds("missing-npm-script", "build", tmp_path, where="web") is False
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"test": "true", "build": "x"}}))
    assert holds("missing-npm-script", "build", tmp_path) is False
    (tmp_path / "package.json").write_text("{broken")
    assert holds("missing-npm-script", "build", tmp_path) is None


@pytest.mark.parametrize(
    "makefile,expected",
    [
        ("all:\n\techo all\n", True),
        ("build: deps\n\techo build\n", False),
        ("build::\n\techo a\n", False),
        ("lint test build: \n\techo x\n", False),
        (".PHONY: build\nall:\n\techo\n", False),
        ("BUILD := build\nall:\n", True),
        ("build = yes\nall:\n", True),
        ("define RULE\nbuild:\n\techo\nendef\nall:\n", True),
        ("include common.mk\nall:\n", None),
        ("-include local.mk\nall:\n", None),
        ("%: %.c\n\tcc $<\n", None),
        ("$(TARGETS):\n\techo\n", None),
        ("all:\n\t@echo build: done\n", True),  # a recipe line is not a rule
        ("# build: old\nall:\n", True),
    ],
)
def test_missing_make_target_reads_the_makefile_without_following_includes(
    tmp_path: Path, makefile: str, expected: bool | None
) -> None:
    (tmp_path / "Makefile").write_text(makefile)
    assert holds("missing-make-target", "build", tmp_path) is expected


def test_gnu_make_looks_at_gnumakefile_first(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_text("build:\n")
    (tmp_path / "GNUmakefile").write_text("all:\n")
    assert holds("missing-make-target", "build", tmp_path) is True
    (tmp_path / "GNUmakefile").unlink()
    assert holds("missing-make-target", "build", tmp_path) is False


def test_missing_branch_sees_local_remote_packed_and_worktree_refs(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    (origin / "a.txt").write_text("a\n")
    git(origin, "add", "a.txt")
    git(origin, "commit", "-qm", "a")
    git(origin, "branch", "release")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert holds("missing-branch", "develop", clone) is True
    assert holds("missing-branch", "main", clone) is False
    assert holds("missing-branch", "release", clone) is False  # remote-tracking: checkout creates it
    assert holds("missing-branch", "origin/release", clone) is False
    git(clone, "branch", "develop")
    assert holds("missing-branch", "develop", clone) is False
    git(clone, "pack-refs", "--all")
    assert not (clone / ".git" / "refs" / "heads" / "develop").exists()
    assert holds("missing-branch", "develop", clone) is False
    assert holds("missing-branch", "release", clone) is False
    assert holds("missing-branch", "feature/x", clone) is True
    linked = tmp_path / "linked"
    git(clone, "worktree", "add", "-q", str(linked), "-b", "feature/x")
    assert (linked / ".git").is_file()
    assert holds("missing-branch", "feature/x", linked) is False
    assert holds("missing-branch", "feature/y", linked) is True
    assert holds("missing-branch", "../escape", clone) is None
    assert holds("missing-branch", "main", tmp_path / "nowhere") is None  # no repository: cannot tell


def test_missing_module_is_what_python_dash_m_would_not_find(tmp_path: Path) -> None:
    assert holds("missing-module", "app.main", tmp_path) is None  # no venv: it may be installed elsewhere
    (tmp_path / "src" / "app").mkdir(parents=True)
    (tmp_path / "src" / "app" / "main.py").write_text("")
    assert holds("missing-module", "app.main", tmp_path) is True  # the project's own, not on the path
    (tmp_path / "app").mkdir()
    assert holds("missing-module", "app", tmp_path) is False  # a namespace package in the folder
    assert holds("missing-module", "app.main", tmp_path) is True  # ...without that module
    (tmp_path / "app" / "main.py").write_text("")
    assert holds("missing-module", "app.main", tmp_path) is False
    packages = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    packages.mkdir(parents=True)
    assert holds("missing-module", "requests", tmp_path) is True
    (packages / "requests").mkdir()
    (packages / "requests" / "__init__.py").write_text("")
    assert holds("missing-module", "requests", tmp_path) is False
    (packages / "_speedups.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    assert holds("missing-module", "_speedups", tmp_path) is False
    (tmp_path / "tool.py").write_text("")
    assert holds("missing-module", "tool", tmp_path) is False
    assert holds("missing-module", "not-a-name", tmp_path) is None


def test_an_editable_install_is_followed_or_left_undecided(tmp_path: Path) -> None:
    packages = tmp_path / ".venv" / "lib" / "python3.12" / "site-packages"
    packages.mkdir(parents=True)
    (tmp_path / "lib" / "tool").mkdir(parents=True)
    (packages / "tool.pth").write_text(str(tmp_path / "lib") + "\n")
    assert holds("missing-module", "tool", tmp_path) is False
    assert holds("missing-module", "other", tmp_path) is True
    (packages / "__editable__.pkg-1.0.pth").write_text("import __editable___pkg_1_0_finder; x.install()\n")
    (packages / "__editable___pkg_1_0_finder.py").write_text("MAPPING = {'pkg': '/somewhere/pkg'}\n")
    assert holds("missing-module", "pkg.sub", tmp_path) is False
    assert holds("missing-module", "other", tmp_path) is True
    (packages / "odd.pth").write_text("import some_hook\n")
    assert holds("missing-module", "other", tmp_path) is None


def test_missing_module_agrees_with_this_projects_own_python() -> None:
    """The worktree itself: nevo installed editable into .venv (a real `pip install -e`)."""
    root = Path(__file__).resolve().parent.parent
    if not causes.site_packages(str(root)):
        pytest.skip("no .venv in this checkout")
    for name in ("nevo", "nevo.guards", "tests.support", "yaml", "git", "typer", "no_such_module_here"):
        found = subprocess.run(
            [sys.executable, "-c", f"import importlib.util as u, sys; sys.exit(u.find_spec({name!r}) is None)"],
            cwd=root,
            capture_output=True,
            check=False,
        )
        assert holds("missing-module", name, root) is (found.returncode == 1), name


def test_where_may_not_leave_the_workspace(tmp_path: Path) -> None:
    assert causes.holds("missing-path", "x", "../elsewhere", str(tmp_path)) is None
    assert causes.holds("missing-path", "", ".", str(tmp_path)) is None
    assert causes.holds("no-such-kind", "x", ".", str(tmp_path)) is None


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder", "too-big", "missing"])
def test_only_bounded_regular_files_are_read(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "file"
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block without O_NONBLOCK
    elif kind == "dev-zero":
        os.symlink("/dev/zero", path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "too-big":
        path.write_bytes(b"x" * 2048)
    assert causes.read_regular(str(path), limit=1024) is None
    (tmp_path / "ok").write_bytes(b"x" * 1024)
    assert causes.read_regular(str(tmp_path / "ok"), limit=1024) == b"x" * 1024


def test_a_fifo_as_package_json_never_hangs(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "package.json")
    os.mkfifo(tmp_path / "Makefile")
    assert holds("missing-npm-script", "build", tmp_path) is None
    assert holds("missing-make-target", "build", tmp_path) is None
