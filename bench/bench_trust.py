"""Trust figures: opening the database from many processes at once, the cost of a crash-safe rule commit,
and clipping payloads of every JSON shape to max_payload_bytes.

    python bench/bench_trust.py [--source DIR] [--rounds 10] [--processes 32]

``--source`` imports nevo from another source tree (an older checkout), to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OPEN_AT_ONCE = """
import sys, time
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from nevo.db import Database
go = Path(sys.argv[2])
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    pass
try:
    Database(Path(sys.argv[1])).close()
    print("ok")
except Exception as exc:
    print("fail", exc)
"""


def concurrent_opens(source: Path, rounds: int, processes: int) -> tuple[int, int]:
    """(failed opens, total opens) of a fresh database opened by ``processes`` processes at the same moment."""
    failed = total = 0
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(rounds):
            path, go = Path(scratch) / f"n{round_}.db", Path(scratch) / f"go{round_}"
            started = [
                subprocess.Popen(
                    [sys.executable, "-c", OPEN_AT_ONCE, str(path), str(go), str(source)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(processes)
            ]
            time.sleep(1.0)
            go.touch()
            for process in started:
                out, _ = process.communicate(timeout=300)
                total += 1
                failed += not out.startswith("ok")
    return failed, total


def commit_cost(commits: int) -> list[float]:
    """Seconds per rule committed with gitops.commit_or_queue in a repository with staged user work."""
    from nevo import gitops
    from nevo.workspace import Workspace

    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b"}
    env["GIT_COMMITTER_EMAIL"] = "b@b"
    timings = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "base"]):
            subprocess.run(["git", *args], cwd=root, env=env, check=True)
        (root / "staged.txt").write_text("user work\n")
        subprocess.run(["git", "add", "staged.txt"], cwd=root, env=env, check=True)
        ws = Workspace(root)
        for n in range(1, commits + 1):
            rule = ws.rules_dir / f"PROJ-{n:03d}-x.md"
            rule.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            done = gitops.commit_or_queue(
                ws, f"PROJ-{n:03d}", [rule], f"nevo: PROJ-{n:03d}", write=lambda r=rule: r.write_text("A rule.\n")
            )
            timings.append(time.perf_counter() - started)
            assert done.state == "committed", done
    return timings


def clipping() -> dict[str, tuple[int, int, float]]:
    """shape -> (bytes in, bytes kept, seconds) for read_payload at max_payload_bytes = 1 MiB."""
    from nevo.triggers import read_payload

    shapes = {
        "one 50 MB string": {"content": "y" * 50_000_000},
        "a million numbers": {"ids": list(range(1_000_000))},
        "200,000 keys": {f"k{n}": n for n in range(200_000)},
        "2,000 strings of 5 KB": {"files": ["x" * 5_000 for _ in range(2_000)]},
    }
    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, tool_input in shapes.items():
            payload = {"hook_event_name": "PostToolUseFailure", "tool_name": "mcp__x", "tool_input": tool_input}
            path = Path(scratch) / "t.json"
            path.write_text(json.dumps(payload))
            started = time.perf_counter()
            kept = read_payload(path, 1_048_576)
            seconds = time.perf_counter() - started
            out[name] = (path.stat().st_size, len(json.dumps(kept, ensure_ascii=False).encode()), seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=32)
    parser.add_argument("--only-opens", action="store_true")
    args = parser.parse_args()
    failed, total = concurrent_opens(args.source.resolve(), args.rounds, args.processes)
    print(f"concurrent first opens ({args.source}): {failed} failed of {total}")
    if args.only_opens:
        return
    timings = commit_cost(40)
    print(
        f"crash-safe rule commit: median {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms"
    )
    for name, (size, kept, seconds) in clipping().items():
        print(f"clip {name}: {size:,} bytes -> {kept:,} bytes in {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
