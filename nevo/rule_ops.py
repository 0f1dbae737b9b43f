"""Rule operations that are not analysis: the analyst lock, listing an incident on the rule it duplicates,
the queue of rule commits waiting for a busy repository, committing a rule's files, deprecating and
renumbering rules (``nevo rules deprecate`` / ``renumber``).

The analyst (:mod:`nevo.analyst`) and the upkeep (:mod:`nevo.upkeep`) use them; they live here so the CLI
can use them without the analysis. They change files and commits only: the caller publishes the change
(:func:`nevo.publish.publish`) once it is done. :class:`Outcome` is shared: an analysed incident and a
deprecated rule both end as committed, written (not a repository), or pending (the repository was busy).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nevo import agent_rules, gitops
from nevo import incidents as store
from nevo.clock import Clock, system_clock
from nevo.errors import NevoError
from nevo.redact import redact
from nevo.rules import Rule, RuleBook
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
    message = redact(
        f"nevo: {rule.id} also covers {incident.id}\n\n"
        f"Incident: {incident.id} ({incident.tool} `{failed_command}`: {incident.error_class})\n"
        f"Proposed rule was a duplicate of {rule.id}: {outcome.reason}\n"
    )
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


def commit_rule_files(workspace: Workspace, key: str, paths: list[Path], message: str, outcome: Outcome) -> None:
    """Commit ``paths`` as one commit; on a busy repository queue it (``pending``), outside a repository
    leave the files written (``written``). Sets ``outcome.commit``, or its verdict and reason."""
    try:
        outcome.commit = gitops.commit_files(workspace.root, paths, message)
    except gitops.GitBusy as exc:
        add_pending(workspace, key, paths, message)
        outcome.verdict, outcome.reason = "pending", exc.message
    except NevoError as exc:  # not a repository, or git itself failed: the file is written, not committed
        outcome.verdict, outcome.reason = "written", exc.message


def with_agent_block(workspace: Workspace, rule: Rule, paths: list[Path]) -> list[Path]:
    """``paths`` plus the agent definition whose block of rules ``rule`` changes (an AGENT rule): the
    rule and what its agent reads are one commit, so `git revert` takes both back."""
    if not rule.agent:
        return paths
    changed = agent_rules.render_block(workspace, rule.agent)
    return [*paths, changed] if changed is not None else paths


# -- operations behind `nevo rules ...` ---------------------------------------------------------------


def deprecate_rule(workspace: Workspace, rule_id: str, reason: str, clock: Clock = system_clock) -> Outcome:
    """Deprecate a rule: move it out of the loaded folders and commit the move (or queue it when busy).
    The caller publishes the change."""
    with analyst_lock(workspace):
        return deprecate_locked(workspace, rule_id, reason, clock)


def deprecate_locked(
    workspace: Workspace, rule_id: str, reason: str, clock: Clock, *, verb: str = "deprecate", why: str = ""
) -> Outcome:
    """:func:`deprecate_rule` for a caller holding :func:`analyst_lock`. ``verb`` and ``why`` shape the
    commit message (the upkeep retires a rule whose cause is gone, with the evidence)."""
    book = RuleBook(workspace)
    old, new = book.deprecate(rule_id, reason, clock=clock)
    rule = book.get(rule_id)
    message = f"nevo: {verb} {rule.id} {rule.title}\n\nReason: {redact(reason.strip())}\n"
    if why:
        message += f"\n{redact(why.strip())}\n"
    outcome = Outcome(rule.id, "committed", reason, rule.id)
    commit_rule_files(workspace, f"{verb}-{rule.id}", with_agent_block(workspace, rule, [old, new]), message, outcome)
    return outcome


def renumber_rules(workspace: Workspace) -> list[tuple[str, str]]:
    """Fix numbers used twice (after a merge): later rules get fresh numbers, committed together. The
    caller publishes the change."""
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
        paths = with_agent_block(workspace, old, [*paths, book.get(new_id).path or workspace.rules_dir])
    summary = ", ".join(f"{old.id} ({old.title}) -> {new_id}" for old, new_id in changes)
    message = f"nevo: renumber rules whose numbers collided after a merge\n\n{summary}\n"
    try:
        gitops.commit_files(workspace.root, paths, message)
    except gitops.GitBusy:
        add_pending(workspace, "renumber", paths, message)
    except gitops.NotAGitRepo:
        pass  # the files are renumbered; there is no history to record them in
    return [(old.id, new_id) for old, new_id in changes]
