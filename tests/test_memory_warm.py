"""Warm memory, search, inbox and fitness."""

from __future__ import annotations

import random
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
from nevo.memory.search import search
from nevo.memory.warm import EMPTY_LINE, MEMORY_HEADER, USER_HEADER, render_memory, render_warm, warm_context
from nevo.workspace import Workspace

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def add(db: Database, ws: Workspace, text: str, category: str, origin: str = "s1", at: datetime = NOW) -> None:
    with db.transaction():
        remember(db, FactCandidate(text, category, "user"), origin, at, load_config(ws))


def fact(
    db: Database,
    ws: Workspace,
    text: str,
    category: str,
    source: str = "user",
    *,
    origin: str = "s1",
    at: datetime = NOW,
    subject: str | None = None,
    value: str | None = None,
) -> None:
    with db.transaction():
        candidate = FactCandidate(text, category, source, subject=subject, value=value)
        remember(db, candidate, origin, at, load_config(ws))


def distinct_sentences(count: int, seed: int) -> list[str]:
    """Sentences that share few words (near-duplicates would be merged, which is not what is tested here)."""
    rng = random.Random(seed)
    vocabulary = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "si", "tu") for b in range(60)]
    return [" ".join(rng.sample(vocabulary, 8)).capitalize() + "." for _ in range(count)]


def test_warm_memory_stays_within_budget_whatever_the_number_of_facts(installed: Workspace) -> None:
    db = open_database(installed)
    config = load_config(installed)
    with db.transaction():
        for environment, preference in zip(distinct_sentences(600, 1), distinct_sentences(600, 2), strict=True):
            remember(db, FactCandidate(environment, "environment", "user"), "s1", NOW, config)
            remember(db, FactCandidate(preference, "preference", "user"), "s1", NOW, config)
    memory, user = render_memory(db, config, NOW)
    assert 0 < len(memory) <= 2200 and 0 < len(user) <= 1375
    assert len(memory) > 2000 and len(user) > 1200  # the budget is used, not wasted


def test_importance_and_recency_rank_warm_memory_not_how_often_a_fact_was_reconfirmed(installed: Workspace) -> None:
    db = open_database(installed)
    for day in range(120):  # a build command and an inbox line, re-confirmed by every session
        fact(db, installed, "`make test` tests this project (it ran successfully).", "environment", "journal",
             origin=f"s{day}", subject="command:test", value="make test")  # fmt: skip
        fact(db, installed, "Tests pass with `make test`.", "environment", "inbox", origin=f"inbox:{day}",
             subject="command:test", value="make test")  # fmt: skip
    for index in range(40):
        fact(db, installed, f"Widget {index} renders in {index} ms on the dashboard page.", "environment", "inbox")
    fact(db, installed, "We use pnpm for the frontend.", "configuration", subject="package-manager:js", value="pnpm")
    fact(db, installed, "The dev server listens on port 5174.", "environment", "output", subject="port:dev server",
         value="5174")  # fmt: skip
    memory, _ = render_memory(db, load_config(installed), NOW)
    lines = memory.splitlines()
    assert lines.index("- We use pnpm for the frontend.") < lines.index("- The dev server listens on port 5174.")
    assert memory.count("make test") == 1  # one line of commands, however often they were confirmed
    assert "Commands that work here: test `make test`." in memory


def test_recent_facts_outrank_old_ones_and_lessons_go_to_memory(installed: Workspace) -> None:
    db = open_database(installed)
    add(
        db,
        installed,
        "Postgres keeps nightly snapshots on the backup volume.",
        "environment",
        at=NOW - timedelta(days=100),
    )
    add(db, installed, "Redis runs inside docker compose for local work.", "environment")
    fact(db, installed, "npm is missing here: run the scripts with pnpm.", "lesson", "verdict")
    memory, user = render_memory(db, load_config(installed), NOW)
    assert memory.index("Redis runs") < memory.index("Postgres keeps")
    assert "## Lessons\n- Npm is missing here: run the scripts with pnpm." in memory
    assert user == USER_HEADER + "\n" + EMPTY_LINE  # no preference known: the file still says so


def test_both_files_are_always_written_and_superseded_or_near_duplicate_facts_never_shown(
    installed: Workspace,
) -> None:
    db = open_database(installed)
    config = load_config(installed)
    render_warm(db, installed, config, fixed_clock(NOW))
    assert (installed.memory_dir / "MEMORY.md").read_text() == MEMORY_HEADER + "\n" + EMPTY_LINE
    assert (installed.memory_dir / "USER.md").read_text() == USER_HEADER + "\n" + EMPTY_LINE
    assert warm_context(installed) == ""  # nothing to say: nothing in the session's context
    fact(db, installed, "We use npm for the frontend.", "configuration", at=NOW - timedelta(days=20),
         subject="package-manager:js", value="npm")  # fmt: skip
    fact(db, installed, "We moved the frontend to pnpm.", "configuration", at=NOW - timedelta(days=5),
         subject="package-manager:js", value="pnpm")  # fmt: skip
    fact(db, installed, "Never edit anything under third_party/.", "preference")
    fact(db, installed, "Never edit anything under the third_party/ folder.", "preference", origin="s2")
    rendered = render_warm(db, installed, config, fixed_clock(NOW))
    memory, user = rendered.memory, rendered.user
    assert "pnpm" in memory and "npm for the frontend" not in memory
    assert user.count("third_party/") == 1


def test_render_warm_writes_files_and_the_session_start_context(installed: Workspace) -> None:
    db = open_database(installed)
    add(db, installed, "We use pnpm.", "configuration")
    add(db, installed, "I prefer small commits.", "preference")
    first = render_warm(db, installed, load_config(installed), fixed_clock(NOW))
    assert first.changed and not render_warm(db, installed, load_config(installed), fixed_clock(NOW)).changed
    context = warm_context(installed)
    assert "### Project" in context and "- We use pnpm." in context and "- I prefer small commits." in context
    assert context.index("I prefer small commits.") < context.index("We use pnpm.")  # the user's words first
    assert "We use pnpm." in (installed.nevo_dir / "context.json").read_text()


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
    assert facts["`uv run pytest` runs the tests here."].subject == "command:test"
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


def test_an_event_whose_words_end_it_within_a_day_or_two_expires_then(installed: Workspace) -> None:
    db = open_database(installed)
    add(db, installed, "2026-11-20: gpu2 is down today for the driver update, back tomorrow morning.", "event")
    add(db, installed, "2026-11-20: Stripe's test mode is having an outage today.", "event", origin="s2")
    add(db, installed, "2026-11-20: Model freeze from today until Nov 27 for the board pack.", "event", origin="s3")
    add(db, installed, "2026-11-20: We released 2.3 today.", "event", origin="s4")  # news: it stays a while
    assert prune_expired(db, NOW + timedelta(days=1, hours=1)) == 1
    assert prune_expired(db, NOW + timedelta(days=2, hours=1)) == 1
    assert sorted(f.text[12:30] for f in list_facts(db)) == ["Model freeze from ", "We released 2.3 to"]
