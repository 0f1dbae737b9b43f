"""CLI for memory and scheduling: ``nevo memory ...``, ``nevo nightly``, ``nevo cron ...``, ``nevo fitness``,
``nevo daemon``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from nevo.cli.common import JsonOption, WorkspaceOption, console, emit_json, plain, table, workspace_of
from nevo.clock import parse_instant, system_clock
from nevo.config import load_config
from nevo.db import open_database
from nevo.errors import NevoError
from nevo.workspace import Workspace

memory_app = typer.Typer(
    help="Memory: the journal of every session, narratives, facts, digests.",
    no_args_is_help=True,
    add_completion=False,
)
cron_app = typer.Typer(
    help="Schedule `nevo nightly` in your crontab (or print a systemd timer).",
    no_args_is_help=True,
    add_completion=False,
)

ScheduleOption = Annotated[
    str | None,
    typer.Option(
        "--schedule", help='Cron expression (default: schedule.nightly in .nevo/config.yaml, "0 3 * * *").'
    ),
]


def _installed(option: Path | None) -> Workspace:
    """The workspace, refusing one nevo is not installed in (a stray command must not create .nevo/ there)."""
    ws = workspace_of(option)
    if not ws.nevo_dir.is_dir():
        raise NevoError(f"nevo is not installed in {ws.root}", "run `nevo init` there first, or pass -w DIR")
    return ws


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")
    app.add_typer(cron_app, name="cron")
    app.command("nightly")(nightly)
    app.command("fitness")(fitness)
    app.command("daemon")(daemon)


@memory_app.command("ingest")
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Transcripts or folders of them.")] = None,  # noqa: UP045
    workspace: WorkspaceOption = None,
    json_out: JsonOption = False,
) -> None:
    """Journal Claude Code transcripts into memory (default: this workspace's, under $CLAUDE_CONFIG_DIR or
    ~/.claude/projects/). Ingesting the same transcript twice adds nothing.

    Example: nevo memory ingest ~/.claude/projects/-home-me-app/
    """
    from nevo.memory.ingest import ingest_paths

    ws = _installed(workspace)
    with open_database(ws) as db:
        report = ingest_paths(db, ws, paths or None, system_clock)
    info = report.as_dict()
    if json_out:
        emit_json(info)
        return
    console.print(
        f"{info['transcripts']} transcript(s): {info['journal_rows']} journal rows added, "
        f"{info['narratives']} narrative(s) written, {info['new_facts']} new fact(s)"
    )
    deferred = [s for s in report.sessions if s.deferred]
    if deferred:
        console.print(f"[yellow]{len(deferred)} narrative(s) left for the next run (provider unavailable)")


@memory_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to look for (any text: it is quoted for you).")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many hits.")] = 20,
    workspace: WorkspaceOption = None,
    json_out: JsonOption = False,
) -> None:
    """Search the journal, narratives, digests and facts, best first.

    Example: nevo memory search "pnpm test"
    """
    from nevo.memory.search import search as run_search

    with open_database(_installed(workspace)) as db:
        hits = run_search(db, query, limit=limit)
    if json_out:
        emit_json([hit.as_dict() for hit in hits])
        return
    table(
        f"{len(hits)} hit(s) for {query!r}",
        ["source", "when", "what", "text"],
        [[h.source, (h.at or "")[:10], h.title, h.snippet] for h in hits],
    )


@memory_app.command("status")
def status(workspace: WorkspaceOption = None, json_out: JsonOption = False) -> None:
    """What memory holds: sessions, narratives, facts, weekly and monthly digests, warm memory size.

    Example: nevo memory status --json
    """
    from nevo.memory.status import memory_status

    ws = _installed(workspace)
    with open_database(ws) as db:
        info = memory_status(db, ws)
    if json_out:
        emit_json(info)
        return
    table("memory", ["what", "count"], [[key, value] for key, value in info.items()])


@memory_app.command("facts")
def facts(
    category: Annotated[Optional[str], typer.Option("--category", help="Only this category.")] = None,  # noqa: UP045
    workspace: WorkspaceOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the facts memory holds (preferences, configuration, environment, events, lessons).

    Example: nevo memory facts --category preference
    """
    from dataclasses import asdict

    from nevo.memory.facts import list_facts

    with open_database(_installed(workspace)) as db:
        found = list_facts(db, category)
    if json_out:
        emit_json([asdict(fact) for fact in found])
        return
    table(
        f"{len(found)} fact(s)",
        ["category", "fact", "seen", "x", "expires", "superseded"],
        [
            [
                f.category,
                f.text,
                f.last_seen_at[:10],
                f.confirmations,
                (f.expires_at or "never")[:10],
                (f.superseded_at or "")[:10],
            ]
            for f in found
        ],
    )


