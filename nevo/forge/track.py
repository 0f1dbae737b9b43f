"""TRACK: the skill inventory and what happened since each skill was deployed.

For each skill: when, which gap, which incidents, the uses seen in the journal (a ``Skill`` tool call that
names it, or a read of its SKILL.md), and the recurrences of its origin since (its incidents occurring
again; for a workflow skill, sessions that still rebuilt the workflow by hand). A skill whose origin keeps
recurring, or that nobody used for ``forge.unused_days``, is flagged. ``deactivate`` moves it out of
``.claude/skills/`` (into ``.nevo/skills-inactive/``, still in git) in a commit of its own.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from nevo import safepath
from nevo.clock import Clock, iso, parse_instant
from nevo.db import Database, OperationalError
from nevo.errors import NevoError
from nevo.workspace import Workspace

RECURRENCE_FLAG = 2  # origin recurrences since deployment that say the skill is not doing its job
INACTIVE_DIR = "skills-inactive"


@dataclass
class SkillReport:
    name: str
    status: str
    path: str
    created_at: str | None
    origin: str
    gap_id: int | None
    incidents: list[str]
    commit: str | None
    uses: int = 0
    last_used: str | None = None
    recurrences: int = 0
    flags: list[str] = field(default_factory=list)
    tracked: bool = True  # False: a skill in .claude/skills that the forge did not make

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def inactive_dir(workspace: Workspace) -> Path:
    return workspace.nevo_dir / INACTIVE_DIR


_USE_CONDITION = (
    "kind = 'tool' AND COALESCE(at, '') >= ? AND ((tool = 'Skill' AND (command = ? OR input LIKE ?))"
    " OR (tool IN ('Read', 'Bash') AND command LIKE ?))"
)


def _use_params(name: str, since: str | None) -> tuple[str, ...]:
    return (since or "", name, f'%"{name}"%', f"%.claude/skills/{name}/%")


def sessions_using(db: Database, name: str, since: str | None) -> set[str]:
    try:
        rows = db.query(
            f"SELECT DISTINCT session_id FROM journal WHERE {_USE_CONDITION}", _use_params(name, since)
        )
    except OperationalError:
        return set()
    return {row["session_id"] for row in rows}


def skill_uses(db: Database, name: str, since: str | None) -> tuple[int, str | None]:
    """(count, last time) of journal entries that used the skill after ``since``: a Skill tool call naming
    it, a read of its SKILL.md, or a run of one of its scripts."""
    try:
        row = db.one(
            f"SELECT COUNT(*) AS uses, MAX(at) AS last FROM journal WHERE {_USE_CONDITION}",
            _use_params(name, since),
        )
    except OperationalError:  # no journal (memory not set up)
        return 0, None
    return (int(row["uses"]), row["last"]) if row else (0, None)


def origin_recurrences(
    db: Database, gap: dict[str, Any] | None, incidents: list[str], since: str, skill: str
) -> int:
    """How often the skill's origin came back after ``since``: its incidents occurring again, and for a
    workflow skill the sessions that rebuilt the workflow by hand without using the skill."""
    from nevo.incidents import count_since

    total = 0
    for incident_id in incidents:
        try:
            total += count_since(db, incident_id, since)
        except OperationalError:
            return 0
    if gap and gap.get("source") == "journal":
        from nevo.forge.sequences import occurrence, session_steps

        sequence = tuple(gap.get("evidence", {}).get("sequence") or ())
        if sequence:
            using = sessions_using(db, skill, since)
            total += sum(
                1
                for sid, steps in session_steps(db, since).items()
                if sid not in using and occurrence(steps, sequence)
            )
    return total


def inventory(workspace: Workspace, db: Database, clock: Clock, unused_days: int) -> list[SkillReport]:
    """Every skill the forge deployed (active or not) plus untracked ones found in .claude/skills/."""
    now = clock()
    reports = []
    for row in db.query(
        "SELECT s.*, g.source, g.evidence FROM skills s LEFT JOIN gap_candidates g"
        " ON g.id = s.gap_id ORDER BY s.created_at, s.name"
    ):
        incidents = json.loads(row["incidents"] or "[]")
        report = SkillReport(
            row["name"],
            row["status"],
            row["path"],
            row["created_at"],
            row["origin"],
            row["gap_id"],
            incidents,
            row["commit_sha"],
        )
        report.uses, report.last_used = skill_uses(db, row["name"], row["created_at"])
        gap = (
            {"source": row["source"], "evidence": json.loads(row["evidence"] or "{}")}
            if row["source"]
            else None
        )
        report.recurrences = origin_recurrences(db, gap, incidents, row["created_at"], row["name"])
        if report.status == "active":
            if report.recurrences >= RECURRENCE_FLAG:
                report.flags.append(f"origin recurred {report.recurrences} times since it was deployed")
            quiet_since = parse_instant(report.last_used or row["created_at"])
            if now - quiet_since >= timedelta(days=unused_days):
                report.flags.append(f"unused for {(now - quiet_since).days} days (limit {unused_days})")
        reports.append(report)
    known = {r.name for r in reports}
    if workspace.skills_dir.is_dir():
        for folder in sorted(workspace.skills_dir.iterdir()):
            if (folder / "SKILL.md").is_file() and folder.name not in known:
                report = SkillReport(
                    folder.name,
                    "active",
                    str(folder.relative_to(workspace.root)),
                    None,
                    "not made by the forge",
                    None,
                    [],
                    None,
                    tracked=False,
                )
                report.uses, report.last_used = skill_uses(db, folder.name, None)
                reports.append(report)
    return reports


def deactivate(workspace: Workspace, db: Database, name: str, reason: str, clock: Clock) -> str:
    """Move ``.claude/skills/<name>`` to ``.nevo/skills-inactive/<name>`` and commit just that move;
    returns the commit's sha."""
    from nevo.gitops import commit_or_queue

    source = workspace.skills_dir / safepath.skill_name(name)
    if not (source / "SKILL.md").is_file():
        raise NevoError(
            f"no active skill named {name!r} in {workspace.skills_dir}", "`nevo forge list` shows them"
        )
    target = inactive_dir(workspace) / name
    if target.exists():
        raise NevoError(f"{target} already exists", "remove or rename it, then deactivate again")
    target.parent.mkdir(parents=True, exist_ok=True)
    message = (
        f"skill {name}: deactivate\n\nReason: {reason}\nMoved to {target.relative_to(workspace.root)}"
        " (still in git; move it back to reactivate).\n"
    )
    # Not committed now: moved back (nothing half-done); killed before the commit: the next run commits it.
    sha = commit_or_queue(
        workspace, f"deactivate:{name}", [source, target], message,
        write=lambda: shutil.move(str(source), str(target)), undo=lambda: shutil.move(str(target), str(source)),
    ).sha or ""
    now = iso(clock())
    if db.one("SELECT 1 FROM skills WHERE name = ?", (name,)):
        db.execute(
            "UPDATE skills SET status = 'deactivated', deactivated_at = ?, deactivated_reason = ?,"
            " path = ? WHERE name = ?",
            (now, reason, str(target.relative_to(workspace.root)), name),
        )
    else:
        db.execute(
            "INSERT INTO skills (name, path, origin, status, created_at, deactivated_at, deactivated_reason)"
            " VALUES (?, ?, 'not made by the forge', 'deactivated', ?, ?, ?)",
            (name, str(target.relative_to(workspace.root)), now, now, reason),
        )
    return sha
