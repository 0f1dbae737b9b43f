"""Which later success is a recovery, and which recoveries teach a lesson (not a retry, not a filter)."""

from __future__ import annotations

import pytest

from nevo.recovery import is_test_failure, only_narrows, plausible_recovery, recovery_is_lesson


def bash(failed: str, ok: str) -> bool:
    return plausible_recovery("Bash", {"command": failed}, "Bash", {"command": ok}, "/w")


@pytest.mark.parametrize(
    "failed,ok",
    [
        ("npm run build", "npm --prefix web run build"),
        ("make build", "make -C src build"),
        ("make", "make -C src"),
        ("python -m pytest tests", ".venv/bin/pytest tests"),
    ],
)
def test_a_different_command_for_the_same_job_recovers(failed: str, ok: str) -> None:
    assert bash(failed, ok)


@pytest.mark.parametrize(
    "failed,ok",
    [
        ("pytest", "pytest"),  # no arguments: the empty key-word set used to match anything
        ("pytest  tests/test_api.py", "pytest tests/test_api.py"),
        ("npm test", "npm test;"),
        ("pytest tests/test_api.py", "pytest tests/test_api.py -k test_login"),
        ("pytest tests/test_api.py", "pytest tests/test_api.py::test_login"),
        ("pytest tests", "pytest tests --deselect tests/test_api.py::test_login"),
        ("pytest tests", "pytest -x --lf tests"),
        ("pytest tests", "pytest --last-failed -m 'not slow' tests"),
        ("pytest tests", "pytest tests --ignore=tests/test_api.py"),
        ("cargo test", "cargo test --skip slow_one"),
        ("npm test", "npm test || true"),
        ("git commit -m wip", "git commit --no-verify -m wip"),
        ("git commit -m wip", "git commit -n -m wip"),
    ],
)
def test_a_retry_or_a_narrower_rerun_is_not_a_recovery(failed: str, ok: str) -> None:
    assert only_narrows(failed, ok)
    assert not bash(failed, ok)


def test_minus_n_narrows_only_for_git_commit() -> None:
    assert not only_narrows("pytest tests", "pytest -n 4 tests")


@pytest.mark.parametrize(
    "command,error_class,expected",
    [
        ("pytest tests/test_api.py", "pytest: tests/test_api.py::test_login failed", True),
        ("python -m pytest", "pytest: tests/a.py::t errored (+2 more)", True),
        ("make test", "make: test failed: pytest: tests/a.py::t failed", True),
        ("npx jest", "exit 1", True),  # jest has no class of its own: a test command failing for no env reason
        ("npm test", "npm: missing script test", False),
        ("pytest", "pytest: tests/a.py (collection: ModuleNotFoundError: requests) errored", False),
        ("pytest tests/x.py", "pytest: not found: tests/x.py", False),
        ("npm run build", "exit 1", False),
        ("rg foo", "command not found: rg", False),
    ],
)
def test_a_test_failure_is_told_from_an_environment_error(command: str, error_class: str, expected: bool) -> None:
    assert is_test_failure(command, error_class) is expected


def test_only_an_environment_fix_is_a_lesson() -> None:
    assert recovery_is_lesson("npm run build", "npm --prefix web run build", "npm: missing script build")
    assert not recovery_is_lesson("pytest", "pytest tests/test_b.py", "pytest: tests/test_a.py::t failed")
    assert not recovery_is_lesson("pytest", "pytest", "command not found: pytest")


@pytest.mark.parametrize(
    "error_class,expected",
    [
        ("npm: missing script build", True),
        ("command not found: rg", True),
        ("ModuleNotFoundError: requests", True),
        ("git: not a git repository (or any of the parent directories): .git", True),
        ("exit 2", False),
        ("TypeError", False),
    ],
)
def test_environment_and_usage_errors_are_told_apart(error_class: str, expected: bool) -> None:
    from nevo.recovery import is_environmental

    assert is_environmental(error_class) is expected
