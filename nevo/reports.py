"""Readable incident reports: ``.nevo/incidents/<id>.md``, one per incident, for people.

A report is written when an incident opens and rewritten when it gains a recovery or becomes a loop
(the database flags it ``report_written = 0`` in the same transaction as the change, so a crash before
the file is written only delays it to the next pass). Reports are derived: no fsync, the database is
the record. ``nevo incidents show ID`` always has the live figures.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from nevo import incidents as store
from nevo.db import Database
from nevo.incidents import Incident
from nevo.workspace import Workspace


def report_path(workspace: Workspace, incident_id: str) -> Path:
    return workspace.incidents_dir / f"{incident_id}.md"


def write_due_reports(workspace: Workspace, db: Database) -> list[str]:
    """Write every report the database marks as due; returns the incident ids written."""
    due = store.reports_due(db)
    if not due:
        return []
    workspace.incidents_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for incident_id in due:
        incident = store.get_incident(db, incident_id)
        if incident is None:
            continue
        _write_quickly(report_path(workspace, incident_id), render_report(incident))
        written.append(incident_id)
    with db.transaction():
        store.mark_reports_written(db, written)
    return written


def render_report(incident: Incident) -> str:
    sample = incident.sample
    what = f"`{incident.command}`" if incident.command else incident.tool
    lines = [
        f"# {incident.id}: {what} failed ({incident.error_class or 'error'})",
        "",
        "| | |",
        "|---|---|",
        f"| tool | {incident.tool} |",
        f"| command | {_cell(incident.command or '-')} |",
        f"| error class | {_cell(incident.error_class or '-')} |",
        f"| first seen | {incident.first_seen} |",
        f"| seen | {incident.count} time(s) in {incident.session_count} session(s) (at writing) |",
        f"| status | {incident.status} |",
        f"| loop | {'yes: it failed repeatedly within one session' if incident.is_loop else 'no'} |",
        f"| fingerprint | `{incident.fingerprint}` |",
        "",
        "## Error (first sighting, secrets redacted)",
        "",
        *_fenced(str(sample.get("error", "")), "text"),
        "",
        "## Input of the failing call",
        "",
        *_fenced(json.dumps(sample.get("tool_input", {}), indent=2, ensure_ascii=False), "json"),
        "",
        f"Working directory: `{sample.get('cwd') or '-'}`, session `{sample.get('session_id') or '-'}`.",
        "",
        "## What the fingerprint covers",
        "",
        *_fenced(incident.normalized_error or "(nothing beyond the tool and command)", "text"),
        "",
        "## Recovery",
        "",
        *_recovery(incident),
        "",
        f"Live figures and every occurrence: `nevo incidents show {incident.id}`.",
        "",
    ]
    return "\n".join(lines)


def _recovery(incident: Incident) -> list[str]:
    recovery = incident.recovery
    if recovery is None:
        return ["None seen yet: no later call in the same session plausibly fixed this failure."]
    out = [f"At {recovery.at}, in session `{recovery.session_id}`, this call succeeded:", ""]
    if recovery.command:
        out += _fenced(recovery.command, "sh")
    else:
        out += _fenced(json.dumps(recovery.input, indent=2, ensure_ascii=False), "json")
    if recovery.between:
        out += ["", "Calls in between:", "", *[f"- {_cell(step)}" for step in recovery.between]]
    return out


def _fenced(text: str, language: str) -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [f"{fence}{language}", text.rstrip("\n"), fence]


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _write_quickly(path: Path, text: str) -> None:
    """Temp file + rename (a reader never sees half a report), without fsync: reports are derived."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
