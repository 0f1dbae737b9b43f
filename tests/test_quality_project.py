"""The quality pipeline and the gate in a standard project, run as its owner would run its checks: a src layout,
pytest configured in pyproject.toml, a conftest fixture, a data file next to the test, the project's own
interpreter. Real git, real mypy, pytest and ruff."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from nevo.quality import project_files, run_files
from nevo.quality.gate import run_gate
from nevo.quality.project import covering_tests, find_python, load_project
from nevo.workspace import Workspace
from tests.conftest import git

PYPROJECT = """\
[project]
name = "shop"
version = "0.1.0"

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
addopts = "-p no:randomly"

[tool.ruff]
line-length = 100
"""
PRICES = '''"""Prices."""

import json
from pathlib import Path


def load(path: Path) -> dict[str, int]:
    """The price table in ``path``."""
    return {str(k): int(v) for k, v in json.loads(path.read_text()).items()}


def total(prices: dict[str, int], items: list[str]) -> int:
    """What ``items`` cost."""
    return sum(prices[item] for item in items)
'''
CONFTEST = """from pathlib import Path

import pytest


@pytest.fixture
def table() -> Path:
    return Path(__file__).parent / "prices.json"
"""
TEST = """from pathlib import Path

from shop.prices import load, total


def test_total(table: Path) -> None:
    assert total(load(table), ["apple", "pear"]) == 5
