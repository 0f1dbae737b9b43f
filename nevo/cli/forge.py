"""CLI commands for the skill forge and the quality pipeline: ``nevo forge ...``, ``nevo quality ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from nevo.cli.common import JsonOption, WorkspaceOption, console, emit_json, table, workspace_of
from nevo.errors import NevoError
from nevo.workspace import Workspace

forge_app = typer.Typer(
    help="The skill forge: recurring gaps become validated skills, each in its own commit.",
    no_args_is_help=True,
    add_completion=False,
)
quality_app = typer.Typer(
    help="The quality pipeline: typecheck, test, lint, critique, refine, escalate, arbiter.",
    no_args_is_help=True,
    add_completion=False,
)


ResolveOption = Annotated[
    Optional[int],  # noqa: UP045 - typer needs Optional here on 3.10
    typer.Option("--resolve", help="Mark this escalation resolved."),
]


def _installed(workspace: Workspace) -> Workspace:
    if not workspace.nevo_dir.is_dir():
        raise NevoError(f"nevo is not installed in {workspace.root}", "run `nevo init` there first")
    return workspace


@forge_app.command("request")
def request(
    text: Annotated[str, typer.Argument(help="What the skill should do, in a sentence.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask for a skill; `nevo forge run` builds it from what the journal shows.

    Example: nevo forge request "run the database migrations with alembic"
    """
    from nevo.forge import request_skill

    gap = request_skill(_installed(workspace_of(workspace)), text)
    if as_json:
        emit_json(gap.to_json())
        return
    commands = gap.evidence.get("commands") or []
    console.print(f"gap #{gap.id} recorded ({gap.status}): {gap.title}", markup=False)
    console.print(
        f"the journal shows {len(commands)} matching command(s) in {gap.sessions} session(s); "
        "`nevo forge run` writes, checks and commits the skill"
    )


