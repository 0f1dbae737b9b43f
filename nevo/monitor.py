"""The incident monitor: triggers in, fingerprinted incidents out, each failure counted exactly once.

Per trigger: read (huge payloads clipped) -> redact -> fingerprint -> count it against its incident or
open a new one. Triggers are handled in batches, each batch in ONE transaction; the trigger files are
deleted only after their batch committed. Every occurrence has a unique key (the tool call, or the
trigger's name), so a trigger replayed after a crash between commit and delete counts nothing twice.
A trigger that cannot be read is moved to ``.nevo/rejected/`` with ``<name>.reason`` beside it.

At Stop / SubagentStop / SessionEnd / PreCompact the session transcript is read from where the last
read stopped (offsets live in the database, in the same transaction): failures that fire no hook
(Edit's "String to replace not found") become occurrences, and what each failure taught is judged once
(:mod:`nevo.lesson`) and stored (that reading is in :mod:`nevo.monitor_transcripts`).
A SessionEnd also hands the transcript to the memory journal. A failure inside a sub-agent keeps the
agent's type (the payload's ``agent_type``; at SubagentStop, the agent whose transcript is read).

A guard's report (hook event ``NevoGuard``: it hit, or stood aside because the cause was gone) is counted
once into the rule's evidence (:mod:`nevo.evidence`). After a pass that counted failures or found
recoveries, the analyst runs on what is ready (``monitor.analyze_on_new``, on by default).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from nevo import incidents as store
from nevo.clock import Clock, iso, system_clock
from nevo.config import Config, load_config
from nevo.db import Database, OperationalError, open_database
from nevo.evidence import GUARD_EVENT, BadGuardEvent, guard_event, record_guard_event
from nevo.fingerprint import Fingerprint, fingerprint
from nevo.monitor_transcripts import ABANDONED_CALL_SECONDS as ABANDONED_CALL_SECONDS  # re-exported: it was here
from nevo.monitor_transcripts import MAX_BETWEEN as MAX_BETWEEN  # re-exported
from nevo.monitor_transcripts import NOT_A_FAILURE as NOT_A_FAILURE  # re-exported
from nevo.monitor_transcripts import record_findings, scan_transcript
from nevo.redact import redact, redact_obj
from nevo.reports import write_due_reports
from nevo.store import (
    StoreConflict,
    StoreUnavailable,
    is_shared,
    note_reachable,
    note_unreachable,
    shared,
    waiting_warning,
)
from nevo.triggers import (
    UnreadableTrigger,
    adopt_temp,
    clip,
    move_aside,
    pending_triggers,
    read_payload,
    stale_temps,
)
from nevo.workspace import Workspace

log = logging.getLogger(__name__)

BATCH_SIZE = 200
SAMPLE_ERROR_CHARS = 4_000  # the stored sample of an error: head and tail
FINGERPRINT_ERROR_CHARS = 32_768  # what is redacted and fingerprinted (the fingerprint reads 8 KB each end)
TRANSCRIPT_EVENTS = frozenset({"Stop", "SubagentStop", "SessionEnd", "PreCompact"})
ESSENCE_CACHE_MAX_CHARS = 16_384  # larger failures are not memoised (bounded memory)
CONFLICT_RETRIES = 5  # a batch another machine's monitor deadlocked with is run again this often


@dataclass
class RunResult:
    """What one pass over the pending triggers did."""

    processed: int = 0  # trigger files consumed (their effect committed, the file deleted)
    counted: int = 0  # occurrences added
    duplicates: int = 0  # failures already counted (a replay, or the hook and the transcript both saw it)
    new_incidents: list[str] = field(default_factory=list)
    loops: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    recoveries: int = 0
    guard_events: int = 0  # guard hits and stand-asides counted into their rules' evidence
    rules: list[str] = field(default_factory=list)  # rules the analyst committed (or wrote, or queued)
    transcripts_read: int = 0
    sessions_ended: int = 0
    warnings: list[str] = field(default_factory=list)
    stopped_early: bool = False

    def merge(self, other: RunResult) -> None:
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, list):
                mine.extend(theirs)
            elif isinstance(mine, bool):
                setattr(self, name, mine or theirs)
            else:
                setattr(self, name, mine + theirs)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Monitor:
    """Processes a workspace's triggers with one database connection (reuse it across passes)."""

    def __init__(
        self,
        workspace: Workspace,
        db: Database,
        config: Config,
        clock: Clock = system_clock,
        *,
        analyze: bool | None = None,
        local: Database | None = None,
    ) -> None:
        """``analyze``: run the analyst after a pass (default: ``monitor.analyze_on_new``); the background
        run passes False and analyses once itself after the whole pass. ``db`` holds the shared tables
        (:mod:`nevo.store`), ``local`` the memory (default: ``db``, the same SQLite with no store configured)."""
        self.workspace = workspace
        self.db = db
        self.local = local if local is not None else db
        self._tally = store.Tally()
        self._known: dict[str, str] = {}  # fingerprint digest -> incident id, committed (kept across batches)
        self.clock = clock
        self.loop_threshold = int(config.get("monitor.loop_threshold"))
        self.max_payload_bytes = int(config.get("monitor.max_payload_bytes"))
        self.analyze_on_new = bool(config.get("monitor.analyze_on_new")) if analyze is None else analyze
        self.batch_size = BATCH_SIZE

    # -- the pass --------------------------------------------------------------------------------
    def process_pending(self, should_stop: Callable[[], bool] = lambda: False) -> RunResult:
        """Process every complete trigger now pending (oldest first), in batches; returns what was done.
        ``should_stop`` is asked before each trigger: when it says yes, the batch so far is committed and
        the pass ends (the rest stays pending for the next run)."""
        result = RunResult()
        self._refresh_guards(result)
        self._sweep_stale_temps(result)
        try:
            write_due_reports(self.workspace, self.db)  # reports a crash left unwritten
            pending = pending_triggers(self.workspace.triggers_dir)
            for start in range(0, len(pending), self.batch_size):
                if should_stop():
                    result.stopped_early = True
                    break
                batch = self._process_batch(pending[start : start + self.batch_size], should_stop)
                result.merge(batch)
                if batch.stopped_early:
                    break
        except StoreUnavailable as exc:  # the shared store went away: the batch rolled back, its triggers wait
            note_unreachable(self.workspace, exc)
            result.warnings.append(waiting_warning(self.workspace, exc))
            result.stopped_early = True
            return result
        if is_shared(self.db):
            note_reachable(self.workspace)
        # Something may be ready now: a new incident, one more occurrence, a recovery.
        if self.analyze_on_new and (result.counted or result.recoveries):
            self._analyze(result)
        return result

    def _process_batch(self, paths: list[Path], should_stop: Callable[[], bool]) -> RunResult:
        """One batch in one transaction, run again when another writer on the shared store got in its way
        (a deadlock: the transaction rolled back, its triggers are all still there)."""
        rejected: list[str] = []
        for attempt in range(CONFLICT_RETRIES):
            try:
                return self._process_batch_once(paths, should_stop, RunResult(rejected=rejected))
            except StoreConflict:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                time.sleep(0.05 * 2**attempt * (0.5 + random.random()))  # jitter: the two do not meet again
        raise AssertionError("unreachable")

    def _process_batch_once(self, paths: list[Path], should_stop: Callable[[], bool], result: RunResult) -> RunResult:
        done: list[Path] = []
        ended: list[str] = []
        self._tally = store.Tally(known=self._known)
        try:
            self._run_batch(paths, should_stop, result, done, ended)
        except BaseException:
            self._known.clear()  # incidents this batch opened were rolled back with it
            raise
        # Committed: now the side effects that may repeat harmlessly, then the triggers go.
        for transcript_path in ended:
            self._ingest_session(transcript_path, result)
        write_due_reports(self.workspace, self.db)
        for path in done:
            path.unlink(missing_ok=True)
        result.processed += len(done)
        return result

    def _run_batch(
        self, paths: list[Path], should_stop: Callable[[], bool], result: RunResult, done: list[Path], ended: list[str]
    ) -> None:
        with self.db.transaction():
            for path in paths:
                if should_stop():
                    result.stopped_early = True
                    break
                if self._process_one(path, result, ended):
                    done.append(path)
            # The occurrences and the incidents' counters, once per incident, in id order, at the end.
            result.loops.extend(store.apply_tally(self.db, self._tally, self.loop_threshold))
            result.counted -= self._tally.late_duplicates  # counted before: replays found when written
            result.duplicates += self._tally.late_duplicates

    def _process_one(self, path: Path, result: RunResult, ended: list[str]) -> bool:
        """Apply one trigger inside the batch's transaction. True: delete it after commit; False: it was
        moved aside (or vanished)."""
        try:
            payload = read_payload(path, self.max_payload_bytes)
            at = _mtime_iso(path) or iso(self.clock())
        except UnreadableTrigger as exc:
            if "'NevoGuard'" in exc.reason:  # a guard's evidence (hooks/guard.py), not counted yet: consumed
                return True
            self._reject(path, exc.reason, result)
            return False
        except FileNotFoundError:
            return False  # another monitor took it
        except Exception as exc:  # a payload the reader did not foresee: it must not block the ones behind it
            self._reject(path, _unforeseen("could not be read", exc), result)
            return False
        effect, ended_here = RunResult(), list[str]()
        if payload.get("hook_event_name") in TRANSCRIPT_EVENTS:
            store.write_pending(self.db, self._tally)  # a transcript's reading looks at this batch's failures
        self.db.execute("SAVEPOINT one_trigger")
        mark = self._tally.mark()
        try:
            self._apply(path.name, payload, at, effect, ended_here)
        except OperationalError:
            raise  # the database is busy or the disk full: the whole batch rolls back and is retried later
        except UnreadableTrigger as exc:  # read fine, but not a shape its event allows
            self.db.execute("ROLLBACK TO one_trigger")
            self.db.execute("RELEASE one_trigger")
            self._tally.undo(mark)
            self._reject(path, exc.reason, result)
            return False
        except Exception as exc:
            # A payload this code did not foresee must not block every trigger behind it: undo its effect,
            # move it aside with the reason (nothing is lost: moving it back re-queues it) and go on.
            self.db.execute("ROLLBACK TO one_trigger")
            self.db.execute("RELEASE one_trigger")
            self._tally.undo(mark)
            self._reject(path, _unforeseen("could not be processed", exc), result)
            return False
        self.db.execute("RELEASE one_trigger")
        result.merge(effect)
        ended.extend(ended_here)
        return True

    def _apply(self, name: str, payload: dict[str, Any], at: str, result: RunResult, ended: list[str]) -> None:
        event = payload["hook_event_name"]
        session_id = _text(payload.get("session_id"))
        cwd = _text(payload.get("cwd")) or None
        if event == "PostToolUseFailure":
            if payload.get("is_interrupt") is True:
                return  # the person pressed Esc: not a failure of the tool
            tool_use_id = _text(payload.get("tool_use_id"))
            key = store.call_key(session_id, tool_use_id) if tool_use_id else _trigger_key(name, payload)
            raw_input = payload.get("tool_input")
            tool_input: dict[str, Any] = raw_input if isinstance(raw_input, dict) else {}
            self._count(
                str(payload["tool_name"]),
                tool_input,
                _error_text(payload.get("error")),
                cwd,
                key=key,
                session_id=session_id,
                tool_use_id=tool_use_id,
                at=at,
                source="hook",
                result=result,
                agent_type=_text(payload.get("agent_type")),
            )
        elif event == GUARD_EVENT:
            try:
                parsed = guard_event(payload)
            except BadGuardEvent as exc:
                raise UnreadableTrigger(str(exc)) from exc
            if record_guard_event(self.db, _trigger_key(name, payload), parsed, at):
                result.guard_events += 1
            else:
                result.duplicates += 1  # a replay after a crash between commit and delete
        elif event == "StopFailure":
            error = _error_text(payload.get("error"))
            details = _error_text(payload.get("error_details"))
            self._count(
                "StopFailure",
                {},
                f"{error}\n{details}".strip() or "API error",
                cwd,
                key=_trigger_key(name, payload),
                session_id=session_id,
                tool_use_id="",
                at=at,
                source="hook",
                result=result,
            )
        elif event in TRANSCRIPT_EVENTS:
            transcript = _text(payload.get("agent_transcript_path")) if event == "SubagentStop" else ""
            transcript = transcript or (_text(payload.get("transcript_path")) if event != "SubagentStop" else "")
            if transcript:
                final = event in ("SessionEnd", "SubagentStop")  # no call still open there will ever answer
                agent = _text(payload.get("agent_type")) if event == "SubagentStop" else ""
                root = str(self.workspace.root)
                found = scan_transcript(
                    self.db, Path(transcript).expanduser(), session_id, cwd, at, root=root, final=final, agent=agent
                )
                if found is not None:
                    result.transcripts_read += 1
                    for f in found.failures:
                        self._count(
                            f.tool,
                            f.input,
                            f.error,
                            f.cwd,
                            key=f.key,
                            session_id=f.session_id,
                            tool_use_id=f.tool_use_id,
                            at=f.at,
                            source="transcript",
                            agent_type=agent,
                            result=result,
                        )
                    store.write_pending(self.db, self._tally)  # the verdicts are stored against these failures
                    result.recoveries += record_findings(self.db, found, iso(self.clock()))
            if event == "SessionEnd":
                result.sessions_ended += 1
                if transcript:
                    ended.append(transcript)

    def _count(
        self,
        tool: str,
        tool_input: dict[str, Any],
        error: str,
        cwd: str | None,
        *,
        key: str,
        session_id: str,
        tool_use_id: str,
        at: str,
        source: str,
        result: RunResult,
        agent_type: str = "",
    ) -> None:
        clipped = clip(error, FINGERPRINT_ERROR_CHARS)
        input_json = json.dumps(tool_input, sort_keys=True, ensure_ascii=False, default=str)
        if len(clipped) + len(input_json) <= ESSENCE_CACHE_MAX_CHARS:
            safe_input, safe_error, safe_cwd, fp = _essence(tool, input_json, clipped, cwd)
        else:
            safe_input, safe_error, safe_cwd, fp = _essence.__wrapped__(tool, input_json, clipped, cwd)
        sample = {
            "tool_input": safe_input,
            "error": clip(safe_error, SAMPLE_ERROR_CHARS),
            "cwd": safe_cwd or "",
            "session_id": session_id,
            "tool_use_id": tool_use_id,
        }
        recorded = store.record_failure(
            self.db,
            fp,
            key=key,
            session_id=session_id,
            tool_use_id=tool_use_id,
            at=at,
            source=source,
            sample=sample,
            failed_input=safe_input,
            loop_threshold=self.loop_threshold,
            agent_type=agent_type,
            tally=self._tally,
        )
        if not recorded.counted:
            result.duplicates += 1
            return
        result.counted += 1
        if recorded.is_new:
            result.new_incidents.append(recorded.incident_id)

    # -- edges -----------------------------------------------------------------------------------
    def _reject(self, path: Path, reason: str, result: RunResult) -> None:
        if move_aside(path, self.workspace.rejected_dir, reason) is not None:
            result.rejected.append(path.name)
            # info, not warning: the result carries it and the CLI prints it once (with the reason file).
            log.info("trigger %s moved to %s: %s", path.name, self.workspace.rejected_dir, reason)

    def _sweep_stale_temps(self, result: RunResult) -> None:
        now = self.clock().timestamp()
        for path in stale_temps(self.workspace.triggers_dir, now):
            reason = "partial write: the capture hook died while writing this temp file"
            try:
                if adopt_temp(path) is not None:
                    continue  # complete: its rename never ran; it is a trigger like any other now
            except FileNotFoundError:
                continue  # renamed by its writer after all
            except UnreadableTrigger as exc:  # a symlink, a FIFO, a device: never read, moved aside
                reason = exc.reason
            if move_aside(path, self.workspace.rejected_dir, reason, suffix=".partial") is not None:
                result.rejected.append(path.name)

    def _refresh_guards(self, result: RunResult) -> None:
        """Rules changed behind nevo's back (git revert, pull): publish them again. Cheap when nothing did."""
        try:
            from nevo.publish import refresh_if_stale  # imported here: a broken guards module must not stop us

            refresh_if_stale(self.workspace)
        except Exception as exc:  # guards must never stop incident processing: say so, retry next pass
            result.warnings.append(f"guard refresh failed: {type(exc).__name__}: {exc}")
            log.info("guard refresh failed", exc_info=True)  # info: the result carries it to the CLI

    def _ingest_session(self, transcript_path: str, result: RunResult) -> None:
        from nevo.memory.ingest import ingest_session  # imported here: most runs never see a SessionEnd

        try:
            ingest_session(self.local, self.workspace, Path(transcript_path), self.clock)
        except Exception as exc:  # memory must never block incidents: report it, retry at the next SessionEnd
            result.warnings.append(f"memory ingest of {transcript_path} failed: {type(exc).__name__}: {exc}")
            log.info("memory ingest of %s failed", transcript_path, exc_info=True)  # the result carries it

    def _analyze(self, result: RunResult) -> None:
        from nevo.analyst import analyze_ready  # imported here: only with monitor.analyze_on_new

        try:
            report = analyze_ready(self.workspace, clock=self.clock, db=self.db)
            result.rules.extend(
                o.rule_id for o in report.outcomes if o.rule_id and o.verdict in ("committed", "written", "pending")
            )
        except Exception as exc:  # the analyst retries later; the incidents are safe already
            result.warnings.append(f"analyst failed: {type(exc).__name__}: {exc}")
            log.info("analyst failed", exc_info=True)  # the result carries it


