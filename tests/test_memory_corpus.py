"""The generated months that measure memory: their transcripts read as Claude Code's do, and the harness runs
them through the real monitor and nightly (a few days of one month here; the whole months in bench/)."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nevo.transcript import read_transcript
from tests.corpus import memory_ferrycast, memory_heldout, memory_heldout2, memory_larder, memory_ledgerly
from tests.corpus.memory_month import Month, hook_payloads, write_transcript

FIRST = datetime(2026, 10, 5, tzinfo=UTC)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


@pytest.mark.parametrize("book", [memory_ledgerly, memory_heldout, memory_heldout2, memory_larder, memory_ferrycast])
def test_a_month_is_about_two_hundred_sessions_with_every_channel_asked_about(book: object) -> None:
    month: Month = book.build_month(random.Random(3), FIRST, "/home/dev/project")  # type: ignore[attr-defined]
    assert 180 <= len(month.sessions) <= 240 and month.days == 30
    assert {q.channel for q in month.questions} == {"prompt", "decision", "output", "lesson", "inbox", "event"}
    assert len(month.key_questions) == 10
    assert any(q.stale for q in month.questions) and any(q.expired for q in month.questions)
    assert [s.start for s in month.sessions] == sorted(s.start for s in month.sessions)


def test_the_transcripts_read_like_claude_codes_and_failures_have_their_hook_payloads(tmp_path: Path) -> None:
    month = memory_ledgerly.build_month(random.Random(5), FIRST, "/home/dev/ledgerly")
    session = next(s for s in month.sessions if s.failures)
    path = write_transcript(session, tmp_path)
    transcript = read_transcript(path)
    assert transcript.session_id == session.id and transcript.cwd == "/home/dev/ledgerly"
    assert transcript.skipped_lines == 0 and transcript.user_prompts
    assert all(call.result is not None for call in transcript.calls)
    failed = {call.id for call in transcript.calls if call.failed}
    payloads = hook_payloads(session, path)
    assert {p["tool_use_id"] for _, p in payloads if p["hook_event_name"] == "PostToolUseFailure"} <= failed
    assert [p["hook_event_name"] for _, p in payloads[-2:]] == ["Stop", "SessionEnd"]
    assert all(p["transcript_path"] == str(path) for _, p in payloads)


def test_the_harness_runs_days_of_a_month_through_the_monitor_and_nightly(tmp_path: Path) -> None:
    from memory_eval import measure, run_month

    def three_days(rng: random.Random, first: datetime, root: str) -> Month:
        month = memory_ledgerly.build_month(rng, first, root)
        early = [s for s in month.sessions if (s.start - first).days < 3]
        asked = [q for q in month.questions if q.day < 3 and not q.expired]
        return replace(month, sessions=early, questions=asked, days=3)

    run = run_month(three_days, 1, tmp_path, verdicts="stand-in")
    figures = measure(run)
    run.db.close()
    assert figures["sessions"] == len(run.month.sessions) and figures["warnings"] == []
    assert run.db.path.exists() and (run.ws.memory_dir / "USER.md").is_file()
    assert figures["recall_search"] > 0 and figures["stale_as_current"] == 0


def test_the_instruction_set_reads_public_files_from_the_mirror_and_says_what_is_missing(tmp_path: Path) -> None:
    import memory_instructions

    assert memory_instructions.as_read("- **Lint**: `pnpm lint`") == "Lint: `pnpm lint`"
    lines, problems = memory_instructions.load(tmp_path)  # an empty mirror: only the task prompts remain
    assert lines and all(line.source == "task prompt" and line.label == "N" for line in lines)
    assert problems and all("fetch github:" in p for p in problems)
    assert {line.part for line in lines} == {"A", "B"}
    figures = memory_instructions.measure(lines)
    assert set(figures) == {"A", "B"}
