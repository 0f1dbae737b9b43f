"""Rules that stay right: a rule whose failure keeps coming back is re-analysed and revised; a rule whose
cause is gone is retired. The nightly runs it (``nevo nightly``); each change is one commit saying why.

Revision: a rule whose incidents recurred ``analyst.failing_rule_recurrences`` times since it was committed
(or last revised), with at least one recurrence newer than the last time nevo looked at it, goes back to
the incident analyst with the new evidence: the recurrences, what its guard did, the newest recovery
seen (the stored verdicts'), and the rule itself. The proposal passes the analyst's gates (format,
completeness, safety; novelty against the other rules) and replaces the rule under the same id, with
``revised:`` set, in a commit whose message cites the recurrences. The same answer again is recorded as
``unchanged`` and not retried until the failure recurs once more.

Retirement: a rule whose guard has only stood aside (the cause it checks was gone every time the agent
came near it: the script exists now) for ``analyst.retire_after_days``, with no guard hit and no
recurrence since, is deprecated in a commit that gives that evidence. A rule without a guard is never
retired this way: no recurrence may just mean the rule works.

Every look is recorded in ``rule_reviews`` (:mod:`nevo.evidence`). Changes are published once at the end.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from nevo import analyst, evidence, proposal
from nevo import incidents as store
from nevo.clock import Clock, iso, parse_instant
from nevo.config import Config
from nevo.db import Database
from nevo.providers import MeteredProvider, Provider, ProviderError, Request, load_agent
from nevo.publish import Published, publish
from nevo.redact import redact
from nevo.rule_ops import Outcome, agent_paths, analyst_lock, commit_rule_files, deprecate_locked, write_rule
from nevo.rules import Rule, RuleBook
from nevo.session_window import SessionWindow, session_window
from nevo.store import shared
from nevo.verdict import Verdict
from nevo.workspace import Workspace

REVISE_TASK = (
    "This project rule was committed to stop a failure, but the failure came back (the evidence is below: "
    "its recurrences, what its guard did, nevo's newest verdict, and the calls after the newest failure, "
    "numbered from 0). Say which of those calls did what the failed one meant to do (`recovery.index`, or "
    "null), find why the rule did not prevent the failure, and propose the rule that replaces it: 1 to 3 "
    "sentences with its trigger, enforcement and verification. Keep what was right."
)
RECENT = 5  # recurrences listed in the request and the commit message


@dataclass
class UpkeepReport:
    revised: list[Outcome] = field(default_factory=list)
    retired: list[Outcome] = field(default_factory=list)
    reviews: list[dict[str, str]] = field(default_factory=list)  # every look: rule, action, reason
    published: Published | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "revised": [o.rule_id for o in self.revised],
            "retired": [o.rule_id for o in self.retired],
            "reviews": self.reviews,
            "published": self.published.to_json() if self.published else None,
        }


def upkeep(
    workspace: Workspace, db: Database, clock: Clock, provider: Provider | MeteredProvider, config: Config
) -> UpkeepReport:
    """Revise the rules that keep failing and retire the ones whose cause is gone; publish once."""
    import nevo.offline_analyst  # noqa: F401 - registers the offline incident-analyst

    threshold = int(config.get("analyst.failing_rule_recurrences"))
    days = int(config.get("analyst.retire_after_days"))
    report = UpkeepReport()
    with shared(workspace, db, config) as db, analyst_lock(workspace):  # rule evidence is the team's when shared
        book = RuleBook(workspace)
        for rule in book.active():
            record = evidence.rule_evidence(db, rule.id, rule.incidents, rule.since)
            fresh = [r for r in record.recurrences if record.last_review is None or r.at > record.last_review]
            if threshold > 0 and len(record.recurrences) >= threshold and fresh:
                outcome = _revise(workspace, db, provider, book, rule, record, clock, report)
                if outcome is not None:
                    report.revised.append(outcome)
            elif days > 0 and _cause_gone_for(record, clock, days):
                report.retired.append(_retire(workspace, db, rule, record, clock, report))
        if report.revised or report.retired:
            report.published = publish(workspace)
    return report


def _cause_gone_for(record: evidence.RuleEvidence, clock: Clock, days: int) -> bool:
    if record.cause_gone_since is None:
        return False
    return (clock() - parse_instant(record.cause_gone_since)).total_seconds() >= days * 86400


def _review(
    db: Database, report: UpkeepReport, rule: Rule, clock: Clock, action: str, reason: str, commit: str | None = None
) -> None:
    evidence.record_review(db, rule.id, iso(clock()), action, reason, commit)
    report.reviews.append({"rule": rule.id, "action": action, "reason": reason})


# -- revision -------------------------------------------------------------------------------------------


def _revise(
    workspace: Workspace,
    db: Database,
    provider: Provider | MeteredProvider,
    book: RuleBook,
    rule: Rule,
    record: evidence.RuleEvidence,
    clock: Clock,
    report: UpkeepReport,
) -> Outcome | None:
    """Re-analyse ``rule`` with its new evidence; the outcome of a committed (or queued) revision, else None."""
    [(incident_id, _)] = Counter(r.incident_id for r in record.recurrences).most_common(1)
    incident = store.get_incident(db, incident_id)
    if incident is None:
        _review(db, report, rule, clock, "rejected", f"its incident {incident_id} is no longer stored")
        return None
    window = session_window(db, incident.id, str(workspace.root), newest=True)
    # The fix seen most recently beats the one seen when the rule was written.
    newest = next((v for v in store.incident_verdicts(db, incident.id) if v.teaches and v.fix), incident.verdict)
    request = Request(
        agent=load_agent("incident-analyst", workspace),
        task=REVISE_TASK,
        data=_revision_data(workspace, db, book, rule, record, incident, window, newest),
        schema=analyst.SCHEMA,
        max_tokens=2048,
    )
    try:
        response = provider.complete(request)
    except ProviderError as exc:  # left for the next night: no review recorded, the recurrences stay fresh
        report.reviews.append({"rule": rule.id, "action": "provider-error", "reason": str(exc)})
        return None
    # The same path as a first analysis: a recovery the model names is judged again by nevo, the guard is
    # that judgment's (if the compiler takes it), and the words name the fix the guard makes.
    choice = proposal.choose(response.output, newest, window)
    try:
        proposed, _ = analyst.rule_from_answer(workspace, response.output, incident, book, clock, choice, True)
    except analyst.GateFailure as failure:
        _review(db, report, rule, clock, "rejected", failure.reason)
        return None
    others = [r for r in book.active() if r.id != rule.id]
    novelty = analyst.check_novelty(proposed, others)
    if novelty.verdict == "duplicate":
        best = novelty.matches[0]
        _review(db, report, rule, clock, "rejected", f"the revision duplicates {best.id} (score {best.score:.2f})")
        return None
    if _same(rule, proposed):
        _review(db, report, rule, clock, "unchanged", "the new analysis proposes the same rule")
        return None
    return _commit_revision(workspace, db, book, rule, proposed, record, response.provider, clock, report)


def _revision_data(
    workspace: Workspace,
    db: Database,
    book: RuleBook,
    rule: Rule,
    record: evidence.RuleEvidence,
    incident: store.Incident,
    window: SessionWindow | None,
    newest: Verdict | None,
) -> dict[str, Any]:
    data = analyst.gather(workspace, db, incident, book, window)
    if newest is not None and newest.teaches:
        data["verdict"] = newest.to_json()
        tool = newest.fix_tool or incident.tool
        data["recovery"] = {"tool": tool, "command": newest.fix, "input": {"command": newest.fix}, "between": []}
    data["rule_to_revise"] = {
        "id": rule.id,
        "title": rule.title,
        "body": rule.body,
        "guard": rule.guard,
        "in_effect_since": record.since,
    }
    data["evidence"] = {
        "recurrences_since": len(record.recurrences),
        "recent_recurrences": [r.__dict__ for r in record.recurrences[-RECENT:]],
        "guard_hits": record.hits,
        "guard_stood_aside": record.stood_aside,
    }
    return data


def _same(rule: Rule, proposed: Rule) -> bool:
    fields = ("title", "body", "trigger", "enforcement", "verification", "guard")
    return all(getattr(rule, name) == getattr(proposed, name) for name in fields)


def _commit_revision(
    workspace: Workspace,
    db: Database,
    book: RuleBook,
    rule: Rule,
    proposed: Rule,
    record: evidence.RuleEvidence,
    provider_name: str,
    clock: Clock,
    report: UpkeepReport,
) -> Outcome:
    before = Rule(**rule.__dict__)
    old_path = rule.path
    for name in ("title", "body", "trigger", "enforcement", "verification", "guard", "paths"):
        setattr(rule, name, getattr(proposed, name))
    for incident_id in proposed.incidents:
        if incident_id not in rule.incidents:
            rule.incidents.append(incident_id)
    rule.revised = iso(clock())
    path = book.path_for(rule)
    paths = [path] if old_path is None or old_path == path else [old_path, path]
    outcome = Outcome(rule.id, "committed", "", rule.id, provider=provider_name)
    message = revision_message(before, rule, record)
    commit_rule_files(
        workspace,
        f"revise-{rule.id}",
        agent_paths(workspace, rule, paths),
        message,
        outcome,
        write=lambda: write_rule(workspace, book, rule),
    )
    why = f"recurred {len(record.recurrences)}x since {record.since}"
    if outcome.verdict != "committed":
        why += f" ({outcome.verdict}: {outcome.reason})"
    _review(db, report, rule, clock, "revised", why, outcome.commit)
    return outcome


def revision_message(before: Rule, after: Rule, record: evidence.RuleEvidence) -> str:
    recent = "; ".join(f"{r.incident_id} at {r.at} (session {r.session_id})" for r in record.recurrences[-RECENT:])
    lines = [
        f"nevo: revise {after.id} {after.title}",
        "",
        f"Why: the failure it answers came back {len(record.recurrences)} time(s) since the rule took effect"
        f" ({record.since}): {recent}",
        f"Guard since then: {record.hits} hit(s), stood aside {record.stood_aside} time(s)",
        f"Before: {before.body}",
        f"After: {after.body}",
        f"Guard before: {_guard_text(before.guard)}",
        f"Guard after: {_guard_text(after.guard)}",
        f"Enforcement: {after.enforcement}",
    ]
    return redact("\n".join(lines)) + "\n"


def _guard_text(guard: dict[str, Any] | None) -> str:
    if not guard:
        return "none"
    target = guard.get("fix") or ""
    match = guard.get("command") or guard.get("match") or ""
    return f"{guard.get('action')} `{match}`" + (f" -> `{target}`" if target else "")


# -- retirement -----------------------------------------------------------------------------------------


def _retire(
    workspace: Workspace,
    db: Database,
    rule: Rule,
    record: evidence.RuleEvidence,
    clock: Clock,
    report: UpkeepReport,
) -> Outcome:
    gone = str(record.cause_gone_since)
    reason = (
        f"the cause it answers is gone: its guard stood aside every time since {gone[:10]} (the cause no "
        "longer held when the agent made the call), with no guard hit and no recurrence since"
    )
    why = (
        f"Evidence since the rule took effect ({record.since}): {record.hits} guard hit(s) (last {record.last_hit}),"
        f" stood aside {record.stood_aside} time(s) (last {record.last_stood_aside}),"
        f" {len(record.recurrences)} recurrence(s)."
    )
    outcome = deprecate_locked(workspace, rule.id, reason, clock, verb="retire", why=why)
    _review(db, report, rule, clock, "retired", reason, outcome.commit)
    return outcome
