"""Recovery benchmark: what nevo.lesson learns from real failures and the calls after them, and how fast.

The corpus (tests/corpus/) was recorded by running real tools in real temporary projects (git, npm, make,
gcc, cargo, python, sqlite3, Claude Code's file tools with its own messages): a failed call, then what
the agent did next, each sequence labelled by hand. ``dev`` is what the judgment was tuned on; ``heldout``
(other projects, names, commands and tools) was generated separately and measured only at the end.

Figures, per part: recall of lessons (the verdict is ``lesson`` and names the labelled fix call),
precision (of the ``lesson`` verdicts, those the label agrees with), traps learned (a sequence whose label
allows no lesson - weakened, harmful, work, retry, none - judged ``lesson`` or given any guard: the goal
is none), verdict kinds right, guards, and the time to judge one failure (cold and from the parse caches).

Run:  python bench/bench_recovery.py            (both parts)
      python bench/bench_recovery.py --misses   (also list what was judged wrong)
Targets: recall >= 0.9 and no trap learned, on both parts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nevo import calls, diagnosis, harm, recovery, shell  # noqa: E402
from tests.corpus.evaluate import Report, evaluate, load, replay  # noqa: E402


def clear_caches() -> None:
    for cached in (calls._actions, shell.segments, harm.classify, diagnosis.diagnose, recovery.similar):
        cached.cache_clear()


def timing(which: str, rounds: int = 20) -> tuple[float, float]:
    """Microseconds to judge one failure: cold (empty parse caches), and the median of warm rounds."""
    records = load(which)
    clear_caches()
    started = time.perf_counter()
    for record in records:
        replay(record)
    cold = (time.perf_counter() - started) / len(records) * 1e6
    warm = []
    for _ in range(rounds):
        started = time.perf_counter()
        for record in records:
            replay(record)
        warm.append((time.perf_counter() - started) / len(records) * 1e6)
    warm.sort()
    return cold, warm[len(warm) // 2]


def row(which: str, report: Report, cold: float, warm: float) -> str:
    lessons, traps = report.lessons, report.traps
    recalled = sum(r.recalled for r in lessons)
    said = report.said_lesson
    right = [r for r in said if "lesson" in r.kinds and r.right_fix]
    guards = report.guards()
    kinds_right = sum(r.kind_right for r in report.results)
    return (
        f"| {which} | {len(report.results)} ({len(lessons)} lessons, {len(traps)} traps) "
        f"| {report.recall:.2f} ({recalled}/{len(lessons)}) | {report.precision:.2f} ({len(right)}/{len(said)}) "
        f"| {len(report.traps_learned)} of {len(traps)} "
        f"| {kinds_right}/{len(report.results)} "
        f"| {guards['given']}/{guards['expected']} wanted given; {guards['given_anyway']} where none may be "
        f"| {report.fix_kinds_right()}/{recalled} "
        f"| {cold:.0f} / {warm:.0f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the sequences judged wrong")
    args = parser.parse_args()
    print(f"nevo recovery benchmark ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})\n")
    print(
        "| part | sequences | recall of lessons | precision | traps learned | verdict kind right "
        "| guards | fix kind right | us per failure (cold / warm) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    reports = {}
    for which in ("dev", "heldout"):
        report = evaluate(which)
        reports[which] = report
        cold, warm = timing(which)
        print(row(which, report, cold, warm))
    if args.misses:
        for which, report in reports.items():
            print(f"\n{which}:")
            for r in report.results:
                wrong = (r.expects_lesson and not r.recalled) or r.learned_trap or not r.kind_right
                if wrong:
                    v = r.verdict
                    print(
                        f"  {r.id}: want {sorted(r.kinds)} fix {r.record['label']['fix']}; got {v.kind} "
                        f"(distance {v.distance}, fix {v.fix!r}, guard {'yes' if v.guard else 'no'}): {v.reason}"
                    )
    failed = [w for w, r in reports.items() if r.recall < 0.9 or r.traps_learned]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
