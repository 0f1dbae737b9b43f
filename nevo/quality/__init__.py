"""The quality pipeline: what stops self-improvement from becoming self-harm.

``run_pipeline(files, subject=...)`` runs WRITE, TYPECHECK, TEST, LINT, CRITIQUE, REFINE, ESCALATE and ARBITER
over an artifact (relative path -> text) and returns a :class:`PipelineResult` (verdict approved / denied /
escalated, every stage's status, time and findings; every stage is shown, passed, failed or skipped with the
reason). ``run_files(ws, paths)`` is ``nevo quality run``: the same stages in the person's project
(nevo.quality.project), read-only stages in place, REFINE in a throwaway copy, its changes shown as a diff.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from nevo.clock import Clock, system_clock
from nevo.quality.artifact import collect_files
from nevo.quality.checks import ToolOptions
from nevo.quality.model import Finding, PipelineResult, StageResult
from nevo.quality.pipeline import PipelineOptions, run_pipeline
from nevo.quality.project import Project
from nevo.workspace import Workspace

__all__ = [
    "Finding",
    "PipelineOptions",
    "PipelineResult",
    "Project",
    "StageResult",
    "ToolOptions",
    "collect_files",
    "project_files",
    "run_files",
    "run_pipeline",
]


def run_files(
    workspace: Workspace, paths: Sequence[Path], *, clock: Clock = system_clock, apply: bool = False
) -> PipelineResult:
    """``nevo quality run FILE...``: the pipeline over the files in their project, the way the person would run
    the checks (the project's root, interpreter, configuration, and the tests that cover the files), with the
    workspace's provider, refinement limit and database. The files are never modified unless ``apply``: then
    REFINE's changes (shown as a diff in any case) are written into them."""
    from nevo.config import load_config
    from nevo.db import open_database
    from nevo.providers import make_provider
    from nevo.quality.project import covering_tests

    project, files = project_files(paths)
    tests, why = covering_tests(project, [project.root / name for name in files])
    config = load_config(workspace)
    tests_python = project.python if project.has_pytest else sys.executable
    note = why if project.has_pytest else f"{why}; pytest is not in {project.describe()}: ran with nevo's"
    options = PipelineOptions(
        max_refinements=int(config.get("quality.max_refinements")),
        tools=ToolOptions(
            isolated=False,
            mypy_cache_dir=workspace.nevo_dir / "cache" / "mypy" if workspace.nevo_dir.is_dir() else None,
            python_path=project.import_roots,
            python=tests_python,
            site_python=project.python,
            tests=[str(t.relative_to(project.root)) for t in tests],
            tests_note=f"{note}; {project.describe()}",
        ),
        project=project,
        apply=apply,
    )
    subject = ", ".join(sorted(files))[:500]
    if not workspace.nevo_dir.is_dir():
        # Not a nevo workspace: check anyway, offline, and leave no .nevo/ behind.
        return run_pipeline(files, subject=subject, options=options, clock=clock, workspace=workspace)
    db = open_database(workspace)
    try:
        provider = make_provider(workspace, config, db, clock=clock)
        return run_pipeline(
            files,
            subject=subject,
            provider=provider,
            db=db,
            options=options,
            clock=clock,
            workspace=workspace,
        )
    finally:
        db.close()


def project_files(paths: Sequence[Path]) -> tuple[Project, dict[str, str]]:
    """The project the paths are in, and the Python and shell files named (folders: the files in them),
    relative to its root."""
    from nevo.errors import NevoError
    from nevo.quality.artifact import MAX_FILE_BYTES, MAX_FILES
    from nevo.quality.project import load_project

    chosen: list[Path] = []
    for path in paths:
        path = path.expanduser().resolve()
        if path.is_dir():
            chosen.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix in (".py", ".sh") and "__pycache__" not in p.parts
                )
            )
        elif path.is_file():
            chosen.append(path)
        else:
            raise NevoError(f"{path} is not a file", "name the files to check: nevo quality run src/x.py")
    if not chosen:
        raise NevoError("no files to check", "name Python or shell files: nevo quality run src/x.py")
    if len(chosen) > MAX_FILES:
        raise NevoError(f"{len(chosen)} files is too many for one run (at most {MAX_FILES})", "name fewer files")
    project = load_project(chosen)
    files = {}
    for path in dict.fromkeys(chosen):
        if not path.is_relative_to(project.root):
            raise NevoError(f"{path} is outside the project at {project.root}", "check one project at a time")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise NevoError(f"{path} is larger than {MAX_FILE_BYTES // 1024} KiB", "check smaller files")
        files[str(path.relative_to(project.root))] = path.read_text(encoding="utf-8", errors="replace")
    return project, files


def list_escalations(workspace: Workspace, *, include_resolved: bool = False) -> list[dict[str, object]]:
    """Pipeline runs that refinement could not fix: what a person has to decide."""
    import json

    from nevo.db import open_database

    sql = "SELECT id, run_id, at, subject, reason, findings, status FROM escalations"
    sql += "" if include_resolved else " WHERE status = 'open'"
    with open_database(workspace) as db:
        rows = db.query(sql + " ORDER BY id")
    return [{**dict(row), "findings": json.loads(row["findings"] or "[]")} for row in rows]


def resolve_escalation(workspace: Workspace, escalation_id: int) -> None:
    from nevo.db import open_database
    from nevo.errors import NevoError

    with open_database(workspace) as db:
        if db.one("SELECT 1 FROM escalations WHERE id = ?", (escalation_id,)) is None:
            raise NevoError(f"no escalation #{escalation_id}", "`nevo quality escalations` lists them")
        db.execute("UPDATE escalations SET status = 'resolved' WHERE id = ?", (escalation_id,))
