"""``nevo status``: what is installed in a workspace, what is waiting, and what the runs at session end did."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from nevo import background
from nevo.errors import NevoError
from nevo.install import read_state
from nevo.plugin import plugin_state, runs_hooks_of
from nevo.settings import HOOKS_MARK, our_hooks, parse_settings
from nevo.workspace import Workspace


def pending_triggers(workspace: Workspace) -> list[Path]:
    """Complete trigger files waiting for the monitor, oldest first (temp files being written are not listed)."""
    folder = workspace.triggers_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))


def rejected_triggers(workspace: Workspace) -> list[dict[str, str]]:
    """Triggers the monitor could not read, moved aside with the reason next to them."""
    folder = workspace.rejected_dir
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".reason" or path.name.startswith("."):
            continue
        reason_file = path.with_name(path.name + ".reason")
        reason = reason_file.read_text(encoding="utf-8", errors="replace").strip() if reason_file.exists() else ""
        found.append({"file": path.name, "reason": reason})
    return found


def _age_seconds(path: Path) -> float | None:
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:  # taken by the monitor meanwhile
        return None


def script_name(command: str) -> str:
    """The hook script a nevo handler runs (``.../.nevo/hooks/capture`` -> ``capture``)."""
    match = _SCRIPT.search(command)
    return match.group(1) if match else command


_SCRIPT = re.compile(re.escape(HOOKS_MARK) + r"([\w.-]+)")


def gather(workspace: Workspace) -> dict[str, Any]:
    try:
        state = read_state(workspace)
        state_error = None
    except NevoError as exc:
        state, state_error = {}, exc.message
    hooks: list[dict[str, Any]] = []
    settings_error = None
    if workspace.settings_path.is_file():
        try:
            settings = parse_settings(workspace.settings_path.read_text(encoding="utf-8"), str(workspace.settings_path))
            for event, matcher, command in our_hooks(settings):
                name = script_name(command)
                script = workspace.hooks_dir / name
                hooks.append({"event": event, "matcher": matcher, "script": name, "present": script.is_file()})
        except NevoError as exc:
            settings_error = exc.message
    pending = pending_triggers(workspace)
    capture_log = workspace.capture_log
    capture_errors = 0
    if capture_log.is_file():
        capture_errors = sum(1 for _ in capture_log.open(encoding="utf-8", errors="replace"))
    result: dict[str, Any] = {
        "workspace": str(workspace.root),
        "installed": bool(state),
        "version": state.get("version"),
        "installed_at": state.get("installed_at"),
        "options": state.get("options", {}),
        "hooks": hooks,
        "settings_error": settings_error,
        "install_error": state_error,
        "pending_triggers": len(pending),
        "oldest_pending_age_s": _age_seconds(pending[0]) if pending else None,
        "rejected_triggers": rejected_triggers(workspace),
        "capture_errors": capture_errors,
        "plugin": {**plugin_state(workspace).to_json(), "runs_hooks": runs_hooks_of(workspace)},
        "background": background.summary(workspace),
    }
    result.update(_sections(workspace))
    return result


def _sections(workspace: Workspace) -> dict[str, Any]:
    """What the later stages report (incidents, rules waiting for git, memory); each may be absent."""
    from nevo import store

    extra: dict[str, Any] = {"store": store.describe(workspace)}
    reachable = _shared_incidents(workspace, extra)
    if workspace.db_path.is_file():
        from nevo.db import open_database

        try:
            with open_database(workspace) as db:
                rows = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'incidents'")
                if rows and extra["store"]["kind"] == "sqlite":
                    extra["incidents"] = {
                        row["status"]: row["n"]
                        for row in db.query("SELECT status, COUNT(*) AS n FROM incidents GROUP BY status")
                    }
                    extra["loops"] = int(db.scalar("SELECT COUNT(*) FROM incidents WHERE is_loop = 1"))
                from nevo.forge import forge_status
                from nevo.memory.status import memory_status

                extra["forge"] = forge_status(workspace, db)
                extra["memory"] = memory_status(db, workspace)
                if extra["store"]["kind"] == "postgresql":  # counted here while the store was away: to ship
                    extra["store"]["llm_calls_waiting"] = int(db.scalar("SELECT COUNT(*) FROM llm_calls") or 0)
        except NevoError as exc:
            extra["database_error"] = exc.message
    has_rules = any(workspace.rules_dir.glob("*.md")) or any((workspace.agents_dir / "rules").glob("*/*.md"))
    local_ok = workspace.db_path.is_file() and "database_error" not in extra
    if reachable and (local_ok or extra["store"]["kind"] != "sqlite") and has_rules:
        from nevo.rules import overview

        rules = overview(workspace)
        extra["rules"] = {
            "active": sum(1 for r in rules if r["status"] == "active"),
            "agent_rules": sum(1 for r in rules if r["agent"] and r["status"] == "active"),
            "guards": sum(1 for r in rules if r["guard"] and r["status"] == "active"),
            "guard_hits": sum(int(r["guard_hits"]) for r in rules if r["status"] == "active"),
            "stood_aside": sum(int(r["stood_aside"]) for r in rules if r["status"] == "active"),
            "failing": [r["id"] for r in rules if r["failing"]],
            "decorative": [r["id"] for r in rules if r["decorative"]],
        }
    waiting = pending_commits(workspace)
    if waiting:
        extra["rules_waiting"] = waiting
    return extra


def _shared_incidents(workspace: Workspace, extra: dict[str, Any]) -> bool:
    """Incident counts from the shared store into ``extra`` (when one is configured); False when it cannot be
    read (its error, and since when it is unreachable, are in ``extra["store"]``)."""
    from nevo import store

    info = extra["store"]
    if info["kind"] == "sqlite":
        return True  # read with the rest of the local database
    if info.get("error"):
        return False
    try:
        with store.open_store(workspace) as db:
            extra["incidents"] = {
                row["status"]: int(row["n"])
                for row in db.query("SELECT status, COUNT(*) AS n FROM incidents GROUP BY status")
            }
            extra["loops"] = int(db.scalar("SELECT COUNT(*) FROM incidents WHERE is_loop = 1"))
    except store.StoreUnavailable as exc:
        store.note_unreachable(workspace, exc)
        info["unreachable"] = store.unreachable(workspace)
        return False
    store.note_reachable(workspace)
    info["unreachable"] = None
    return True


def pending_commits(workspace: Workspace) -> list[dict[str, Any]] | str:
    """Commits nevo owes the repository: waiting for git, or left by a run that was killed (with what the
    next run does about it); "unreadable" when the queue file is."""
    from nevo import commit_queue, gitops

    try:
        entries = commit_queue.read(commit_queue.queue_path(workspace))
    except NevoError:
        return "unreadable"
    out: list[dict[str, Any]] = []
    for entry in entries:
        reason = str(entry.get("reason") or "")
        if entry["state"] == "intent" and not commit_queue.owner_alive(entry):
            reason = "interrupted (nevo was killed before committing); the next `nevo analyze` finishes it"
        out.append({"id": entry["id"], "paths": entry["paths"], "state": entry["state"], "reason": reason})
    out += [
        {"id": "git", "paths": [], "state": "interrupted", "reason": line}
        for line in gitops.interrupted(workspace.root)
    ]
    return out
