"""Replay a blind corpus through ``nevo.lesson.judge`` and measure it against the hand-written labels.

    python -m tests.blind_corpus.evaluate phase1            # figures and every miss, as markdown
    python -m tests.blind_corpus.evaluate phase1 --json     # the same, as JSON
    python -m tests.blind_corpus.evaluate phase5:tune       # one part of a split set (phase5.PARTS)

Each sequence is one failed call and the calls the session made after it, read from a real Claude Code
transcript (see generate.py). The adapter hands them to ``judge(failed, later, root=..., agent=...,
final=True)`` exactly as the monitor does (a sub-agent's calls are marked ``sidechain``), and compares:

- a lesson is *found* when the verdict is ``lesson`` and names the labelled call as the fix (the call at
  ``failed + 1 + verdict.distance``); recall = found / labelled lessons;
- precision = found / every ``lesson`` verdict on the labelled lessons and traps (a lesson verdict naming
  the wrong call counts against it);
- a trap is *learned* when its verdict is ``lesson`` or carries any guard: the number that must be zero;
- ``either`` sequences (Claude Code's own file-tool rules: a lesson or ordinary use, by taste) are outside
  recall, precision and traps; they count as right when the kind is one of the accepted ones and no
  guard was made where none may be.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nevo.lesson import Call, judge

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Outcome:
    id: str
    category: str
    expected: str
    expected_fix: int | None
    expected_guard: str
    either: bool
    kind: str
    fix: int | None  # index of the call the verdict names as the fix, None when it names none
    fix_kind: str
    guard: bool
    reason: str
    right: bool  # lesson found / trap not learned / either accepted
    guard_right: bool
    kind_right: bool  # the exact kind (or an accepted one)

    @property
    def is_lesson(self) -> bool:
        return self.expected == "lesson" and not self.either

    @property
    def is_trap(self) -> bool:
        return self.expected != "lesson" and not self.either


def load(set_name: str) -> list[dict[str, Any]]:
    """``phase1``, or one part of a split set: ``phase5:tune`` (the module's ``PARTS["tune"]`` ids only)."""
    name, _, part = set_name.partition(":")
    sequences = list(json.loads((HERE / f"{name}.json").read_text())["sequences"])
    if not part:
        return sequences
    ids = importlib.import_module(f"tests.blind_corpus.{name}").PARTS[part]
    return [s for s in sequences if s["id"] in ids]


def as_call(raw: dict[str, Any]) -> Call:
    return Call(
        str(raw["tool"]),
        dict(raw["input"]),
        bool(raw["ok"]),
        str(raw["output"]),
        cwd=str(raw["cwd"]),
        sidechain=bool(raw["sidechain"]),
    )


def replay(sequence: dict[str, Any]) -> Outcome:
    calls = [as_call(c) for c in sequence["calls"]]
    failed = int(sequence["failed"])
    verdict = judge(calls[failed], calls[failed + 1 :], root=sequence["root"], agent=sequence["agent"], final=True)
    expect = sequence["expect"]
    names_fix = verdict.kind != "none" and bool(verdict.fix or verdict.fix_tool)
    fix = failed + 1 + verdict.distance if names_fix else None
    guard = verdict.guard is not None
    accepted = {expect["kind"], *expect["also"]}
    either = bool(expect.get("either"))
    if either or expect["kind"] != "lesson":
        right = verdict.kind in accepted and not (expect["guard"] == "no" and guard)
        if not either:
            right = verdict.kind != "lesson" and not guard
    else:
        right = verdict.kind == "lesson" and fix == expect["fix"]
    guard_right = {"yes": guard, "no": not guard, "either": True}[expect["guard"]]
    return Outcome(
        id=sequence["id"],
        category=sequence["category"],
        expected=expect["kind"],
        expected_fix=expect["fix"],
        expected_guard=expect["guard"],
        either=either,
        kind=verdict.kind,
        fix=fix,
        fix_kind=verdict.fix_kind,
        guard=guard,
        reason=verdict.reason,
        right=right,
        guard_right=guard_right,
        kind_right=verdict.kind in accepted,
    )


def measure(set_name: str) -> dict[str, Any]:
    sequences = load(set_name)
    started = time.process_time()  # CPU time: the shared machine's load does not count
    outcomes = [replay(s) for s in sequences]
    elapsed = time.process_time() - started
    lessons = [o for o in outcomes if o.is_lesson]
    traps = [o for o in outcomes if o.is_trap]
    eithers = [o for o in outcomes if o.either]
    found = [o for o in lessons if o.right]
    judged_lesson = [o for o in lessons + traps if o.kind == "lesson"]
    learned = [o for o in traps if not o.right]
    by_category: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_category[o.category].append(o)
    return {
        "set": set_name,
        "sequences": len(outcomes),
        "lessons": len(lessons),
        "found": len(found),
        "recall": len(found) / len(lessons) if lessons else 1.0,
        "lesson_verdicts": len(judged_lesson),
        "precision": len(found) / len(judged_lesson) if judged_lesson else 1.0,
        "lesson_kind_only": sum(o.kind == "lesson" for o in lessons),
        "guard_agreement": sum(o.guard_right for o in lessons) / len(lessons) if lessons else 1.0,
        "lessons_missing_a_guard": [o.id for o in lessons if o.right and o.expected_guard == "yes" and not o.guard],
        "traps": len(traps),
        "traps_learned": len(learned),
        "trap_kind_agreement": sum(o.kind_right for o in traps) / len(traps) if traps else 1.0,
        "either": len(eithers),
        "either_right": sum(o.right for o in eithers),
        "us_per_sequence": elapsed / len(outcomes) * 1e6 if outcomes else 0.0,
        "categories": {
            name: {"n": len(items), "right": sum(o.right for o in items)} for name, items in sorted(by_category.items())
        },
        "misses": [asdict(o) for o in outcomes if not o.right],
        "trap_kinds": [
            asdict(o) for o in traps if o.right and not o.kind_right
        ],  # not learned, but named another kind than the label's
    }


def markdown(figures: dict[str, Any]) -> str:
    f = figures
    lines = [
        f"### {f['set']}: {f['sequences']} sequences",
        "",
        "| measure | value |",
        "|---|---|",
        f"| lessons found (kind lesson, the labelled fix) | {f['found']} / {f['lessons']} (recall {f['recall']:.3f}) |",
        f"| lesson verdicts / right ones | {f['lesson_verdicts']} / {f['found']} (precision {f['precision']:.3f}) |",
        f"| lessons judged `lesson` whatever the fix | {f['lesson_kind_only']} / {f['lessons']} |",
        f"| guard as labelled (yes/no/either) on lessons | {f['guard_agreement']:.3f} |",
        f"| traps learned (lesson, or any guard) | **{f['traps_learned']} / {f['traps']}** |",
        f"| traps given the labelled kind (or an accepted one) | {f['trap_kind_agreement']:.3f} |",
        f"| either (file-tool rules) accepted | {f['either_right']} / {f['either']} |",
        f"| judgment CPU time per sequence (one cold pass) | {f['us_per_sequence']:.0f} µs |",
        "",
        "| category | n | right |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {c['n']} | {c['right']} |" for name, c in f["categories"].items()]
    if f["lessons_missing_a_guard"]:
        lines += [
            "",
            "Lessons found, labelled guard `yes`, without a guard: "
            + ", ".join(f"`{i}`" for i in f["lessons_missing_a_guard"]),
        ]
    lines += ["", f"Misses ({len(f['misses'])}):", ""]
    for m in f["misses"]:
        got = m["kind"] + (f" fix={m['fix']}" if m["fix"] is not None else "") + (" +guard" if m["guard"] else "")
        want = m["expected"] + (f" fix={m['expected_fix']}" if m["expected_fix"] is not None else "")
        lines.append(f"- `{m['id']}` ({m['category']}): expected {want}, got {got}. nevo: {m['reason']}")
    if f["trap_kinds"]:
        lines += ["", "Traps not learned but named another kind:", ""]
        lines += [
            f"- `{m['id']}`: expected {m['expected']}, got {m['kind']}. nevo: {m['reason']}" for m in f["trap_kinds"]
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", nargs="+", help="phase1, phase3, phase5 (or a part of it: phase5:tune, phase5:hold)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [measure(name) for name in args.set]
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print("\n".join(markdown(r) for r in results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