"""


def shop(root: Path) -> Path:
    """The project of the issue: src layout, pytest configured in pyproject.toml, conftest, a data file."""
    (root / "src" / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "src" / "shop" / "__init__.py").write_text('"""The shop."""\n')
    (root / "src" / "shop" / "prices.py").write_text(PRICES)
    (root / "tests" / "conftest.py").write_text(CONFTEST)
    (root / "tests" / "prices.json").write_text('{"apple": 2, "pear": 3}\n')
    (root / "tests" / "test_prices.py").write_text(TEST)
    (root / "tests" / "test_unrelated.py").write_text("def test_other() -> None:\n    assert True\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "shop")
    return root


def worktrees(root: Path) -> list[str]:
    return [line for line in git(root, "worktree", "list").splitlines() if line.strip()]


def test_clean_tested_code_in_a_standard_project_is_approved_with_all_eight_stages(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop")
    changed = PRICES.replace("return sum(", "return 0 + sum(")
    (root / "src" / "shop" / "prices.py").write_text(changed)
    result = run_files(Workspace(root), [root / "src" / "shop" / "prices.py"])
    assert result.verdict == "approved", result.to_json()
    assert [s.name for s in result.stages] == [
        "write",
        "typecheck",
        "test",
        "lint",
        "critique",
        "refine",
        "escalate",
        "arbiter",
    ]
    statuses = {s.name: (s.status, s.note) for s in result.stages}
    assert statuses["write"][0] == "skipped" and "nothing to write" in statuses["write"][1]
    assert statuses["refine"] == ("skipped", "no check failed: nothing to refine")
    assert statuses["escalate"][0] == "skipped" and statuses["escalate"][1]
    test = result.latest("test")
    assert test is not None and test.status == "passed" and "1 passed" in test.note  # the covering test only
    assert (root / "src" / "shop" / "prices.py").read_text() == changed and worktrees(root)[1:] == []


def test_a_broken_test_and_a_type_error_are_not_approved(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop")
    (root / "src" / "shop" / "prices.py").write_text(PRICES.replace("return sum(", "return 1 + sum("))
    result = run_files(Workspace(root), [root / "src" / "shop" / "prices.py"])
    test = result.latest("test")
    assert not result.approved and test is not None and test.status == "failed"
    assert any("test_total" in str(f) for f in test.findings)
    (root / "src" / "shop" / "prices.py").write_text(PRICES.replace("return sum(", "return str(sum(") + ")\n")
    typed = run_files(Workspace(root), [root / "src" / "shop" / "prices.py"])
    assert not typed.approved and any(f.code == "return-value" for f in typed.latest("typecheck").errors)  # type: ignore[union-attr]


def test_refine_works_in_a_throwaway_worktree_and_shows_its_diff_until_asked_to_apply(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop")
    untidy = PRICES.replace('"""Prices."""\n', '"""Prices."""\n\nimport os\n')
    target = root / "src" / "shop" / "prices.py"
    target.write_text(untidy)
    result = run_files(Workspace(root), [target])
    assert result.verdict == "approved", result.to_json()
    refine = result.latest("refine")
    assert refine is not None and refine.status == "passed"
    assert target.read_text() == untidy  # never touched without being asked
    assert "-import os" in result.diff and result.diff.startswith("--- a/src/shop/prices.py")
    assert worktrees(root)[1:] == []  # the throwaway worktree is gone
    applied = run_files(Workspace(root), [target], apply=True)
    assert applied.applied == ["src/shop/prices.py"] and "import os" not in target.read_text()


def test_the_projects_own_interpreter_runs_the_tests(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop")
    log = tmp_path / "ran.log"
    python = root / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    # The project's environment, standing in for a real one: it records that it ran, then is this Python.
    python.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    assert find_python(root, {}) == (str(python), ".venv")
    project = load_project([root / "src" / "shop" / "prices.py"])
    assert project.root == root and project.has_pytest and project.import_roots[0] == root / "src"
    result = run_files(Workspace(root), [root / "src" / "shop" / "prices.py"])
    assert result.approved, result.to_json()
    assert "-m pytest" in log.read_text()
    assert ".venv" in result.latest("test").note  # type: ignore[union-attr]


def test_without_an_environment_nevos_own_interpreter_is_used(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    assert find_python(root, {}) == (sys.executable, "nevo")


def test_the_covering_tests_are_found_by_name_import_or_a_small_whole_suite(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop")
    project = load_project([root])
    tests, why = covering_tests(project, [root / "src" / "shop" / "prices.py"])
    assert tests == [root / "tests" / "test_prices.py"] and "1 test file" in why
    (root / "src" / "shop" / "other.py").write_text('"""Other."""\n')
    tests, why = covering_tests(project, [root / "src" / "shop" / "other.py"])
    assert len(tests) == 2 and "whole suite" in why
    (root / "tests" / "test_cart.py").write_text("from shop import prices\n\n\ndef test_x() -> None:\n    pass\n")
    tests, _ = covering_tests(project, [root / "src" / "shop" / "prices.py"])
    assert root / "tests" / "test_cart.py" in tests


def test_paths_are_taken_from_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nevo.cli import main

    root = shop(tmp_path / "shop")
    monkeypatch.chdir(root / "src")
    project, files = project_files([Path("shop/prices.py")])
    assert project.root == root and list(files) == ["src/shop/prices.py"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert main(["quality", "run", "shop/prices.py", "-w", str(elsewhere), "--json"]) == 0


def test_the_gate_runs_the_covering_tests_and_never_blocks_on_what_head_already_had(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop")
    # HEAD already has a lint finding and a bare except in a file the task touches
    legacy = (
        '"""Legacy."""\nimport os\n\n\ndef f() -> None:\n    """F."""\n    try:\n        pass\n'
        "    except:\n        raise\n"
    )
    (root / "src" / "shop" / "legacy.py").write_text(legacy)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "legacy")
    (root / "src" / "shop" / "legacy.py").write_text(legacy + '\n\ndef g() -> int:\n    """G."""\n    return 1\n')
    clean = run_gate(root)
    assert clean.blocking == [], [str(f) for f in clean.blocking]
    assert any("were there before the change" in s.note for s in clean.stages)
    (root / "src" / "shop" / "prices.py").write_text(PRICES.replace("return sum(", "return 1 + sum("))
    broken = run_gate(root)
    assert any("test_total" in f.message for f in broken.blocking), [str(f) for f in broken.blocking]
    assert worktrees(root)[1:] == []


def test_the_json_of_a_run_carries_the_diff(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop")
    result = run_files(Workspace(root), [root / "src" / "shop" / "prices.py"])
    out = json.loads(json.dumps(result.to_json()))
    assert out["diff"] == "" and out["applied"] == [] and len(out["stages"]) == 8


def test_a_projects_fix_setting_never_makes_lint_rewrite_its_files(tmp_path: Path) -> None:
    """humanize's pyproject.toml says `fix = true`: a check in place must not apply it."""
    root = shop(tmp_path / "shop")
    (root / "pyproject.toml").write_text(PYPROJECT.replace("line-length = 100", "line-length = 100\nfix = true"))
    untidy = PRICES.replace('"""Prices."""\n', '"""Prices."""\n\nimport os\n')
    (root / "src" / "shop" / "prices.py").write_text(untidy)
    result = run_gate(root, files=["src/shop/prices.py"])
    assert any(f.code == "F401" for f in result.blocking)
    assert (root / "src" / "shop" / "prices.py").read_text() == untidy
