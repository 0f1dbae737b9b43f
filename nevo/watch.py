"""``nevo monitor``: watch ``.nevo/triggers`` and turn each new trigger into an incident within moments.

The only module that imports watchdog. On start it processes the backlog; then a filesystem event
wakes it, a short debounce lets a burst of triggers land, and one pass takes them all. A periodic
rescan is the safety net (inotify can drop events when its queue overflows). Stopping (Ctrl-C,
SIGTERM, or the ``stop`` event) lets the current trigger finish, commits, and returns.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from nevo.clock import Clock, system_clock
from nevo.config import load_config
from nevo.db import OperationalError, open_database
from nevo.monitor import Monitor, RunResult
from nevo.store import shared
from nevo.triggers import is_trigger_name
from nevo.workspace import Workspace

RESCAN_SECONDS = 5.0
DEBOUNCE_SECONDS = 0.02
STOP_POLL_SECONDS = 0.1
RETRY_SECONDS = 2.0

log = logging.getLogger(__name__)


class _TriggerArrivals(FileSystemEventHandler):
    """Wakes the monitor when a complete trigger appears (the hook renames its temp file into place)."""

    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_created(self, event: FileSystemEvent) -> None:
        self._check(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        self._check(event.dest_path)

    def _check(self, raw: str | bytes) -> None:
        name = Path(raw.decode() if isinstance(raw, bytes) else raw).name
        if is_trigger_name(name):
            self.wake.set()


def watch(
    workspace: Workspace,
    stop: threading.Event,
    *,
    clock: Clock = system_clock,
    rescan_seconds: float = RESCAN_SECONDS,
    debounce_seconds: float = DEBOUNCE_SECONDS,
    on_pass: Callable[[RunResult], None] | None = None,
    ready: threading.Event | None = None,
) -> RunResult:
    """Process triggers as they arrive until ``stop`` is set; returns the total of every pass.
    ``ready`` is set once the observer is watching (tests wait on it before writing triggers)."""
    workspace.triggers_dir.mkdir(parents=True, exist_ok=True)
    wake = threading.Event()
    total = RunResult()
    config = load_config(workspace)
    with open_database(workspace) as local, shared(workspace, local, config, connect=False) as db:
        monitor = Monitor(workspace, db, config, clock, local=local)
        observer = Observer()
        observer.schedule(_TriggerArrivals(wake), str(workspace.triggers_dir), recursive=False)
        observer.start()
        try:
            if ready is not None:
                ready.set()
            wake.set()  # the backlog first
            while not stop.is_set():
                if _wait_for_arrival(wake, stop, rescan_seconds) and debounce_seconds > 0:
                    stop.wait(debounce_seconds)
                if stop.is_set():
                    break
                wake.clear()  # before listing: a trigger landing from now on wakes the next pass
                try:
                    result = monitor.process_pending(should_stop=stop.is_set)
                except (OperationalError, OSError) as exc:
                    # A busy database past its timeout, a full disk: nothing was lost (the batch rolled back,
                    # the triggers are still there). Say so, wait, and try again rather than die.
                    log.warning("monitor pass failed, retrying in %.0f s: %s", RETRY_SECONDS, exc)
                    result = RunResult(warnings=[f"monitor pass failed, will retry: {exc}"])
                    wake.set()
                    stop.wait(RETRY_SECONDS)
                except Exception as exc:
                    # A defect in nevo, not in one trigger (those are moved aside inside the pass): the
                    # watcher must outlive it. Log it with the traceback and try again after a pause.
                    log.exception("monitor pass failed unexpectedly, retrying in %.0f s", RETRY_SECONDS)
                    result = RunResult(
                        warnings=[f"monitor pass failed, will retry: {type(exc).__name__}: {exc}"]
                    )
                    wake.set()
                    stop.wait(RETRY_SECONDS)
                total.merge(result)
                if on_pass is not None and (result.processed or result.rejected or result.warnings):
                    on_pass(result)
        finally:
            observer.stop()
            observer.join(timeout=5)
    return total


def _wait_for_arrival(wake: threading.Event, stop: threading.Event, timeout: float) -> bool:
    """Wait until a trigger arrives (True), ``stop`` is set or ``timeout`` passes (the rescan). Waits in short
    slices because a threading.Event cannot wait on two events at once and stopping must be prompt."""
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if wake.wait(min(remaining, STOP_POLL_SECONDS)):
            return True
    return False


def stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """Make SIGINT and SIGTERM set ``stop`` (a clean exit) instead of raising; returns a restore function.
    Call from the main thread."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def run_watcher(workspace: Workspace, on_pass: Callable[[RunResult], None] | None = None) -> RunResult:
    """``nevo monitor``: watch until Ctrl-C or SIGTERM, then finish the current trigger and return."""
    stop = threading.Event()
    restore = stop_on_signals(stop)
    try:
        return watch(workspace, stop, on_pass=on_pass)
    finally:
        restore()
