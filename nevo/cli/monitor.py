"""CLI commands for the monitor stage: ``nevo monitor``, ``nevo incidents``, ``nevo incidents show``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from nevo.cli.common import (
    JsonOption,
    WorkspaceOption,
    console,
    emit_json,
    err_console,
    plain,
    table,
    workspace_of,
)
from nevo.errors import NevoError
from nevo.incidents import incident_details, load_incidents
from nevo.monitor import RunResult, process_pending
from nevo.workspace import Workspace

incidents_app = typer.Typer(
    help="Incidents: failed tool calls grouped by fingerprint.", no_args_is_help=False, add_completion=False
)


def _installed(workspace: Workspace) -> Workspace:
    if not workspace.nevo_dir.is_dir():
        raise NevoError(f"nevo is not installed in {workspace.root}", "run `nevo init` there first")
    return workspace


def _summary(result: RunResult) -> None:
    # Trigger names and warnings hold file names and exception text: never read them as rich markup.
    for incident_id in result.new_incidents:
        console.print(f"new incident {plain(incident_id)}")
    for incident_id in result.loops:
        console.print(f"[yellow]loop[/yellow]: {plain(incident_id)} failed repeatedly in one session")
    for name in result.rejected:
        console.print(f"[red]rejected[/red] trigger {plain(name)} (see .nevo/rejected/{plain(name)}.reason)")
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow]: {plain(warning)}")
    for rule_id in result.rules:
        console.print(f"rule {plain(rule_id)} learned (`git log -1 -- .claude` shows its commit)")


def monitor(
    workspace: WorkspaceOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Process what is pending, then exit (for cron and tests).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Turn captured failures (.nevo/triggers) into incidents, and ready incidents into committed rules
    (monitor.analyze_on_new); watch for new ones until Ctrl-C. Without it, the run at each session's end
    does the same in the background.

    Example: nevo monitor --once
    """
    ws = _installed(workspace_of(workspace))
    if once:
        result = process_pending(ws)
    else:
        from nevo.watch import run_watcher  # watchdog is only needed by the watcher

        # With --json, stdout carries the JSON result only: the status line goes to stderr.
        status = err_console if as_json else console
        status.print(f"watching {ws.triggers_dir} (Ctrl-C to stop)", markup=False, highlight=False)
        result = run_watcher(ws, on_pass=None if as_json else _summary)
    if as_json:
        emit_json(result.to_json())
        return
    if once:
        _summary(result)
    console.print(
        f"{result.processed} trigger(s) processed: {result.counted} failure(s) counted, "
        f"{len(result.new_incidents)} new incident(s), {result.recoveries} recovery(ies), "
        f"{len(result.rejected)} rejected"
    )


@incidents_app.callback(invoke_without_command=True)
def incidents(
    ctx: typer.Context,
    workspace: WorkspaceOption = None,
    status: Annotated[Optional[str], typer.Option("--status", help="Only new, analysed or resolved.")] = None,  # noqa: UP045
    as_json: JsonOption = False,
) -> None:
    """List incidents, most frequent first, then most recent.

    Example: nevo incidents --status new
    """
    if ctx.invoked_subcommand is not None:
        return
    found = load_incidents(_installed(workspace_of(workspace)), status)
    if as_json:
        emit_json([incident.to_json() for incident in found])
        return
    if not found:
        console.print("no incidents yet" if status is None else f"no {status} incidents", markup=False)
        return
    out = Table(show_lines=False, header_style="bold")
    out.add_column("id", no_wrap=True)  # ids are copied into `nevo incidents show`: never fold them
    out.add_column("count", justify="right")
    out.add_column("failure", overflow="fold", ratio=1)
    out.add_column("last seen", no_wrap=True)
    out.add_column("notes")
    for i in found:
        what = f"{i.tool}: {i.command}" if i.command else i.tool
        flags = (i.status != "new", i.is_loop, i.recovery is not None, i.session_count > 1)
        labels = (i.status, "loop", "recovered", f"{i.session_count} sessions")
        notes = ", ".join(label for label, on in zip(labels, flags, strict=True) if on)
        # Text, not markup: a command such as `sed -i s/[/]//g f.txt` is user data, not rich markup.
        cells = (i.id, str(i.count), f"{what[:80]}\n{i.error_class[:80]}", i.last_seen[:10], notes)
        out.add_row(*(Text(cell) for cell in cells))
    console.print(out)


@incidents_app.command("show")
def show(
    incident_id: Annotated[str, typer.Argument(help="The incident id, e.g. INC-2026-11-21-a8f2.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one incident: its sample, recovery and every occurrence.

    Example: nevo incidents show INC-2026-11-21-a8f2 --json
    """
    details = incident_details(_installed(workspace_of(workspace)), incident_id)
    if as_json:
        emit_json(details)
        return
    console.print(f"[bold]{details['id']}[/bold] {plain(details['tool'])} {plain(details['command'])}")
    console.print(f"error: {details['error_class']}", markup=False)
    console.print(
        f"seen {details['count']} time(s) in {details['session_count']} session(s), "
        f"{details['first_seen']} .. {details['last_seen']}, status {details['status']}"
        + (", LOOP" if details["is_loop"] else "")
    )
    sample_error = str(details["sample"].get("error", ""))
    console.print("sample:", markup=False)
    console.print(sample_error[:2000], markup=False, highlight=False)
    recovery = details["recovery"]
    if recovery:
        console.print(
            f"recovery ({recovery['at']}): {recovery['command'] or recovery['input']}", markup=False
        )
    else:
        console.print("recovery: none seen yet")
    table(
        "occurrences",
        ["at", "session", "tool_use_id", "source"],
        [[o["at"], o["session_id"], o["tool_use_id"], o["source"]] for o in details["occurrences"]],
    )
    console.print(f"report: {details['report']}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.command("monitor")(monitor)
    app.add_typer(incidents_app, name="incidents")