def nightly(
    now: Annotated[
        str | None,
        typer.Option(
            "--now", help="Run as if it were this moment (ISO 8601), e.g. to see a month of consolidation."
        ),
    ] = None,
    if_due: Annotated[
        bool,
        typer.Option(
            "--if-due", help="Run only if a scheduled time (schedule.nightly) passed since the last run."
        ),
    ] = False,
    workspace: WorkspaceOption = None,
    json_out: JsonOption = False,
) -> None:
    """The nightly job: ingest missed sessions, consolidate (weekly, monthly), prune expired facts, ingest
    the inbox, render warm memory, take a fitness snapshot, then the rules and forge steps.

    Example: nevo nightly --now 2026-12-24T03:00
    """
    from nevo.nightly import run_nightly

    report = run_nightly(_installed(workspace), parse_instant(now) if now else system_clock(), if_due=if_due)
    if json_out:
        emit_json(report.as_dict())
    elif not report.ran:
        console.print(report.reason)
    else:
        for step in report.steps:
            mark = "[green]ok[/green]" if step.ok else "[red]failed[/red]"
            console.print(f"{step.name:12} {mark} {step.seconds:.2f}s {plain(step.error or '')}")
    if not report.ok:
        raise typer.Exit(1)


def fitness(workspace: WorkspaceOption = None, json_out: JsonOption = False) -> None:
    """Fitness snapshots over time (one per nightly run): rules, incidents, recurrence, facts, skills, tokens.

    Example: nevo fitness --json
    """
    from nevo.memory.fitness import list_snapshots

    with open_database(_installed(workspace)) as db:
        snapshots = list_snapshots(db)
    if json_out:
        emit_json([s.as_dict() for s in snapshots])
        return
    table(
        "fitness",
        ["at", "rules", "open", "known", "recur 7d", "facts", "skills", "tokens", "sessions"],
        [
            [
                s.at,
                s.rules,
                s.incidents_open,
                s.incidents_known,
                s.recurrences,
                s.facts,
                s.skills,
                s.tokens,
                s.sessions,
            ]
            for s in snapshots
        ],
    )


def daemon(workspace: WorkspaceOption = None) -> None:
    """Run the monitor (watching .nevo/triggers) and the nightly schedule in one process, until Ctrl-C.
    For machines without cron.

    Example: nevo daemon &
    """
    from nevo.daemon import run_daemon_until_signal

    ws = _installed(workspace)
    console.print(
        f"nevo daemon for {ws.root}: watching triggers, nightly at"
        f" {load_config(ws).get('schedule.nightly')!r}"
    )
    run_daemon_until_signal(
        ws, on_nightly=lambda r: console.print(f"nightly run at {r.at}: {'ok' if r.ok else 'with failures'}")
    )


def _schedule(ws_option: Path | None, schedule: str | None) -> tuple[Workspace, str]:
    ws = workspace_of(ws_option)
    return ws, schedule or str(load_config(ws).get("schedule.nightly"))


@cron_app.command("install")
def cron_install(workspace: WorkspaceOption = None, schedule: ScheduleOption = None) -> None:
    """Add one marked line to your crontab that runs `nevo nightly --if-due` for this workspace (idempotent;
    every other line is kept).

    Example: nevo cron install --schedule "30 2 * * *"
    """
    from nevo import cron

    ws, expression = _schedule(workspace, schedule)
    changed = cron.install(ws, expression)
    console.print(("installed: " if changed else "already installed: ") + cron.cron_line(ws, expression))


@cron_app.command("remove")
def cron_remove(workspace: WorkspaceOption = None) -> None:
    """Remove this workspace's line from your crontab (and nothing else).

    Example: nevo cron remove
    """
    from nevo import cron

    ws = workspace_of(workspace)
    console.print("removed" if cron.remove(ws) else "there was no nevo line for this workspace")


@cron_app.command("status")
def cron_status(workspace: WorkspaceOption = None, json_out: JsonOption = False) -> None:
    """Whether `nevo nightly` is scheduled for this workspace, and when it runs next.

    Example: nevo cron status --json
    """
    from nevo import cron

    info = cron.status(workspace_of(workspace), system_clock())
    if json_out:
        emit_json(info.as_dict())
        return
    console.print(f"scheduled: {info.schedule} (next {info.next_run})" if info.installed else "not scheduled")


@cron_app.command("systemd")
def cron_systemd(workspace: WorkspaceOption = None, schedule: ScheduleOption = None) -> None:
    """Print a systemd user service and timer that run `nevo nightly --if-due` (for machines without cron).

    Example: nevo cron systemd > nevo-nightly.txt
    """
    from nevo import cron

    ws, expression = _schedule(workspace, schedule)
    typer.echo(cron.systemd_units(ws, expression), nl=False)
