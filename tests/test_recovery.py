"""What a call does (nevo.calls) and how a later call relates to a failed one (nevo.recovery)."""

from __future__ import annotations

from typing import Any

import pytest

from nevo.calls import actions
from nevo.recovery import only_narrows, relate, similar

ROOT = "/w"


def relation(failed: str, later: str, failed_tool: str = "Bash", later_tool: str = "Bash") -> str:
    def one(tool: str, value: str) -> Any:
        tool_input = {"command": value} if tool == "Bash" else {"file_path": value}
        found = actions(tool, tool_input, ROOT, ROOT)
        assert found, value
        return found[-1]

    return relate(one(failed_tool, failed), one(later_tool, later)).kind


@pytest.mark.parametrize(
    "failed,later,kind",
    [
        ("npm run build", "npm --prefix web run build", "how"),  # another folder
        ("npm run build", "cd web && npm run build", "how"),
        ("npm run build", "npm run build -w packages/web", "how"),
        ("make html", "make -C docs html", "how"),
        ("cargo build", "cargo build --manifest-path crates/a/Cargo.toml", "how"),
        ("git log -3", "git -C app log -3", "how"),
        ("pytest tests", "python3 -m pytest tests", "how"),  # another way of running it
        ("mdlint docs", "npx mdlint docs", "how"),
        ("./run.sh", "bash run.sh", "how"),
        ("python3 src/pkg/cli.py", "cd src && python3 -m pkg.cli", "how"),
        ("python3 src/pkg/cli.py", "PYTHONPATH=src python3 -m pkg.cli", "how"),
        ("python app.py", "python3 app.py", "how"),
        ("gh api /user", "~/bin/gh api /user", "how"),
        ("node health.js", "PORT=3000 node health.js", "how"),  # an environment variable in front
        ("npm run biuld", "npm run build", "word"),  # the very word that was wrong
        ("make tests", "make test", "word"),
        ("git checkout master", "git checkout main", "word"),
        ("git switch feature/login", "git checkout feature/login-form", "word"),
        ("python3 -m tools.Report", "python3 -m tools.report", "word"),
        ("cat README", "cat README.md", "word"),
        ("git push", "git push -u origin main", "added"),
        ("npm test", "npm test", "same"),
        ("npm run build", "npm run lint", "none"),  # another script
        ("npm run build", "npm install", "none"),
        ("git push", "git status", "none"),
        ("git checkout feature/payments", "git log --oneline -3", "none"),
        ("python3 migrate.py upgrade", "python3 migrate.py heads", "none"),  # another action of the same script
        ("pytest tests/test_a.py", "pytest tests/test_b.py", "none"),  # a sibling, not a misspelling
        ("make deploy", "make test", "none"),
        ("false", "ls -la", "none"),
        ("echo hi && make step1", "make step2", "none"),
    ],
)
def test_a_later_command_relates_to_the_failed_one_by_what_it_does(failed: str, later: str, kind: str) -> None:
    assert relation(failed, later) == kind


@pytest.mark.parametrize(
    "failed_tool,failed,later_tool,later,kind",
    [
        ("Bash", "cat docs/Setup.md", "Read", "/w/docs/SETUP.md", "other-tool"),  # another tool, same thing
        ("Read", "/w/config/app.yml", "Read", "/w/config/app.yaml", "word"),
        ("Read", "/w/settings.json", "Read", "/w/config/settings.json", "word"),  # same file, another folder
        ("Read", "/w/settings.json", "Read", "/w/README.md", "none"),
        ("Read", "/w/src/a.py", "Edit", "/w/src/a.py", "none"),  # reading is not editing
        ("Bash", "npm run build", "Read", "/w/package.json", "none"),
    ],
)
def test_file_tools_relate_by_the_path_they_name(
    failed_tool: str, failed: str, later_tool: str, later: str, kind: str
) -> None:
    assert relation(failed, later, failed_tool, later_tool) == kind


