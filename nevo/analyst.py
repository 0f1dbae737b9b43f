"""The analyst: from an incident that is ready to a committed rule, through four gates.

Ready = still ``new`` and either recovered in its session (the recovery is the best evidence) or seen
at least ``analyst.recurrence_threshold`` times. For each, the evidence (incident, recovery, a redacted
transcript excerpt, the nearest existing rules) goes to the provider as data, and the proposal passes:
format (the answer has the right shape), completeness (trigger, enforcement, verification, 1-3
sentences), novelty (not a duplicate of an existing rule) and safety (no download-and-run, no disabling
hooks or tests, no exfiltration). Only then is the rule written and committed, alone. A provider failure
leaves the incident for the next run; a busy repository (mid-merge) leaves the rule waiting in
``.nevo/pending-rules.json`` for the next run to commit. The rule operations that are not analysis (the
lock, that queue, deprecating and renumbering) are in :mod:`nevo.rule_ops`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

from nevo import agent_rules, harm, proposal
from nevo import incidents as store
from nevo.clock import Clock, iso, system_clock
from nevo.config import Config, load_config
from nevo.db import Database
from nevo.errors import NevoError
from nevo.novelty import NoveltyIndex, Verdict, judge_with_model
from nevo.offline_analyst import quotable
from nevo.providers import MeteredProvider, Provider, ProviderError, Request, load_agent, make_provider
from nevo.publish import Published, publish
from nevo.redact import neutralise_trailers, redact, redact_obj
from nevo.rule_ops import (
    Outcome,
    agent_paths,
    analyst_lock,
    attach_incident,
    commit_pending,
    commit_rule_files,
    renumber_locked,
    write_rule,
)
from nevo.rule_ops import deprecate_rule as deprecate_rule  # re-exported: it lived here before rule_ops.py
from nevo.rule_ops import pending_path as pending_path  # re-exported
from nevo.rule_ops import renumber_rules as renumber_rules  # re-exported
from nevo.rules import MAX_SENTENCES, Rule, RuleBook, sentences
from nevo.safety import scan
from nevo.session_window import SessionWindow, session_window
from nevo.store import claim, machine_id, opened, release, reserve_number
from nevo.verdict import Verdict as FailureVerdict
from nevo.workspace import Workspace

log = logging.getLogger(__name__)
CATEGORIES = ("missing-knowledge", "process-gap", "tool-misuse", "environment", "flaky", "other")
GUARD_TOOLS = ("Bash",)
TASK = (
    "Analyse this failed tool call from a Claude Code session in this project. You see the failed call, the "
    "calls the agent made after it (numbered from 0, with their results) and nevo's verdict on what the "
    "failure teaches. Say which later call did what the failed one meant to do (`recovery.index`, or null "
    "when none did), give the root cause, and propose one short rule (1 to 3 sentences) that stops the agent "
    "from failing this way again, with its trigger, enforcement and verification."
)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["root_cause", "category", "recovery", "rule"],
    "properties": {
        "root_cause": {"type": "string"},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "recovery": {
            "type": "object",
            "required": ["index"],
            "properties": {
                "index": {"type": ["integer", "null"], "minimum": 0},
                "why": {"type": "string"},
            },
        },
        "rule": {
            "type": "object",
            "required": ["title", "body", "trigger", "enforcement", "verification"],
            "properties": {
                "title": {"type": "string", "maxLength": 80},
                "body": {"type": "string"},
                "trigger": {"type": "string"},
                "enforcement": {"type": "string"},
                "verification": {"type": "string"},
                "paths": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}


@dataclass
class AnalysisReport:
    outcomes: list[Outcome] = field(default_factory=list)
    pending_committed: list[str] = field(default_factory=list)
    renumbered: list[tuple[str, str]] = field(default_factory=list)  # (old id, new id)
    published: Published | None = None  # what publishing did, when the rules changed

    def by_verdict(self, verdict: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict == verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "outcomes": [o.__dict__ for o in self.outcomes],
            "pending_committed": self.pending_committed,
            "renumbered": [list(change) for change in self.renumbered],
            "published": self.published.to_json() if self.published else None,
        }


class GateFailure(Exception):
    """A proposal failed a gate; ``verdict`` says which outcome to record."""

    def __init__(self, verdict: str, reason: str, rule_id: str | None = None) -> None:
        super().__init__(reason)
        self.verdict = verdict
        self.reason = reason
        self.rule_id = rule_id


def ready_incidents(db: Database, config: Config) -> list[store.Incident]:
    """New incidents whose stored verdict teaches a lesson, or seen often enough; never ones whose verdict
    says they were the work itself (a failing test being fixed) or a retry, nor a recurring failure of the
    work itself or of the network (a test that keeps failing, a deploy target that stays unreachable: they
    teach nothing about the project, whatever their count)."""
    threshold = int(config.get("analyst.recurrence_threshold"))
    ready = [
        i
        for i in store.list_incidents(db, status="new")
        if has_lesson(i) or (i.count >= threshold and not _not_about_the_project(i.verdict))
    ]
    ready.sort(key=lambda i: (i.first_seen, i.id))
    return ready


def _not_about_the_project(verdict: FailureVerdict | None) -> bool:
    """What the stored verdict says of a failure that taught no lesson: the work itself, a retry, or a failure
    whose error nevo.lesson classed as the work's or the network's."""
    if verdict is None:
        return False
    return verdict.kind in ("work", "retry") or verdict.extra.get("class") in ("work", "network")


def analyze_ready(
    workspace: Workspace,
    provider: Provider | None = None,
    clock: Clock = system_clock,
    *,
    db: Database | None = None,
    limit: int | None = None,
) -> AnalysisReport:
    """Analyse every ready incident; commit a rule for each proposal that passes the gates; then publish
    the rules once (guards, hooks, agents' blocks, context) when any changed."""
    import nevo.offline_analyst  # noqa: F401 - registers the offline incident-analyst

    config = load_config(workspace)
    report = AnalysisReport()
    with contextlib.ExitStack() as stack:
        database = db if db is not None else stack.enter_context(opened(workspace, config))
        # One analyst at a time (the monitor's and the user's): two would pick the same number.
        with analyst_lock(workspace):
            report.pending_committed = commit_pending(workspace, database, clock)
            # Numbers never collide: rules two branches numbered alike get fresh numbers first.
            # On a shared store, other machines analyse too: an incident is claimed before it is analysed,
            # and a rule number (a new rule's, or a renumbered one's) is reserved there before it is used.
            machine = machine_id(workspace)

            def reserve(prefix: str, least: int) -> int:
                return reserve_number(database, prefix, least, machine)

            try:
                report.renumbered = renumber_locked(workspace, only_nevo_rules=True, reserve=reserve)
            except NevoError as exc:  # git itself failed: the files are renumbered, `nevo status` shows it
                log.warning("renumbering colliding rules: %s", exc.message)
            chosen = provider if provider is not None else make_provider(workspace, config, database, clock=clock)
            book = RuleBook(workspace, reserve=reserve)
            changed = bool(report.pending_committed or report.renumbered)
            threshold = int(config.get("analyst.recurrence_threshold"))
            for incident in ready_incidents(database, config)[:limit]:
                if not claim(database, incident.id, machine):
                    continue  # another machine analyses it, or has analysed it since the list was read
                try:
                    outcome = _analyse_one(workspace, database, chosen, book, incident, clock, threshold)
                finally:
                    release(database, incident.id, machine)
                report.outcomes.append(outcome)
                changed = changed or outcome.verdict in ("committed", "written", "pending")
            if changed:
                report.published = publish(workspace)
    return report


# -- one incident ---------------------------------------------------------------------------------


def has_lesson(incident: store.Incident) -> bool:
    """Whether what the incident's failures taught (the verdict :mod:`nevo.lesson` stored) is a lesson."""
    return incident.teaches


def _failed_command(incident: store.Incident) -> str:
    if incident.recovery is not None:
        command = incident.recovery.failed_input.get("command")
        if isinstance(command, str) and command.strip():
            return command.strip()
    tool_input = incident.sample.get("tool_input") if isinstance(incident.sample, dict) else None
    if isinstance(tool_input, dict) and isinstance(tool_input.get("command"), str):
        return str(tool_input["command"]).strip()
    return incident.command


def gather(
    workspace: Workspace,
    db: Database,
    incident: store.Incident,
    book: RuleBook,
    window: SessionWindow | None = None,
) -> dict[str, Any]:
    """The evidence for one incident, redacted: what failed, nevo's verdict on what it teaches, the calls
    after it in its session (``window``, numbered: the model may name one as the recovery), and the
    existing rules nearest to it."""
    failed = _failed_command(incident)
    data: dict[str, Any] = {
        "incident": {
            "id": incident.id,
            "fingerprint": incident.fingerprint,
            "tool": incident.tool,
            "command": failed,
            "error_class": incident.error_class,
            "normalized_error": incident.normalized_error,
            "sample": incident.sample,
            "count": incident.count,
            "session_count": incident.session_count,
            "is_loop": incident.is_loop,
        },
        "verdict": incident.verdict.to_json() if incident.verdict is not None else None,
        "session": window.to_data() if window is not None else None,
        "recovery": None,
    }
    if incident.verdict is not None and not has_lesson(incident):
        data["recovery_ignored"] = f"{incident.verdict.kind}: {incident.verdict.reason}"
    elif incident.recovery is not None:
        data["recovery"] = {
            "tool": incident.recovery.tool,
            "command": incident.recovery.command,
            "input": incident.recovery.input,
            "between": list(getattr(incident.recovery, "between", []) or []),
        }
    probe = f"{failed} {incident.error_class} {incident.recovery.command if incident.recovery else ''}"
    rules = book.active()
    nearest = NoveltyIndex((r.id, r.text()) for r in rules).check(probe, top=8).matches
    wanted = {m.id for m in nearest}
    data["existing_rules"] = [{"id": r.id, "title": r.title, "body": r.body} for r in rules if r.id in wanted]
    redacted = redact_obj(data)
    assert isinstance(redacted, dict)  # redact_obj keeps the shape of what it is given
    return redacted


def _analyse_one(
    workspace: Workspace,
    db: Database,
    provider: Provider | MeteredProvider,
    book: RuleBook,
    incident: store.Incident,
    clock: Clock,
    threshold: int,
) -> Outcome:
    agent = load_agent("incident-analyst", workspace)
    # The offline analyst reads only the verdict: no transcript is read for it (a long session, many incidents).
    offline = getattr(provider, "name", "") == "offline"
    window = None if offline else session_window(db, incident.id, str(workspace.root))
    data = gather(workspace, db, incident, book, window)
    request = Request(agent=agent, task=TASK, data=data, schema=SCHEMA, max_tokens=2048)
    try:
        response = provider.complete(request)
    except ProviderError as exc:  # left for the next run: the incident stays new
        outcome = Outcome(incident.id, "provider-error", str(exc), provider=getattr(provider, "name", ""))
        _record(db, outcome, clock, "", "other")
        return outcome
    output = response.output
    root_cause = redact(str(output.get("root_cause") or "")).strip()
    category = str(output.get("category") or "other")
    choice = proposal.choose(output, incident.verdict, window)
    try:
        rule, notes = rule_from_answer(workspace, output, incident, book, clock, choice, incident.count >= threshold)
        verdict = check_novelty(rule, book.active(), provider)
        if verdict.verdict == "duplicate":
            best = verdict.matches[0]
            raise GateFailure("duplicate", f"duplicate of {best.id} (score {best.score:.2f})", best.id)
    except GateFailure as failure:
        outcome = Outcome(incident.id, failure.verdict, failure.reason, failure.rule_id, provider=response.provider)
        if failure.verdict == "duplicate" and failure.rule_id:
            # Its commit message quotes the error class: only the part a rule could quote (never the advice).
            shown = replace(incident, error_class=quotable(incident.error_class) or "its error")
            attach_incident(workspace, book, failure.rule_id, shown, _failed_command(incident), outcome)
        _record(db, outcome, clock, root_cause, category)
        store.set_status(db, incident.id, "analysed")
        return outcome
    # A lesson about one project sub-agent's work is an AGENT rule, kept with that agent's definition.
    rule.agent = agent_rules.agent_of(db, workspace, incident.id)
    rule.id = book.next_id("AGENT" if rule.agent else "PROJ")
    message = commit_message(rule, incident, root_cause, verdict, choice, notes)
    outcome = Outcome(incident.id, "committed", "; ".join(notes), rule.id, provider=response.provider)
    # An intent is recorded before the file: a run killed before the commit is finished by the next one.
    paths = agent_paths(workspace, rule, [book.path_for(rule)])
    meta = {"incident": incident.id, "rule": rule.id}
    commit_rule_files(
        workspace, rule.id, paths, message, outcome, write=lambda: write_rule(workspace, book, rule), meta=meta
    )
    _record(db, outcome, clock, root_cause, category)
    store.set_status(db, incident.id, "analysed")
    return outcome


def rule_from_answer(
    workspace: Workspace,
    output: dict[str, Any],
    incident: store.Incident,
    book: RuleBook,
    clock: Clock,
    choice: proposal.Choice,
    recurring: bool,
) -> tuple[Rule, list[str]]:
    """The rule an answer makes, through the gates (format, completeness, the recovery it follows, words that
    name that fix, a guard the compiler accepts, safety), and the notes for the audit trail. Raises
    :class:`GateFailure`. Novelty is the caller's: a revision compares with the other rules only."""
    if choice.refused:
        raise GateFailure("rejected", f"refused: {choice.note}")
    if choice.verdict is None and not recurring:
        why = choice.note or "nothing in the session did what the failed call meant to do"
        raise GateFailure("rejected", f"no recovery: {why}; a rule from the error alone waits until it recurs")
    rule = proposal_to_rule(output, incident, book, clock, verdict=choice.verdict)
    notes = [n for n in (choice.note, proposal.settle_guard(workspace, rule, choice.verdict)) if n]
    findings = unsafe(rule)  # what was proposed, as proposed: an unsafe proposal is refused, never reworded
    if findings:
        raise GateFailure("rejected", "unsafe: " + "; ".join(findings))
    words = proposal.words_for(rule.title, rule.body, choice.verdict, incident.tool)
    if words is not None:
        rule.title, rule.body, note = words
        notes.append(note)
    return rule, notes


def unsafe(rule: Rule) -> list[str]:
    """What the safety gate refuses in a rule: unsafe instructions anywhere in it, harmful commands it quotes."""
    found = [f"{f.kind}: {f.excerpt}" for f in scan(f"{rule.scanned_text()}\n{json.dumps(rule.guard or {})}")]
    found += [f"{f.kind}: {f.what} (`{f.segment[:80]}`)" for f in harm.scan_text(rule.body)]
    return found


def check_novelty(rule: Rule, existing: list[Rule], provider: Provider | MeteredProvider | None = None) -> Verdict:
    """Offline by default; with a provider that is a model, the model judges the nearest rules. Two guards on
    the same command are duplicates (same trigger, same teeth); rules about two different failing calls (their
    guards', or their triggers' command) are at most related: two lessons, however alike nevo's words read."""
    mine, theirs = guard_key(rule.guard), {r.id: key for r in existing if (key := guard_key(r.guard))}
    call, calls = call_key(rule), {r.id: key for r in existing if (key := call_key(r))}
    index = NoveltyIndex((r.id, r.text()) for r in existing)
    if provider is None:
        return index.check(rule.text(), guard_key=mine, guard_keys=theirs, call_key=call, call_keys=calls)
    return judge_with_model(
        provider, index, rule.text(), guard_key=mine, guard_keys=theirs, call_key=call, call_keys=calls
    )


_TRIGGER_CALL = re.compile(r"^PreToolUse\s+(\w+)\s+`([^`]+)`\s*$")


# nevo's own titles: "Use `fix`, not `failed`", "Run `step` before `failed`": the first command is the lesson.
_TITLE_FIX = re.compile(r"^(?:Use|Run)\s+`([^`]+)`(?:,\s+not|\s+before)\s+`")


def call_key(rule: Rule) -> str | None:
    """The lesson a rule is about, as ``call`` or ``call\x00fix``: the failing call (its guard's tool and
    match, else the call its trigger names, ``PreToolUse Bash `npm run build```) and, when its title says it,
    the fix or the step before. None when it names no call (a model's free-text trigger)."""
    if rule.guard:
        call = guard_key(rule.guard)
    else:
        found = _TRIGGER_CALL.match(rule.trigger.strip())
        call = f"{found.group(1)}:{' '.join(found.group(2).split())}" if found else None
    fix = _TITLE_FIX.match(rule.title.strip())
    return f"{call}\x00{' '.join(fix.group(1).split())}" if call and fix else call


def guard_key(guard: dict[str, Any] | None) -> str | None:
    if not guard:
        return None
    return f"{guard.get('tool')}:{' '.join(str(guard.get('match') or guard.get('command') or '').split())}"


def proposal_to_rule(
    output: dict[str, Any],
    incident: store.Incident,
    book: RuleBook,
    clock: Clock,
    *,
    verdict: FailureVerdict | None,
) -> Rule:
    """The format and completeness gates: a well-formed proposal becomes a :class:`Rule` (no id yet), with
    the guard of the lesson it follows (``verdict``: nevo's, never the provider's)."""
    proposed = output.get("rule")
    if not isinstance(proposed, dict):
        raise GateFailure("rejected", "format: the answer has no `rule` object")
    fields = {
        name: " ".join(redact(str(proposed.get(name) or "")).split())
        for name in ("title", "body", "trigger", "enforcement", "verification")
    }
    if not fields["title"] or not fields["body"]:
        raise GateFailure("rejected", "format: the rule needs a title and a body")
    if "[REDACTED" in fields["title"] + fields["body"]:  # quoting a secret's placeholder teaches nothing usable
        raise GateFailure("rejected", "format: the rule quotes a redacted secret; it must not name one")
    missing = [name for name in ("trigger", "enforcement", "verification") if not fields[name]]
    if missing:
        raise GateFailure("rejected", f"completeness: no {', '.join(missing)} (the rule would be decorative)")
    count = len(sentences(fields["body"]))
    if count > MAX_SENTENCES or len(fields["body"]) > 600:
        raise GateFailure(
            "rejected",
            f"format: {count} sentences / {len(fields['body'])} chars; a rule is 1 to 3 short sentences",
        )
    if str(output.get("category") or "other") not in CATEGORIES:
        raise GateFailure("rejected", f"format: unknown category {output.get('category')!r}")
    paths = proposed.get("paths") or []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise GateFailure("rejected", "format: `paths` must be a list of globs")
    return Rule(
        id="PROJ-000",
        title=fields["title"][:80],
        body=fields["body"],
        trigger=fields["trigger"],
        enforcement=fields["enforcement"],
        verification=fields["verification"],
        incidents=[incident.id],
        created=iso(clock()),
        paths=list(paths),
        guard=_guard_for(verdict),
    )


def _guard_for(verdict: FailureVerdict | None) -> dict[str, Any] | None:
    """A guard comes only from nevo's verdict (a lesson with a machine-checkable cause, judged safe); a
    provider's proposed ``guard`` is never used: the model's text never makes teeth."""
    if verdict is None or not verdict.teaches or verdict.guard is None:
        return None
    return verdict.guard.to_rule_meta()


def valid_guard(guard: Any) -> dict[str, str] | None:
    """A provider's proposed guard, when it is exact (a known tool, a literal command, a fix for a rewrite)
    and free of secrets; the rule's guard still comes only from the verdict (:func:`_guard_for`)."""
    if not isinstance(guard, dict):
        return None
    tool = str(guard.get("tool") or "")
    command = " ".join(str(guard.get("command") or guard.get("match") or "").split())
    action, fix = str(guard.get("action") or ""), " ".join(str(guard.get("fix") or "").split())
    if tool not in GUARD_TOOLS or not command or action not in ("rewrite", "deny") or len(command) > 300:
        return None
    if action == "rewrite" and (not fix or fix == command or len(fix) > 300):
        return None
    if any(_holds_secret(text) for text in (command, fix)):
        return None  # a guard must never rewrite a call into a redaction placeholder
    out = {"tool": tool, "command": command, "action": action}
    if action == "rewrite":
        out["fix"] = fix
    return out


def _holds_secret(text: str) -> bool:
    return "[REDACTED" in text or redact(text) != text


def commit_message(
    rule: Rule,
    incident: store.Incident,
    root_cause: str,
    verdict: Verdict,
    choice: proposal.Choice | None = None,
    notes: list[str] | None = None,
) -> str:
    checked = ", ".join(f"{m.id} ({m.score:.2f})" for m in verdict.matches) or "none (no similar rule)"
    followed = choice.verdict if choice is not None else incident.verdict
    if choice is not None and choice.source == "named" and followed is not None:
        recovery = f"`{followed.fix}` (named by the model, judged by nevo: {followed.reason})"
    elif followed is not None and followed.teaches and followed.fix:
        recovery = f"`{followed.fix}`"
    elif choice is not None and choice.source == "none":
        recovery = "none followed" + (f" ({choice.note})" if choice.note else "")
    else:
        recovery = f"`{incident.recovery.command}`" if incident.recovery else "none seen"
    lines = [
        f"nevo: {rule.id} {rule.title}",
        "",
        f"Incident: {incident.id} ({incident.tool} `{_failed_command(incident)}`: "
        f"{quotable(incident.error_class) or 'its error'}; "
        f"seen {incident.count}x in {incident.session_count} session(s))",
        *([f"Agent: {rule.agent} (kept with its definition in .claude/agents/)"] if rule.agent else []),
        f"Recovery: {recovery}",
        f"Root cause: {_root_cause_shown(root_cause)}",
        f"Rules checked for overlap: {checked} -> {verdict.verdict}",
        f"Rule: {rule.body}",
        f"Enforcement: {rule.enforcement}",
        *[f"Note: {note}" for note in notes or []],
    ]
    return neutralise_trailers(redact("\n".join(lines))) + "\n"


def _root_cause_shown(root_cause: str) -> str:
    """The root cause as the commit message shows it: withheld when it quotes what a gate refuses (the model
    may echo the tool's advice)."""
    if not root_cause:
        return "not given"
    if scan(root_cause) or harm.scan_text(root_cause) or not quotable(root_cause.replace("; ", ", ")):
        return "withheld (it quotes a command the safety gate refuses)"
    return root_cause


def _record(db: Database, outcome: Outcome, clock: Clock, root_cause: str, category: str) -> None:
    db.execute(
        "INSERT INTO analyses (incident_id, at, provider, root_cause, category, rule_id, verdict, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            outcome.incident_id,
            iso(clock()),
            outcome.provider or "unknown",
            root_cause,
            category if category in CATEGORIES else "other",
            outcome.rule_id,
            outcome.verdict,
            outcome.reason,
        ),
    )
