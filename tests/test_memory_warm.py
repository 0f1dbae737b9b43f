"""Warm memory, search, inbox and fitness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nevo.clock import fixed_clock
from nevo.config import load_config
from nevo.db import Database, open_database
from nevo.memory.facts import FactCandidate, list_facts, prune_expired, remember
from nevo.memory.fitness import list_snapshots, take_snapshot
from nevo.memory.inbox import INBOX_HEADER, ingest_inbox
from nevo.memory.ingest import ingest_session
from nevo.memory.search import search
from nevo.memory.warm import render_memory, render_warm, warm_context
from nevo.workspace import Workspace
from tests.test_journal import TranscriptWriter

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def add(
    db: Database, ws: Workspace, text: str, category: str, origin: str = "s1", at: datetime = NOW
) -> None:
    with db.transaction():
        remember(db, FactCandidate(text, category, "user"), origin, at, load_config(ws))


def test_warm_memory_stays_within_budget_whatever_the_number_of_facts(installed: Workspace) -> None:
    db = open_database(installed)
    config = load_config(installed)
    with db.transaction():
        for index in range(600):
            remember(
                db,
                FactCandidate(
                    f"Environment fact number {index} about the build toolchain.", "environment", "user"
                ),
                "s1",
                NOW,
                config,
            )
            remember(
                db,
                FactCandidate(f"Preference number {index}: keep functions short.", "preference", "user"),
                "s1",
                NOW,
                config,
            )
    add(db, installed, "Important: the CI runs `make check`.", "environment", origin="s2")
    add(db, installed, "Important: the CI runs `make check`.", "environment", origin="s3")
    memory, user = render_memory(db, config, NOW)
    assert 0 < len(memory) <= 2200 and 0 < len(user) <= 1375
    assert len(memory) > 2000 and len(user) > 1200  # the budget is used, not wasted
    first_line = memory.split("## How this project is built and run\n")[1].splitlines()[0]
    assert first_line == "- Important: the CI runs `make check`."  # confirmed three times: the most valuable


def test_recent_facts_outrank_old_ones_and_lessons_go_to_memory(installed: Workspace) -> None:
    db = open_database(installed)
    add(db, installed, "Old news about the database.", "environment", at=NOW - timedelta(days=400))
    add(db, installed, "Fresh news about the database.", "environment")
    add(db, installed, "`npm test` failed; `pnpm test` worked instead.", "lesson")
    memory, user = render_memory(db, load_config(installed), NOW)
    assert memory.index("Fresh news") < memory.index("Old news")
    assert "## Lessons\n- `npm test` failed" in memory and user == ""


def test_render_warm_writes_files_and_the_session_start_context(installed: Workspace) -> None:
    db = open_database(installed)
    add(db, installed, "We use pnpm.", "configuration")
    add(db, installed, "I prefer small commits.", "preference")
    first = render_warm(db, installed, load_config(installed), fixed_clock(NOW))
    assert first.changed and not render_warm(db, installed, load_config(installed), fixed_clock(NOW)).changed
    context = warm_context(installed)
    assert "### Project" in context and "- We use pnpm." in context and "- I prefer small commits." in context
    assert "We use pnpm." in (installed.nevo_dir / "context.json").read_text()


def test_search_ranks_across_sources_and_accepts_any_text(installed: Workspace, tmp_path: Path) -> None:
    db = open_database(installed)
    w = TranscriptWriter(tmp_path / "s-search.jsonl")
    w.prompt("Remember: we use pnpm for the frontend")
    w.bash("pnpm install --frozen-lockfile", "Done in 3s")
    ingest_session(db, installed, w.path, fixed_clock(NOW))
    hits = search(db, "pnpm")
    assert {h.source for h in hits} == {"fact", "narrative", "journal"}
    assert hits[0].source == "fact"  # a fact outweighs a line of the journal
    assert any("frozen" in h.snippet for h in hits if h.source == "journal")
    for weird in ('foo"bar', "a OR", "NEAR(", "*", "-x", "col:val", "'"):
        search(db, weird)  # never raises
    assert search(db, "   ") == []


_MEMORY_DB: list[Database] = []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_search_never_raises_on_any_query(query: str) -> None:
    if not _MEMORY_DB:
        _MEMORY_DB.append(Database(Path(":memory:")))
    search(_MEMORY_DB[0], query)


def test_inbox_entries_become_facts_and_only_those_lines_are_cleared(installed: Workspace) -> None:
    db = open_database(installed)
    inbox = installed.memory_dir / "inbox.md"
    inbox.parent.mkdir(parents=True, exist_ok=True)
    inbox.write_text(
        INBOX_HEADER + "- `uv run pytest` runs the tests here.\n* Never edit generated/ by hand.\n"
        "1. The API base URL comes from API_URL in .env.local\n\n## notes\n"
    )
    result = ingest_inbox(db, installed, load_config(installed), fixed_clock(NOW))
    assert result.ingested == 3 and result.new_facts == 3
    facts = {f.text: f for f in list_facts(db)}
    assert facts["`uv run pytest` runs the tests here."].source == "inbox"
    # The agent wrote it (inbox lines are not the user's words): a lesson, not a USER.md preference.
    assert facts["Never edit generated/ by hand."].category == "lesson"
    text = inbox.read_text()
    assert "uv run pytest" not in text and "## notes" in text and "nevo inbox" in text
    again = ingest_inbox(db, installed, load_config(installed), fixed_clock(NOW))
    assert again.ingested == 0 and len(list_facts(db)) == 3


def test_expired_facts_are_pruned_by_their_category_ttl(installed: Workspace) -> None:
    db = open_database(installed)
    add(db, installed, "The release happened today.", "event")  # 30 days
    add(db, installed, "I prefer tabs.", "preference")  # forever
    assert prune_expired(db, NOW + timedelta(days=29)) == 0
    assert prune_expired(db, NOW + timedelta(days=31)) == 1
    assert [f.text for f in list_facts(db)] == ["I prefer tabs."]
    assert prune_expired(db, NOW + timedelta(days=10_000)) == 0


def test_fitness_snapshots_count_rules_skills_facts_incidents_and_tokens(installed: Workspace) -> None:
    db = open_database(installed)
    shipped = take_snapshot(db, installed, fixed_clock(NOW - timedelta(days=1)))  # what `nevo init` put there
    (installed.rules_dir / "PROJ-001-x.md").write_text("---\nid: PROJ-001\n---\nDo x.\n")
    skill = installed.skills_dir / "deploy" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text("---\nname: deploy\n---\n")
    add(db, installed, "We use pnpm.", "configuration")
    db.execute(
        "INSERT INTO llm_calls (at, day, provider, agent, model, input_tokens, output_tokens, cost_usd)"
        " VALUES ('2026-11-20T00:00:00Z', '2026-11-20', 'anthropic', 'a', 'm', 100, 20, 0.01)"
    )
    first = take_snapshot(db, installed, fixed_clock(NOW))
    assert (first.rules - shipped.rules, first.skills - shipped.skills, first.facts, first.tokens) == (
        1,
        1,
        1,
        120,
    )
    take_snapshot(db, installed, fixed_clock(NOW + timedelta(days=1)))
    assert [s.at for s in list_snapshots(db)] == [
        "2026-11-20T03:00:00Z",
        "2026-11-21T03:00:00Z",
        "2026-11-22T03:00:00Z",
    ]


def test_fitness_reads_the_monitors_incidents_open_known_and_recurring(installed: Workspace) -> None:
    db = open_database(installed)
    rows = [
        ("INC-1", "fp1", "new", "2026-10-01T00:00:00Z"),
        ("INC-2", "fp2", "resolved", "2026-10-01T00:00:00Z"),
        ("INC-3", "fp3", "new", "2026-11-20T00:00:00Z"),
    ]
    for incident_id, fingerprint, status, first_seen in rows:
        db.execute(
            "INSERT INTO incidents (id, fingerprint, tool, first_seen, last_seen, status)"
            " VALUES (?, ?, 'Bash', ?, ?, ?)",
            (incident_id, fingerprint, first_seen, first_seen, status),
        )
    occurrences = [
        ("INC-1", "2026-10-01T00:00:00Z"),
        ("INC-1", "2026-11-19T00:00:00Z"),
        ("INC-2", "2026-11-20T00:00:00Z"),
        ("INC-3", "2026-11-20T00:00:00Z"),
    ]
    for index, (incident_id, at) in enumerate(occurrences):
        db.execute(
            "INSERT INTO occurrences (key, incident_id, at, source) VALUES (?, ?, ?, 'hook')",
            (f"k{index}", incident_id, at),
        )
    snapshot = take_snapshot(db, installed, fixed_clock(NOW))
    assert (snapshot.incidents_known, snapshot.incidents_open) == (3, 2)
    assert snapshot.recurrences == 2  # INC-1 and INC-2 came back this week; INC-3 is new this week


def test_fitness_snapshot_is_idempotent_per_moment(installed: Workspace) -> None:
    db = open_database(installed)
    take_snapshot(db, installed, fixed_clock(NOW))
    add(db, installed, "We use pnpm.", "configuration")
    again = take_snapshot(db, installed, fixed_clock(NOW))  # nightly run twice at the same moment
    snapshots = list_snapshots(db)
    assert [s.at for s in snapshots] == ["2026-11-21T03:00:00Z"]
    assert snapshots[0].facts == again.facts == 1  # the later measure replaced the earlier one
    take_snapshot(db, installed, fixed_clock(NOW + timedelta(days=1)))
    assert len(list_snapshots(db)) == 2


def test_fitness_snapshot_is_idempotent_without_the_unique_index(installed: Workspace) -> None:
    db = open_database(installed)
    db.execute("DROP INDEX IF EXISTS fitness_at")  # a database migrated before the index existed
    take_snapshot(db, installed, fixed_clock(NOW))
    take_snapshot(db, installed, fixed_clock(NOW))
    assert int(db.scalar("SELECT COUNT(*) FROM fitness")) == 1


def test_fitness_at_is_unique_in_the_schema(installed: Workspace) -> None:
    db = open_database(installed)
    index = db.one("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'fitness_at'")
    assert index is not None and "UNIQUE" in str(index["sql"]).upper()
