"""Monitor benchmarks: throughput of `nevo monitor --once`, per-trigger cost as incidents grow, and the
watcher's latency from trigger written to incident committed.

Payloads are real: the ~50 distinct failures in tests/data/failures (Python, pytest, git, npm, node, make,
shells, Claude Code's Read/Edit/Write errors), captured from real tools by tests/gen_failures.py, spread
over 100 sessions with unique tool_use_ids, plus one Stop trigger per session whose transcript the
monitor reads (hook-less failures and recoveries).

Run:  python bench/bench_monitor.py            (all figures; about a minute on 2 cores)
      python bench/bench_monitor.py --quick    (smaller sizes, for a smoke run)
Targets: 10,000 triggers under 10 s; per-trigger cost from 100 to 10,000 incidents within 1.3x;
watcher p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nevo.config import Config  # noqa: E402
from nevo.db import open_database  # noqa: E402
from nevo.monitor import Monitor, _essence  # noqa: E402
from nevo.recovery import segments  # noqa: E402
from nevo.watch import watch  # noqa: E402
from nevo.workspace import Workspace  # noqa: E402

FAILURES = sorted((REPO / "tests" / "data" / "failures").glob("*.json"))
SESSIONS = 100


def real_failures() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in FAILURES]


def payload(failure: dict[str, Any], session: int, tool_use_id: str, transcript: Path) -> dict[str, Any]:
    return {
        "session_id": f"session-{session:04d}",
        "transcript_path": str(transcript),
        "cwd": failure["cwd"],
        "hook_event_name": "PostToolUseFailure",
        "tool_name": failure["tool_name"],
        "tool_input": failure["tool_input"],
        "tool_use_id": tool_use_id,
        "error": failure["error"],
        "is_interrupt": False,
        "duration_ms": 57,
    }


class TriggerWriter:
    def __init__(self, ws: Workspace) -> None:
        self.ws, self.serial = ws, 0
        ws.triggers_dir.mkdir(parents=True, exist_ok=True)

    def write(self, data: dict[str, Any]) -> None:
        """Like the capture hook: temp file, then rename into place."""
        self.serial += 1
        name = f"{self.serial:012d}-{os.getpid()}.json"
        tmp = self.ws.triggers_dir / f".tmp-{name}"
        tmp.write_text(json.dumps(data))
        os.rename(tmp, self.ws.triggers_dir / name)


def transcript_for(folder: Path, session: int, failures: list[dict[str, Any]]) -> Path:
    """A short session: a few failures (one an Edit that fires no hook) and the calls that fixed them."""
    path = folder / f"session-{session:04d}.jsonl"
    lines = []
    clock = 0

    def add(kind: str, block: dict[str, Any], cwd: str) -> None:
        nonlocal clock
        clock += 1
        lines.append(
            json.dumps(
                {
                    "type": kind,
                    "sessionId": f"session-{session:04d}",
                    "cwd": cwd,
                    "timestamp": f"2026-11-21T03:{clock // 60:02d}:{clock % 60:02d}Z",
                    "message": {"role": kind, "content": [block]},
                }
            )
        )

    for step in range(10):
        failure = failures[(session + step) % len(failures)]
        call_id = f"tx-{session}-{step}"
        add(
            "assistant",
            {"type": "tool_use", "id": call_id, "name": failure["tool_name"], "input": failure["tool_input"]},
            failure["cwd"],
        )
        add(
            "user",
            {"type": "tool_result", "tool_use_id": call_id, "content": failure["error"], "is_error": True},
            failure["cwd"],
        )
        fix_id = f"fix-{session}-{step}"
        add(
            "assistant",
            {"type": "tool_use", "id": fix_id, "name": failure["tool_name"], "input": failure["tool_input"]},
            failure["cwd"],
        )
        add("user", {"type": "tool_result", "tool_use_id": fix_id, "content": "ok"}, failure["cwd"])
    path.write_text("\n".join(lines) + "\n")
    return path


def bench_once(root: Path, total: int, unique: bool) -> dict[str, float]:
    """`nevo monitor --once` (a real process, interpreter start included) over ``total`` pending triggers.
    ``unique``: every payload differs (its description), so nothing is served from the monitor's memo."""
    ws = Workspace(root / f"once-{unique}")
    writer = TriggerWriter(ws)
    failures = real_failures()
    transcripts = root / "transcripts"
    transcripts.mkdir(exist_ok=True)
    paths = {s: transcript_for(transcripts, s, failures) for s in range(SESSIONS)}
    stops = SESSIONS
    for i in range(total - stops):
        session = i % SESSIONS
        data = payload(failures[(i * 7) % len(failures)], session, f"toolu_{i:06d}", paths[session])
        if unique:
            data["tool_input"] = dict(data["tool_input"], description=f"attempt {i}")
        writer.write(data)
    for session in range(SESSIONS):
        writer.write(
            {
                "session_id": f"session-{session:04d}",
                "transcript_path": str(paths[session]),
                "cwd": "/tmp/ws",
                "hook_event_name": "Stop",
                "stop_hook_active": False,
            }
        )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from nevo.cli import main; sys.exit(main(sys.argv[1:]))",
            "monitor",
            "--once",
            "--json",
            "-w",
            str(ws.root),
        ],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    result = json.loads(out.stdout)
    assert result["processed"] == total, result
    with open_database(ws) as db:
        incidents = db.scalar("SELECT COUNT(*) FROM incidents")
        counted = db.scalar("SELECT SUM(count) FROM incidents")
    return {
        "unique": unique,
        "triggers": total,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "per_trigger_us": elapsed / total * 1e6,
        "incidents": incidents,
        "occurrences": counted,
        "recoveries": result["recoveries"],
    }


