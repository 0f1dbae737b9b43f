"""Rules figures.

1. Novelty check against 1,000 rules: median and p95 per check (target: under 20 ms), plus the one-off
   cost of indexing the rules.
2. Duplicate detection on the labelled paraphrases (tests/data/paraphrases.json): precision and recall
   at the threshold nevo uses, and at its neighbours.
3. Guard hook wall time per call (target: median under 30 ms), for a call no guard can match (the shell
   prefilter answers) and for a call that is rewritten (Python runs), against the alternative of running
   ``python3 -S -E guard.py`` on every call.

Run: python bench/bench_rules.py [--checks 300] [--hook-runs 200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nevo import guards  # noqa: E402
from nevo.install import init  # noqa: E402
from nevo.novelty import DUPLICATE_AT, NoveltyIndex, features, similarity  # noqa: E402
from nevo.rules import Rule, RuleBook  # noqa: E402
from nevo.workspace import Workspace  # noqa: E402

PAIRS = json.loads((ROOT / "tests" / "data" / "paraphrases.json").read_text())
VOCABULARY = (  # noqa: SIM905 - a word list reads better as text
    "build test lint deploy migrate install format run check read edit commit push branch docker npm pnpm "
    "pytest cargo make terraform venv package script config env port server api web frontend backend "
    "database cache log schema fixture snapshot release tag version lockfile module import path folder"
).split()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def synthetic_rules(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Rule-like texts: a labelled sentence plus a few project words and a command, so no two are alike."""
    sentences = sorted({p["a"] for p in PAIRS} | {p["b"] for p in PAIRS})
    rules = []
    for i in range(n):
        words = " ".join(rng.sample(VOCABULARY, 4))
        command = f"`{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)} --{rng.choice(VOCABULARY)}`"
        rules.append((f"PROJ-{i + 1:04d}", f"{rng.choice(sentences)} For {words}, use {command}."))
    return rules


def bench_novelty(checks: int) -> dict[str, float]:
    rng = random.Random(42)
    rules = synthetic_rules(1000, rng)
    started = time.perf_counter()
    index = NoveltyIndex(rules)
    index_ms = (time.perf_counter() - started) * 1000
    probes = [rng.choice(PAIRS)[rng.choice("ab")] for _ in range(checks)]
    timings = []
    for probe in probes:
        started = time.perf_counter()
        index.check(probe)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "index_ms": index_ms,
        "median_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
    }


def precision_recall(threshold: float) -> tuple[float, float, int, int, int]:
    scores = [(similarity(features(p["a"]), features(p["b"])), p["label"]) for p in PAIRS]
    tp = sum(1 for s, label in scores if s >= threshold and label == "duplicate")
    fp = sum(1 for s, label in scores if s >= threshold and label != "duplicate")
    fn = sum(1 for s, label in scores if s < threshold and label == "duplicate")
    return tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp, fn


def guarded_workspace(tmp: Path) -> Workspace:
    ws = Workspace(tmp / "ws")
    ws.root.mkdir()
    init(ws)
    RuleBook(ws).write(
        Rule(
            id="PROJ-001",
            title="Web build",
            body="When running the web build, use `npm --prefix web run build`.",
            trigger="PreToolUse Bash `npm run build`",
            enforcement="guard rewrite",
            verification="v",
            guard={
                "tool": "Bash",
                "command": "npm run build",
                "action": "rewrite",
                "fix": "npm --prefix web run build",
            },
        )
    )
    guards.compile_guards(ws)
    return ws


def timed_run(command: list[str], data: bytes) -> float:
    started = time.perf_counter()
    subprocess.run(command, input=data, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def bench_hook(runs: int) -> dict[str, float]:
    def payload(command: str) -> bytes:
        return json.dumps(
            {
                "session_id": "s",
                "hook_event_name": "PreToolUse",
                "tool_name": "Bash",
                "tool_input": {"command": command, "description": "d"},
                "tool_use_id": "t",
                "cwd": "/tmp/ws",
            }
        ).encode()

    with tempfile.TemporaryDirectory() as tmp:
        ws = guarded_workspace(Path(tmp))
        hook = [str(ws.hooks_dir / "guard")]
        python_only = [sys.executable, "-S", "-E", str(ws.hooks_dir / "guard.py"), str(guards.table_path(ws))]
        miss, hit = payload("ls -la src"), payload("npm run build")
        series: dict[str, list[float]] = {"sh miss": [], "sh hit": [], "python miss": [], "python hit": []}
        for _ in range(runs):  # interleaved, so every variant sees the same machine load
            series["sh miss"].append(timed_run(hook, miss))
            series["sh hit"].append(timed_run(hook, hit))
            series["python miss"].append(timed_run(python_only, miss))
            series["python hit"].append(timed_run(python_only, hit))
    return {name: statistics.median(values) for name, values in series.items()} | {
        f"{name} p95": percentile(values, 0.95) for name, values in series.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--hook-runs", type=int, default=200)
    args = parser.parse_args()

    novelty = bench_novelty(args.checks)
    print("## Novelty check against 1,000 rules (target: < 20 ms)")
    print(f"index build: {novelty['index_ms']:.1f} ms (once per analyze run)")
    print(
        f"per check: median {novelty['median_ms']:.2f} ms, p95 {novelty['p95_ms']:.2f} ms"
        f" ({args.checks} checks)"
    )

    labels = [p["label"] for p in PAIRS]
    print(
        f"\n## Duplicate detection on {len(PAIRS)} labelled pairs "
        f"({labels.count('duplicate')} duplicate, {labels.count('related')} related, "
        f"{labels.count('unrelated')} unrelated)"
    )
    print("| threshold | precision | recall | tp | fp | fn |\n|---|---|---|---|---|---|")
    for threshold in (
        DUPLICATE_AT - 0.1,
        DUPLICATE_AT - 0.05,
        DUPLICATE_AT,
        DUPLICATE_AT + 0.05,
        DUPLICATE_AT + 0.1,
    ):
        precision, recall, tp, fp, fn = precision_recall(threshold)
        mark = " (used)" if threshold == DUPLICATE_AT else ""
        print(f"| {threshold:.2f}{mark} | {precision:.3f} | {recall:.3f} | {tp} | {fp} | {fn} |")

    hook = bench_hook(args.hook_runs)
    print(
        f"\n## Guard hook wall time per call (target: median < 30 ms; {args.hook_runs} interleaved runs each)"
    )
    print("| variant | median ms | p95 ms |\n|---|---|---|")
    for name in ("sh miss", "sh hit", "python miss", "python hit"):
        print(f"| {name} | {hook[name]:.1f} | {hook[name + ' p95']:.1f} |")
    print(
        "sh = hooks/guard (shell prefilter, Python only on a possible match);"
        " python = python3 -S -E guard.py on every call"
    )


if __name__ == "__main__":
    main()
