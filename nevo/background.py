"""The run at the end of a session: the loop closes by itself, with no daemon, cron or command.

The SessionEnd hook (``hooks/session-end``) records its trigger and starts ``python -m nevo.background
<workspace>`` detached from Claude Code. One run = a monitor pass over every pending trigger (incidents,
recoveries, the session's memory) + the analyst on every ready incident + publishing new rules (guards,
hooks, context), so the next session starts with what this one taught.

One run per workspace at a time: a run holds ``.nevo/locks/background.lock`` (flock, released by the OS if
the process dies). A start while a run holds it coalesces: it leaves ``.nevo/locks/background.again`` and
exits at once, and the running one goes round once more. Every start marks "again" before it tries the
lock, and a run checks the mark again after letting the lock go, so no request is lost between the two.

Its log is ``.nevo/logs/background.log`` (rotated: at most two files of 512 KiB); each run's outcome
(started, finished, triggers, rules committed, warnings, error) is kept in ``.nevo/logs/background.json``
(the last :data:`HISTORY` runs) for ``nevo status``. Nothing of it reaches the agent: the hook has long
returned, and a failure is logged and recorded, never raised.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import logging.handlers
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nevo.clock import Clock, iso, system_clock
from nevo.config import load_config
from nevo.errors import NevoError
from nevo.fsutil import atomic_write_text
from nevo.workspace import Workspace

log = logging.getLogger(__name__)

HISTORY = 20  # runs kept in background.json
LOG_BYTES = 512 * 1024
LOG_BACKUPS = 1


def logs_dir(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "logs"


def log_path(workspace: Workspace) -> Path:
    return logs_dir(workspace) / "background.log"


def state_path(workspace: Workspace) -> Path:
    return logs_dir(workspace) / "background.json"


def lock_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "locks" / "background.lock"


def again_path(workspace: Workspace) -> Path:
    return workspace.nevo_dir / "locks" / "background.again"


@dataclass
class RunRecord:
    """What one pass of the background run did (one entry of ``background.json``)."""

    started_at: str
    pid: int
    detached: bool = False  # the run leads its own session: the end of Claude Code's does not end it
    finished_at: str | None = None
    seconds: float | None = None
    triggers: int = 0  # trigger files processed
    failures: int = 0  # failures counted
    new_incidents: list[str] = field(default_factory=list)
    recoveries: int = 0
    guard_events: int = 0
    rules: list[str] = field(default_factory=list)  # rules committed (or written, or queued for git)
    published: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def run_once(workspace: Workspace, clock: Clock = system_clock) -> RunRecord:
    """One pass: process every pending trigger, analyse what is ready, publish what changed. Never raises:
    an error is logged (with its traceback) and recorded; the triggers and incidents stay for the next run."""
    from nevo.analyst import analyze_ready  # imported here: the hook's Python starts only when it must
    from nevo.db import open_database
    from nevo.monitor import Monitor
    from nevo.store import StoreUnavailable, shared, unreachable, waiting_warning

    record = RunRecord(started_at=iso(clock()), pid=os.getpid(), detached=os.getsid(0) == os.getpid())
    started = time.perf_counter()
    try:
        config = load_config(workspace)
        workspace.triggers_dir.mkdir(parents=True, exist_ok=True)
        with open_database(workspace) as local, shared(workspace, local, config) as db:
            result = Monitor(workspace, db, config, clock, analyze=False, local=local).process_pending()
            record.triggers, record.failures, record.recoveries = result.processed, result.counted, result.recoveries
            record.new_incidents, record.guard_events = list(result.new_incidents), result.guard_events
            record.warnings.extend(result.warnings)
            record.warnings.extend(f"trigger {name} moved to .nevo/rejected/" for name in result.rejected)
            if config.get("monitor.analyze_on_new") and unreachable(workspace) is None:
                report = analyze_ready(workspace, clock=clock, db=db)
                record.rules = [
                    str(o.rule_id)
                    for o in report.outcomes
                    if o.rule_id and o.verdict in ("committed", "written", "pending")
                ]
                record.published = report.published is not None
                failed = [o for o in report.outcomes if o.verdict == "provider-error"]
                record.warnings.extend(f"{o.incident_id}: provider error: {o.reason}" for o in failed)
    except StoreUnavailable as exc:  # the shared store is out of reach: the triggers wait, nothing is wrong here
        record.warnings.append(waiting_warning(workspace, exc))
        log.warning("%s", record.warnings[-1])
    except NevoError as exc:
        record.error = exc.message + (f" ({exc.hint})" if exc.hint else "")
        log.error("background run failed: %s", record.error)
    except Exception as exc:  # a defect: logged with its traceback and recorded; the next run retries
        record.error = f"{type(exc).__name__}: {exc}"
        log.exception("background run failed unexpectedly")
    record.finished_at = iso(clock())
    record.seconds = round(time.perf_counter() - started, 3)
    log.info(
        "run finished in %.2f s: %d trigger(s), %d failure(s), %d new incident(s), rules %s%s",
        record.seconds,
        record.triggers,
        record.failures,
        len(record.new_incidents),
        ", ".join(record.rules) or "none",
        f", error: {record.error}" if record.error else "",
    )
    return record


@contextmanager
def _held(path: Path) -> Iterator[bool]:
    """Try the lock at ``path`` without waiting; yields whether this process holds it."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take(mark: Path) -> bool:
    """Consume the "run again" mark; True when it was there."""
    try:
        mark.unlink()
    except FileNotFoundError:
        return False
    return True


