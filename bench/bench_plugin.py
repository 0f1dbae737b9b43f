"""What the plugin, the report and the demo cost.

1. Per hook call, as Claude Code runs it (`sh -c COMMAND`, the payload on stdin): nevo's settings.json
   command against the plugin's (`nevo-hook`), in an opted-in project and in one that never opted in.
   The guard is the one the plugin registers for every tool call (matcher "*"): with no guard compiled
   it is the price of every tool call.
2. `nevo report` (gather + render) on a workspace with 10,000 failures in 50 incidents over 30 days.
3. `nevo demo`, both ways (the real Claude Code CLI when it is installed; replayed hook payloads).

Run from the repository root: python bench/bench_plugin.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAYLOAD = json.dumps(
    {
        "session_id": "s",
        "hook_event_name": "PreToolUse",
        "tool_name": "Read",
        "tool_input": {"file_path": "/tmp/x"},
        "tool_use_id": "t",
    }
)
RUNS = 300


def timed(command: str, project: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(["sh", "-c", command], input=PAYLOAD, text=True, capture_output=True, cwd=project, env=env)
    return (time.perf_counter() - started) * 1000


def hook_costs(base: Path) -> None:
    from nevo.install import init
    from nevo.plugin import MARKER, MARKER_TEXT
    from nevo.workspace import Workspace

    settings_project, plugin_project, untouched = base / "settings", base / "plugin", base / "untouched"
    for folder in (settings_project, plugin_project, untouched):
        folder.mkdir()
    init(Workspace(settings_project))
    init(Workspace(plugin_project))
    (plugin_project / ".nevo" / "hooks" / MARKER).write_text(MARKER_TEXT)
    runner = ROOT / "plugin" / "hooks" / "nevo-hook"
    settings_command = '[ ! -x "$CLAUDE_PROJECT_DIR"/.nevo/hooks/guard ] || "$CLAUDE_PROJECT_DIR"/.nevo/hooks/guard'
    variants = {
        "bare sh -c true": ("true", settings_project),
        "settings.json guard, opted-in project": (settings_command, settings_project),
        "plugin guard, opted-in project": (f'"{runner}" guard', plugin_project),
        "plugin guard, project not opted in": (f'"{runner}" guard', untouched),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(RUNS):  # interleaved, so load changes hit every variant alike
        for name, (command, project) in variants.items():
            env = {"PATH": os.environ["PATH"], "CLAUDE_PROJECT_DIR": str(project)}
            samples[name].append(timed(command, project, env))
    print(f"## hook call wall time, no guard compiled ({RUNS} interleaved runs each)")
    print("| variant | median ms | p95 ms |")
    print("|---|---|---|")
    for name, values in samples.items():
        values.sort()
        print(f"| {name} | {statistics.median(values):.2f} | {values[int(len(values) * 0.95)]:.2f} |")


def report_cost(base: Path) -> None:
    from nevo.clock import fixed_clock, iso
    from nevo.db import open_database
    from nevo.install import init
    from nevo.report_html import render
    from nevo.report_page import gather
    from nevo.workspace import Workspace

    ws = Workspace(base / "busy")
    ws.root.mkdir()
    init(ws)
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with open_database(ws) as db, db.transaction():
        for n in range(50):
            db.execute(
                "INSERT INTO incidents (id, fingerprint, tool, command, error_class, first_seen, last_seen, count)"
                " VALUES (?, ?, 'Bash', ?, 'exit 1', ?, ?, 200)",
                (f"INC-{n}", f"fp{n}", f"make target{n}", iso(now - timedelta(days=30)), iso(now)),
            )
        db.executemany(
            "INSERT INTO occurrences (key, incident_id, at, source) VALUES (?, ?, ?, 'hook')",
            (
                (f"k{i}", f"INC-{i % 50}", iso(now - timedelta(minutes=4 * i)))
                for i in range(10_000)  # 10,000 failures over ~28 days
            ),
        )
    started = time.perf_counter()
    data = gather(ws, days=30, clock=fixed_clock(now))
    gathered = time.perf_counter()
    page = render(data)
    done = time.perf_counter()
    print("\n## nevo report on 10,000 failures in 50 incidents over 30 days")
    print(
        f"gather {1000 * (gathered - started):.0f} ms, render {1000 * (done - gathered):.0f} ms, "
        f"page {len(page) / 1024:.0f} KB"
    )


def demo_cost(base: Path) -> None:
    from nevo.demo.agent import ClaudeAgent
    from nevo.demo.loop import run_demo

    print("\n## nevo demo, wall time")
    for replay in (False, True):
        if not replay and ClaudeAgent.find() is None:
            print("real Claude Code sessions: skipped (no claude CLI)")
            continue
        folder = base / f"demo-{'replay' if replay else 'claude'}"
        folder.mkdir()
        started = time.perf_counter()
        result = run_demo(lambda line: None, folder, replay=replay)
        seconds = time.perf_counter() - started
        print(f"{result.agent}: {seconds:.1f} s (rule {result.rule_id}, repeat {result.guard})")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.environ["CLAUDE_CONFIG_DIR"] = str(base / "no-claude-config")  # no plugin, nothing of the user's
        hook_costs(base)
        report_cost(base)
        demo_cost(base)


if __name__ == "__main__":
    main()
