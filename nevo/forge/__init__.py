"""The skill forge: DETECT -> EVALUATE -> GENERATE -> VALIDATE -> DEPLOY -> TRACK.

Public API (each CLI command calls one of these):
``request_skill(ws, text)`` (``nevo forge request``), ``run_forge(ws)`` (``nevo forge run``),
``validate_skill(dir)`` (``nevo forge validate``), ``list_skills`` / ``show_skill`` / ``deactivate_skill``
(``nevo forge list|show|deactivate``), and ``detect_step(ws, db, clock)`` for ``nevo nightly``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nevo.clock import Clock, system_clock
from nevo.config import load_config
from nevo.db import Database, open_database
from nevo.errors import NevoError
from nevo.forge import evaluate
from nevo.forge.deploy import Completes, Outcome, build_and_deploy, set_gap
from nevo.forge.detect import Gap, detect_all, from_request, list_gaps, load_gap, store
from nevo.forge.track import SkillReport, deactivate, inventory
from nevo.forge.validate import ValidationResult, validate_skill
from nevo.providers import ProviderError, Request, load_agent
from nevo.quality import PipelineOptions, ToolOptions
from nevo.workspace import Workspace

__all__ = [
    "ForgeReport",
    "Gap",
    "SkillReport",
    "ValidationResult",
    "deactivate_skill",
    "detect_step",
    "list_skills",
    "request_skill",
    "run_forge",
    "show_skill",
    "validate_skill",
]


@dataclass
class ForgeReport:
    detected: list[Gap] = field(default_factory=list)
    evaluated: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "detected": [
                {"id": g.id, "source": g.source, "title": g.title, "status": g.status} for g in self.detected
            ],
            "evaluated": self.evaluated,
            "outcomes": [o.to_json() for o in self.outcomes],
        }


def detect_step(workspace: Workspace, db: Database, clock: Clock = system_clock) -> dict[str, Any]:
    """Nightly: find gaps (analyses, repeated journal sequences) and store them; generation waits for
    ``nevo forge run``. Also reports skills flagged by tracking."""
    config = load_config(workspace)
    gaps = store(db, detect_all(db, int(config.get("forge.min_sessions"))), clock)
    flagged = [
        r.name for r in inventory(workspace, db, clock, int(config.get("forge.unused_days"))) if r.flags
    ]
    return {"gaps": len(gaps), "new": sum(1 for g in gaps if g.status == "new"), "flagged_skills": flagged}


def request_skill(workspace: Workspace, text: str, *, clock: Clock = system_clock) -> Gap:
    """Record a person's request for a skill, with what the journal knows about it."""
    if not text.strip():
        raise NevoError(
            "the request is empty", 'say what the skill should do: nevo forge request "run the migrations"'
        )
    with open_database(workspace) as db:
        return store(db, [from_request(db, text)], clock, reopen=True)[0]


def evaluate_gap(
    workspace: Workspace, db: Database, provider: Completes, gap: Gap, clock: Clock
) -> Gap | None:
    """EVALUATE one new gap; None when the provider is unavailable (the gap waits for the next run)."""
    assert gap.id is not None
    try:
        agent = load_agent("gap-evaluator", workspace)
        output = provider.complete(
            Request(agent, evaluate.TASK, evaluate.evaluation_request_data(gap), evaluate.SCHEMA, 1024)
        ).output
    except ProviderError:
        return None
    parsed = evaluate.parse_decision(output)
    if parsed is None:  # an unusable answer: the deterministic decision, and say so
        fallback = evaluate.decide_offline(gap.to_json())
        parsed = fallback["decision"], fallback["reason"] + " (the evaluator's answer was unusable)"
    decision, reason = parsed
    status = "evaluated" if decision == "skill" else "routed"
    note = (
        None
        if decision == "skill"
        else {
            "rule": "left to the analyst (`nevo analyze`): a rule closes it",
            "hook": "needs enforcement (a PreToolUse guard or a hook); for a person",
            "agent": "a sub-agent's definition should change; for a person",
        }[decision]
    )
    set_gap(db, gap.id, clock, status=status, decision=decision, decision_reason=reason, note=note)
    return load_gap(db, gap.id)