def distinct_failure(i: int) -> dict[str, Any]:
    return {
        "tool_name": "Bash",
        "tool_input": {"command": f"make target-{i}"},
        "cwd": "/tmp/ws",
        "error": f"Exit code 2\nmake: *** No rule to make target 'target-{i}'.  Stop.",
    }


def bench_scaling(root: Path, sizes: list[int], measured: int, rounds: int = 5) -> list[dict[str, float]]:
    """Per-trigger cost of ``measured`` realistic triggers once the store holds N distinct incidents; several
    rounds per size (this machine is shared: the median and the best round are both reported)."""
    rows = []
    failures = real_failures()
    for run, size in enumerate([sizes[0], *sizes]):  # run 0 only warms up (imports, regex compilation)
        _essence.cache_clear()  # every size starts cold: the memo must not favour the later ones
        segments.cache_clear()
        ws = Workspace(root / f"scale-{run}-{size}")
        writer = TriggerWriter(ws)
        timings, cpu_timings = [], []
        with open_database(ws) as db:
            monitor = Monitor(ws, db, Config())
            for i in range(size):
                writer.write(payload(distinct_failure(i), i % SESSIONS, f"pre-{i}", Path("/none")))
            monitor.process_pending()
            novel = size
            for round_ in range(rounds):
                for i in range(measured):
                    if i % 10 == 0:  # one in ten is a novel failure: a new incident and its report
                        novel += 1
                        data = distinct_failure(novel)
                    else:
                        data = failures[(i * 7) % len(failures)]
                    writer.write(payload(data, i % SESSIONS, f"m-{round_}-{i}", Path("/none")))
                started, cpu_started = time.perf_counter(), time.process_time()
                result = monitor.process_pending()
                timings.append((time.perf_counter() - started) / measured * 1e6)
                cpu_timings.append((time.process_time() - cpu_started) / measured * 1e6)
                assert result.processed == measured
        if run == 0:
            continue
        rows.append(
            {
                "incidents_before": size,
                "triggers": measured,
                "rounds": rounds,
                "median_us": statistics.median(timings),
                "cpu_median_us": statistics.median(cpu_timings),
                "best_us": min(timings),
            }
        )
    return rows


def bench_latency(root: Path, samples: int) -> dict[str, float]:
    """Trigger renamed into place -> its occurrence committed, with the watcher running."""
    ws = Workspace(root / "latency")
    writer = TriggerWriter(ws)
    failures = real_failures()
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch, args=(ws, stop), kwargs={"ready": ready}, daemon=True)
    thread.start()
    assert ready.wait(10)
    latencies = []
    with open_database(ws) as db:
        for i in range(samples):
            started = time.perf_counter()
            writer.write(payload(failures[i % len(failures)], i % SESSIONS, f"lat-{i}", Path("/none")))
            while db.scalar("SELECT COUNT(*) FROM occurrences") < i + 1:
                time.sleep(0.001)
                if time.perf_counter() - started > 10:
                    raise RuntimeError("a trigger was not processed within 10 s")
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
    stop.set()
    thread.join(10)
    latencies.sort()
    return {
        "samples": samples,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "max_ms": latencies[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    total, sizes, measured, samples = (
        (2_000, [100, 1_000], 500, 50) if args.quick else (10_000, [100, 1_000, 10_000], 2_000, 200)
    )
    with tempfile.TemporaryDirectory(prefix="nevo-bench-monitor-") as folder:
        root = Path(folder)
        runs = [bench_once(root, total, unique=False), bench_once(root, total, unique=True)]
        scaling = bench_scaling(root, sizes, measured)
        latency = bench_latency(root, samples)
    print(f"nevo monitor benchmarks ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})\n")
    print("| figure | measured | target |")
    print("|---|---|---|")
    for once in runs:
        kind = "every payload distinct" if once["unique"] else "recurring payloads"
        print(
            f"| `nevo monitor --once`, {once['triggers']:,} pending triggers ({kind}; {len(FAILURES)} real "
            f"failures, {SESSIONS} sessions with transcripts) | {once['seconds']:.2f} s wall, "
            f"{once['cpu_seconds']:.2f} s CPU ({once['per_trigger_us']:.0f} us/trigger wall; "
            f"{once['incidents']} incidents, {once['occurrences']:,} occurrences, "
            f"{once['recoveries']} recoveries) | < 10 s |"
        )
    base = scaling[0]
    for row in scaling:
        print(
            f"| per-trigger cost with {row['incidents_before']:,} incidents already stored "
            f"({row['triggers']:,} triggers x {row['rounds']} rounds, 1 in 10 novel) | wall median "
            f"{row['median_us']:.0f} us ({row['median_us'] / base['median_us']:.2f}x), best "
            f"{row['best_us']:.0f} us ({row['best_us'] / base['best_us']:.2f}x); CPU median "
            f"{row['cpu_median_us']:.0f} us ({row['cpu_median_us'] / base['cpu_median_us']:.2f}x) "
            "| within 1.3x |"
        )
    print(
        f"| watcher: trigger written -> incident committed ({latency['samples']} triggers) | "
        f"p50 {latency['p50_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms, max {latency['max_ms']:.1f} ms "
        f"| p95 < 500 ms |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
