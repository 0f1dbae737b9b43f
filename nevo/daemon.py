"""`nevo daemon`: the monitor's watcher and the nightly schedule in one long-running process.

For machines without cron (containers, some laptops): the watcher (nevo.watch) runs in a thread (it
analyses what is ready after each pass, like every monitor: ``monitor.analyze_on_new``) and the main loop
checks once a minute whether a scheduled nightly run is due (``--if-due`` semantics, so a run missed while
the process was down happens at start).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from nevo.clock import Clock, system_clock
from nevo.nightly import NightlyReport, run_nightly
from nevo.workspace import Workspace

TICK_SECONDS = 60.0


@dataclass
class DaemonReport:
    nightly_runs: list[NightlyReport] = field(default_factory=list)
    triggers_processed: int = 0


def run_daemon(
    workspace: Workspace,
    stop: threading.Event,
    *,
    clock: Clock = system_clock,
    tick_seconds: float = TICK_SECONDS,
    on_nightly: Callable[[NightlyReport], None] | None = None,
    watcher_ready: threading.Event | None = None,
) -> DaemonReport:
    """Run until ``stop`` is set; the watcher stops with it."""
    from nevo.watch import watch  # watchdog is only needed here and by `nevo monitor`

    report = DaemonReport()

    def watch_triggers() -> None:
        report.triggers_processed = watch(workspace, stop, clock=clock, ready=watcher_ready).processed

    watcher = threading.Thread(target=watch_triggers, name="nevo-watcher", daemon=True)
    watcher.start()
    try:
        while not stop.is_set():
            nightly = run_nightly(workspace, clock(), if_due=True)
            if nightly.ran:
                report.nightly_runs.append(nightly)
                if on_nightly is not None:
                    on_nightly(nightly)
            stop.wait(tick_seconds)
    finally:
        stop.set()
        watcher.join(timeout=30)
    return report


def run_daemon_until_signal(
    workspace: Workspace, on_nightly: Callable[[NightlyReport], None] | None = None
) -> DaemonReport:
    """``nevo daemon``: until Ctrl-C or SIGTERM."""
    from nevo.watch import stop_on_signals

    stop = threading.Event()
    restore = stop_on_signals(stop)
    try:
        return run_daemon(workspace, stop, on_nightly=on_nightly)
    finally:
        restore()
