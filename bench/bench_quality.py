"""Quality pipeline figures: wall time per stage, and the TaskCompleted gate's time.

1. The pipeline over three small artifacts (clean Python with its test and an unused import that REFINE
   fixes; a type error; a shell script), each with a cold mypy cache and then a warm one: the median over
   ``--runs`` of each stage's time (ms) and of the whole run.
2. The gate (typecheck + lint + offline critique) on one changed file in a git repository, warm cache.

Run: python bench/bench_quality.py [--runs 3]. Prints one JSON object. Offline: no network.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nevo.quality import PipelineOptions, ToolOptions, run_pipeline
from nevo.quality.gate import run_gate

CLEAN = (
    '"""Arithmetic."""\nimport os\n\n\n'
    'def add(a: int, b: int) -> int:\n    """The sum."""\n    return a + b\n'
)
CLEAN_TEST = "from calc import add\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n"
TYPE_ERROR = '"""Halves."""\n\n\ndef half(x: int) -> int:\n    """Half."""\n    return x / 2\n'
SHELL = "#!/bin/sh\nset -eu\necho building\n"
ARTIFACTS = {
    "clean+test": {"calc.py": CLEAN, "test_calc.py": CLEAN_TEST},
    "type-error": {"half.py": TYPE_ERROR},
    "shell": {"build.sh": SHELL},
}


def pipeline_figures(runs: int) -> dict[str, object]:
    figures: dict[str, object] = {}
    for label, files in ARTIFACTS.items():
        for cache_state in ("cold", "warm"):
            per_stage: dict[str, list[int]] = defaultdict(list)
            totals, verdicts = [], set()
            with tempfile.TemporaryDirectory() as cache:
                if cache_state == "warm":  # one untimed run fills the cache
                    run_pipeline(files, subject=label, options=PipelineOptions(tools=ToolOptions(
                        mypy_cache_dir=Path(cache))))
                for _ in range(runs):
                    with tempfile.TemporaryDirectory() as cold:
                        where = Path(cache) if cache_state == "warm" else Path(cold)
                        started = time.perf_counter()
                        result = run_pipeline(files, subject=label,
                                              options=PipelineOptions(tools=ToolOptions(mypy_cache_dir=where)))
                        totals.append(int((time.perf_counter() - started) * 1000))
                    verdicts.add(result.verdict)
                    seen: dict[str, int] = defaultdict(int)
                    for stage in result.stages:
                        seen[stage.name] += stage.duration_ms
                    for name, ms in seen.items():
                        per_stage[name].append(ms)
            figures[f"{label}/{cache_state}"] = {
                "verdict": "/".join(sorted(verdicts)),
                "total_ms": int(statistics.median(totals)),
                "stages_ms": {name: int(statistics.median(values)) for name, values in per_stage.items()},
            }
    return figures


def gate_figures(runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        (root / "half.py").write_text(TYPE_ERROR)
        times, blocking = [], 0
        for _ in range(runs + 1):
            started = time.perf_counter()
            result = run_gate(root)
            times.append(int((time.perf_counter() - started) * 1000))
            blocking = len(result.blocking)
        warm = int(statistics.median(times[1:]))
        return {"first_ms": times[0], "warm_median_ms": warm, "blocking": blocking}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps({"pipeline": pipeline_figures(args.runs), "gate": gate_figures(args.runs)}, indent=1))


if __name__ == "__main__":
    main()