def request_run(
    workspace: Workspace,
    run: Callable[[], None],
    on_lock: Callable[[], None] = lambda: None,
) -> int:
    """Ask for a run: mark "again", then run ``run`` for as long as the mark keeps coming back while this
    process holds the lock. Returns the passes this process ran (0: another run holds the lock and will go
    round once more for this request). ``on_lock`` is called once, when the lock is first taken."""
    lock, again = lock_path(workspace), again_path(workspace)
    lock.parent.mkdir(parents=True, exist_ok=True)
    again.touch()
    passes = 0
    while True:
        with _held(lock) as holding:
            if not holding:
                return passes
            if passes == 0:
                on_lock()
            while _take(again):
                run()
                passes += 1
        if not again.exists():  # a request that came after the last check but before the release
            return passes


def is_running(workspace: Workspace) -> bool:
    """Whether a background run holds the lock now (asked without waiting, and without creating it)."""
    path = lock_path(workspace)
    if not path.is_file():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


# -- the outcome file ---------------------------------------------------------------------------------


def read_state(workspace: Workspace) -> dict[str, Any]:
    """``background.json``: ``current`` (the pass under way, or None) and ``runs`` (oldest first)."""
    path = state_path(workspace)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"current": None, "runs": []}
    except (OSError, ValueError) as exc:
        return {"current": None, "runs": [], "unreadable": f"{path}: {exc}"}
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        return {"current": None, "runs": [], "unreadable": f"{path}: not the shape nevo writes"}
    return {"current": data.get("current"), "runs": [r for r in data["runs"] if isinstance(r, dict)]}


def _write_state(workspace: Workspace, current: RunRecord | None, finished: RunRecord | None = None) -> None:
    state = read_state(workspace)
    runs = state["runs"] + ([asdict(finished)] if finished else [])
    data = {"current": asdict(current) if current else None, "runs": runs[-HISTORY:]}
    logs_dir(workspace).mkdir(parents=True, exist_ok=True)
    atomic_write_text(state_path(workspace), json.dumps(data, indent=1) + "\n")


def summary(workspace: Workspace) -> dict[str, Any]:
    """What ``nevo status`` shows: whether a run is under way, whether another is asked for, the last run,
    and the history (newest first)."""
    state = read_state(workspace)
    runs = list(reversed(state["runs"]))
    running = is_running(workspace)
    out: dict[str, Any] = {
        "running": running,
        "current": state["current"],
        # A pass that started and never recorded its end, with no process holding the lock: it was killed.
        "interrupted": state["current"] if state["current"] and not running else None,
        "again": again_path(workspace).exists(),
        "last": runs[0] if runs else None,
        "runs": runs,
        "log": str(log_path(workspace)),
    }
    if "unreadable" in state:
        out["unreadable"] = state["unreadable"]
    return out


# -- the process the hook starts ----------------------------------------------------------------------


def _log_to_file(workspace: Workspace) -> None:
    logs_dir(workspace).mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        log_path(workspace), maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s pid %(process)d %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _detach() -> None:
    """Leave Claude Code's session and process group (when setsid(1) has not done it already), so the end
    of Claude Code (a hangup, a signal to its group) does not end the run."""
    with contextlib.suppress(OSError):  # already a session leader: setsid(1) started this process
        os.setsid()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def background(workspace: Workspace, clock: Clock = system_clock, on_lock: Callable[[], None] = lambda: None) -> int:
    """Run (or coalesce into the run under way) until no request is left; returns the passes run here.
    ``on_lock``: called once this process holds the lock (the process the hook starts logs to the file)."""
    try:
        enabled = bool(load_config(workspace).get("monitor.run_at_session_end"))
    except NevoError:
        enabled = True  # a broken config is recorded by the run itself, where `nevo status` shows it
    if not enabled:
        return 0

    def one_pass() -> None:
        current = RunRecord(started_at=iso(clock()), pid=os.getpid())
        _write_state(workspace, current)
        record = run_once(workspace, clock)
        _write_state(workspace, None, record)

    return request_run(workspace, one_pass, on_lock=on_lock)


def main(argv: list[str] | None = None) -> int:
    """``python -m nevo.background WORKSPACE`` (what the SessionEnd hook starts). Always exits 0: whatever
    happens is in the log and in ``nevo status``; nobody is waiting for an exit code."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m nevo.background WORKSPACE\n")
        return 2
    _detach()
    workspace = Workspace(Path(args[0]).resolve())
    if not workspace.nevo_dir.is_dir():
        return 0  # uninstalled since the hook ran
    try:
        background(workspace, on_lock=lambda: _log_to_file(workspace))
    except Exception as exc:  # never reach the agent; the log says what happened
        try:
            logs_dir(workspace).mkdir(parents=True, exist_ok=True)
            with log_path(workspace).open("a", encoding="utf-8") as handle:
                handle.write(
                    f"{iso(system_clock())} pid {os.getpid()}: background run could not start: "
                    f"{type(exc).__name__}: {exc}\n"
                )
        except OSError:
            return 0  # nowhere left to say it
    return 0


if __name__ == "__main__":
    sys.exit(main())
