"""``nevo demo``: the whole learning loop in under a minute, offline, in a temporary folder."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from nevo.cli.common import WorkspaceOption
from nevo.errors import NevoError


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    workspace: WorkspaceOption = None,
    replay: Annotated[
        bool, typer.Option("--replay", help="Replay Claude Code's hook payloads even when the claude CLI is there.")
    ] = False,
) -> None:
    """Watch nevo learn, in under a minute: a failure is captured, becomes an incident and a rule in git, and
    the next session's same mistake is rewritten by the rule's guard; memory search finds the lesson.

    Runs offline in a new temporary folder (or in --workspace, which must be empty): a real Claude Code
    session against a local stand-in for the model when the `claude` CLI is installed, else replayed hook
    payloads. Your projects, your Claude Code settings and your API key are not used.

    Example: nevo demo
    """
    from nevo.demo.loop import run_demo

    if workspace is None:
        base = Path(tempfile.mkdtemp(prefix="nevo-demo-"))
    else:
        base = workspace.resolve()
        if base.exists() and any(base.iterdir()):
            raise NevoError(f"{base} is not empty", "pass a new or empty folder, or leave --workspace out")
        base.mkdir(parents=True, exist_ok=True)
    result = run_demo(typer.echo, base, replay=replay)
    ok = result.rule_id is not None and result.guard != "did not act" and result.failures_in_second_session == 0
    typer.echo(
        f"(the loop took {result.seconds:.0f} s)" if ok else "The loop did not close this time: see the steps above."
    )
    if not ok:
        raise typer.Exit(1)
