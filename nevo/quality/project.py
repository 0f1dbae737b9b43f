"""The user's project as the quality checks see it: its root, its interpreter, its tests, a throwaway copy.

The checks run the way the person would run them, from the project's root (so pyproject.toml, setup.cfg,
pytest.ini, tox.ini, mypy and ruff settings, conftest files and data files next to the tests all apply):
- the interpreter is the project's own environment when it has one (``.venv`` or ``venv`` in the project,
  uv's ``UV_PROJECT_ENVIRONMENT``, poetry's environment, the active ``VIRTUAL_ENV``), else nevo's own, which
  includes pytest; when the project's environment has no pytest, nevo's runs the tests with the project's
  import roots on the path, and says so;
- the tests are the ones that cover the changed files: test files among them, ``test_<name>.py`` /
  ``<name>_test.py``, test files that import the changed module; when none does, the whole suite if it is
  small;
- anything that writes (REFINE) works in a throwaway ``git worktree`` of the project, with the person's
  uncommitted changes copied in (a plain copy when the project is not in git), removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "pytest.ini", "tox.ini")
SMALL_SUITE = 30  # at most this many test files: run them all when none covers the code by name or import
MAX_COPY_BYTES = 200 * 1024 * 1024
_SKIP_COPY = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache"}


@dataclass(frozen=True)
class Project:
    root: Path
    python: str  # the interpreter that runs the tests
    environment: str  # where it comes from: .venv, venv, uv, poetry, VIRTUAL_ENV, nevo
    has_pytest: bool
    import_roots: tuple[Path, ...]  # src/ in a src layout, and the root
    in_git: bool

    def describe(self) -> str:
        where = "nevo's own interpreter" if self.environment == "nevo" else f"the project's {self.environment}"
        return f"{where} ({self.python})"


def find_root(paths: Sequence[Path]) -> Path:
    """The nearest folder above the first path holding a project file, else the git top level, else its
    folder."""
    start = paths[0].resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).is_file() for marker in ROOT_MARKERS):
            return candidate
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def find_python(root: Path, env: dict[str, str] | None = None) -> tuple[str, str]:
    """(interpreter, where it comes from) for ``root``."""
    env = dict(os.environ) if env is None else env
    for name in (".venv", "venv"):
        python = root / name / "bin" / "python"
        if python.exists():
            return str(python), name
    uv_env = env.get("UV_PROJECT_ENVIRONMENT")
    if uv_env:
        python = (root / uv_env / "bin" / "python").resolve()
        if python.exists():
            return str(python), "uv"
    if _uses_poetry(root) and shutil.which("poetry"):
        done = _run(["poetry", "env", "info", "--path"], root, timeout=30)
        if done is not None and done.returncode == 0 and done.stdout.strip():
            python = Path(done.stdout.strip()) / "bin" / "python"
            if python.exists():
                return str(python), "poetry"
    active = env.get("VIRTUAL_ENV")
    if active and Path(active, "bin", "python").exists() and Path(active).resolve() != Path(sys.prefix).resolve():
        return str(Path(active, "bin", "python")), "VIRTUAL_ENV"
    return sys.executable, "nevo"


def _uses_poetry(root: Path) -> bool:
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    return "poetry" in data.get("tool", {})


def has_module(python: str, module: str) -> bool:
    if python == sys.executable:
        import importlib.util

        return importlib.util.find_spec(module) is not None
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    done = _run([python, "-c", code], Path.cwd(), timeout=60)
    return done is not None and done.returncode == 0


def load_project(paths: Sequence[Path], env: dict[str, str] | None = None) -> Project:
    root = find_root(paths)
    python, environment = find_python(root, env)
    roots = tuple(p for p in (root / "src", root) if p.is_dir())
    in_git = _run(["git", "rev-parse", "--is-inside-work-tree"], root, timeout=30)
    return Project(
        root,
        python,
        environment,
        has_module(python, "pytest"),
        roots,
        in_git is not None and in_git.returncode == 0,
    )


# -- the tests that cover the changed files ------------------------------------------------------------


def is_test_file(path: Path) -> bool:
    return path.suffix == ".py" and (path.name.startswith("test_") or path.name.endswith("_test.py"))


def test_roots(root: Path) -> list[Path]:
    """Where the project keeps its tests: pytest's ``testpaths`` from its configuration, else tests/ or
    test/, else the root."""
    configured = _testpaths(root)
    found = [root / p for p in configured if (root / p).is_dir()]
    if found:
        return found
    found = [root / name for name in ("tests", "test") if (root / name).is_dir()]
    return found or [root]


def _testpaths(root: Path) -> list[str]:
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        paths = data.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("testpaths")
        if isinstance(paths, list):
            return [str(p) for p in paths]
        if isinstance(paths, str):
            return paths.split()
    import configparser

    for name, section in (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        parser = configparser.ConfigParser()
        with contextlib.suppress(OSError, configparser.Error, UnicodeDecodeError):
            parser.read(root / name, encoding="utf-8")
            if parser.has_option(section, "testpaths"):
                return parser.get(section, "testpaths").split()
    return []


def all_test_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder in test_roots(root):
        for path in sorted(folder.rglob("*.py")):
            parts = set(path.relative_to(root).parts)
            if is_test_file(path) and not parts & _SKIP_COPY and not any(p.startswith(".") for p in parts):
                found.append(path)
    return found


def module_name(path: Path, project: Project) -> str | None:
    """The dotted name ``path`` is imported by (``src/pkg/calc.py`` -> ``pkg.calc``)."""
    for base in project.import_roots:
        if path.is_relative_to(base):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts = parts[:-1]
            return ".".join(parts) or None
    return None


def covering_tests(project: Project, changed: Sequence[Path]) -> tuple[list[Path], str]:
    """The test files to run for ``changed`` and why."""
    suite = all_test_files(project.root)
    chosen = [p for p in changed if is_test_file(p)]
    sources = [p for p in changed if p.suffix == ".py" and not is_test_file(p)]
    if not sources and not chosen:
        return [], "no Python code changed"
    reasons = []
    for source in sources:
        names = {f"test_{source.name}", f"{source.stem}_test.py"}
        named = [t for t in suite if t.name in names]
        module = module_name(source, project)
        importing = [t for t in suite if module and _imports(t, module)]
        chosen += named + importing
        if named or importing:
            reasons.append(f"{source.name}: {len(set(named + importing))} test file(s)")
    if sources and len(chosen) == 0 and 0 < len(suite) <= SMALL_SUITE:
        # no test names or imports the code: a small suite is run whole, as the person would
        return suite, f"no test names or imports it: the whole suite ({len(suite)} test files)"
    chosen = sorted(set(chosen))
    return chosen, "; ".join(reasons) or ("the changed test files" if chosen else "no test covers the files")


def _imports(test: Path, module: str) -> bool:
    try:
        text = test.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    parent, _, last = module.rpartition(".")
    pattern = rf"^\s*(?:from\s+{re.escape(module)}\b|import\s+{re.escape(module)}\b"
    if parent:
        pattern += rf"|from\s+{re.escape(parent)}\s+import\s+(?:\(?\s*|.*,\s*){re.escape(last)}\b"
    return re.search(pattern + ")", text, re.MULTILINE) is not None


# -- a throwaway copy for what writes --------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_copy(project: Project, parent: Path | None = None) -> Iterator[Path]:
    """A copy of the project as it is now (uncommitted changes included) to write in; removed afterwards.
    A ``git worktree`` of HEAD with the changed and untracked files copied over, or a plain copy."""
    scratch = Path(tempfile.mkdtemp(prefix="nevo-refine-", dir=parent))
    copy = scratch / project.root.name
    worktree = False
    try:
        if project.in_git:
            top = _git_top(project.root)
            done = _run(["git", "worktree", "add", "--detach", "--quiet", str(scratch / "tree"), "HEAD"], top, 120)
            if done is not None and done.returncode == 0:
                worktree = True
                _copy_changes(top, scratch / "tree")
                copy = scratch / "tree" / project.root.relative_to(top)
        if not worktree:
            _plain_copy(project.root, copy)
        yield copy
    finally:
        if worktree:
            _run(["git", "worktree", "remove", "--force", str(scratch / "tree")], project.root, 120)
            _run(["git", "worktree", "prune"], project.root, 60)
        shutil.rmtree(scratch, ignore_errors=True)


def _git_top(root: Path) -> Path:
    done = _run(["git", "rev-parse", "--show-toplevel"], root, 30)
    return Path(done.stdout.strip()) if done is not None and done.returncode == 0 else root


def _copy_changes(top: Path, tree: Path) -> None:
    """The working tree's state into the worktree: modified and untracked files over, deleted ones out."""
    done = _run(["git", "status", "--porcelain", "-z", "--untracked-files=all"], top, 60)
    if done is None or done.returncode != 0:
        return
    entries = done.stdout.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        status, name = entry[:2], entry[3:]
        if status[0] in "RC":
            index += 1  # the old name follows a rename
        source, target = top / name, tree / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif not source.exists() and target.is_file():
            target.unlink()


