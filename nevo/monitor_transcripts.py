"""The monitor's transcript reading: failures that fire no hook, and what each failure of the session taught.

At Stop / SubagentStop / SessionEnd / PreCompact the monitor calls :func:`scan_transcript`, which reads the
session transcript from where the last read stopped and returns :class:`Findings`: the failed calls it shows
(Edit's "String to replace not found" fires no hook: only the transcript has it) and, for every failure of
the session, the verdict of :func:`nevo.lesson.judge` on it given the calls after it. The monitor counts the
failures, then :func:`record_findings` stores the verdicts (and, for a lesson or fixed work, the recovery
row the reports and ``nevo incidents show`` read) and the read offsets, all in the monitor's transaction.

A failure is judged again at each read until it is settled: a later call answered it, ``nevo.lesson.WINDOW``
calls went by, or the session ended (then it gets a ``none`` verdict). To judge it with the calls that came
after it, the next read starts at the line of the earliest failure not yet settled (``judge_offset``); only
the calls after the last read are counted. A call still without a result is read again next time, unless
it never will have one (the session ended, or the call was abandoned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nevo import incidents as store
from nevo.calls import describe_call
from nevo.clock import iso
from nevo.db import Database
from nevo.lesson import Call, judge
from nevo.redact import redact, redact_obj
from nevo.transcript import ToolCall, iter_entries, read_transcript
from nevo.verdict import Verdict

MAX_BETWEEN = 5
# Error results in a transcript that are not the tool failing: a nevo guard denying a call (the rule doing
# its job: counting it would make the rule look broken), the person rejecting or interrupting a call.
NOT_A_FAILURE = re.compile(
    r"\s*(?:nevo (?:PROJ|AGENT)-\d+:|The user doesn't want to proceed|\[Request interrupted by user)"
)
# A call still without a result this long after it, by the transcript's own clock, never gets one (the
# session was killed mid-call and resumed); Bash's longest timeout is 10 minutes.
ABANDONED_CALL_SECONDS = 3600.0
SUBAGENT = "subagent"  # the agent of a sidechain call whose type the transcript does not say


@dataclass(frozen=True)
class Failure:
    """A failed call the transcript shows, to count (a hook may have seen it too: its key makes it once)."""

    tool: str
    input: dict[str, Any]
    error: str
    cwd: str | None
    key: str
    session_id: str
    tool_use_id: str
    at: str


@dataclass(frozen=True)
class Judged:
    """The settled verdict of one failure (its occurrence ``key``) and, when it has one, its recovery row."""

    key: str
    session_id: str
    at: str
    verdict: Verdict
    recovery: store.Recovery | None = None


@dataclass
class Findings:
    """What one read of a transcript found, for the monitor to count and store in its transaction."""

    path: str
    session_id: str
    failures: list[Failure] = field(default_factory=list)
    judged: list[Judged] = field(default_factory=list)
    read_offset: int = 0
    judge_offset: int | None = None


def scan_transcript(
    db: Database,
    path: Path,
    session_id: str,
    cwd: str | None,
    at: str,
    *,
    root: str = "",
    final: bool = False,
    agent: str = "",
) -> Findings | None:
    """Read a transcript from where the last read stopped; None when there is no transcript (yet)."""
    key = str(path)
    start = store.transcript_offset(db, key)
    judge_from = store.judge_offset(db, key)
    try:
        if path.stat().st_size < start:
            start, judge_from = 0, None  # rewritten from scratch: read it again (keys prevent double counts)
    except OSError:
        return None
    fresh = read_transcript(path, start)
    context = read_transcript(path, judge_from) if judge_from is not None and judge_from < start else fresh
    session = fresh.session_id or context.session_id or session_id
    cwd = cwd or fresh.cwd or context.cwd
    found = Findings(key, session)
    for call in fresh.calls:
        if _is_failure(call):
            assert call.result is not None
            found.failures.append(
                Failure(
                    call.name,
                    call.input,
                    call.result.text,
                    call.cwd or cwd,
                    store.call_key(session, call.id),
                    session,
                    call.id,
                    _call_at(call, at),
                )
            )
    open_ids = _judge(context.calls, session, cwd, at, root, final, agent, found) if session else []
    # A call without a result yet is read again next time (its failure must not be missed), unless it never
    # will have one: the session ended, or it moved on long after the call (killed mid-call and resumed).
    unanswered = {
        call.id
        for call in fresh.calls
        if call.result is None and call.id and not final and not _abandoned(call, fresh.ended_at)
    }
    resume = _line_offset_of(path, start, unanswered) if unanswered else None
    found.read_offset = fresh.end_offset if resume is None else resume
    if open_ids:
        origin = judge_from if judge_from is not None and judge_from < start else start
        found.judge_offset = _line_offset_of(path, origin, set(open_ids))
    return found


def record_findings(db: Database, findings: Findings, now: str) -> int:
    """Store the verdicts, recoveries and offsets of a read (call after counting its failures, in the same
    transaction); returns how many recoveries were stored."""
    stored = 0
    for judged in findings.judged:
        incident_id = store.occurrence_incident(db, judged.key)
        if incident_id is None:
            continue  # not counted (a guard's denial, a person's rejection): nothing to judge
        store.record_verdict(db, judged.key, incident_id, judged.session_id, judged.at, judged.verdict)
        if judged.recovery is not None:
            if store.record_recovery(db, incident_id, judged.recovery):
                stored += 1
            store.mark_recovered(db, judged.session_id, incident_id)
    store.set_transcript_offset(db, findings.path, findings.read_offset, findings.session_id, now)
    store.set_judge_offset(db, findings.path, findings.judge_offset)
    return stored


def _judge(
    calls: list[ToolCall],
    session: str,
    cwd: str | None,
    at: str,
    root: str,
    final: bool,
    agent: str,
    found: Findings,
) -> list[str]:
    """Judge every failure among ``calls``; returns the ids of those not settled yet."""
    answered = [c for c in calls if c.result is not None]
    as_calls = [_as_call(c, cwd) for c in answered]
    still_open: list[str] = []
    for index, call in enumerate(answered):
        if not _is_failure(call):
            continue
        later = as_calls[index + 1 :]
        verdict = judge(
            as_calls[index],
            later,
            root=root,
            agent=agent or (SUBAGENT if call.sidechain else ""),
            final=final,
        )
        if verdict.extra.get("open"):
            still_open.append(call.id)
            continue
        recovery = _recovery(verdict, answered, index, session, at)
        found.judged.append(Judged(store.call_key(session, call.id), session, _call_at(call, at), verdict, recovery))
    return still_open


def _recovery(verdict: Verdict, calls: list[ToolCall], index: int, session: str, at: str) -> store.Recovery | None:
    """The recovery row of a lesson or of fixed work (what the reports and `nevo incidents show` print)."""
    if verdict.kind not in ("lesson", "work") or not verdict.fix:
        return None
    chain = [c for c in calls[index + 1 :] if c.sidechain == calls[index].sidechain]
    if verdict.distance >= len(chain):
        return None
    failed, fix = calls[index], chain[verdict.distance]
    safe_input = redact_obj(fix.input)
    failed_input = redact_obj(failed.input)
    between = [
        describe_call(c.name, c.input) + ("" if c.succeeded else " (failed)") for c in chain[: verdict.distance]
    ][-MAX_BETWEEN:]
    return store.Recovery(
        tool=fix.name,
        input=safe_input if isinstance(safe_input, dict) else {},
        command=redact(fix.command),
        session_id=session,
        tool_use_id=fix.id,
        at=_call_at(fix, at),
        failed_input=failed_input if isinstance(failed_input, dict) else {},
        failed_tool_use_id=failed.id,
        between=[redact(b) for b in between],
    )


def _is_failure(call: ToolCall) -> bool:
    return bool(call.failed and call.id and call.result is not None and not NOT_A_FAILURE.match(call.result.text))


def _as_call(call: ToolCall, cwd: str | None) -> Call:
    output = call.result.text if call.result is not None else ""
    return Call(
        call.name, call.input, call.succeeded, output, cwd=call.cwd or cwd or "", sidechain=call.sidechain, id=call.id
    )


def _line_offset_of(path: Path, start: int, tool_use_ids: set[str]) -> int | None:
    """Where the line holding the first of these tool calls starts: a call whose result is not written yet
    (a read in the middle of a turn) is read again next time, so its failure is not missed."""
    offset = start
    try:
        for end, entry in iter_entries(path, start):
            message = entry.get("message") if entry else None
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, list) and any(
                isinstance(b, dict) and b.get("type") == "tool_use" and b.get("id") in tool_use_ids for b in content
            ):
                return offset
            offset = end
    except OSError:
        return None
    return None


def _abandoned(call: ToolCall, transcript_end: str | None) -> bool:
    """Whether the transcript went on for ABANDONED_CALL_SECONDS after ``call`` without its result."""
    started, last = _parse_time(call.at), _parse_time(transcript_end)
    return started is not None and last is not None and (last - started).total_seconds() >= ABANDONED_CALL_SECONDS


def _parse_time(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _call_at(call: ToolCall, fallback: str) -> str:
    raw = (call.result.at if call.result and call.result.at else None) or call.at
    if not raw:
        return fallback
    try:
        return iso(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        return fallback
