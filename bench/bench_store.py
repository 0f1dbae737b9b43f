"""Shared-store benchmark: 8 monitors on 8 clones shipping 10,000 triggers at once into one PostgreSQL
server, against the same triggers shipped by one monitor into the local SQLite.

Payloads are real: the 100 captured failures in tests/data/failures (50 incidents: Python, pytest, git,
npm, node, make, shells, Claude Code's Read/Edit/Write errors), spread over 10 sessions per machine with
unique tool_use_ids. Every machine hits the same incidents, the hardest case for a shared store: all eight
monitors count into the same 50 rows at the same time. Each monitor is a real `nevo monitor --once`
process (interpreter start included), started together; the figure is wall time from the first start to
the last exit. After each round the store is checked: every occurrence counted once, each incident's count
equal to its occurrences, no trigger left.

A throwaway server is started for the run (tests/support/postgres.py: needs the PostgreSQL server
binaries, `apt-get install postgresql`). The machine's load average is printed with each figure.

Run:  python bench/bench_store.py              (3 rounds; about a minute on 2 cores)
      python bench/bench_store.py --rounds 1 --triggers 2000   (a smoke run)
Target: at least 2,000 triggers/s shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nevo.install import init  # noqa: E402
from nevo.pgstore import PgDatabase  # noqa: E402
from nevo.workspace import Workspace  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

FAILURES = sorted((REPO / "tests" / "data" / "failures").glob("*.json"))
MACHINES = 8
SESSIONS_PER_MACHINE = 10


def workspace(root: Path, url: str) -> Workspace:
    """An installed workspace whose config points at ``url`` ('' for the local SQLite); no analysis."""
    ws = Workspace(root)
    root.mkdir(parents=True)
    init(ws)
    text = ws.config_path.read_text(encoding="utf-8")
    text = text.replace('url: ""', f'url: "{url}"', 1).replace("analyze_on_new: true", "analyze_on_new: false", 1)
    ws.config_path.write_text(text, encoding="utf-8")
    return ws


def write_triggers(ws: Workspace, machine: int, count: int, start: int) -> None:
    """``count`` triggers as the capture hook writes them (temp file, then rename)."""
    failures = [json.loads(p.read_text()) for p in FAILURES]
    for i in range(count):
        failure = failures[(start + i) * 7 % len(failures)]
        session = f"{machine:08x}-0000-4000-8000-{(start + i) % SESSIONS_PER_MACHINE:012x}"
        payload = {
            "session_id": session,
            "transcript_path": f"/home/dev{machine}/.claude/projects/-repo/{session}.jsonl",
            "cwd": failure["cwd"],
            "hook_event_name": "PostToolUseFailure",
            "tool_name": failure["tool_name"],
            "tool_input": failure["tool_input"],
            "tool_use_id": f"toolu_{machine:02d}_{start + i:07d}",
            "error": failure["error"],
            "is_interrupt": False,
            "duration_ms": 57,
        }
        name = f"{start + i:012d}-{machine}.json"
        tmp = ws.triggers_dir / f".tmp-{name}"
        tmp.write_text(json.dumps(payload))
        os.rename(tmp, ws.triggers_dir / name)


def ship(workspaces: list[Workspace], *, background: bool = False) -> tuple[float, float, list[dict[str, Any]]]:
    """Start one `nevo monitor --once` per workspace at once (``background``: the run the SessionEnd hook
    starts, ``python -m nevo.background``); wall and CPU seconds until the last exits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = ["-m", "nevo.background"] if background else ["-m", "nevo", "monitor", "--once", "--json", "-w"]
    processes = [
        subprocess.Popen(
            [sys.executable, *command, str(ws.root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for ws in workspaces
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise SystemExit(f"monitor failed ({process.returncode}):\n{out}\n{err}")
        results.append({} if background else json.loads(out))
    elapsed = time.perf_counter() - started
    if background:  # what each run recorded for `nevo status`
        results = []
        for ws in workspaces:
            [run] = json.loads((ws.nevo_dir / "logs" / "background.json").read_text())["runs"]
            problems = run["warnings"] + ([run["error"]] if run["error"] else [])
            results.append({"counted": run["failures"], "warnings": problems})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, results


# A monitor process that imports everything first, says "ready", waits for "go" on stdin, then runs one
# pass and prints when it started and ended: the shipping rate without the interpreter's start.
WARM_MONITOR = """
import json, sys, time
from pathlib import Path
import nevo.pgstore, nevo.redact, nevo.fingerprint  # noqa: F401 - the imports, before the clock starts
from nevo.monitor import process_pending
from nevo.workspace import Workspace
workspace = Workspace(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
started, cpu = time.time(), time.process_time()
result = process_pending(workspace)
print(json.dumps({"started": started, "ended": time.time(), "cpu": time.process_time() - cpu,
                  "counted": result.counted, "warnings": result.warnings}), flush=True)
"""


def ship_warm(workspaces: list[Workspace]) -> tuple[float, list[dict[str, Any]]]:
    """Start one warm monitor per workspace, release them together; seconds from the first start of a pass
    to the last end."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WARM_MONITOR, str(ws.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for ws in workspaces
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise SystemExit(f"monitor failed ({process.returncode}): {out}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return max(r["ended"] for r in results) - min(r["started"] for r in results), results


def check_store(db: Any, expected: int) -> dict[str, int]:
    """Every occurrence counted once: as many occurrences as triggers, each incident's count its occurrences."""
    occurrences = int(db.scalar("SELECT COUNT(*) FROM occurrences"))
    counted = int(db.scalar("SELECT COALESCE(SUM(count), 0) FROM incidents"))
    mismatched = int(
        db.scalar(
            "SELECT COUNT(*) FROM incidents i WHERE i.count <>"
            " (SELECT COUNT(*) FROM occurrences o WHERE o.incident_id = i.id)"
        )
    )
    incidents = int(db.scalar("SELECT COUNT(*) FROM incidents"))
    assert occurrences == counted == expected and mismatched == 0, (occurrences, counted, expected, mismatched)
    return {"incidents": incidents, "occurrences": occurrences}


def server_errors(server: PostgresServer) -> dict[str, int]:
    """Statements the server refused (a deadlock, a unique key another writer took): each one is a batch that
    rolled back and ran again."""
    log = (server.folder / "log").read_text(errors="replace").splitlines()
    return {
        "error": sum(1 for line in log if " ERROR: " in line),
        "deadlock": sum(1 for line in log if "deadlock detected" in line),
    }


def server_cpu_seconds(server: PostgresServer) -> float:
    """CPU time of the server's processes so far (its backends included), from /proc."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "postgres" not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (OSError, IndexError, ValueError):
            continue
    return total / tick


def round_shared(server: PostgresServer, root: Path, number: int, total: int, *, how: str) -> dict[str, Any]:
    """``how``: "cli" (`nevo monitor --once`), "background" (the run at session end) or "warm"."""
    url = server.create_database(f"bench_{number}_{how}_{os.getpid()}")
    with PgDatabase(url):
        pass  # the schema, before the clock starts (any first command migrates it)
    clones = [workspace(root / f"r{number}-{how}-machine-{m}", url) for m in range(MACHINES)]
    per_machine = total // MACHINES
    for machine, ws in enumerate(clones):
        write_triggers(ws, machine, per_machine, machine * per_machine)
    load = os.getloadavg()[0]
    server_before = server_cpu_seconds(server)
    if how == "warm":
        elapsed, results = ship_warm(clones)
        cpu = sum(r["cpu"] for r in results)  # the passes' own CPU, the interpreters' start left out
    else:
        elapsed, cpu, results = ship(clones, background=how == "background")
    server_cpu = server_cpu_seconds(server) - server_before
    shipped = per_machine * MACHINES
    assert sum(r["counted"] for r in results) == shipped, [r["counted"] for r in results]
    assert all(not r["warnings"] for r in results), [r["warnings"] for r in results]
    assert all(not any(ws.triggers_dir.glob("*.json")) for ws in clones)
    with PgDatabase(url) as db:
        checked = check_store(db, shipped)
    return {
        "triggers": shipped,
        "seconds": elapsed,
        "per_second": shipped / elapsed,
        "client_cpu_us": cpu / shipped * 1e6,
        "server_cpu_us": server_cpu / shipped * 1e6,
        "load": load,
        **checked,
    }


def round_one(root: Path, number: int, total: int, url: str, label: str) -> dict[str, Any]:
    """The same triggers (all eight machines') shipped by one monitor: into ``url``, or the local SQLite."""
    ws = workspace(root / f"r{number}-{label}", url)
    per_machine = total // MACHINES
    for machine in range(MACHINES):
        write_triggers(ws, machine, per_machine, machine * per_machine)
    load = os.getloadavg()[0]
    elapsed, cpu, [result] = ship([ws])
    shipped = per_machine * MACHINES
    assert result["counted"] == shipped, result
    if url:
        with PgDatabase(url) as db:
            check_store(db, shipped)
    else:
        from nevo.db import open_database

        with open_database(ws) as db:
            check_store(db, shipped)
    return {
        "triggers": shipped,
        "seconds": elapsed,
        "per_trigger_us": elapsed / shipped * 1e6,
        "cpu_us": cpu / shipped * 1e6,
        "load": load,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--triggers", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nevo-bench-store-"))
    server = PostgresServer.start_new()
    rows: dict[str, list[dict[str, Any]]] = {"shared": [], "background": [], "warm": [], "pg1": [], "sqlite": []}
    try:
        for number in range(args.rounds):
            for how, key in (("cli", "shared"), ("background", "background"), ("warm", "warm")):
                rows[key].append(round_shared(server, root, number, args.triggers, how=how))
            url = server.create_database(f"bench_one_{number}_{os.getpid()}")
            with PgDatabase(url):
                pass
            rows["pg1"].append(round_one(root, number, args.triggers, url, "pg-one"))
            rows["sqlite"].append(round_one(root, number, args.triggers, "", "sqlite"))
            print(
                f"round {number + 1}: shared {rows['shared'][-1]['per_second']:,.0f}/s"
                f" (load {rows['shared'][-1]['load']:.1f}), background {rows['background'][-1]['per_second']:,.0f}/s"
                f" (load {rows['background'][-1]['load']:.1f}), warm {rows['warm'][-1]['per_second']:,.0f}/s"
                f" (load {rows['warm'][-1]['load']:.1f}), one monitor: postgres"
                f" {rows['pg1'][-1]['per_trigger_us']:.0f} us, sqlite {rows['sqlite'][-1]['per_trigger_us']:.0f} us",
                flush=True,
            )
        errors = server_errors(server)
    finally:
        server.destroy()
        shutil.rmtree(root, ignore_errors=True)
    report(rows, args.triggers)
    print(
        f"\nthe server logged {errors['error']} failed statement(s) in the whole run, {errors['deadlock']} of them"
        " deadlocks (each failed statement of a monitor's batch is a batch run again)"
    )
    return 0


def report(rows: dict[str, list[dict[str, Any]]], total: int) -> None:
    shared, background, warm = rows["shared"], rows["background"], rows["warm"]
    pg1, lite = rows["pg1"], rows["sqlite"]

    def med(items: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in items)

    loads = ", ".join(f"{r['load']:.1f}" for r in shared + background + warm + pg1 + lite)
    print(
        f"\nshared store benchmark ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{len(shared)} rounds; load average at each start: {loads})\n"
    )
    print("| figure | median | best | target |")
    print("|---|---|---|---|")
    print(
        f"| {MACHINES} monitors on {MACHINES} clones, {total:,} triggers at once into one PostgreSQL "
        f"(every occurrence counted once: checked) | {med(shared, 'per_second'):,.0f} triggers/s "
        f"({med(shared, 'seconds'):.2f} s) | {max(r['per_second'] for r in shared):,.0f} triggers/s | >= 2,000/s |"
    )
    print(
        f"| the same, CPU per trigger: monitors (their start included) / server | {med(shared, 'client_cpu_us'):.0f}"
        f" us / {med(shared, 'server_cpu_us'):.0f} us | | |"
    )
    print(
        f"| the same shipped by the run at session end (`python -m nevo.background`, what the SessionEnd hook"
        f" starts) | {med(background, 'per_second'):,.0f} triggers/s ({med(background, 'seconds'):.2f} s; CPU"
        f" {med(background, 'client_cpu_us'):.0f} us / {med(background, 'server_cpu_us'):.0f} us per trigger) |"
        f" {max(r['per_second'] for r in background):,.0f} triggers/s | >= 2,000/s |"
    )
    print(
        f"| the same with the monitors started and imported first, released together (the shipping rate) | "
        f"{med(warm, 'per_second'):,.0f} triggers/s ({med(warm, 'seconds'):.2f} s; CPU {med(warm, 'client_cpu_us'):.0f}"
        f" us / {med(warm, 'server_cpu_us'):.0f} us per trigger) | "
        f"{max(r['per_second'] for r in warm):,.0f} triggers/s | >= 2,000/s |"
    )
    for label, items in (("one monitor into PostgreSQL", pg1), ("one monitor into the local SQLite", lite)):
        print(
            f"| {label}, the same {total:,} triggers: wall per trigger (CPU) | {med(items, 'per_trigger_us'):.0f} us "
            f"({med(items, 'cpu_us'):.0f} us) | {min(r['per_trigger_us'] for r in items):.0f} us | |"
        )
    ratio = med(pg1, "per_trigger_us") / med(lite, "per_trigger_us")
    print(f"| PostgreSQL per trigger against SQLite (one monitor, median wall) | {ratio:.2f}x | | |")


if __name__ == "__main__":
    sys.exit(main())
