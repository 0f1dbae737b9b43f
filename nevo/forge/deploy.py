"""GENERATE -> VALIDATE -> quality pipeline -> DEPLOY for one gap the evaluation sent to a skill.

Only a valid skill whose scripts the pipeline approved is deployed, as one commit that holds nothing but
``.claude/skills/<name>/`` (``nevo.gitops.commit_files``), with a message that says which gap, which
incidents, why a skill, and what the checks said. The skill is written in a scratch folder first, so a
rejected skill never touches the workspace.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nevo.clock import Clock, iso
from nevo.db import Database
from nevo.errors import NevoError
from nevo.forge.detect import Gap
from nevo.forge.generate import (
    SCHEMA,
    TASK,
    GenerationRefused,
    draft_from_output,
    generation_data,
    skill_name,
    slug,
)
from nevo.forge.validate import MAX_NAME, NAME_PATTERN, validate_skill
from nevo.providers import ProviderError, Request, Response, load_agent
from nevo.quality import PipelineOptions, PipelineResult, run_pipeline
from nevo.workspace import Workspace


class Completes(Protocol):
    def complete(self, request: Request) -> Response: ...


@dataclass
class Outcome:
    gap_id: int
    status: str  # deployed | rejected | failed | deferred (left for a later run)
    note: str = ""
    skill_name: str | None = None
    commit: str | None = None
    verdict: str | None = None
    problems: list[str] = field(default_factory=list)
    pipeline_run_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def set_gap(db: Database, gap_id: int, clock: Clock, **values: Any) -> None:
    columns = ", ".join(f"{key} = ?" for key in values)
    db.execute(
        f"UPDATE gap_candidates SET {columns}, updated_at = ? WHERE id = ?",
        (*values.values(), iso(clock()), gap_id),
    )


def build_and_deploy(
    workspace: Workspace, db: Database, provider: Completes, gap: Gap, clock: Clock, options: PipelineOptions
) -> Outcome:
    assert gap.id is not None
    try:
        output = provider.complete(
            Request(load_agent("skill-writer", workspace), TASK, generation_data(gap), SCHEMA, 8192)
        ).output
        draft = draft_from_output(output)
    except ProviderError as exc:
        return Outcome(gap.id, "deferred", f"the skill-writer is unavailable: {exc.message}")
    except GenerationRefused as exc:
        set_gap(db, gap.id, clock, status="failed", note=f"the skill-writer declined: {exc}")
        return Outcome(gap.id, "failed", f"the skill-writer declined: {exc}")
    if not NAME_PATTERN.match(draft.name) or len(draft.name) > MAX_NAME:
        # The name becomes a folder: whatever the writer said, it is made a safe slug first ("../x" included).
        draft.name = (
            slug(re.findall(r"[a-z0-9]+", draft.name.lower())) if draft.name else skill_name(gap.to_json())
        )
    draft.name = _free_name(workspace, draft.name)
    with tempfile.TemporaryDirectory(prefix="nevo-skill-") as scratch:
        folder = draft.write(Path(scratch) / draft.name)
        validation = validate_skill(folder, strict=True, require_sections=True)
        scripts = {f"scripts/{name}": text for name, text in draft.scripts.items()}
        result = run_pipeline(
            scripts,
            subject=f"skill:{draft.name}",
            provider=provider,
            db=db,
            options=options,
            clock=clock,
            workspace=workspace,
            validation_problems=validation.problems,
        )
        for relative, text in result.files.items():  # the refined scripts are the ones that were approved
            (folder / relative).write_text(text, encoding="utf-8")
        if result.approved:
            validation = validate_skill(folder, strict=True, require_sections=True)
        if not validation.valid or not result.approved:
            reasons = [] if result.approved else [r for r in result.reasons if not r.startswith("invalid: ")]
            note = "; ".join([*validation.problems, *reasons])[:2000]
            set_gap(db, gap.id, clock, status="rejected", skill_name=draft.name, note=note)
            return Outcome(
                gap.id,
                "rejected",
                note,
                draft.name,
                verdict=result.verdict,
                problems=validation.problems,
                pipeline_run_id=result.run_id,
            )
        return _deploy(workspace, db, gap, folder, draft.name, result, clock)


def _free_name(workspace: Workspace, name: str) -> str:
    if not (workspace.skills_dir / name).exists():
        return name
    for number in range(2, 100):
        candidate = f"{name[:60]}-{number}"
        if not (workspace.skills_dir / candidate).exists():
            return candidate
    raise NevoError(f"no free skill name like {name!r} in {workspace.skills_dir}")


def commit_message(gap: Gap, name: str, result: PipelineResult) -> str:
    checks = ", ".join(
        f"{s.name} {s.status}"
        for s in result.stages
        if s.name in ("typecheck", "test", "lint", "critique") and s.attempt == result.refinements
    )
    lines = [
        f"skill {name}: {gap.title}"[:200],
        "",
        f"Gap #{gap.id} ({gap.source}): {gap.detail or gap.title}"[:500],
        f"Decision: skill - {gap.decision_reason or 'a reusable workflow'}",
        f"Validation: passed; quality pipeline {result.verdict} after {result.refinements} refinement(s)"
        + (f" ({checks})" if checks else ""),
    ]
    if gap.incidents:
        lines.append(f"Incidents: {', '.join(gap.incidents)}")
    if gap.evidence.get("sessions"):
        lines.append(f"Sessions: {', '.join(map(str, gap.evidence['sessions'][:10]))}")
    lines.append("Generated by nevo's skill forge; `nevo forge deactivate " + name + "` retires it.")
    return "\n".join(lines) + "\n"


def _deploy(
    workspace: Workspace,
    db: Database,
    gap: Gap,
    folder: Path,
    name: str,
    result: PipelineResult,
    clock: Clock,
) -> Outcome:
    from nevo.gitops import GitBusy, NotAGitRepo, commit_or_queue

    assert gap.id is not None
    target = workspace.skills_dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:  # a run killed before the commit has its copy removed by the next (recover="remove"): it redeploys
        sha = commit_or_queue(
            workspace, f"skill:{name}", [target], commit_message(gap, name, result), recover="remove",
            write=lambda: shutil.copytree(folder, target), undo=lambda: shutil.rmtree(target),
        ).sha or ""
    except GitBusy as exc:
        return Outcome(gap.id, "deferred", f"not deployed yet: {exc.message}", name)
    except NotAGitRepo as exc:
        note = f"{exc.message}: nevo deploys each skill as its own commit (run `git init` first)"
        set_gap(db, gap.id, clock, status="failed", skill_name=name, note=note)
        return Outcome(gap.id, "failed", note, name)
    now = iso(clock())
    with db.transaction():
        db.execute(
            "INSERT INTO skills (name, path, gap_id, incidents, origin, status, commit_sha, pipeline_run_id,"
            " created_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)",
            (
                name,
                str(target.relative_to(workspace.root)),
                gap.id,
                json.dumps(gap.incidents),
                f"{gap.source}: {gap.title}"[:500],
                sha,
                result.run_id,
                now,
            ),
        )
        set_gap(db, gap.id, clock, status="deployed", skill_name=name, note=f"deployed in {sha[:12]}")
    return Outcome(
        gap.id, "deployed", f"committed {sha[:12]}", name, sha, result.verdict, pipeline_run_id=result.run_id
    )
