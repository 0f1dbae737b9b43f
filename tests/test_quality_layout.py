"""The quality pipeline on the usual project layout: a package (``pkg/__init__.py``, ``pkg/calc.py``) tested
from ``<project root>/tests/``. Real git project, real mypy/pytest/ruff."""

from __future__ import annotations

from pathlib import Path

import pytest

from nevo.quality import PipelineOptions, ToolOptions, collect_files, run_files, run_pipeline
from nevo.workspace import Workspace
from tests.conftest import git

CALC = '"""Arithmetic."""\n\n\ndef add(a: int, b: int) -> int:\n    """The sum."""\n    return a + b\n'
CALC_TYPE_ERROR = '"""Arithmetic."""\n\n\ndef add(a: int, b: int) -> int:\n    """The sum."""\n    return str(a + b)\n'
TEST = 'from pkg.calc import add\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n'


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def project(root: Path, *, package: bool = True, repository: bool = True) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "tests" / "unit").mkdir(parents=True)
    if package:
        (root / "pkg" / "__init__.py").write_text('"""The package."""\n')
    (root / "pkg" / "calc.py").write_text(CALC)
    for folder in ("tests", "tests/unit"):  # two test_calc.py: pytest needs them in packages
        (root / folder / "__init__.py").write_text("")
    (root / "tests" / "test_calc.py").write_text(TEST)
    (root / "tests" / "unit" / "test_calc.py").write_text(TEST.replace("test_add", "test_add_unit"))
    (root / "tests" / "test_other.py").write_text("def test_other() -> None:\n    assert False\n")
    if repository:
        git(root, "init", "-q", "-b", "main")
    return root


def test_the_projects_tests_folder_and_the_package_chain_come_along(tmp_path: Path) -> None:
    root = project(tmp_path / "proj")
    found_root, files = collect_files([root / "pkg" / "calc.py"])
    assert found_root == root
    assert sorted(files) == [
        "pkg/__init__.py",
        "pkg/calc.py",
        "tests/__init__.py",
        "tests/test_calc.py",
        "tests/unit/__init__.py",
        "tests/unit/test_calc.py",
    ]


def test_without_git_the_workspace_is_the_project_root(tmp_path: Path) -> None:
    root = project(tmp_path / "plain", repository=False)
    assert sorted(collect_files([root / "pkg" / "calc.py"])[1]) == ["pkg/__init__.py", "pkg/calc.py"]
    assert "tests/test_calc.py" in collect_files([root / "pkg" / "calc.py"], root)[1]


def test_a_package_tested_from_the_project_root_is_approved(tmp_path: Path) -> None:
    root = project(tmp_path / "proj")
    result = run_files(Workspace(root), [root / "pkg" / "calc.py"])
    assert result.verdict == "approved", result.to_json()
    test_stage = result.latest("test")
    assert test_stage is not None and test_stage.status == "passed" and "2 passed" in test_stage.note


@pytest.mark.parametrize("package", [True, False], ids=["package", "namespace-package"])
def test_naming_the_module_and_its_test_typechecks_once_and_a_type_error_is_still_denied(
    tmp_path: Path, mypy_cache: Path, package: bool
) -> None:
    root = project(tmp_path / "proj", package=package)
    named = [root / "pkg" / "calc.py", root / "tests" / "test_calc.py"]
    options = PipelineOptions(tools=ToolOptions(mypy_cache_dir=mypy_cache, python_path=(root,)))
    _, files = collect_files(named, root)
    clean = run_pipeline(files, subject="calc", options=options)
    typecheck = clean.latest("typecheck")
    assert typecheck is not None and typecheck.status == "passed", typecheck.note
    assert clean.verdict == "approved", clean.to_json()

    (root / "pkg" / "calc.py").write_text(CALC_TYPE_ERROR)
    _, files = collect_files(named, root)
    broken = run_pipeline(files, subject="calc", options=options)
    typecheck = broken.latest("typecheck")
    assert typecheck is not None and typecheck.status == "failed"
    assert [(f.file, f.line, f.code) for f in typecheck.errors] == [("pkg/calc.py", 6, "return-value")]
    assert not broken.approved
