"""CLI for the analyst and the rules: ``nevo analyze`` and ``nevo rules ...``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from nevo import analyst, background, rule_ops
from nevo.cli.common import JsonOption, WorkspaceOption, console, emit_json, table, workspace_of
from nevo.publish import publish
from nevo.rules import RuleBook, check_text, overview
from nevo.workspace import Workspace

rules_app = typer.Typer(help="The rules nevo learned: list, show, check, deprecate, lint.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the main app."""
    app.command("analyze")(analyze)
    app.add_typer(rules_app, name="rules")


def analyze(
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
    limit: Annotated[
        Optional[int],  # noqa: UP045 - typer needs Optional here on 3.10
        typer.Option("--limit", help="Analyse at most this many incidents."),
    ] = None,
) -> None:
    """Analyse the incidents that are ready and commit a rule for each new lesson.

    Ready: recovered in the same session, or seen analyst.recurrence_threshold times. Each rule is its own
    commit (only its file); `git log -- .claude/rules` shows them, `git revert` undoes one.

    Example: nevo analyze && git log -1 -- .claude/rules
    """
    ws = workspace_of(workspace)
    report = analyst.analyze_ready(ws, limit=limit)
    if json_output:
        emit_json(report.to_json())
        return
    for old, new in report.renumbered:
        console.print(f"renumbered {old} -> {new} (two branches had taken the same number)")
    if report.pending_committed:
        console.print(f"committed rules that were waiting: {', '.join(report.pending_committed)}")
    if not report.outcomes:
        console.print("no incident is ready for analysis (`nevo incidents` lists them)")
        return
    table(
        "analysis",
        ["incident", "verdict", "rule", "commit", "reason"],
        [[o.incident_id, o.verdict, o.rule_id, (o.commit or "")[:10], o.reason] for o in report.outcomes],
    )


@rules_app.command("list")
def list_rules(workspace: WorkspaceOption = None, json_output: JsonOption = False) -> None:
    """List the rules and their evidence since each was committed (or last revised): recurrences of its
    incidents, guard hits, and times its guard stood aside because the cause was gone.

    A rule whose incidents keep coming back (analyst.failing_rule_recurrences) is flagged FAILING and the
    nightly revises it; one whose guard only stands aside is retired after analyst.retire_after_days.

    Example: nevo rules list --json
    """
    ws = workspace_of(workspace)
    rows = overview(ws)
    learned = learned_at_session_end(ws)
    for row in rows:
        row["learned_at_session_end"] = learned.get(row["id"])
    if json_output:
        emit_json(rows)
        return
    if not rows:
        console.print("no rules yet: the run at session end (or `nevo analyze`) commits them", markup=False)
        return
    # Headers on two lines and the incidents left to --json: the title keeps room in 80 columns.
    table(
        "rules (evidence since each was committed or revised)",
        ["id", "title", "status", "recur-\nrences", "guard\nhits", "stood\naside"],
        [
            [
                r["id"],
                r["title"] + (f" (agent {r['agent']})" if r["agent"] else ""),
                r["status"]
                + (" FAILING" if r["failing"] else "")
                + (" decorative" if r["decorative"] else "")
                + (f" revised {r['revised'][:10]}" if r["revised"] else "")
                + f"\n{r['enforcement']}",
                r["recurrences"],
                r["guard_hits"] if r["guard"] else "-",
                r["stood_aside"] if r["guard"] else "-",
            ]
            for r in rows
        ],
    )
    if learned:
        console.print(
            "learned at the end of a session, with no command: "
            + ", ".join(f"{rule_id} ({at})" for rule_id, at in sorted(learned.items())),
            markup=False,
        )


def learned_at_session_end(ws: Workspace) -> dict[str, str]:
    """Rule id -> when the background run that committed it started (from the runs' history)."""
    found: dict[str, str] = {}
    for run in reversed(background.summary(ws)["runs"]):  # oldest first: the first run that learned it
        for rule_id in run.get("rules") or []:
            found.setdefault(str(rule_id), str(run.get("started_at")))
    return found


@rules_app.command("show")
def show(rule_id: Annotated[str, typer.Argument(help="PROJ-003 (or 3)")], workspace: WorkspaceOption = None) -> None:
    """Print one rule's file.

    Example: nevo rules show PROJ-003
    """
    rule = RuleBook(workspace_of(workspace)).get(rule_id)
    console.print(f"[dim]{rule.path}[/dim]")
    typer.echo(rule.render())


@rules_app.command("check")
def check(
    text: Annotated[str, typer.Argument(help="The text of a proposed rule.")],
    workspace: WorkspaceOption = None,
    json_output: JsonOption = False,
) -> None:
    """Is this rule new? Prints duplicate | related | novel with the closest rules and their scores.

    Example: nevo rules check "use npm --prefix web run build" --json
    """
    verdict = check_text(workspace_of(workspace), text)
    if json_output:
        emit_json(verdict.to_json())
        return
    console.print(f"[bold]{verdict.verdict}[/bold]")
    for match in verdict.matches:
        console.print(f"  {match.id}  {match.score:.2f}")


@rules_app.command("deprecate")
def deprecate(
    rule_id: Annotated[str, typer.Argument(help="PROJ-003")],
    reason: Annotated[str, typer.Option("--reason", help="Why the rule no longer applies.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Deprecate a rule: it moves to .claude/rules-deprecated/ (kept in git, no longer loaded).

    Example: nevo rules deprecate PROJ-003 --reason "the build moved to make"
    """
    ws = workspace_of(workspace)
    outcome = rule_ops.deprecate_rule(ws, rule_id, reason)
    publish(ws)  # its guard stops, its agent's block and the context drop it
    detail = "" if outcome.verdict == "committed" else f": {outcome.reason}"
    console.print(f"{outcome.rule_id} deprecated ({outcome.verdict}{detail})")


@rules_app.command("lint")
def lint(workspace: WorkspaceOption = None, json_output: JsonOption = False) -> None:
    """Check every rule: decorative (no trigger, enforcement or verification), too long, unsafe,
    or numbered like another rule.

    Exits 1 when something is found.

    Example: nevo rules lint
    """
    findings = RuleBook(workspace_of(workspace)).lint()
    if json_output:
        emit_json([{"rule": f.rule_id, "kind": f.kind, "message": f.message, "path": str(f.path)} for f in findings])
    elif findings:
        table("rule lint", ["rule", "kind", "message"], [[f.rule_id, f.kind, f.message] for f in findings])
    else:
        console.print("every rule has a trigger, an enforcement and a verification")
    if findings:
        raise typer.Exit(1)


@rules_app.command("renumber")
def renumber(workspace: WorkspaceOption = None) -> None:
    """Give a fresh number to rules whose number is used twice (two branches added rules, then merged).

    Example: git merge feature && nevo rules lint || nevo rules renumber
    """
    ws = workspace_of(workspace)
    changes = rule_ops.renumber_rules(ws)
    if changes:
        publish(ws)
    if not changes:
        console.print("no number is used twice")
    for old, new in changes:
        console.print(f"{old} -> {new}")