def run_forge(
    workspace: Workspace,
    *,
    clock: Clock = system_clock,
    provider: Completes | None = None,
    pipeline_options: PipelineOptions | None = None,
) -> ForgeReport:
    """``nevo forge run``: detect, evaluate the new gaps, and build, check and deploy the skills."""
    from nevo.providers import make_provider

    config = load_config(workspace)
    report = ForgeReport()
    with open_database(workspace) as db:
        report.detected = store(db, detect_all(db, int(config.get("forge.min_sessions"))), clock)
        chosen = provider or make_provider(workspace, config, db, clock=clock)
        for gap in list_gaps(db, "new"):
            evaluated = evaluate_gap(workspace, db, chosen, gap, clock)
            if evaluated is not None:
                report.evaluated.append(
                    {
                        "id": evaluated.id,
                        "title": evaluated.title,
                        "decision": evaluated.decision,
                        "reason": evaluated.decision_reason,
                    }
                )
        options = pipeline_options or PipelineOptions(
            max_refinements=int(config.get("quality.max_refinements")),
            tools=ToolOptions(mypy_cache_dir=workspace.nevo_dir / "cache" / "mypy"),
        )
        for gap in list_gaps(db, "evaluated"):
            report.outcomes.append(build_and_deploy(workspace, db, chosen, gap, clock, options))
    if any(outcome.status == "deployed" for outcome in report.outcomes):
        _refresh_context(workspace)
    return report


def _refresh_context(workspace: Workspace) -> None:
    from nevo.context import refresh_context

    refresh_context(workspace)


def list_skills(workspace: Workspace, *, clock: Clock = system_clock) -> list[SkillReport]:
    config = load_config(workspace)
    with open_database(workspace) as db:
        return inventory(workspace, db, clock, int(config.get("forge.unused_days")))


def show_skill(workspace: Workspace, name: str, *, clock: Clock = system_clock) -> dict[str, Any]:
    """One skill's inventory entry, its gap and its SKILL.md."""
    for report in list_skills(workspace, clock=clock):
        if report.name == name:
            shown = report.to_json()
            with open_database(workspace) as db:
                if report.gap_id is not None:
                    shown["gap"] = load_gap(db, report.gap_id).to_json()
            skill_md = workspace.root / report.path / "SKILL.md"
            shown["skill_md"] = skill_md.read_text(encoding="utf-8") if skill_md.is_file() else None
            return shown
    raise NevoError(f"no skill named {name!r}", "`nevo forge list` shows the skills")


def deactivate_skill(
    workspace: Workspace, name: str, *, reason: str = "deactivated by a person", clock: Clock = system_clock
) -> str:
    with open_database(workspace) as db:
        return deactivate(workspace, db, name, reason, clock)


def forge_status(workspace: Workspace, db: Database, clock: Clock = system_clock) -> dict[str, Any]:
    """What ``nevo status`` shows for the forge and the quality pipeline: active and flagged skills, gaps
    waiting, and escalations a person has to decide."""
    config = load_config(workspace)
    skills = inventory(workspace, db, clock, int(config.get("forge.unused_days")))
    return {
        "skills_active": sum(1 for s in skills if s.status == "active"),
        "skills_flagged": {s.name: s.flags for s in skills if s.flags},
        "gaps_waiting": int(
            db.scalar("SELECT COUNT(*) FROM gap_candidates WHERE status IN ('new', 'evaluated')")
        ),
        "escalations_open": int(db.scalar("SELECT COUNT(*) FROM escalations WHERE status = 'open'")),
        "last_pipeline_verdict": db.scalar(
            "SELECT verdict FROM pipeline_runs WHERE verdict IS NOT NULL ORDER BY id DESC LIMIT 1"
        ),
    }
