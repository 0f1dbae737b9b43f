"""The quality pipeline: what stops self-improvement from becoming self-harm.

``run_pipeline(files, subject=...)`` runs WRITE, TYPECHECK, TEST, LINT, CRITIQUE, REFINE, ESCALATE and ARBITER
over an artifact (relative path -> text) and returns a :class:`PipelineResult` (verdict approved / denied /
escalated, every stage's status, time and findings). ``run_files(ws, paths)`` is ``nevo quality run``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nevo.clock import Clock, system_clock
from nevo.quality.checks import ToolOptions
from nevo.quality.model import Finding, PipelineResult, StageResult
from nevo.quality.pipeline import PipelineOptions, collect_files, run_pipeline
from nevo.workspace import Workspace

__all__ = [
    "Finding",
    "PipelineOptions",
    "PipelineResult",
    "StageResult",
    "ToolOptions",
    "collect_files",
    "run_files",
    "run_pipeline",
]


def run_files(workspace: Workspace, paths: Sequence[Path], *, clock: Clock = system_clock) -> PipelineResult:
    """``nevo quality run FILE...``: the pipeline over the files (and their tests) with the workspace's
    provider, refinement limit and database. The files themselves are never modified."""
    from nevo.config import load_config
    from nevo.db import open_database
    from nevo.providers import make_provider

    root, files = collect_files(paths, workspace.root)
    config = load_config(workspace)
    options = PipelineOptions(
        max_refinements=int(config.get("quality.max_refinements")),
        tools=ToolOptions(
            mypy_cache_dir=workspace.nevo_dir / "cache" / "mypy" if workspace.nevo_dir.is_dir() else None,
            python_path=(root,),
        ),
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