@lru_cache(maxsize=2048)
def _essence(
    tool: str, input_json: str, error: str, cwd: str | None
) -> tuple[dict[str, Any], str, str | None, Fingerprint]:
    """Redacted input, error and cwd, and the fingerprint of a failure. Pure, so it is memoised: the same
    failure recurs (loops, retries, many sessions) and redaction is the costliest step per trigger.
    Callers must not mutate the returned dict."""
    safe_input = redact_obj(json.loads(input_json))
    if not isinstance(safe_input, dict):
        safe_input = {}
    safe_error = redact(error)
    safe_cwd = redact(cwd) if cwd else cwd
    return safe_input, safe_error, safe_cwd, fingerprint(tool, safe_input, safe_error, safe_cwd)


def process_pending(workspace: Workspace, clock: Clock = system_clock) -> RunResult:
    """``nevo monitor --once``: process everything pending in the workspace, then return."""
    workspace.triggers_dir.mkdir(parents=True, exist_ok=True)
    config = load_config(workspace)
    with open_database(workspace) as local:
        try:
            with shared(workspace, local, config) as db:
                return Monitor(workspace, db, config, clock, local=local).process_pending()
        except StoreUnavailable as exc:  # not reached at all: every trigger waits for the next run
            return RunResult(warnings=[waiting_warning(workspace, exc)])


def _trigger_key(name: str, payload: dict[str, Any]) -> str:
    """The occurrence key of a failure without a tool call id (StopFailure, an old hook): the trigger's name
    repeats after a reboot (centiseconds since boot + pid), so its session and content are part of the key.
    A replay of the same file (a crash between commit and delete) still has the same key."""
    content = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    digest = hashlib.sha256(content).hexdigest()[:16]
    return f"{store.trigger_key(name)}:{_text(payload.get('session_id'))}:{digest}"


def _unforeseen(what: str, exc: BaseException) -> str:
    """The reason for a trigger that hit a defect: the error first, its traceback below (to report it)."""
    trace = "".join(traceback.format_exception(exc, limit=-8))
    return f"{what}: {type(exc).__name__}: {exc}\n\n{trace}"


def _mtime_iso(path: Path) -> str | None:
    try:
        return iso(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    except OSError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _error_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