@forge_app.command("run")
def run(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Detect gaps, decide what each wants, and build, validate, check and commit the skills.

    Example: nevo forge run --json
    """
    from nevo.forge import run_forge

    report = run_forge(_installed(workspace_of(workspace)))
    if as_json:
        emit_json(report.to_json())
        return
    for item in report.evaluated:
        console.print(f"gap #{item['id']}: {item['decision']} - {item['reason']}", markup=False)
    if report.outcomes:
        table(
            "skills",
            ["gap", "skill", "status", "note"],
            [[o.gap_id, o.skill_name, o.status, o.note] for o in report.outcomes],
        )
    console.print(
        f"{len(report.detected)} gap(s) seen, {len(report.evaluated)} evaluated, "
        f"{sum(o.status == 'deployed' for o in report.outcomes)} skill(s) deployed"
    )


@forge_app.command("validate")
def validate(
    folder: Annotated[Path, typer.Argument(help="The skill's folder (the one holding SKILL.md).")],
    strict: Annotated[
        bool, typer.Option("--strict", help="The form nevo's own skills keep: every warning is an error.")
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a skill folder: frontmatter, limits, referenced files, scripts, safety. Exit 1 on any error.

    Errors are what Claude Code would refuse or misread and what is unsafe; warnings are style guidance
    (no when_to_use, a long body, a large skill) and never fail the check unless --strict. A relative
    FOLDER is taken from the current directory, like any path on a command line (--workspace does not
    change that: the check needs no workspace).

    Example: nevo forge validate .claude/skills/run-migrations --json
    """
    from nevo.forge import validate_skill

    del workspace  # accepted like on every command; a path on the command line is the shell's path
    folder = folder.expanduser().absolute()
    result = validate_skill(folder, strict=strict)
    if as_json:
        emit_json(result.to_json())
    else:
        verdict = "valid" if result.valid else f"{len(result.problems)} error(s)"
        console.print(f"{folder}: {verdict}, {len(result.warnings)} warning(s)", markup=False)
        for problem in result.problems:
            console.print(f"  error: {problem}", markup=False)
        for warning in result.warnings:
            console.print(f"  warning: {warning}", markup=False)
    if not result.valid:
        raise typer.Exit(1)


@forge_app.command("list")
def list_(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """The skill inventory: origin, uses, recurrences of the origin, flags.

    Example: nevo forge list --json
    """
    from nevo.forge import list_skills

    skills = list_skills(_installed(workspace_of(workspace)))
    if as_json:
        emit_json([s.to_json() for s in skills])
        return
    table(
        "skills",
        ["name", "status", "created", "origin", "uses", "recurrences", "flags"],
        [[s.name, s.status, s.created_at, s.origin, s.uses, s.recurrences, "; ".join(s.flags)] for s in skills],
    )


@forge_app.command("show")
def show(name: str, workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """One skill: its inventory entry, the gap it came from and its SKILL.md.

    Example: nevo forge show run-migrations
    """
    from nevo.forge import show_skill

    shown = show_skill(_installed(workspace_of(workspace)), name)
    if as_json:
        emit_json(shown)
        return
    for key in (
        "name",
        "status",
        "path",
        "created_at",
        "origin",
        "incidents",
        "commit",
        "uses",
        "last_used",
        "recurrences",
        "flags",
    ):
        console.print(f"{key}: {shown.get(key)}", markup=False)
    if shown.get("skill_md"):
        console.print("\n" + shown["skill_md"], markup=False)


@forge_app.command("deactivate")
def deactivate(
    name: str,
    workspace: WorkspaceOption = None,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the commit message.")] = "deactivated by a person",
) -> None:
    """Move a skill out of .claude/skills/ (into .nevo/skills-inactive/) in a commit of its own.

    Example: nevo forge deactivate run-migrations --reason "replaced by make migrate"
    """
    from nevo.forge import deactivate_skill

    sha = deactivate_skill(_installed(workspace_of(workspace)), name, reason=reason)
    console.print(f"deactivated {name} in {sha[:12]} (`git revert {sha[:12]}` brings it back)")


@quality_app.command("run")
def quality_run(
    files: Annotated[list[Path], typer.Argument(help="Python or shell files, from the current directory.")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Write REFINE's fixes into the files (shown as a diff otherwise).")
    ] = False,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the eight stages over files in their project, the way you would run its checks. Exit 1 unless approved.

    The checks run from the project's root with its own interpreter (.venv, uv, poetry, else nevo's) and
    configuration, on the files and the tests that cover them. Your files are never modified: REFINE works in a
    throwaway copy and shows the diff it would apply; --apply writes it. Relative FILES are taken from the
    current directory.

    Example: nevo quality run src/calc.py --json
    """
    from nevo.quality import run_files

    result = run_files(workspace_of(workspace), [f.expanduser().absolute() for f in files], apply=apply)
    if as_json:
        emit_json(result.to_json())
    else:
        rows = [[s.name, s.attempt, s.status, s.duration_ms, len(s.findings), s.note] for s in result.stages]
        table(f"quality: {result.subject}", ["stage", "attempt", "status", "ms", "findings", "note"], rows)
        for stage in result.stages:
            for finding in stage.findings:
                console.print(f"  {stage.name}: {finding}", markup=False)
        console.print(f"verdict: {result.verdict} - {'; '.join(result.reasons)}", markup=False)
        if result.applied:
            console.print(f"REFINE's changes were written to: {', '.join(result.applied)}", markup=False)
        elif result.diff:
            console.print("REFINE would apply this (your files are as they were; --apply writes it):", markup=False)
            console.print(result.diff, markup=False, highlight=False)
    if not result.approved:
        raise typer.Exit(1)


@quality_app.command("escalations")
def escalations(
    workspace: WorkspaceOption = None,
    resolve: ResolveOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Pipeline runs that still failed after the refinements: what a person has to decide.

    Example: nevo quality escalations --resolve 3
    """
    from nevo.quality import list_escalations, resolve_escalation

    ws = _installed(workspace_of(workspace))
    if resolve is not None:
        resolve_escalation(ws, resolve)
        console.print(f"escalation #{resolve} resolved")
        return
    found = list_escalations(ws, include_resolved=show_all)
    if as_json:
        emit_json(found)
        return
    table(
        "escalations",
        ["id", "run", "at", "status", "subject", "reason"],
        [[e["id"], e["run_id"], e["at"], e["status"], e["subject"], e["reason"]] for e in found],
    )


@quality_app.command("gate", hidden=True)
def quality_gate(workspace: WorkspaceOption = None) -> None:
    """The TaskCompleted hook's entry: fast stages on the changed files; exit 2 with findings on stderr.

    Example: nevo quality gate --workspace .
    """
    from nevo.quality.gate import gate_exit_code

    raise typer.Exit(gate_exit_code(workspace_of(workspace).root))


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.add_typer(forge_app, name="forge")
    app.add_typer(quality_app, name="quality")
