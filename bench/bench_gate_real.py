"""The TaskCompleted gate on real public Python projects: false blocks on correct work, true blocks on broken work.

Each project is read at run time from its fetched repository under /work/.mirror (never copied into nevo),
extracted into a temporary folder, committed to a fresh git repository, and installed with its test
dependencies into its own `.venv` (`pip install -e .`: PyPI is reached for installing, the tests need no
network). Then, one at a time, from a clean working tree:
- clean-helper: a small typed, documented function appended to a core module (its tests stay green);
- clean-test: the same helper plus a new test file that exercises it;
- type-error: a function whose return type is wrong, appended to the same module;
- broken-test: a failing test appended to the test file that covers the module.
The gate (nevo.quality.gate.run_gate) judges each working tree as the TaskCompleted hook would. A clean change
is first checked to be correct: no covering test fails with it that did not fail before it (else it is reported,
not counted).

Run: python bench/bench_gate_real.py [--mirror /work/.mirror] [--only NAME]. Prints JSON. Needs PyPI for the
installs; minutes per project.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nevo.quality.gate import run_gate

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


@dataclass(frozen=True)
class Target:
    repo: str  # the mirror's folder name
    module: str  # the module the changes go into
    test_file: str  # the test file that covers it (the broken test goes there)
    import_path: str  # the module's import path
    install: tuple[str, ...]  # what `pip install` gets besides `-e .`


TARGETS = (
    Target("hukkin+tomli", "src/tomli/_parser.py", "tests/test_misc.py", "tomli._parser", ("pytest",)),
    Target(
        "python-humanize+humanize",
        "src/humanize/number.py",
        "tests/test_number.py",
        "humanize.number",
        ("pytest", "freezegun", "pytest-benchmark"),
    ),
    Target(
        "pypa+packaging",
        "src/packaging/version.py",
        "tests/test_version.py",
        "packaging.version",
        ("pytest", "pretend", "hypothesis", "tomli_w"),
    ),
    Target(
        "more-itertools+more-itertools",
        "more_itertools/recipes.py",
        "tests/test_recipes.py",
        "more_itertools.recipes",
        ("pytest",),
    ),
    # flask's conftest uses monkeypatch.notset, gone in pytest 9
    Target("pallets+flask", "src/flask/helpers.py", "tests/test_helpers.py", "flask.helpers", ("pytest<9",)),
)

HELPER = '''

def nevo_bench_identity(value: int) -> int:
    """Return the value unchanged."""
    return value
'''
BAD_HELPER = '''

def nevo_bench_identity(value: int) -> int:
    """Return the value unchanged."""
    return str(value)
'''
NEW_TEST = '''"""Tests of the benchmark's helper."""

from __future__ import annotations

from {module} import nevo_bench_identity


def test_nevo_bench_identity() -> None:
    """The value comes back unchanged."""
    value = 7
    assert nevo_bench_identity(value) == value
'''
BROKEN_TEST = '''

def test_nevo_bench_broken() -> None:
    """A test that fails."""
    assert sum([1, 1]) == len("abc")
'''


def sh(argv: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **GIT_ENV}, check=False
    )


def prepare(mirror: Path, target: Target, into: Path) -> Path:
    root = into / target.repo
    root.mkdir()
    archive = subprocess.run(
        ["git", "--git-dir", str(mirror / target.repo / "repo"), "archive", "HEAD"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "base"]):
        done = sh(argv, root)
        if done.returncode != 0:
            raise SystemExit(f"{target.repo}: {' '.join(argv)} failed: {done.stderr}")
    (root / ".git" / "info" / "exclude").write_text(".venv/\n.nevo/\n")
    done = sh([sys.executable, "-m", "venv", ".venv"], root)
    done = sh([str(root / ".venv" / "bin" / "pip"), "install", "-q", "-e", ".", *target.install], root)
    if done.returncode != 0:
        raise SystemExit(f"{target.repo}: pip install failed: {done.stderr[-2000:]}")
    return root


def reset(root: Path) -> None:
    sh(["git", "checkout", "--", "."], root)
    sh(["git", "clean", "-fdq", "-e", ".venv", "-e", ".nevo"], root)


def failing(root: Path, tests: list[str]) -> set[str]:
    """The test ids that fail or error (``tests`` that do not exist yet are left out)."""
    present = [t for t in tests if (root / t).is_file()]
    python = str(root / ".venv" / "bin" / "python")
    done = sh([python, "-m", "pytest", "-q", "-rfE", "--color=no", "-p", "no:cacheprovider", *present], root)
    return {line.split()[1] for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))}


def keeps_tests_green(root: Path, tests: list[str], before: set[str]) -> bool:
    """Correct work: no covering test fails that did not fail before the change (a test already failing in
    this environment, like one of flask's, is not the change's)."""
    return failing(root, tests) <= before


def scenario(root: Path, target: Target, name: str) -> dict[str, object]:
    reset(root)
    module = root / target.module
    if name in ("clean-helper", "clean-test"):
        covering = [target.test_file, "tests/test_nevo_bench.py"]
        before = failing(root, covering)
        module.write_text(module.read_text() + HELPER)
        if name == "clean-test":
            new = root / "tests" / "test_nevo_bench.py"
            new.write_text(NEW_TEST.format(module=target.import_path))
        correct: bool | None = keeps_tests_green(root, covering, before)
    elif name == "type-error":
        module.write_text(module.read_text() + BAD_HELPER)
        correct = None
    else:
        test = root / target.test_file
        test.write_text(test.read_text() + BROKEN_TEST)
        correct = None
    started = time.perf_counter()
    result = run_gate(root)
    seconds = round(time.perf_counter() - started, 1)
    return {
        "blocked": bool(result.blocking),
        "correct_work": correct,
        "seconds": seconds,
        "blocking": [str(f)[:300] for f in result.blocking[:5]],
        "stages": {s.name: f"{s.status}: {s.note}"[:200] for s in result.stages},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    report: dict[str, object] = {}
    totals = {"clean": 0, "false_blocks": 0, "broken": 0, "true_blocks": 0}
    with tempfile.TemporaryDirectory(prefix="nevo-bench-gate-") as scratch:
        for target in TARGETS:
            if args.only and args.only not in target.repo:
                continue
            root = prepare(args.mirror, target, Path(scratch))
            runs = {
                name: scenario(root, target, name)
                for name in ("clean-helper", "clean-test", "type-error", "broken-test")
            }
            report[target.repo] = runs
            for name, run in runs.items():
                if name.startswith("clean") and run["correct_work"]:
                    totals["clean"] += 1
                    totals["false_blocks"] += bool(run["blocked"])
                elif not name.startswith("clean"):
                    totals["broken"] += 1
                    totals["true_blocks"] += bool(run["blocked"])
    report["totals"] = totals
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
