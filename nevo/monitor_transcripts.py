"""The monitor's transcript reading: failures that fire no hook, and the calls that recover from them.

At Stop / SubagentStop / SessionEnd / PreCompact the monitor reads the session transcript from where the
last read stopped (offsets live in the database, in the same transaction as the trigger): failures that
fire no hook (Edit's "String to replace not found") become occurrences, and a later successful call that
plausibly fixes a failure is stored as the incident's recovery. A call still without a result is read
again next time, unless it never will have one (the session ended, or the call was abandoned).

:class:`TranscriptScanning` is a part of :class:`nevo.monitor.Monitor` (its base class): it counts what it
finds through the monitor's ``_count``, in the monitor's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from nevo import incidents as store
from nevo.clock import Clock, iso
from nevo.db import Database
from nevo.recovery import describe_call, plausible_recovery
from nevo.redact import redact, redact_obj
from nevo.transcript import ToolCall, iter_entries, read_transcript

if TYPE_CHECKING:
    from nevo.monitor import RunResult

MAX_BETWEEN = 5
# Error results in a transcript that are not the tool failing: a nevo guard denying a call (the rule doing
# its job: counting it would make the rule look broken), the person rejecting or interrupting a call.
NOT_A_FAILURE = re.compile(
    r"\s*(?:nevo (?:PROJ|AGENT)-\d+:|The user doesn't want to proceed|\[Request interrupted by user)"
)
# A call still without a result this long after it, by the transcript's own clock, never gets one (the
# session was killed mid-call and resumed); Bash's longest timeout is 10 minutes.
ABANDONED_CALL_SECONDS = 3600.0


class TranscriptScanning:
    """The transcript half of :class:`nevo.monitor.Monitor`, which provides ``db``, ``clock`` and ``_count``."""

    db: Database
    clock: Clock
    _count: Callable[..., None]  # Monitor._count: one failure counted against its incident

    def _scan_transcript(
        self, path: Path, session_id: str, cwd: str | None, at: str, result: RunResult, *, final: bool = False
    ) -> None:
        key = str(path)
        start = store.transcript_offset(self.db, key)
        try:
            if path.stat().st_size < start:
                start = 0  # rewritten from scratch: read it again (occurrence keys prevent double counts)
        except OSError:
            return  # no transcript (yet): nothing to learn from it
        transcript = read_transcript(path, start)
        session = transcript.session_id or session_id
        cwd = cwd or transcript.cwd
        result.transcripts_read += 1
        for call in transcript.calls:
            result_text = call.result.text if call.result is not None else ""
            if call.failed and call.id and call.result is not None and not NOT_A_FAILURE.match(result_text):
                self._count(
                    call.name,
                    call.input,
                    call.result.text,
                    call.cwd or cwd,
                    key=store.call_key(session, call.id),
                    session_id=session,
                    tool_use_id=call.id,
                    at=_call_at(call, at),
                    source="transcript",
                    result=result,
                )
        if session:
            self._find_recoveries(transcript.calls, session, cwd, at, result)
        # A call without a result yet is read again next time (its failure must not be missed), unless it
        # never will have one: the session ended, or it moved on long after the call (killed mid-call and
        # resumed). Waiting for those would hold the offset and re-read everything after them forever.
        unanswered = {
            call.id
            for call in transcript.calls
            if call.result is None and call.id and not final and not _abandoned(call, transcript.ended_at)
        }
        resume = _line_offset_of(path, start, unanswered) if unanswered else None
        end = transcript.end_offset if resume is None else resume
        store.set_transcript_offset(self.db, key, end, session, iso(self.clock()))

    def _find_recoveries(
        self, calls: list[ToolCall], session: str, cwd: str | None, at: str, result: RunResult
    ) -> None:
        open_failures = store.open_failures(self.db, session)
        if not open_failures:
            return
        position = {call.id: index for index, call in enumerate(calls)}
        recovered: set[str] = set()
        for index, call in enumerate(calls):
            if not call.succeeded:
                continue
            for failure in open_failures:
                where = position.get(failure.tool_use_id, -1)
                if failure.incident_id in recovered or where >= index:
                    continue
                if not plausible_recovery(failure.tool, failure.input, call.name, call.input, cwd):
                    continue
                safe_input = redact_obj(call.input)
                assert isinstance(safe_input, dict)
                between = [
                    describe_call(c.name, c.input) + ("" if c.succeeded else " (failed)")
                    for c in calls[where + 1 : index]
                ][-MAX_BETWEEN:]
                recovery = store.Recovery(
                    tool=call.name,
                    input=safe_input,
                    command=redact(call.command),
                    session_id=session,
                    tool_use_id=call.id,
                    at=_call_at(call, at),
                    failed_input=failure.input,
                    failed_tool_use_id=failure.tool_use_id,
                    between=[redact(b) for b in between],
                )
                if store.record_recovery(self.db, failure.incident_id, recovery):
                    result.recoveries += 1
                store.mark_recovered(self.db, session, failure.incident_id)
                recovered.add(failure.incident_id)


def _line_offset_of(path: Path, start: int, tool_use_ids: set[str]) -> int | None:
    """Where the line holding the first of these tool calls starts: a call whose result is not written yet
    (a read in the middle of a turn) is read again next time, so its failure is not missed."""
    offset = start
    try:
        for end, entry in iter_entries(path, start):
            message = entry.get("message") if entry else None
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, list) and any(
                isinstance(b, dict) and b.get("type") == "tool_use" and b.get("id") in tool_use_ids
                for b in content
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
