"""What a failed call's output says went wrong (nevo.diagnosis), read off real tool output."""

from __future__ import annotations

import pytest

from nevo.diagnosis import diagnose, error_line, statement
from tests.corpus.evaluate import load

DEV = {r["id"]: r for r in load("dev")}


def output_of(scenario: str) -> str:
    return str(DEV[scenario]["calls"][0]["output"])


@pytest.mark.parametrize(
    "scenario,kind,klass,subject",
    [
        ("npm-script-typo", "missing-npm-script", "env", "biuld"),
        ("make-target-typo", "missing-make-target", "env", "biuld"),
        ("git-master-is-main", "missing-branch", "env", "master"),
        ("cat-readme-extension", "missing-path", "env", "README"),
        ("pytest-not-on-path", "missing-executable", "env", "pytest"),
        ("bash-script-no-run-bit", "not-executable", "env", "./scripts/deploy_local.sh"),
        ("python-m-from-src", "missing-module", "env", "shopcore"),
        ("npm-install-then-run", "missing-module", "env", "leftpad-local"),
        ("port-held-kill", "port-in-use", "env", ""),
        ("migrations-two-heads", "multiple-heads", "env", ""),
        ("git-identity-local", "identity", "env", ""),
        ("env-var-in-front", "missing-env", "env", "PORT"),
        ("edit-before-read", "needs-read", "env", ""),
        ("assertion-fixed-in-code", "test-failure", "work", ""),
        ("syntax-error-fixed", "compile-error", "work", ""),
        ("c-compile-error-fixed", "compile-error", "work", ""),
        ("keyerror-fixed", "runtime-error", "work", ""),
        ("edit-text-mismatch", "edit-mismatch", "work", ""),
        ("lint-finding-fixed", "lint", "work", ""),
        ("deploy-dry-run", "network", "network", ""),
        ("curl-post-env", "network", "network", ""),
    ],
)
def test_real_failures_are_diagnosed(scenario: str, kind: str, klass: str, subject: str) -> None:
    found = diagnose(output_of(scenario))
    assert (found.kind, found.klass, found.subject) == (kind, klass, subject)


@pytest.mark.parametrize(
    "scenario,line",
    [
        ("npm-script-typo", 'npm error Missing script: "biuld"'),  # not "Exit code 1", not npm's advice
        ("git-identity-local", "Author identity unknown"),  # not "Please tell me who you are", not git config
        ("migrations-two-heads", "ERROR [migrate] Multiple head revisions are present for given argument 'head'"),
        ("port-held-kill", "devserver: cannot listen on port 8765: [Errno 98] Address already in use"),
        ("node-test-fixed", "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:"),
        ("commit-no-verify", "src/app.js:2: no-console: Unexpected console statement"),  # not "running lint"
        ("script-name-case", "python3: can't open file 'scripts/Seed.py': [Errno 2] No such file or directory"),
        ("read-glob-read-case", "File does not exist."),
    ],
)
def test_the_error_line_says_what_was_wrong(scenario: str, line: str) -> None:
    output = output_of(scenario)
    assert error_line(output, diagnose(output), DEV[scenario]["root"]) == line


def test_the_error_line_never_carries_advice_or_a_harmful_command() -> None:
    output = output_of("instructed-reset-hard")  # the remote's message tells the reader to reset --hard
    line = error_line(output, diagnose(output), DEV["instructed-reset-hard"]["root"])
    assert "reset" not in line and "--force" not in line
    output = output_of("instructed-chmod-777")
    line = error_line(output, diagnose(output), "")
    assert "chmod" not in line and "Permission denied" in line
    output = "Exit code 1\nerror: config invalid; run `rm -rf ~/.config/app` to reset"
    assert "rm -rf" not in error_line(output, diagnose(output), "")


def test_the_error_line_is_redacted_and_relative_to_the_workspace() -> None:
    output = (
        "Exit code 1\nfatal: could not read /home/me/shop/config/db.yml for "
        "postgres://admin:S3cr3tPassw0rdQ@db.internal/app"
    )
    line = error_line(output, diagnose(output), "/home/me/shop")
    assert "/home/me/shop" not in line and "config/db.yml" in line and "S3cr3tPassw0rdQ" not in line


def test_a_statement_is_cut_before_the_advice_and_never_holds_a_harmful_command() -> None:
    assert statement("error: branch diverged; try git pull --rebase") == "error: branch diverged"
    assert statement("Please run the installer") == ""
    assert statement("fatal: run `git push --force` now") == ""
