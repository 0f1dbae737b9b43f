"""Installing nevo into a workspace: init, uninstall, status, doctor."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from nevo import db as database
from nevo import doctor as doctor_lib
from nevo import install, store
from nevo import status as status_lib
from nevo.cli.common import JsonOption, WorkspaceOption, console, emit_json, plain, table, workspace_of
from nevo.clock import system_clock


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("uninstall")(uninstall)
    app.command("status")(status)
    app.command("doctor")(doctor)


def init(
    workspace: WorkspaceOption = None,
    quality_gate: Annotated[
        bool, typer.Option("--quality-gate", help="Also install the TaskCompleted quality gate.")
    ] = False,
) -> None:
    """Install nevo into a Claude Code workspace (idempotent).

    Creates .nevo/ (triggers, hooks, config.yaml) and .claude/rules/, copies the hook scripts and registers
    them in .claude/settings.json, keeping every key and hook nevo does not own.

    Example: cd my-project && nevo init
    """
    ws = workspace_of(workspace)
    report = install.init(ws, quality_gate=True if quality_gate else None)
    for warning in report.warnings:
        console.print(f"[yellow]warning: {plain(warning)}[/yellow]")
    shared_store = store.prepare(ws)  # a configured store gets its tables now
    if shared_store:
        console.print(plain(shared_store))
    if report.unchanged:
        console.print(f"nevo is already installed in {ws.root}; nothing changed.")
        return
    console.print(f"nevo installed in [bold]{ws.root}[/bold]")
    for path in report.created:
        console.print(f"  created  {path}")
    for path in report.updated:
        console.print(f"  updated  {path}")
    console.print(
        "Next: run `claude` as usual. Failed tool calls are recorded, and when a session ends nevo learns from"
        " it in the background (new rules are committed to git). `nevo status` shows what it did."
    )


def uninstall(
    workspace: WorkspaceOption = None,
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete nevo's data (database, memory, incidents).")
    ] = False,
) -> None:
    """Remove what `nevo init` added; your settings come back as they were.

    nevo's data (.nevo/nevo.db, memory, incident reports) is kept unless --purge. Rules in .claude/rules are
    yours and stay.
    """
    ws = workspace_of(workspace)
    report = install.uninstall(ws, purge=purge)
    console.print(f"nevo removed from {ws.root}" + (" (settings restored exactly)" if report.settings_restored else ""))
    for path in report.kept:
        console.print(f"  kept     {path}")
    if report.kept:
        console.print("  (run `nevo uninstall --purge` after `nevo init` to delete kept data)")


def status(workspace: WorkspaceOption = None, json_out: JsonOption = False) -> None:
    """Show what is installed and what waits: hooks, pending and rejected triggers, incidents.

    Example: nevo status --json
    """
    ws = workspace_of(workspace)
    info = status_lib.gather(ws)
    if json_out:
        emit_json(info)
        return
    if not info["installed"]:
        console.print(f"nevo is not installed in {ws.root}. Run `nevo init`.")
    else:
        console.print(f"nevo {info['version']} in [bold]{ws.root}[/bold] (installed {info['installed_at']})")
    if info["plugin"]["runs_hooks"] or info["plugin"]["active"]:
        console.print("plugin: " + ("runs the hooks" if info["plugin"]["runs_hooks"] else "installed"))
    if info.get("install_error"):
        console.print(f"[red]install state: {plain(info['install_error'])}[/red] (`nevo init` rebuilds it)")
    if info["settings_error"]:
        console.print(f"[red]settings: {info['settings_error']}[/red]")
    if info["hooks"]:
        table(
            "hooks",
            ["event", "matcher", "script", "present"],
            [
                [h["event"], h["matcher"] or "", h["script"], "yes" if h["present"] else "MISSING"]
                for h in info["hooks"]
            ],
        )
    _store(info.get("store") or {}, info["pending_triggers"])
    age = info["oldest_pending_age_s"]
    waiting = f" (oldest {age / 60:.0f} min old)" if age is not None and age >= 120 else ""
    console.print(f"pending triggers: {info['pending_triggers']}{waiting}")
    if age is not None and age >= 600:
        console.print(
            "[yellow]triggers are waiting: the run at session end processes them, "
            "`nevo monitor --once` does it now[/yellow]"
        )
    _background(info["background"])
    rejected = info["rejected_triggers"]
    if rejected:
        console.print(f"[yellow]rejected triggers: {len(rejected)}[/yellow] (in {ws.rejected_dir})")
        for item in rejected[:10]:
            console.print(f"  {item['file']}: {item['reason']}", markup=False)
    if info["capture_errors"]:
        console.print(f"[yellow]capture errors: {info['capture_errors']} (see {ws.capture_log})[/yellow]")
    if "incidents" in info:
        console.print("incidents: " + (", ".join(f"{k} {v}" for k, v in sorted(info["incidents"].items())) or "none"))
    if info.get("loops"):
        console.print(f"[yellow]{info['loops']} incident(s) looped: the same failure repeated in one session[/yellow]")
    if "rules" in info:
        rules = info["rules"]
        console.print(
            f"rules: {rules['active']} active ({rules['agent_rules']} for sub-agents), {rules['guards']} with a"
            f" guard; guards hit {rules['guard_hits']}x, stood aside {rules['stood_aside']}x"
        )
        if rules["failing"]:
            console.print(
                f"[yellow]rules that keep failing: {', '.join(rules['failing'])}[/yellow] (`nevo rules list`)"
            )
        if rules["decorative"]:
            console.print(f"[yellow]decorative rules: {', '.join(rules['decorative'])}[/yellow] (`nevo rules lint`)")
    memory = info.get("memory")
    if memory:
        console.print(
            f"memory: {memory.get('sessions', 0)} sessions, {memory.get('facts', 0)} facts, "
            f"{memory.get('weekly', 0)} weekly and {memory.get('monthly', 0)} monthly digests"
            + (f", last nightly {memory['last_nightly']}" if memory.get("last_nightly") else "")
        )
    forge = info.get("forge")
    if forge:
        console.print(
            f"skills: {forge['skills_active']} active, {forge['gaps_waiting']} gaps waiting"
            + (f", last quality verdict {forge['last_pipeline_verdict']}" if forge["last_pipeline_verdict"] else "")
        )
        for name, flags in forge["skills_flagged"].items():
            console.print(f"[yellow]skill {name} flagged: {', '.join(flags)}[/yellow]")
        if forge["escalations_open"]:
            console.print(
                f"[yellow]quality escalations open: {forge['escalations_open']}[/yellow] (`nevo quality escalations`)"
            )
    for waiting in info.get("rules_waiting") or []:
        if isinstance(waiting, dict):
            console.print(f"[yellow]rule waiting for git: {waiting.get('id')} ({waiting.get('reason')})[/yellow]")
        else:
            console.print(f"[yellow]rules waiting for git: {waiting}[/yellow]")
    if info.get("database_error"):
        console.print(f"[red]database: {info['database_error']}[/red]")


def _store(store: dict[str, Any], pending: int) -> None:
    """The shared store, when one is configured: where, and since when it cannot be reached."""
    if store.get("kind") != "postgresql":
        return
    console.print(f"shared store: {plain(store.get('url') or '?')}")
    if store.get("error"):
        console.print(f"[red]  {plain(store['error'])}[/red]")
    down = store.get("unreachable")
    if down:
        console.print(
            f"[yellow]the shared store is unreachable since {plain(down.get('since'))} (last try"
            f" {plain(down.get('last_try'))}: {plain(down.get('error'))}); {pending} trigger(s) wait for it and"
            " are shipped at the next run[/yellow]"
        )
    if store.get("llm_calls_waiting"):
        console.print(
            f"[yellow]{store['llm_calls_waiting']} LLM call(s) counted here while the store was away are shipped"
            " to it the next time it answers[/yellow]"
        )


HISTORY_SHOWN = 8  # background runs listed by `nevo status` (background.json keeps more)


def _background(summary: dict[str, Any]) -> None:
    """The runs at session end: the one under way, the last one, and whether another is asked for."""
    current, last = summary.get("current"), summary.get("last")
    if summary.get("running"):
        since = f" since {current['started_at']}" if current else ""
        more = ", another pass asked for" if summary.get("again") else ""
        console.print(f"background run: running{since}{more}", markup=False)
    if summary.get("interrupted"):
        started = summary["interrupted"].get("started_at")
        console.print(
            f"[yellow]the background run started {plain(started)} never finished (killed?); the next session's"
            " end runs again, `nevo monitor --once` does it now[/yellow]"
        )
    if summary.get("unreadable"):
        console.print(f"[red]background runs: {plain(summary['unreadable'])}[/red]")
    if last is None:
        if not summary.get("running"):
            console.print("background runs: none yet (one starts when a Claude Code session ends)")
        return
    rules = ", ".join(last.get("rules") or []) or "none"
    console.print(
        f"last background run: {last.get('finished_at') or last.get('started_at')} ({last.get('seconds')} s): "
        f"{last.get('triggers', 0)} trigger(s), {last.get('failures', 0)} failure(s), "
        f"{len(last.get('new_incidents') or [])} new incident(s), rules committed: {rules}",
        markup=False,
    )
    if last.get("error"):
        console.print(f"[red]  error: {plain(last['error'])}[/red] (log: {plain(summary['log'])})")
    for warning in (last.get("warnings") or [])[:5]:
        console.print(f"[yellow]  warning: {plain(warning)}[/yellow]")
    runs = summary.get("runs") or []
    if len(runs) > 1:
        table(
            f"background runs at session end (newest first, {len(runs)} kept)",
            ["started", "seconds", "triggers", "failures", "new incidents", "rules learned", "outcome"],
            [
                [
                    run.get("started_at"),
                    run.get("seconds"),
                    run.get("triggers", 0),
                    run.get("failures", 0),
                    len(run.get("new_incidents") or []),
                    ", ".join(run.get("rules") or []) or "-",
                    _outcome(run),
                ]
                for run in runs[:HISTORY_SHOWN]
            ],
        )


def _outcome(run: dict[str, Any]) -> str:
    if run.get("error"):
        return f"error: {run['error']}"
    warnings = run.get("warnings") or []
    return f"{len(warnings)} warning(s)" if warnings else "ok"


def doctor(
    workspace: WorkspaceOption = None,
    json_out: JsonOption = False,
    repair: Annotated[
        bool, typer.Option("--repair", help="Move a corrupt database aside and start a new one.")
    ] = False,
) -> None:
    """Check the installation: settings valid, hooks present and executable, claude found, folders writable.

    Each problem comes with its fix. Exits 1 when any check fails.
    """
    ws = workspace_of(workspace)
    if repair:
        moved = database.repair(ws, system_clock().strftime("%Y%m%dT%H%M%SZ"))
        console.print(f"moved the corrupt database to {moved}" if moved else "the database is fine; nothing moved")
        if not moved and ws.db_path.exists():
            from nevo.memory.consolidate import rebuild_fts

            with database.open_database(ws) as db:
                rebuild_fts(db)
            console.print("rebuilt the search indexes")
    checks = doctor_lib.run_checks(ws)
    if json_out:
        emit_json({"ok": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]})
    else:
        for check in checks:
            mark = "[green]ok[/green]  " if check.ok else "[red]FAIL[/red]"
            console.print(f"{mark} {check.name}: {plain(check.detail)}")
            if check.fix:
                console.print(f"       fix: {check.fix}", markup=False)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
