"""Rule operations that are not analysis: the analyst lock, listing an incident on the rule it duplicates,
the queue of rule commits waiting for a busy repository, deprecating and renumbering rules (``nevo rules
deprecate`` / ``renumber``), and what follows any change to the rules (guards recompiled, hooks re-synced,
the SessionStart context re-rendered).

The analyst (:mod:`nevo.analyst`) uses all of them; they live here so the CLI and the guards can use them
without the analysis. :class:`Outcome` is shared: an analysed incident and a deprecated rule both end as
committed, written (not a repository), or pending (the repository was busy).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nevo import gitops
from nevo import incidents as store
from nevo.clock import Clock, system_clock
from nevo.config import Config, load_config
from nevo.errors import NevoError
from nevo.redact import neutralise_trailers, redact
from nevo.rules import RuleBook
from nevo.workspace import Workspace


@dataclass
class Outcome:
    incident_id: str
    verdict: str  # committed | written | pending | duplicate | rejected | provider-error
    reason: str = ""
    rule_id: str | None = None
    commit: str | None = None
    provider: str = ""


@contextmanager
def analyst_lock(workspace: Workspace) -> Iterator[None]:
    """An exclusive lock on ``.nevo/locks/analyst.lock`` (released by the OS if the process dies)."""
    path = workspace.nevo_dir / "locks" / "analyst.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def after_rules_changed(workspace: Workspace, config: Config | None = None) -> None:
    """Recompile guards (and re-sync the hooks) and re-render the SessionStart context."""
    from nevo import guards
    from nevo.context import refresh_context

    config = config or load_config(workspace)
    if config.get("analyst.guards"):
        guards.compile_guards(workspace)
        if workspace.is_installed:
            from nevo.install import sync_hooks

            sync_hooks(workspace)
    refresh_context(workspace)


def attach_incident(
    workspace: Workspace,
    book: RuleBook,
    rule_id: str,
    incident: store.Incident,
    failed_command: str,
    outcome: Outcome,
) -> None:
    """A duplicate is a variant of a mistake an existing rule covers: the rule lists the incident too, so
    its recurrences are counted (and a rule that keeps failing shows up in `nevo rules list`)."""
    rule = book.get(rule_id)
    if incident.id in rule.incidents or rule.path is None:
        return
    rule.incidents.append(incident.id)
    path = book.write(rule)
    message = neutralise_trailers(redact(
        f"nevo: {rule.id} also covers {incident.id}\n\n"
        f"Incident: {incident.id} ({incident.tool} `{failed_command}`: {incident.error_class})\n"
        f"Proposed rule was a duplicate of {rule.id}: {outcome.reason}\n"
    ))
    try:
        outcome.commit = gitops.commit_files(workspace.root, [path], message)
    except gitops.GitBusy:
        add_pending(workspace, f"{rule.id}-{incident.id}", [path], message)
    except NevoError as exc:  # the file lists the incident; the commit did not happen
        outcome.reason += f" (not committed: {exc.message})"


# -- rules waiting for the repository ---------------------------------------------------------------


def pending_path(workspace: Workspace) -> Path:
    """Rule commits waiting for a merge or rebase to end (`nevo status` shows them)."""
    return workspace.nevo_dir / "pending-rules.json"


def add_pending(workspace: Workspace, key: str, paths: list[Path], message: str) -> None:
    gitops.queue_commit(pending_path(workspace), workspace.root, key, paths, message)


def commit_pending(workspace: Workspace) -> list[str]:
    """Commit the rules that waited for a merge or rebase to finish; returns their keys."""
    return gitops.commit_queued(workspace.root, pending_path(workspace))


# -- operations behind `nevo rules ...` ---------------------------------------------------------------


def deprecate_rule(workspace: Workspace, rule_id: str, reason: str, clock: Clock = system_clock) -> Outcome:
    """Deprecate a rule: move it out of .claude/rules/ and commit the move (or queue it when busy)."""
    with analyst_lock(workspace):
        return _deprecate_locked(workspace, rule_id, reason, clock)


def _deprecate_locked(workspace: Workspace, rule_id: str, reason: str, clock: Clock) -> Outcome:
    book = RuleBook(workspace)
    old, new = book.deprecate(rule_id, redact(reason), clock=clock)  # the reason may quote tool output
    rule = book.get(rule_id)
    message = neutralise_trailers(f"nevo: deprecate {rule.id} {rule.title}\n\nReason: {redact(reason.strip())}\n")
    outcome = Outcome(rule.id, "committed", reason, rule.id)
    try:
        outcome.commit = gitops.commit_files(workspace.root, [old, new], message)
    except gitops.GitBusy as exc:
        add_pending(workspace, f"deprecate-{rule.id}", [old, new], message)
        outcome.verdict, outcome.reason = "pending", exc.message
    except NevoError as exc:  # not a repository, or git itself failed: the file is written, not committed
        outcome.verdict, outcome.reason = "written", exc.message
    after_rules_changed(workspace)
    return outcome


def renumber_rules(workspace: Workspace) -> list[tuple[str, str]]:
    """Fix numbers used twice (after a merge): later rules get fresh numbers, committed together."""
    with analyst_lock(workspace):
        return renumber_locked(workspace)


def renumber_locked(workspace: Workspace, *, only_nevo_rules: bool = False) -> list[tuple[str, str]]:
    """:func:`renumber_rules` for a caller that holds :func:`analyst_lock` already (the analyst)."""
    book = RuleBook(workspace)
    changes = book.renumber_duplicates(only_nevo_rules=only_nevo_rules)
    if not changes:
        return []
    paths: list[Path] = []
    for old, new_id in changes:
        if old.path is not None:
            paths.append(old.path)
        paths.append(book.get(new_id).path or workspace.rules_dir)
    summary = ", ".join(f"{old.id} ({old.title}) -> {new_id}" for old, new_id in changes)
    message = f"nevo: renumber rules whose numbers collided after a merge\n\n{summary}\n"
    try:
        gitops.commit_files(workspace.root, paths, message)
    except gitops.GitBusy:
        add_pending(workspace, "renumber", paths, message)
    except gitops.NotAGitRepo:
        pass  # the files are renumbered; there is no history to record them in
    after_rules_changed(workspace)
    return [(old.id, new_id) for old, new_id in changes]
