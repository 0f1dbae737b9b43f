"""``nevo doctor``: check an installation and say, for each problem, how to fix it."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from nevo import plugin
from nevo.config import load_config
from nevo.errors import NevoError
from nevo.install import desired_hooks, read_state
from nevo.settings import our_hooks, parse_settings
from nevo.workspace import Workspace


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def run_checks(workspace: Workspace, *, claude_binary: str = "claude") -> list[Check]:
    checks: list[Check] = []
    try:
        state = read_state(workspace)
        checks.append(
            Check(
                "installed",
                bool(state),
                f"nevo {state.get('version')} installed" if state else "nevo is not installed here",
                None if state else "run `nevo init`",
            )
        )
    except NevoError as exc:
        state = {}
        checks.append(Check("installed", False, exc.message, "run `nevo init` (it moves the bad file aside)"))

    settings: dict[str, object] | None
    if not workspace.settings_path.is_file():
        settings = {}
        checks.append(
            Check(
                "settings",
                not state,
                f"there is no {workspace.settings_path}",
                "run `nevo init` to register the hooks again" if state else None,
            )
        )
    else:
        try:
            settings = parse_settings(workspace.settings_path.read_text(encoding="utf-8"), str(workspace.settings_path))
            checks.append(Check("settings", True, f"{workspace.settings_path} is valid JSON"))
        except NevoError as exc:
            settings = None
            checks.append(Check("settings", False, exc.message, exc.hint))

    if settings is not None and state:
        registered = {(event, command) for event, _, command in our_hooks(settings)}
        options = state.get("options", {})
        wanted = plugin.settings_hooks(desired_hooks(workspace, options), plugin.runs_hooks_of(workspace))
        missing = [s for s in wanted if (s.event, s.command) not in registered]
        checks.append(
            Check(
                "hooks registered",
                not missing,
                "all nevo hooks are registered"
                if not missing
                else "not registered: " + ", ".join(s.event for s in missing),
                None if not missing else "run `nevo init` to register them again",
            )
        )
        bad = []
        for spec in desired_hooks(workspace, state.get("options", {})):
            script = workspace.hooks_dir / spec.script
            if not script.is_file():
                bad.append(f"{spec.script} missing")
            elif not os.access(script, os.X_OK):
                bad.append(f"{spec.script} not executable")
        checks.append(
            Check(
                "hook scripts",
                not bad,
                "present and executable" if not bad else "; ".join(sorted(set(bad))),
                None if not bad else "run `nevo init` to reinstall the scripts",
            )
        )

    if state.get("options", {}).get("quality_gate"):
        checks.append(_quality_tools_check())

    if state:
        absent = [f for f in (workspace.triggers_dir, workspace.hooks_dir, workspace.rules_dir) if not f.is_dir()]
        checks.append(
            Check(
                "folders",
                not absent,
                "present"
                if not absent
                else "missing: " + ", ".join(str(f.relative_to(workspace.root)) for f in absent),
                None if not absent else "run `nevo init` to create them again",
            )
        )
        checks.append(_capture_log_check(workspace))

    for folder in (workspace.nevo_dir, workspace.triggers_dir, workspace.rules_dir):
        if folder.exists():
            writable = os.access(folder, os.W_OK | os.X_OK)
            checks.append(
                Check(
                    f"writable {folder.relative_to(workspace.root)}",
                    writable,
                    "writable" if writable else "not writable",
                    None if writable else f"chmod u+rwx {folder}",
                )
            )

    try:
        load_config(workspace)
        checks.append(Check("config", True, f"{workspace.config_path.name} is valid"))
    except NevoError as exc:
        checks.append(Check("config", False, exc.message, exc.hint))

    if workspace.db_path.exists():
        from nevo.db import open_database

        try:
            with open_database(workspace) as db:
                version = db.version
                integrity = db.scalar("PRAGMA quick_check")
            ok = integrity == "ok"
            checks.append(
                Check(
                    "database",
                    ok,
                    f"schema version {version}, integrity {integrity}",
                    None if ok else "run `nevo doctor --repair`",
                )
            )
        except NevoError as exc:
            checks.append(Check("database", False, exc.message, exc.hint))

    checks.append(store_check(workspace))
    checks.append(Check("plugin", *plugin.health(workspace)))
    checks.append(_commits_check(workspace))
    checks.append(_claude_check(claude_binary))
    return checks


def store_check(workspace: Workspace) -> Check:
    """The shared store (when one is configured): the connection, and the schema version against this nevo's.
    Checking never migrates: any other nevo command does."""
    from nevo import store

    try:
        url = store.store_url(workspace)
    except NevoError as exc:
        return Check("store", False, exc.message, exc.hint)
    if not url:
        return Check("store", True, "incidents are kept in this workspace's SQLite (no shared store configured)")
    from nevo.pgstore import PgDatabase, latest_version

    shown = store.redact_url(url)
    committed = str(load_config(workspace).get("store.url") or "")
    if committed and store.redact_url(committed) != committed:  # config.yaml is meant to be committed
        return Check(
            "store",
            False,
            f"store.url in {workspace.config_path} holds a password ({store.redact_url(committed)})",
            "config.yaml is committed with the project: keep the password out of it (NEVO_STORE_URL in the "
            "environment, or ~/.pgpass) and remove it from the file and from git history",
        )
    try:
        with PgDatabase(url, migrate=False) as db:
            version = db.version
    except store.StoreUnavailable as exc:
        return Check("store", False, exc.message, _store_fix(exc.message, shown))
    latest = latest_version()
    if version < latest:
        return Check(
            "store",
            False,
            f"{shown}: schema version {version}, this nevo uses {latest}",
            "run any nevo command here (e.g. `nevo monitor --once`): it migrates the store (each step in one "
            "transaction; other machines may keep working)",
        )
    if version > latest:
        return Check(
            "store",
            False,
            f"{shown}: schema version {version} is newer than this nevo's ({latest}): a teammate upgraded nevo",
            "upgrade nevo on this machine (pip install -U nevo)",
        )
    return Check("store", True, f"{shown}: connected, schema version {version}")


def _store_fix(message: str, shown: str) -> str:
    text = message.lower()
    if "does not exist" in text or "authentication" in text or "password" in text or "no pg_hba" in text:
        return (
            f"the URL is wrong for that server ({shown}): check the user, the database name and the password "
            "(NEVO_STORE_URL or ~/.pgpass, never config.yaml), or set store.url in .nevo/config.yaml"
        )
    return (
        f"the server does not answer at {shown}: start it (or check host and port in store.url / NEVO_STORE_URL); "
        "nothing is lost meanwhile: triggers wait in .nevo/triggers"
    )


def _commits_check(workspace: Workspace) -> Check:
    """Rules and skills written but not committed yet (git was busy, or nevo was killed mid-commit)."""
    from nevo.status import pending_commits

    waiting = pending_commits(workspace)
    if not waiting:
        return Check("commits", True, "nothing waits to be committed")
    if isinstance(waiting, str):
        return Check("commits", False, f"{workspace.nevo_dir / 'pending-rules.json'} is {waiting}", "move it aside")
    detail = "; ".join(f"{w['id']}: {w['reason']}" for w in waiting)
    return Check("commits", False, detail[:600], "run `nevo analyze`: it commits what waits and finishes what was cut")


def _capture_log_check(workspace: Workspace) -> Check:
    """The capture hook never fails the agent; it leaves a line in capture.log instead. Lines there are lost
    failures, so doctor reports them."""
    log = workspace.capture_log
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.is_file() else []
    if not lines:
        return Check("capture", True, "no capture errors")
    return Check(
        "capture",
        False,
        f"{len(lines)} failed capture(s); last: {lines[-1][:200]}",
        f"make sure {workspace.triggers_dir} exists and is writable (`nevo init`), then delete {log}",
    )


def _quality_tools_check() -> Check:
    """The TaskCompleted gate runs `nevo quality gate`, which needs mypy and ruff beside nevo."""
    import sys

    problems = []
    if shutil.which("nevo") is None:
        problems.append("`nevo` is not on PATH (the hook falls back to python3 -m nevo.quality.gate)")
    for tool in ("mypy", "ruff"):
        try:
            done = subprocess.run([sys.executable, "-m", tool, "--version"], capture_output=True, text=True, timeout=60)
            if done.returncode != 0:
                problems.append(f"{tool} does not run: {done.stderr.strip()[:200]}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"{tool} does not run: {exc}")
    return Check(
        "quality gate tools",
        not problems,
        "mypy and ruff run" if not problems else "; ".join(problems),
        None if not problems else f"{sys.executable} -m pip install mypy ruff",
    )


def _claude_check(binary: str) -> Check:
    path = shutil.which(binary)
    if path is None:
        return Check("claude", False, "the `claude` command is not on PATH", "npm install -g @anthropic-ai/claude-code")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        version = (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("claude", False, f"{path} did not answer --version: {exc}", "reinstall Claude Code")
    return Check("claude", True, f"{path}: {version}")
