"""The watcher with a real watchdog observer: backlog first, new triggers within moments, the rescan safety
net, and a clean exit on SIGTERM / SIGINT from a real `nevo monitor` process."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from nevo import incidents as store
from nevo.db import open_database
from nevo.monitor import RunResult
from nevo.watch import _TriggerArrivals, watch
from nevo.workspace import Workspace
from tests.test_monitor import REPO, failure_payload, write_trigger

WAIT_SECONDS = 10.0


def wait_for(condition: Callable[[], bool], timeout: float = WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def total_count(ws: Workspace) -> int:
    if not ws.db_path.exists():
        return 0
    with open_database(ws) as db:
        return sum(i.count for i in store.list_incidents(db))


def capture(ws: Workspace, payload: dict[str, object]) -> None:
    """Write a trigger the way the real capture hook does (the installed shell script)."""
    subprocess.run(
        [str(ws.hooks_dir / "capture")], input=json.dumps(payload).encode(), check=True, timeout=10
    )


class Watcher:
    def __init__(self, ws: Workspace, **options: float) -> None:
        self.stop, self.ready = threading.Event(), threading.Event()
        self.result: RunResult | None = None
        self.thread = threading.Thread(target=self._run, args=(ws, options), daemon=True)

    def _run(self, ws: Workspace, options: dict[str, float]) -> None:
        self.result = watch(ws, self.stop, ready=self.ready, **options)  # type: ignore[arg-type]

    def __enter__(self) -> Watcher:
        self.thread.start()
        assert self.ready.wait(WAIT_SECONDS), "the observer did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(WAIT_SECONDS)
        assert not self.thread.is_alive(), "the watcher did not stop"


@pytest.fixture
def ws(installed: Workspace) -> Iterator[Workspace]:
    yield installed


def test_the_backlog_is_processed_then_new_triggers_within_moments(ws: Workspace) -> None:
    write_trigger(ws, failure_payload("make build", "Exit code 2\nmake: *** No rule to make target 'build'."))
    with Watcher(ws) as watcher:
        assert wait_for(lambda: total_count(ws) == 1), "backlog not processed"
        started = time.monotonic()
        capture(ws, failure_payload("make build", "Exit code 2\nmake: *** No rule to make target 'build'."))
        assert wait_for(lambda: total_count(ws) == 2)
        latency = time.monotonic() - started
        for _ in range(20):  # a burst
            capture(ws, failure_payload("npm test", 'Exit code 1\nnpm error Missing script: "test"'))
        assert wait_for(lambda: total_count(ws) == 22)
    assert latency < 2.0  # generous for a loaded CI machine; bench/bench_monitor.py measures the p95
    assert watcher.result is not None and watcher.result.counted == 22
    assert list(ws.triggers_dir.glob("*.json")) == []


@pytest.mark.parametrize("rescan_seconds", [0.2, 60.0])
def test_the_periodic_rescan_catches_triggers_whose_event_was_lost(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, rescan_seconds: float
) -> None:
    monkeypatch.setattr(_TriggerArrivals, "_check", lambda self, raw: None)  # inotify dropped everything
    write_trigger(ws, failure_payload())
    with Watcher(ws, rescan_seconds=rescan_seconds):
        assert wait_for(lambda: total_count(ws) == 1)  # the backlog pass is done
        write_trigger(ws, failure_payload())
        caught = wait_for(lambda: total_count(ws) == 2, timeout=1.5)
    assert caught is (rescan_seconds < 1)  # with a long rescan nothing else would have found it


def test_temp_files_in_flight_do_not_count(ws: Workspace) -> None:
    with Watcher(ws, rescan_seconds=0.1):
        (ws.triggers_dir / ".tmp-000000000001-1").write_text(json.dumps(failure_payload()))
        time.sleep(0.5)
        assert total_count(ws) == 0
        os.rename(ws.triggers_dir / ".tmp-000000000001-1", ws.triggers_dir / "000000000001-1.json")
        assert wait_for(lambda: total_count(ws) == 1)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_nevo_monitor_exits_cleanly_on_a_signal(ws: Workspace, signum: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from nevo.cli import main; sys.exit(main(sys.argv[1:]))",
            "monitor",
            "-w",
            str(ws.root),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "watching" in process.stdout.readline()
        capture(ws, failure_payload())
        assert wait_for(lambda: total_count(ws) == 1)
        process.send_signal(signum)
        out, err = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "1 trigger(s) processed" in out and "new incident INC-" in out


def test_a_failing_pass_is_retried_not_fatal(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from nevo import watch as watch_module
    from nevo.db import OperationalError
    from nevo.monitor import Monitor

    real = Monitor.process_pending
    failures = iter([True])

    def flaky(self: Monitor, should_stop: Callable[[], bool] = lambda: False) -> RunResult:
        if next(failures, False):
            raise OperationalError("database is locked")
        return real(self, should_stop)

    monkeypatch.setattr(Monitor, "process_pending", flaky)
    monkeypatch.setattr(watch_module, "RETRY_SECONDS", 0.05)
    write_trigger(ws, failure_payload())
    with Watcher(ws) as watcher:
        assert wait_for(lambda: total_count(ws) == 1)
    assert watcher.result is not None and any("database is locked" in w for w in watcher.result.warnings)


def test_a_payload_nested_800_deep_does_not_kill_the_watcher(ws: Workspace) -> None:
    from tests.test_monitor import deep_trigger_bytes

    deep = write_trigger(ws, deep_trigger_bytes(800))
    with Watcher(ws, rescan_seconds=0.2) as watcher:
        assert wait_for(lambda: (ws.rejected_dir / f"{deep.name}.reason").exists()), "deep trigger not moved aside"
        capture(ws, failure_payload())
        assert wait_for(lambda: total_count(ws) == 1), "the watcher stopped after the deep trigger"
        assert watcher.thread.is_alive()
    assert watcher.result is not None and watcher.result.rejected == [deep.name]


def test_an_unexpected_error_in_a_pass_is_logged_and_retried(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nevo import watch as watch_module
    from nevo.monitor import Monitor

    real = Monitor.process_pending
    failures = iter([True])

    def buggy(self: Monitor, should_stop: Callable[[], bool] = lambda: False) -> RunResult:
        if next(failures, False):
            raise RuntimeError("a defect in nevo")
        return real(self, should_stop)

    monkeypatch.setattr(Monitor, "process_pending", buggy)
    monkeypatch.setattr(watch_module, "RETRY_SECONDS", 0.05)
    write_trigger(ws, failure_payload())
    with Watcher(ws) as watcher:
        assert wait_for(lambda: total_count(ws) == 1)
    assert watcher.result is not None and any("a defect in nevo" in w for w in watcher.result.warnings)


def test_nevo_monitor_json_prints_only_json_on_stdout(ws: Workspace) -> None:
    from tests.test_monitor import NEVO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [*NEVO, "monitor", "--json", "-w", str(ws.root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        readable, _, _ = select.select([process.stderr], [], [], WAIT_SECONDS)
        assert readable and "watching" in process.stderr.readline()
        capture(ws, failure_payload())
        assert wait_for(lambda: total_count(ws) == 1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert json.loads(out)["counted"] == 1
