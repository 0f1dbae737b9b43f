"""Rule operations that are not analysis: the analyst lock, listing an incident on the rule it duplicates,
the queue of rule commits waiting for a busy repository, committing a rule's files, deprecating and
renumbering rules (``nevo rules deprecate`` / ``renumber``).

The analyst (:mod:`nevo.analyst`) and the upkeep (:mod:`nevo.upkeep`) use them; they live here so the CLI
can use them without the analysis. They change files and commits only: the caller publishes the change
(:func:`nevo.publish.publish`) once it is done. :class:`Outcome` is shared: an analysed incident and a
deprecated rule both end as committed, written (not a repository), or pending (the repository was busy).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nevo import agent_rules, commit_queue, gitops
from nevo import incidents as store
from nevo.clock import Clock, iso, system_clock
from nevo.db import Database
from nevo.redact import neutralise_trailers, redact
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
    message = neutralise_trailers(
        redact(
            f"nevo: {rule.id} also covers {incident.id}\n\n"
            f"Incident: {incident.id} ({incident.tool} `{failed_command}`: {incident.error_class})\n"
            f"Proposed rule was a duplicate of {rule.id}: {outcome.reason}\n"
        )
    )
    paths = sorted({rule.path, book.path_for(rule)})
    done = gitops.commit_or_queue(workspace, f"{rule.id}-{incident.id}", paths, message, write=lambda: book.write(rule))
    outcome.commit = done.sha
    if done.state != "committed":  # the file lists the incident; the commit waits (or there is no repository)
        outcome.reason += f" (not committed: {done.reason})"


# -- rules waiting for the repository ---------------------------------------------------------------


def pending_path(workspace: Workspace) -> Path:
    """Rule commits waiting for a merge or rebase to end (`nevo status` shows them)."""
    return commit_queue.queue_path(workspace)


def add_pending(workspace: Workspace, key: str, paths: list[Path], message: str) -> None:
    root = workspace.root.resolve()
    rels = [str(p.resolve().relative_to(root)) if p.is_absolute() else str(p) for p in paths]
    commit_queue.put(workspace, {"id": key, "paths": rels, "message": message, "state": "waiting"})


def commit_pending(workspace: Workspace, db: Database | None = None, clock: Clock = system_clock) -> list[str]:
    """Commit the rules that waited for a merge or rebase to finish, and finish what a killed run left
    (its rule written but not committed); returns their keys. With ``db``, an incident whose analysis was
    killed after its rule was written is recorded as analysed: it is never analysed again (its own rule
    would look like a duplicate of it)."""
    done = gitops.finish_pending(workspace)
    for item in done:
        incident_id = item.meta.get("incident")
        if db is None or not item.interrupted or not incident_id or item.state not in ("committed", "pending"):
            continue
        incident = store.get_incident(db, str(incident_id))
        if incident is not None and incident.status == "new":
            db.execute(
                "INSERT INTO analyses (incident_id, at, provider, root_cause, category, rule_id, verdict, reason)"
                " VALUES (?, ?, 'unknown', '', 'other', ?, ?, 'finished after an interrupted run')",
                (incident.id, iso(clock()), item.meta.get("rule"), item.state),
            )
            store.set_status(db, incident.id, "analysed")
    return [item.key for item in done if item.state in ("committed", "written")]


def commit_rule_files(
    workspace: Workspace,
    key: str,
    paths: list[Path],
    message: str,
    outcome: Outcome,
    *,
    write: Callable[[], object] | None = None,
    meta: dict[str, Any] | None = None,
) -> None:
    """Write (``write``) and commit ``paths`` as one commit, crash-safe (:func:`nevo.gitops.commit_or_queue`):
    a busy repository queues it (``pending``), outside a repository the files stay written (``written``).
    Sets ``outcome.commit``, or its verdict and reason."""
    done = gitops.commit_or_queue(workspace, key, paths, message, write=write, meta=meta)
    outcome.commit = done.sha
    if done.state != "committed":
        outcome.verdict, outcome.reason = done.state, done.reason


def write_rule(workspace: Workspace, book: RuleBook, rule: Rule) -> None:
    """Write ``rule``'s file and, for an AGENT rule, its agent's block of rules."""
    book.write(rule)
    if rule.agent:
        agent_rules.render_block(workspace, rule.agent, book)


def agent_paths(workspace: Workspace, rule: Rule, paths: list[Path]) -> list[Path]:
    """``paths`` plus the definition of the agent whose block of rules ``rule`` changes (an AGENT rule): the
    rule and what its agent reads are one commit, so `git revert` takes both back."""
    definition = agent_rules.definition_path(workspace, rule.agent) if rule.agent else None
    return [*paths, definition] if definition is not None else paths


def with_agent_block(workspace: Workspace, rule: Rule, paths: list[Path]) -> list[Path]:
    """``paths`` plus the agent definition whose block ``rule`` changes, rendered now (files already written)."""
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
    rule, old, new = book.deprecation(rule_id, reason)
    reason = redact(reason)  # the reason may quote tool output, and it is written into the rule file
    message = f"nevo: {verb} {rule.id} {rule.title}\n\nReason: {reason.strip()}\n"
    if why:
        message += f"\n{redact(why.strip())}\n"
    message = neutralise_trailers(message)
    outcome = Outcome(rule.id, "committed", reason, rule.id)

    def write() -> None:
        book.deprecate(rule_id, reason, clock=clock)
        if rule.agent:
            agent_rules.render_block(workspace, rule.agent)

    paths = agent_paths(workspace, rule, [old, new])
    commit_rule_files(workspace, f"{verb}-{rule.id}", paths, message, outcome, write=write)
    return outcome


def renumber_rules(workspace: Workspace) -> list[tuple[str, str]]:
    """Fix numbers used twice (after a merge): later rules get fresh numbers, committed together, reserved in
    the shared store when one is configured and answers (else numbered from this clone's rules, as always).
    The caller publishes the change."""
    from nevo.store import StoreUnavailable, machine_id, opened, reserve_number

    with analyst_lock(workspace), contextlib.ExitStack() as stack:
        try:
            db = stack.enter_context(opened(workspace))
        except StoreUnavailable:  # numbered from the rules this clone has; a later merge renumbers if need be
            return renumber_locked(workspace)
        machine = machine_id(workspace)
        return renumber_locked(workspace, reserve=lambda prefix, least: reserve_number(db, prefix, least, machine))


def renumber_locked(
    workspace: Workspace, *, only_nevo_rules: bool = False, reserve: Callable[[str, int], int] | None = None
) -> list[tuple[str, str]]:
    """:func:`renumber_rules` for a caller that holds :func:`analyst_lock` already (the analyst). ``reserve``:
    see :class:`nevo.rules.RuleBook`."""
    book = RuleBook(workspace, reserve=reserve)
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
    # Not crash-safe like the others: the new numbers are known only once the files are written.
    gitops.commit_or_queue(workspace, "renumber", paths, message)
    return [(old.id, new_id) for old, new_id in changes]
