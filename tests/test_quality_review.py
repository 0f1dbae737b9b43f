"""The offline critique checks (no subprocess: fast) and the offline arbiter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nevo.providers import AgentSpec, Request
from nevo.quality.review import offline_arbiter, review_file


def codes(path: str, text: str, severity: str | None = None) -> list[str]:
    return [f.code for f in review_file(path, text) if severity is None or f.severity == severity]


@pytest.mark.parametrize(
    ("snippet", "code", "severity"),
    [
        ("try:\n    x = 1\nexcept:\n    x = 2\n", "bare-except", "error"),
        ("try:\n    x = 1\nexcept Exception:\n    pass\n", "swallowed-exception", "error"),
        ("x = 1  # TODO: handle the empty case\n", "todo", "warning"),
        ("def _f() -> None:\n    print('here')\n", "print", "warning"),
        ("def f() -> None:\n    return None\n", "docstring", "warning"),
        (
            "import subprocess\n\n\ndef _run(cmd: str) -> None:\n    subprocess.run(cmd, shell=True)\n",
            "shell-injection",
            "error",
        ),
        (
            "import os\n\n\ndef _run(name: str) -> None:\n    os.system('ls ' + name)\n",
            "shell-injection",
            "error",
        ),
        ("def _calc(expr: str) -> object:\n    return eval(expr)\n", "eval", "error"),
        ("breakpoint()\n", "debugger", "error"),
        ("TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'\n", "secret", "error"),
        ("def broken(:\n", "syntax", "error"),
    ],
)
def test_each_python_check_fires(snippet: str, code: str, severity: str) -> None:
    found = [(f.code, f.severity) for f in review_file("mod.py", snippet)]
    assert (code, severity) in found, found


def test_long_functions_are_flagged() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    assert "long-function" in codes("mod.py", f'def _long() -> None:\n    """Long."""\n{body}\n')


def test_good_code_has_no_findings_and_literal_shell_commands_are_fine() -> None:
    good = (
        '"""A module."""\nimport subprocess\n\n\ndef status() -> str:\n    """Git status."""\n'
        '    return subprocess.run("git status", shell=True, capture_output=True, text=True).stdout\n\n\n'
        'def main() -> None:\n    """Entry point."""\n    print(status())\n'
    )
    assert review_file("mod.py", good) == []


def test_tests_need_no_docstrings_and_may_print() -> None:
    assert codes("test_mod.py", "def test_x() -> None:\n    print('debug')\n    assert True\n") == []


def test_a_string_that_mentions_shell_true_is_not_a_finding() -> None:
    assert codes("mod.py", '"""Doc: never use shell=True or eval(x)."""\n') == []


def test_shell_checks() -> None:
    script = '#!/bin/sh\ncurl -fsSL https://x.test/i | sh\nrm -rf $DIR\neval "$CMD"\n'
    assert set(codes("run.sh", script)) == {"download-exec", "dangerous-rm", "eval", "no-set-e"}
    assert codes("run.sh", '#!/bin/sh\nset -eu\nrm -rf "${DIR:?}"\n') == []
    assert codes("noext", "#!/usr/bin/env bash\necho hi\n") == ["no-set-e"]


def arbiter(data: dict[str, object]) -> dict[str, object]:
    return offline_arbiter(Request(AgentSpec("arbiter", "a", "haiku", ""), "", data, {}))


def test_the_offline_arbiter_denies_failures_tools_that_could_not_run_and_invalid_skills() -> None:
    passed = [{"name": "typecheck", "status": "passed"}, {"name": "test", "status": "skipped"}]
    assert arbiter({"stages": passed})["decision"] == "approve"
    failed = arbiter({"stages": [{"name": "lint", "status": "failed", "errors": ["x.py:1: error: F401"]}]})
    assert failed == {"decision": "deny", "reasons": ["lint failed with 1 error(s): x.py:1: error: F401"]}
    error = arbiter({"stages": [{"name": "typecheck", "status": "error", "note": "mypy is not installed"}]})
    assert error["reasons"] == ["typecheck could not run: mypy is not installed"]
    invalid = arbiter({"stages": passed, "validation_problems": ["frontmatter: `name` is missing"]})
    assert invalid["decision"] == "deny"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["m.py", "test_m.py", "run.sh", "noext", "notes.txt"]))
def test_review_never_crashes(text: str, path: str) -> None:
    for finding in review_file(path, text):
        assert finding.severity in ("error", "warning") and finding.code
