"""The blind corpora (tests/blind_corpus/): real failures and the calls after them, recorded through the real
Claude Code CLI in real projects and labelled by hand, replayed through nevo.lesson.judge. Recall of lessons
at least 0.9 and no trap learned (no lesson verdict, no guard), on each set."""

from __future__ import annotations

from typing import Any

import pytest

from nevo.verdict import Verdict
from tests.blind_corpus import evaluate

SETS = ["phase1", "phase3"]


@pytest.mark.parametrize("name", SETS)
def test_each_blind_set_is_learned_with_high_recall_and_no_trap(name: str) -> None:
    figures = evaluate.measure(name)
    misses = [(m["id"], m["kind"], m["reason"]) for m in figures["misses"]]
    assert figures["sequences"] >= 60 and figures["lessons"] >= 25 and figures["traps"] >= 25
    assert figures["recall"] >= 0.9, misses
    assert figures["precision"] >= 0.9, misses
    assert figures["traps_learned"] == 0, [m for m in figures["misses"] if m["expected"] != "lesson"]


def test_the_measure_fails_a_judgment_that_learns_every_success(monkeypatch: pytest.MonkeyPatch) -> None:
    """A careless judge (the first later success is the fix, every fix a lesson with a guard-worthy cause) must
    fail: the test above can fail."""

    def careless(failed: Any, later: Any, **_: Any) -> Verdict:
        index = next((i for i, c in enumerate(later) if c.ok), 0)
        return Verdict("lesson", "careless", fix="x", fix_tool="Bash", fix_kind="replace", distance=index)

    monkeypatch.setattr(evaluate, "judge", careless)
    figures = evaluate.measure("phase1")
    assert figures["traps_learned"] > 0 and figures["precision"] < 0.9


def test_a_sequence_replays_as_the_monitor_would_see_it() -> None:
    """The adapter hands judge the failed call and what followed, of the same agent, with cwd and output."""
    [sequence] = [s for s in evaluate.load("phase1") if s["id"] == "sub-npm-prefix"]
    calls = [evaluate.as_call(c) for c in sequence["calls"]]
    assert sequence["agent"] == "builder" and all(c.sidechain for c in calls)
    assert calls[0].output.startswith("Exit code ") and not calls[0].ok and calls[0].cwd == sequence["root"]
    outcome = evaluate.replay(sequence)
    assert outcome.right and outcome.kind == "lesson" and outcome.fix == 1
