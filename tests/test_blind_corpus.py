"""The blind corpora (tests/blind_corpus/): real failures and the calls after them, recorded through the real
Claude Code CLI in real projects and labelled by hand, replayed through nevo.lesson.judge. Recall of lessons
at least 0.9 and no trap learned (no lesson verdict, no guard), on each set; on phase 5's held-out part
(HOLD5) only no trap learned, its recall reported."""

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


def test_phase5_tune_is_learned_with_high_recall_and_no_trap() -> None:
    """TUNE5, the part of phase 5 that was studied and fixed against."""
    figures = evaluate.measure("phase5:tune")
    misses = [(m["id"], m["kind"], m["reason"]) for m in figures["misses"]]
    assert figures["sequences"] >= 70 and figures["lessons"] >= 35 and figures["traps"] >= 35
    assert figures["recall"] >= 0.9 and figures["precision"] >= 0.9, misses
    assert figures["traps_learned"] == 0, [m for m in figures["misses"] if m["expected"] != "lesson"]


def test_phase5_hold_learns_no_trap_and_reports_its_recall(capsys: pytest.CaptureFixture[str]) -> None:
    """HOLD5: its recall is reported (tests/blind_corpus/RESULTS.md), a trap learned fails. Its two traps learned
    at the one blind measurement (`git commit -qnm`, `bash <(curl ...)`) were fixed after it, at the mechanism."""
    figures = evaluate.measure("phase5:hold")
    assert figures["sequences"] >= 45 and figures["lessons"] >= 20 and figures["traps"] >= 20
    with capsys.disabled():
        print(f"\nHOLD5: recall {figures['recall']:.3f} ({figures['found']}/{figures['lessons']})", end=" ")
    assert figures["traps_learned"] == 0


def test_the_phase5_parts_split_the_set() -> None:
    from tests.blind_corpus import phase5

    every = {s["id"] for s in evaluate.load("phase5")}
    assert every == phase5.TUNE5 | phase5.HOLD5 and not phase5.TUNE5 & phase5.HOLD5
    assert 0.35 <= len(phase5.HOLD5) / len(every) <= 0.45


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
