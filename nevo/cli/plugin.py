"""``nevo plugin``: the Claude Code plugin, seen from a project (status) and from the repository (build)."""

from __future__ import annotations

from typing import Annotated

import typer

from nevo import plugin as plugin_lib
from nevo.cli.common import JsonOption, WorkspaceOption, console, emit_json, workspace_of
from nevo.errors import NevoError

plugin_app = typer.Typer(help="The nevo plugin for Claude Code: status, build.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(plugin_app, name="plugin")


@plugin_app.command("status")
def status(workspace: WorkspaceOption = None, json_out: JsonOption = False) -> None:
    """Whether the nevo plugin is installed and runs this project's hooks, and where its Python side is.

    Install it with: claude plugin marketplace add <nevo repository> && claude plugin install nevo@nevo

    Example: nevo plugin status --json
    """
    ws = workspace_of(workspace)
    state = plugin_lib.plugin_state(ws)
    info = {**state.to_json(), "runs_hooks": plugin_lib.runs_hooks_of(ws)}
    if json_out:
        emit_json(info)
        return
    if not state.installed:
        console.print(f"{plugin_lib.PLUGIN_ID} is not installed (Claude Code config: {state.config_dir})", markup=False)
    else:
        console.print(
            f"{plugin_lib.PLUGIN_ID} {state.version or ''} installed ({state.scope} scope), "
            + ("enabled" if state.enabled else "switched off"),
            markup=False,
        )
        python = "ready" if info["python_ready"] else "not installed yet (the next session installs it)"
        console.print(f"Python side: {python}, in {state.data_dir}", markup=False)
    _, detail, fix = plugin_lib.health(ws)
    console.print(f"this project: {detail}", markup=False)
    if fix:
        console.print(f"  fix: {fix}", markup=False)


@plugin_app.command("build")
def build(
    workspace: WorkspaceOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only report what is out of date; exit 1 if anything is.")
    ] = False,
) -> None:
    """Bring the nevo repository's plugin folder up to date: manifests, hooks.json, links to skills/agents/nevo.

    For nevo's own developers: run it after changing nevo.hookspecs.BASE_HOOKS or the version. --workspace is
    the nevo repository (default: the checkout this nevo runs from).

    Example: nevo plugin build --check
    """
    root = workspace.resolve() if workspace is not None else plugin_lib.repository_root()
    if root is None:
        raise NevoError("this nevo does not run from a repository checkout", "pass --workspace /path/to/nevo")
    if not (root / "plugin").is_dir():
        raise NevoError(
            f"{root} has no plugin/ folder: it is not the nevo repository", "pass --workspace /path/to/nevo"
        )
    findings = plugin_lib.build(root, check=check)
    for line in findings:
        console.print(("out of date: " if check else "updated: ") + line, markup=False)
    if not findings:
        console.print(f"the plugin in {root / 'plugin'} is up to date", markup=False)
    elif check:
        console.print("run `nevo plugin build` to bring it up to date", markup=False)
        raise typer.Exit(1)