def test_an_edit_with_other_text_is_another_edit_of_the_same_file() -> None:
    first = actions("Edit", {"file_path": "/w/a.py", "old_string": "x = 1", "new_string": "x = 2"}, ROOT, ROOT)[0]
    again = actions("Edit", {"file_path": "a.py", "old_string": "x = 1", "new_string": "x = 2"}, ROOT, ROOT)[0]
    other = actions("Edit", {"file_path": "a.py", "old_string": "x  = 1", "new_string": "x = 2"}, ROOT, ROOT)[0]
    assert relate(first, again).kind == "same" and relate(first, other).kind == "how"


def test_a_search_in_a_wider_folder_answers_one_in_a_folder_that_does_not_exist() -> None:
    failed = actions("Grep", {"pattern": "TODO", "path": "/w/srcs"}, ROOT, ROOT)[0]
    wider = actions("Grep", {"pattern": "TODO", "path": "/w"}, ROOT, ROOT)[0]
    other = actions("Grep", {"pattern": "FIXME", "path": "/w"}, ROOT, ROOT)[0]
    assert relate(failed, wider).kind == "how" and relate(failed, other).kind == "none"


def test_a_command_is_parsed_into_what_it_does_with_folders_relative_to_the_workspace() -> None:
    [action] = actions("Bash", {"command": "cd web && PORT=1 npm run build -- --watch"}, "/w", "/w")
    assert (action.family, action.verb, action.targets, action.folder) == ("npm", "run", ("build",), "web")
    assert action.env == ("PORT=1",) and "--watch" in action.options
    [script] = actions("Bash", {"command": "python3 ../tools/x.py a"}, "/w/app", "/w")
    assert script.targets == ("tools/x.py", "a")
    assert actions("Bash", {"command": "cd web && export A=1"}, "/w", "/w") == ()  # only sets the stage


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("biuld", "build", True),  # a transposition
        ("tests", "test", True),
        ("srv", "server", True),  # an abbreviation
        ("source", "src", True),
        ("app.yml", "app.yaml", True),  # the same stem
        ("README", "README.md", True),
        ("Button.tsx", "button.tsx", True),  # another case
        ("compile", "build", True),  # synonyms
        ("master", "main", True),
        ("lint", "build", False),
        ("deploy", "test", False),
        ("test_a.py", "test_b.py", False),  # siblings
        ("step1", "step2", False),
        ("importer", "server", False),
    ],
)
def test_similar_words(a: str, b: str, expected: bool) -> None:
    assert similar(a, b) is expected


@pytest.mark.parametrize(
    "failed,ok",
    [
        ("pytest", "pytest"),
        ("pytest  tests/test_api.py", "pytest tests/test_api.py"),
        ("npm test", "npm test;"),
        ("pytest tests/test_api.py", "pytest tests/test_api.py -k test_login"),
        ("pytest tests/test_api.py", "pytest tests/test_api.py::test_login"),
        ("pytest tests", "pytest tests --deselect tests/test_api.py::test_login"),
        ("pytest tests", "pytest -x --lf tests"),
        ("pytest tests", "pytest --last-failed -m 'not slow' tests"),
        ("pytest tests", "pytest tests --ignore=tests/test_api.py"),
        ("cargo test", "cargo test -- --skip slow_one"),
        ("npm test", "npm test || true"),
        ("git commit -m wip", "git commit --no-verify -m wip"),
        ("git commit -m wip", "git commit -n -m wip"),
        ("terraform apply", "terraform plan"),
        ("npm run deploy", "npm run deploy -- --dry-run"),
    ],
)
def test_a_retry_or_a_narrower_rerun_only_narrows(failed: str, ok: str) -> None:
    """The guard compiler refuses a rewrite into one of these (nevo.guards reads only_narrows)."""
    assert only_narrows(failed, ok)


@pytest.mark.parametrize(
    "failed,ok",
    [
        ("pytest tests", "pytest -n 4 tests"),  # -n narrows only for git commit
        ("npm run build", "npm --prefix web run build"),
        ("python3 -m unittest", "PYTHONPATH=src python3 -m unittest"),  # -m for python is not a marker filter
    ],
)
def test_a_real_fix_does_not_only_narrow(failed: str, ok: str) -> None:
    assert not only_narrows(failed, ok)
