"""`nevo forge ...` and `nevo quality run` through the real CLI entry point (JSON shapes, exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nevo.cli import main
from nevo.db import open_database
from nevo.install import init, shipped_skills
from nevo.workspace import Workspace
from tests.conftest import git
from tests.test_forge import MIGRATION_SESSION, add_session
from tests.test_forge_validate import write_skill


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_validate_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_skill(tmp_path / "good")
    code, out = run(capsys, "forge", "validate", str(good), "--json")
    expected = {"valid": True, "problems": [], "warnings": [], "name": "run-migrations"}
    assert (code, json.loads(out)) == (0, expected)
    bad = write_skill(tmp_path / "bad", meta="name: run-migrations\n")
    code, out = run(capsys, "forge", "validate", str(bad), "--json")
    assert code == 1
    assert json.loads(out) == {
        "valid": False,
        "problems": ["frontmatter: `description` is missing"],
        "warnings": ["frontmatter: `when_to_use` is missing (Claude Code lists the skill by its description alone)"],
        "name": "run-migrations",
    }


def test_request_run_list_show_deactivate(
    git_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    init(git_workspace)
    root = str(git_workspace.root)
    with open_database(git_workspace) as db:
        add_session(db, "s1", root, MIGRATION_SESSION)
    code, out = run(
        capsys, "forge", "request", "run the database migrations with alembic", "-w", root, "--json"
    )
    assert code == 0 and json.loads(out)["source"] == "request"
    code, out = run(capsys, "forge", "run", "-w", root, "--json")
    report = json.loads(out)
    assert code == 0 and [o["status"] for o in report["outcomes"]] == ["deployed"]
    name = report["outcomes"][0]["skill_name"]
    code, out = run(capsys, "forge", "list", "-w", root, "--json")
    shipped = {p.name for p in shipped_skills().iterdir() if p.is_dir()}  # installed by `nevo init`
    assert [s["name"] for s in json.loads(out) if s["name"] not in shipped] == [name]
    code, out = run(capsys, "forge", "show", name, "-w", root)
    assert code == 0 and "alembic upgrade head" in out
    code, out = run(capsys, "forge", "deactivate", name, "-w", root, "--reason", "not needed")
    assert code == 0 and "deactivated" in out
    assert "Reason: not needed" in git(git_workspace.root, "log", "-1", "--format=%B")
    assert run(capsys, "forge", "show", "nope", "-w", root)[0] == 1


def test_quality_run_json_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.sh"
    good.write_text("#!/bin/sh\nset -eu\necho hello\n")
    code, out = run(capsys, "quality", "run", str(good), "-w", str(tmp_path), "--json")
    result = json.loads(out)
    assert code == 0 and result["verdict"] == "approved"
    assert [s["name"] for s in result["stages"]] == [
        "write",
        "typecheck",
        "test",
        "lint",
        "critique",
        "refine",
        "escalate",
        "arbiter",
    ]
    assert all({"name", "status", "duration_ms", "findings"} <= set(s) for s in result["stages"])
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\nset -eu\nif then\n")
    code, out = run(capsys, "quality", "run", str(bad), "-w", str(tmp_path), "--json")
    assert code == 1 and json.loads(out)["verdict"] == "escalated"  # refinement cannot fix a syntax error
    assert not (tmp_path / ".nevo").exists()  # not a nevo workspace: nothing left behind


def test_quality_run_records_in_an_installed_workspace(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    init(workspace)
    script = workspace.root / "ok.sh"
    script.write_text("#!/bin/sh\nset -eu\necho ok\n")
    code, out = run(capsys, "quality", "run", str(script), "-w", str(workspace.root), "--json")
    assert code == 0
    run_id = json.loads(out)["run_id"]
    with open_database(workspace) as db:
        assert db.scalar("SELECT verdict FROM pipeline_runs WHERE id = ?", (run_id,)) == "approved"
        assert db.scalar("SELECT COUNT(*) FROM llm_calls WHERE agent IN ('critic', 'arbiter')") == 2


@pytest.mark.parametrize("command", ["request", "run", "validate", "list", "show", "deactivate"])
def test_every_forge_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "forge", command, "--help")
    assert code == 0 and "Example: nevo forge" in out


def test_escalations_are_listed_and_resolved(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from nevo.quality import PipelineOptions, run_pipeline
    from tests.test_quality import UNSAFE_SHELL, RevisingProvider

    init(workspace)
    with open_database(workspace) as db:
        result = run_pipeline(
            {"install.sh": UNSAFE_SHELL},
            subject="install",
            provider=RevisingProvider(),
            db=db,
            options=PipelineOptions(max_refinements=1),
        )
    assert result.verdict == "escalated"
    root = str(workspace.root)
    code, out = run(capsys, "quality", "escalations", "-w", root, "--json")
    [escalation] = json.loads(out)
    assert (
        code == 0
        and escalation["subject"] == "install"
        and escalation["findings"][0]["code"] == "download-exec"
    )
    assert run(capsys, "quality", "escalations", "-w", root, "--resolve", str(escalation["id"]))[0] == 0
    assert json.loads(run(capsys, "quality", "escalations", "-w", root, "--json")[1]) == []
    assert run(capsys, "quality", "escalations", "-w", root, "--resolve", "999")[0] == 1
