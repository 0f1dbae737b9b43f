"""Graduated consolidation: sessions -> weekly digests -> monthly summaries, never losing detail first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nevo.clock import fixed_clock
from nevo.config import load_config
from nevo.db import Database, open_database, quote_fts
from nevo.memory.consolidate import consolidate, iso_week, rebuild_fts
from nevo.memory.ingest import ingest_session
from nevo.providers import ProviderError, Request, Response
from nevo.workspace import Workspace
from tests.test_journal import TranscriptWriter
from tests.test_memory_ingest import NPM_LESSON, store_verdict

START = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)  # a Monday, ISO week 2026-W37


def at(days: float) -> datetime:
    return START + timedelta(days=days)


def make_session(db: Database, ws: Workspace, folder: Path, name: str, day: float, lesson: bool = False) -> None:
    w = TranscriptWriter(folder / f"{name}.jsonl", start=at(day))
    w.prompt(f"Task {name}: fix the parser")
    if lesson:
        w.bash("npm test", "npm: command not found", exit_code=127)
        store_verdict(db, name, f"toolu_{name[:6]}_001", "npm test", "npm: command not found", NPM_LESSON)
    w.bash("pnpm test", "ok")
    ingest_session(db, ws, w.path, fixed_clock(at(day) + timedelta(hours=1)))


@pytest.fixture
def year(installed: Workspace, tmp_path: Path) -> tuple[Database, Workspace]:
    """Sessions on days 0, 2 (week W37), 8 (W38), 15 (W39), 40 (W42)."""
    db = open_database(installed)
    for name, day in (("s-w37-a", 0), ("s-w37-b", 2), ("s-w38-a", 8), ("s-w39-a", 15), ("s-w42-a", 40)):
        make_session(db, installed, tmp_path / "t", name, day, lesson=name.endswith("a"))
    return db, installed


def counts(db: Database) -> dict[str, int]:
    return {
        kind: int(db.scalar("SELECT COUNT(*) FROM digests WHERE kind = ?", (kind,))) for kind in ("weekly", "monthly")
    }


def test_iso_weeks() -> None:
    assert iso_week(START.date())[0] == "2026-W37"
    assert iso_week(datetime(2027, 1, 1).date())[0] == "2026-W53"


def test_sessions_older_than_a_week_become_weekly_digests_and_weeklies_monthly(
    year: tuple[Database, Workspace],
) -> None:
    db, ws = year
    config = load_config(ws)

    day10 = consolidate(db, config, fixed_clock(at(10)))  # W37 sessions are > 7 days old; W38's day-8 is not
    assert day10.weekly == ["2026-W37"] and day10.monthly == []
    digest = db.one("SELECT * FROM digests WHERE period = '2026-W37'")
    assert digest is not None and digest["sessions"] == 2 and digest["failures"] == 1
    assert "Task s-w37-a: fix the parser" in digest["text"] and "Task s-w37-b" in digest["text"]
    assert "Lessons: The npm CLI is not installed here: run the scripts with pnpm (`pnpm test`)." in digest["text"]

    assert consolidate(db, config, fixed_clock(at(10))).weekly == []  # twice: nothing more
    assert counts(db) == {"weekly": 1, "monthly": 0}

    day50 = consolidate(db, config, fixed_clock(at(50)))
    assert day50.weekly == ["2026-W38", "2026-W39", "2026-W42"]
    assert day50.monthly == ["2026-09"]  # W37 and W38 ended more than 30 days before day 50; W39 and W42 not
    monthly = db.one("SELECT * FROM digests WHERE kind = 'monthly'")
    assert monthly is not None and monthly["sessions"] == 3
    assert "2026-W37: 2 sessions" in monthly["text"] and "Key lessons:" in monthly["text"]
    assert db.scalar("SELECT COUNT(*) FROM digests WHERE kind = 'weekly' AND monthly_id IS NULL") == 2
    assert consolidate(db, config, fixed_clock(at(50))).as_dict()["weekly"] == []
    # the detail is still there and searchable (keep_detail: true by default)
    assert db.scalar("SELECT COUNT(*) FROM journal WHERE session_id = 's-w37-a'") == 3
    hits = db.query("SELECT rowid FROM digests_fts WHERE digests_fts MATCH ?", (quote_fts("s-w38-a"),))
    assert len(hits) == 2  # its weekly and its monthly


def test_a_late_session_rewrites_its_week_and_month(year: tuple[Database, Workspace], tmp_path: Path) -> None:
    db, ws = year
    config = load_config(ws)
    consolidate(db, config, fixed_clock(at(50)))
    make_session(db, ws, tmp_path / "late", "s-w37-late", 3)  # backfilled long after
    report = consolidate(db, config, fixed_clock(at(51)))
    assert report.weekly == ["2026-W37"] and report.monthly == ["2026-09"]
    assert db.scalar("SELECT sessions FROM digests WHERE period = '2026-W37'") == 3
    assert db.scalar("SELECT sessions FROM digests WHERE period = '2026-09'") == 5  # W39 joined it too on day 51
    assert counts(db) == {"weekly": 4, "monthly": 1}


def test_keep_detail_false_prunes_the_journal_only_after_the_digest(year: tuple[Database, Workspace]) -> None:
    db, ws = year
    ws.config_path.write_text("memory:\n  keep_detail: false\n")
    config = load_config(ws)
    report = consolidate(db, config, fixed_clock(at(10)))
    assert report.pruned_sessions == 2
    assert db.scalar("SELECT COUNT(*) FROM journal WHERE session_id LIKE 's-w37-%'") == 0
    assert db.scalar("SELECT COUNT(*) FROM journal WHERE session_id = 's-w38-a'") == 3  # not digested: kept
    assert db.scalar("SELECT COUNT(*) FROM journal_fts WHERE journal_fts MATCH ?", (quote_fts("s-w37-a"),)) == 0
    assert db.scalar("SELECT COUNT(*) FROM narratives WHERE session_id LIKE 's-w37-%'") == 2  # the story stays
    assert "Task s-w37-a" in db.scalar("SELECT text FROM digests WHERE period = '2026-W37'")


class Down:
    name = "down"

    def complete(self, request: Request) -> Response:
        raise ProviderError("cap reached")


def test_a_session_the_provider_never_narrated_gets_an_offline_narrative_before_its_digest(
    installed: Workspace, tmp_path: Path
) -> None:
    db = open_database(installed)
    w = TranscriptWriter(tmp_path / "s-unnarrated.jsonl", start=at(0))
    w.prompt("Task lonely").bash("make", "ok")
    assert ingest_session(db, installed, w.path, fixed_clock(at(0)), provider=Down()).deferred
    report = consolidate(db, load_config(installed), fixed_clock(at(10)))
    assert report.summarised == 1 and report.weekly == ["2026-W37"]
    assert "Task lonely" in db.scalar("SELECT text FROM digests")


def test_an_interrupted_run_leaves_whole_weeks_and_the_next_run_finishes(
    year: tuple[Database, Workspace], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, ws = year
    config = load_config(ws)
    import nevo.memory.consolidate as module

    original = module.weekly_text
    calls = {"n": 0}

    def crash_on_second(*args: object, **kwargs: object) -> tuple[str, dict[str, int]]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "weekly_text", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        consolidate(db, config, fixed_clock(at(50)))
    assert [r["period"] for r in db.query("SELECT period FROM digests")] == ["2026-W37"]
    assert db.scalar("SELECT COUNT(*) FROM sessions WHERE weekly_id IS NOT NULL") == 2
    monkeypatch.setattr(module, "weekly_text", original)
    report = consolidate(db, config, fixed_clock(at(50)))
    assert report.weekly == ["2026-W38", "2026-W39", "2026-W42"]
    assert db.scalar("SELECT COUNT(*) FROM sessions WHERE weekly_id IS NULL") == 0


def test_fts_optimize_weekly_merge_nightly_and_rebuild(year: tuple[Database, Workspace]) -> None:
    db, ws = year
    config = load_config(ws)
    assert consolidate(db, config, fixed_clock(at(10))).fts == "optimize"
    assert consolidate(db, config, fixed_clock(at(11))).fts == "merge"
    assert consolidate(db, config, fixed_clock(at(17))).fts == "optimize"
    rebuild_fts(db)
    assert db.scalar("SELECT COUNT(*) FROM journal_fts WHERE journal_fts MATCH ?", (quote_fts("pnpm"),)) == 5


def test_a_session_resumed_after_its_digest_rejoins_its_week_with_the_new_story(
    year: tuple[Database, Workspace],
) -> None:
    db, ws = year
    config = load_config(ws)
    consolidate(db, config, fixed_clock(at(10)))
    path = Path(str(db.scalar("SELECT transcript_path FROM sessions WHERE id = 's-w37-b'")))
    w = TranscriptWriter(path, start=at(11))
    w.prompt("Resumed: also handle the empty input")
    ingest_session(db, ws, path, fixed_clock(at(11)))
    assert db.scalar("SELECT weekly_id FROM sessions WHERE id = 's-w37-b'") is None
    assert consolidate(db, config, fixed_clock(at(12))).weekly == []  # not old enough again yet
    assert consolidate(db, config, fixed_clock(at(19))).weekly[0] == "2026-W37"
    text = str(db.scalar("SELECT text FROM digests WHERE period = '2026-W37'"))
    assert (
        db.scalar("SELECT sessions FROM digests WHERE period = '2026-W37'") == 2
        and "Resumed: also handle the empty input" not in text.split("Work: ")[1].split("\n")[0]  # one intent
        and "Task s-w37-b: fix the parser" in text
    )
