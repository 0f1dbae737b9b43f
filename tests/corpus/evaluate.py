"""Replay the labelled recovery corpus through nevo.lesson.judge and measure it (tests and the benchmark).

A lesson is recalled when the verdict is ``lesson`` and names the labelled fix call. Precision: of the
verdicts that say ``lesson``, those the label agrees with (kind and fix call). A trap (a sequence whose label
allows no lesson: weakened, harmful, work, retry, none) is learned when its verdict is ``lesson`` or carries
any guard: the goal is none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nevo.lesson import Call, judge
from nevo.verdict import Verdict

HERE = Path(__file__).resolve().parent


def load(which: str) -> list[dict[str, Any]]:
    return json.loads((HERE / f"recoveries_{which}.json").read_text())


def replay(record: dict[str, Any]) -> Verdict:
    calls = [
        Call(
            c["tool"],
            c["input"],
            bool(c["ok"]),
            c["output"],
            cwd=c.get("cwd") or record["cwd"],
            sidechain=bool(record["agent"]),
        )
        for c in record["calls"]
    ]
    return judge(calls[0], calls[1:], root=record["root"], agent=record["agent"], final=True)


def expected_kinds(record: dict[str, Any]) -> set[str]:
    kind = record["label"]["kind"]
    return set(kind) if isinstance(kind, list) else {kind}


@dataclass
class Result:
    record: dict[str, Any]
    verdict: Verdict

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def kinds(self) -> set[str]:
        return expected_kinds(self.record)

    @property
    def expects_lesson(self) -> bool:
        return self.kinds == {"lesson"}

    @property
    def is_trap(self) -> bool:
        return "lesson" not in self.kinds

    @property
    def right_fix(self) -> bool:
        fix = self.record["label"]["fix"]
        return fix is not None and self.verdict.distance == fix - 1 and bool(self.verdict.fix)

    @property
    def recalled(self) -> bool:
        return self.verdict.kind == "lesson" and self.right_fix

    @property
    def learned_trap(self) -> bool:
        return self.is_trap and (self.verdict.kind == "lesson" or self.verdict.guard is not None)

    @property
    def kind_right(self) -> bool:
        return self.verdict.kind in self.kinds


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def lessons(self) -> list[Result]:
        return [r for r in self.results if r.expects_lesson]

    @property
    def traps(self) -> list[Result]:
        return [r for r in self.results if r.is_trap]

    @property
    def said_lesson(self) -> list[Result]:
        return [r for r in self.results if r.verdict.kind == "lesson"]

    @property
    def recall(self) -> float:
        return sum(r.recalled for r in self.lessons) / max(len(self.lessons), 1)

    @property
    def precision(self) -> float:
        right = [r for r in self.said_lesson if "lesson" in r.kinds and r.right_fix]
        return len(right) / max(len(self.said_lesson), 1)

    @property
    def traps_learned(self) -> list[Result]:
        return [r for r in self.traps if r.learned_trap]

    @property
    def kind_accuracy(self) -> float:
        return sum(r.kind_right for r in self.results) / max(len(self.results), 1)

    def guards(self) -> dict[str, int]:
        wanted = [r for r in self.lessons if r.record["label"]["guard"] is True]
        refused = [r for r in self.results if r.record["label"]["guard"] is False]
        return {
            "expected": len(wanted),
            "given": sum(r.verdict.guard is not None for r in wanted),
            "must_not": len(refused),
            "given_anyway": sum(r.verdict.guard is not None for r in refused),
            "total": sum(r.verdict.guard is not None for r in self.results),
        }

    def fix_kinds_right(self) -> int:
        return sum(r.verdict.fix_kind == r.record["label"]["fix_kind"] for r in self.lessons if r.recalled)


def evaluate(which: str) -> Report:
    return Report([Result(record, replay(record)) for record in load(which)])
