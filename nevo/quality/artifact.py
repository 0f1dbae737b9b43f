"""The artifact for ``run_pipeline`` when files are checked apart from their project (a scratch copy): the
files named, the tests that come with them and the ``__init__.py`` of their packages, relative to their common
folder. ``nevo quality run`` checks files in their project instead (nevo.quality.project)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from nevo.errors import NevoError

MAX_FILE_BYTES = 512 * 1024
MAX_FILES = 200


def collect_files(paths: Iterable[Path], project_root: Path | None = None) -> tuple[Path, dict[str, str]]:
    """The artifact for ``nevo quality run FILE...``: the files named, the tests that come with them
    (``test_<name>.py`` beside the file, in a ``tests/`` folder beside it, or anywhere under ``tests/`` at the
    project root: ``project_root`` and the git toplevel), and the ``__init__.py`` of every package they sit
    in (so module names in the scratch copy are the project's: ``pkg.calc``, not ``calc``), relative to
    their common folder."""
    chosen: list[Path] = []
    for path in paths:
        path = path.resolve()
        if path.is_dir():
            chosen.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix in (".py", ".sh") and "__pycache__" not in p.parts
                )
            )
            continue
        if not path.is_file():
            raise NevoError(f"{path} is not a file", "name the files to check: nevo quality run src/x.py")
        chosen.append(path)
        if path.suffix == ".py" and not path.name.startswith(("test_", "__")):
            chosen.extend(_companion_tests(path, project_root))
    chosen.extend(_package_inits(chosen))
    unique = list(dict.fromkeys(chosen))
    if not unique:
        raise NevoError("no files to check", "name Python or shell files: nevo quality run src/x.py")
    if len(unique) > MAX_FILES:
        raise NevoError(f"{len(unique)} files is too many for one run (at most {MAX_FILES})", "name fewer files")
    root = Path(*_common_parts([_package_base(p) for p in unique]))
    files = {}
    for path in unique:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise NevoError(f"{path} is larger than {MAX_FILE_BYTES // 1024} KiB", "check smaller files")
        files[str(path.relative_to(root))] = path.read_text(encoding="utf-8", errors="replace")
    return root, files


def _companion_tests(path: Path, project_root: Path | None) -> list[Path]:
    """``test_<name>.py`` beside ``path``, in ``tests/`` beside it, and under ``tests/`` at the project's
    roots (the usual layout: ``pkg/calc.py`` tested by ``<root>/tests/test_calc.py`` or
    ``<root>/tests/unit/test_calc.py``)."""
    name = f"test_{path.name}"
    found = [path.with_name(name), path.parent / "tests" / name]
    roots = [r.resolve() for r in (project_root, _git_toplevel(path)) if r is not None]
    for root in dict.fromkeys(roots):
        tests = root / "tests"
        if path.is_relative_to(root) and tests.is_dir():
            found.extend(sorted(p for p in tests.rglob(name) if "__pycache__" not in p.parts))
    return [p for p in dict.fromkeys(found) if p.is_file() and p != path]


def _git_toplevel(path: Path) -> Path | None:
    """The nearest folder above ``path`` holding ``.git`` (a folder, or a file in a worktree)."""
    for folder in path.parents:
        if (folder / ".git").exists():
            return folder
    return None


def _package_inits(files: list[Path]) -> list[Path]:
    """The ``__init__.py`` of every package the Python files sit in, up to the first folder that is not one."""
    found: list[Path] = []
    for path in files:
        if path.suffix != ".py":
            continue
        folder = path.parent
        while (folder / "__init__.py").is_file() and folder != folder.parent:
            found.append(folder / "__init__.py")
            folder = folder.parent
    return found


def _package_base(path: Path) -> Path:
    """The folder a module's import name starts from: the first folder above it that is not a package."""
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder != folder.parent:
        folder = folder.parent
    return folder


def _common_parts(folders: list[Path]) -> tuple[str, ...]:
    parts = folders[0].parts
    for folder in folders[1:]:
        length = 0
        for a, b in zip(parts, folder.parts, strict=False):
            if a != b:
                break
            length += 1
        parts = parts[:length]
    return parts or ("/",)
