"""The quality pipeline end to end on small artifacts (real mypy, pytest, ruff, bash in subprocesses).

mypy costs ~1-3 s per run: the Python runs share one mypy cache and are kept few; the refinement-loop and
arbiter tests use shell artifacts (bash -n is instant).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nevo.db import Database
from nevo.providers import Request, Response
from nevo.quality import PipelineOptions, ToolOptions, collect_files, run_pipeline
from nevo.quality.review import offline_critic

CLEAN = '''"""Arithmetic."""
import os


def add(a: int, b: int) -> int:
    """The sum."""
    return a + b
'''
CLEAN_TEST = """from calc import add


def test_add() -> None:
    assert add(2, 3) == 5
"""


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "nevo.db")


def options(cache: Path, **kwargs: Any) -> PipelineOptions:
    return PipelineOptions(tools=ToolOptions(mypy_cache_dir=cache), **kwargs)


def test_clean_code_is_approved_after_ruff_fixes_an_unused_import(mypy_cache: Path, db: Database) -> None:
    result = run_pipeline(
        {"calc.py": CLEAN, "test_calc.py": CLEAN_TEST}, subject="calc", db=db, options=options(mypy_cache)
    )
    assert result.verdict == "approved", result.to_json()
    first = {s.name: s.status for s in result.stages if s.attempt == 0}
    assert first == {
        "write": "passed",
        "typecheck": "passed",
        "test": "passed",
        "lint": "failed",
        "critique": "passed",
        "escalate": "skipped",  # refinement fixed what failed
        "arbiter": "passed",
    }
    assert result.refinements == 1
    assert "import os" not in result.files["calc.py"]
    assert [s.name for s in result.stages][-4:] == ["refine", "lint", "escalate", "arbiter"]
    assert {s.name for s in result.stages} >= {"write", "typecheck", "test", "lint", "critique", "refine"}
    # Every stage is recorded, in order, with its status and time.
    rows = db.query(
        "SELECT name, status, attempt FROM stage_results WHERE run_id = ? ORDER BY seq", (result.run_id,)
    )
    assert [(r["name"], r["status"]) for r in rows] == [(s.name, s.status) for s in result.stages]
    run = db.one("SELECT verdict, refinements, finished_at FROM pipeline_runs WHERE id = ?", (result.run_id,))
    assert run is not None and run["verdict"] == "approved" and run["refinements"] == 1 and run["finished_at"]
    as_json = json.loads(json.dumps(result.to_json()))
    assert as_json["verdict"] == "approved" and {"name", "status", "duration_ms", "findings"} <= set(
        as_json["stages"][0]
    )


def test_a_type_error_offline_is_escalated_when_refinement_cannot_progress(mypy_cache: Path, db: Database) -> None:
    code = '"""Halves."""\n\n\ndef half(x: int) -> int:\n    """Half."""\n    return x / 2\n'
    result = run_pipeline({"half.py": code}, subject="half", db=db, options=options(mypy_cache))
    assert result.verdict == "escalated" and not result.approved
    typecheck = result.latest("typecheck")
    assert typecheck is not None and typecheck.status == "failed"
    assert typecheck.findings[0].file == "half.py" and typecheck.findings[0].line == 6
    assert typecheck.findings[0].code == "return-value"
    assert any("typecheck failed" in reason for reason in result.reasons)
    # ruff had nothing to fix and there is no provider to revise: the refinement changed nothing, so running
    # the same checks again cannot help. That is an escalation (a person decides), not a silent denial.
    assert result.refinements == 1 and result.latest("refine").status == "failed"  # type: ignore[union-attr]
    escalate = result.latest("escalate")
    assert escalate is not None and escalate.note == "refinement made no progress on: typecheck"
    assert [s.name for s in result.stages][-3:] == ["refine", "escalate", "arbiter"]  # the arbiter is final
    row = db.one("SELECT run_id, reason, findings, status FROM escalations WHERE id = ?", (result.escalation_id,))
    assert row is not None and row["run_id"] == result.run_id and row["status"] == "open"
    assert row["reason"] == "refinement made no progress on: typecheck" and "return-value" in row["findings"]
    assert "refinement made no progress on: typecheck" in result.reasons
    assert db.scalar("SELECT verdict FROM pipeline_runs WHERE id = ?", (result.run_id,)) == "escalated"


def test_a_failing_test_is_not_approved(mypy_cache: Path) -> None:
    code = '"""Subtracts."""\n\n\ndef sub(a: int, b: int) -> int:\n    """Difference."""\n    return a + b\n'
    tests = "from sub import sub\n\n\ndef test_sub() -> None:\n    assert sub(5, 3) == 2\n"
    result = run_pipeline({"sub.py": code, "test_sub.py": tests}, subject="sub", options=options(mypy_cache))
    assert result.verdict == "escalated"
    assert result.latest("escalate").note == "refinement made no progress on: test"  # type: ignore[union-attr]
    test_stage = result.latest("test")
    assert test_stage is not None and test_stage.status == "failed"
    assert test_stage.findings[0].file == "test_sub.py" and "test_sub" in test_stage.findings[0].message
    assert result.latest("typecheck").status == "passed"  # type: ignore[union-attr]


class RevisingProvider:
    """A provider whose critic 'revises' by adding a comment each time without fixing anything."""

    def __init__(self, arbiter_decision: str = "approve") -> None:
        self.requests: list[Request] = []
        self.arbiter_decision = arbiter_decision

    def complete(self, request: Request) -> Response:
        self.requests.append(request)
        if request.agent.name == "arbiter":
            return Response(
                {"decision": self.arbiter_decision, "reasons": ["looks fine to me"]}, "fake", "fake"
            )
        if request.data.get("mode") == "revise":
            files = {
                name: text + f"# revision {len(self.requests)}\n"
                for name, text in request.data["files"].items()
            }
            return Response({"files": files, "summary": "revised"}, "fake", "fake")
        return Response(offline_critic(request), "fake", "fake")


UNSAFE_SHELL = "#!/bin/sh\nset -eu\ncurl -fsSL https://get.example.test/install | sh\n"


def test_refinements_that_keep_failing_escalate(db: Database) -> None:
    provider = RevisingProvider()
    result = run_pipeline(
        {"install.sh": UNSAFE_SHELL},
        subject="install",
        provider=provider,
        db=db,
        options=PipelineOptions(max_refinements=3),
    )
    assert result.verdict == "escalated"
    assert result.refinements == 3
    assert [s.name for s in result.stages].count("refine") == 3
    assert result.latest("escalate") is not None
    assert result.files["install.sh"].count("# revision") == 3
    escalation = db.one(
        "SELECT run_id, reason, status FROM escalations WHERE id = ?", (result.escalation_id,)
    )
    assert escalation is not None and escalation["run_id"] == result.run_id and escalation["status"] == "open"
    assert "critique still failing after 3 refinement(s)" in escalation["reason"]
    # The arbiter said approve, but an escalated run is never approved.
    assert db.scalar("SELECT verdict FROM pipeline_runs WHERE id = ?", (result.run_id,)) == "escalated"


def test_the_arbiter_can_deny_a_clean_run_and_is_overruled_on_a_failing_one() -> None:
    clean = "#!/bin/sh\nset -eu\necho hello\n"
    denied = run_pipeline({"hello.sh": clean}, subject="hello", provider=RevisingProvider("deny"))
    assert denied.verdict == "denied" and denied.reasons == ["looks fine to me"]
    approved = run_pipeline({"hello.sh": clean}, subject="hello", provider=RevisingProvider("approve"))
    assert approved.verdict == "approved"
    broken = run_pipeline(
        {"broken.sh": "#!/bin/sh\nset -eu\nif then\n"},
        subject="broken",
        provider=RevisingProvider("approve"),
        options=PipelineOptions(max_refinements=0),
    )
    assert broken.verdict == "escalated"
    assert any("overruled" in reason or "typecheck failed" in reason for reason in broken.reasons)


def test_a_syntax_error_in_shell_is_a_typecheck_finding_with_a_line() -> None:
    result = run_pipeline({"broken.sh": "#!/bin/sh\nset -eu\nif then\n"}, subject="broken")
    typecheck = result.latest("typecheck")
    assert typecheck is not None and typecheck.status == "failed"
    assert typecheck.findings[0].file == "broken.sh" and typecheck.findings[0].code == "bash-n"
    assert result.verdict == "escalated" and result.refinements == 1


def test_progress_then_no_progress_escalates_with_the_refinements_used(mypy_cache: Path, db: Database) -> None:
    """ruff fixes the whitespace (progress), the type error stays and nothing more can change: escalated
    after 2 refinements, within the budget of 3."""
    code = '"""Halves."""\n\n\ndef half(x: int) -> int:   \n    """Half."""\n    return x / 2\n'
    result = run_pipeline({"half.py": code}, subject="half", db=db, options=options(mypy_cache))
    assert result.verdict == "escalated" and result.refinements == 2
    assert [s.status for s in result.stages if s.name == "refine"] == ["passed", "failed"]
    assert result.latest("escalate").note == "refinement made no progress on: typecheck"  # type: ignore[union-attr]
    assert db.scalar("SELECT COUNT(*) FROM escalations") == 1


def test_collect_files_brings_the_tests_that_come_with_the_code(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "tests").mkdir(parents=True)
    (tmp_path / "pkg" / "calc.py").write_text(CLEAN)
    (tmp_path / "pkg" / "tests" / "test_calc.py").write_text(CLEAN_TEST)
    (tmp_path / "pkg" / "other.py").write_text("x = 1\n")
    root, files = collect_files([tmp_path / "pkg" / "calc.py"])
    assert root == tmp_path / "pkg"
    assert sorted(files) == ["calc.py", "tests/test_calc.py"]


def test_the_scratch_folder_is_removed_and_the_originals_are_untouched(tmp_path: Path) -> None:
    scratch_parent = tmp_path / "scratch"
    scratch_parent.mkdir()
    original = tmp_path / "x.sh"
    original.write_text("#!/bin/sh\necho hi   \n")
    _, files = collect_files([original])
    run_pipeline(files, subject="x", options=PipelineOptions(scratch_parent=scratch_parent))
    assert list(scratch_parent.iterdir()) == []
    assert original.read_text() == "#!/bin/sh\necho hi   \n"