def _plain_copy(root: Path, copy: Path) -> None:
    total = 0

    def ignore(folder: str, names: list[str]) -> set[str]:
        nonlocal total
        skipped = {n for n in names if n in _SKIP_COPY}
        for name in set(names) - skipped:
            with contextlib.suppress(OSError):
                total += (Path(folder) / name).stat().st_size
        if total > MAX_COPY_BYTES:
            raise OSError(f"{root} is larger than {MAX_COPY_BYTES // 1024 // 1024} MiB: not copied to refine")
        return skipped

    shutil.copytree(root, copy, ignore=ignore, symlinks=True)


def _run(argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


@contextlib.contextmanager
def head_copy(project: Project) -> Iterator[Path | None]:
    """The project as it is at HEAD (a throwaway worktree, without the uncommitted changes), or None."""
    scratch = Path(tempfile.mkdtemp(prefix="nevo-head-"))
    top = _git_top(project.root)
    done = _run(["git", "worktree", "add", "--detach", "--quiet", str(scratch / "tree"), "HEAD"], top, 120)
    try:
        yield (scratch / "tree" / project.root.relative_to(top)) if done is not None and done.returncode == 0 else None
    finally:
        if done is not None and done.returncode == 0:
            _run(["git", "worktree", "remove", "--force", str(scratch / "tree")], top, 120)
        _run(["git", "worktree", "prune"], top, 60)
        shutil.rmtree(scratch, ignore_errors=True)
