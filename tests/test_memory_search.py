"""Search that answers: stemming, snippets that hold the answer, current values first, relative paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from nevo.clock import fixed_clock
from nevo.config import load_config
from nevo.db import open_database
from nevo.memory.facts import FactCandidate, record_fact
from nevo.memory.ingest import ingest_session
from nevo.memory.search import search
from nevo.workspace import Workspace
from tests.test_journal import TranscriptWriter

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


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
    for weird in ('foo"bar', "a OR", "NEAR(", "*", "-x", "col:val", "'", "AND AND", "pnpm^2"):
        search(db, weird)  # never raises
    assert search(db, "   ") == []


def test_words_are_stemmed_and_a_journal_hit_shows_the_output_that_answers(
    installed: Workspace, tmp_path: Path
) -> None:
    db = open_database(installed)
    w = TranscriptWriter(tmp_path / "s-stem.jsonl", cwd="/home/me/shop")
    w.prompt("Regenerate the invoice PDFs and update the snapshots.")
    w.bash("node --version", "v20.11.1")
    w.bash("cat /home/me/shop/web/package.json", '{"name": "shop-web", "scripts": {"dev": "vite"}}')
    ingest_session(db, installed, w.path, fixed_clock(NOW))
    assert any("PDFs" in h.snippet for h in search(db, "pdf"))
    assert any("snapshots" in h.snippet for h in search(db, "snapshot"))
    [journal] = [h for h in search(db, "node version") if h.source == "journal"]
    assert journal.snippet == "[node] --[version] → v20.11.1"  # the command and the output that answers
    [package] = [h for h in search(db, "shop-web") if h.source == "journal"]
    assert package.snippet.startswith("cat web/package.json →")  # paths relative to the workspace
    assert "/home/me/shop" not in package.snippet


def test_a_superseded_value_is_found_marked_and_ranked_below_the_current_one(installed: Workspace) -> None:
    db = open_database(installed)
    config = load_config(installed)
    with db.transaction():
        for day, port in ((0, "5173"), (3, "5173"), (10, "5174")):
            text = f"The dev server (`pnpm dev`) listens on port {port}."
            candidate = FactCandidate(text, "environment", "output", subject="port:dev server", value=port)
            record_fact(db, candidate, f"s{day}", NOW - timedelta(days=20 - day), config)
    hits = [h for h in search(db, "dev server port") if h.source == "fact"]
    assert [h.snippet.split(" [")[0] for h in hits] == [
        "The dev server (`pnpm dev`) listens on port 5174.",
        "The dev server (`pnpm dev`) listens on port 5173.",
    ]
    assert not hits[0].superseded and hits[1].superseded
    assert hits[1].snippet.endswith("[superseded 2026-11-11 by: The dev server (`pnpm dev`) listens on port 5174.]")
    assert hits[1].title == "environment (superseded)"


def test_a_question_with_words_the_memory_lacks_still_finds_what_it_has(installed: Workspace) -> None:
    db = open_database(installed)
    with db.transaction():
        candidate = FactCandidate("Keep commits small, one change per commit.", "preference", "user")
        record_fact(db, candidate, "s1", NOW, load_config(installed))
        formatter = FactCandidate("Use `ruff format` instead of black.", "preference", "user",
                                  subject="tool:formatter", value="ruff format")  # fmt: skip
        record_fact(db, formatter, "s1", NOW, load_config(installed))
    assert search(db, "how big should commits be")[0].snippet == "Keep commits small, one change per commit."
    assert search(db, "commits preference")[0].snippet == "Keep commits small, one change per commit."
    assert search(db, "python formatter")[0].snippet == "Use `ruff format` instead of black."


def test_an_existing_memory_is_migrated_to_stemmed_search_and_loses_only_its_self_made_lessons(
    tmp_path: Path,
) -> None:
    import sqlite3

    from nevo.db import Database, _statements, migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _, sql in migrations():
        if number < 7:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO sessions (id, transcript_path, cwd) VALUES ('s1', '/t/s1.jsonl', '/home/me/shop')")
    conn.execute(
        "INSERT INTO journal (session_id, seq, kind, tool, command, output, has_result)"
        " VALUES ('s1', 0, 'tool', 'Bash', 'make pdf', 'rendered 3 PDFs', 1)"
    )
    for text, source, category in (
        ("Invoices render as PDFs with weasyprint.", "user", "configuration"),
        ("`npm test` failed (npm: command not found); `pnpm test` worked instead.", "journal", "lesson"),
    ):
        conn.execute(
            "INSERT INTO facts (hash, text, category, source, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
            (text, text, category, source, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
        )
    conn.close()
    db = Database(path)
    assert db.version >= 7
    assert [h.snippet for h in search(db, "pdf") if h.source == "fact"] == ["Invoices render as PDFs with weasyprint."]
    assert any("PDFs" in h.snippet for h in search(db, "pdf") if h.source == "journal")
    assert db.scalar("SELECT COUNT(*) FROM facts WHERE source = 'journal'") == 0


def test_a_search_never_matches_the_json_keys_of_a_tool_s_input_and_an_old_index_is_rebuilt(tmp_path: Path) -> None:
    import json
    import sqlite3

    from nevo.db import Database, _statements, migrations
    from nevo.journal import search_words

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _, sql in migrations():
        if number < 10:  # a memory journaled before the index read values only
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO sessions (id, transcript_path, cwd) VALUES ('s1', '/t/s1.jsonl', '/w')")
    rows = [
        ("Grep", "holidays", {"pattern": "holidays", "output_mode": "files_with_matches", "path": "data"}),
        ("Edit", "src/app.py", {"file_path": "src/app.py", "old_string": "a = 1", "new_string": "a = 2"}),
    ]
    for seq, (tool, target, tool_input) in enumerate(rows):
        conn.execute(
            "INSERT INTO journal (session_id, seq, kind, tool, command, input, output, has_result)"
            " VALUES ('s1', ?, 'tool', ?, ?, ?, 'ok', 1)",
            (seq, tool, target, json.dumps(tool_input)),
        )
    assert conn.execute("SELECT COUNT(*) FROM journal_fts WHERE journal_fts MATCH 'file'").fetchone()[0] == 2
    conn.close()
    db = Database(path)
    assert [h.source for h in search(db, "file")] == []  # file_path, files_with_matches: no longer words
    assert [h.id for h in search(db, "holidays")] and [h.id for h in search(db, "app")]
    with db.transaction():  # a row journaled now is indexed the same way
        new_input = json.dumps({"command": "make docs", "description": "Build the docs"})
        db.execute(
            "INSERT INTO journal (session_id, seq, kind, tool, command, input, input_words, output, has_result)"
            " VALUES ('s1', 2, 'tool', 'Bash', 'make docs', ?, ?, 'ok', 1)",
            (new_input, search_words("tool", new_input)),
        )
    assert [h.source for h in search(db, "command")] == [] and search(db, "docs")


def test_words_written_both_ways_find_each_other(installed: Workspace) -> None:
    db = open_database(installed)
    with db.transaction():
        for text in ("Keep PRs under 400 lines of diff.", "Dev mail is caught by letter_opener."):
            record_fact(db, FactCandidate(text, "preference", "user"), "s1", NOW, load_config(installed))
    assert search(db, "how big can a pull request be")[0].snippet == "Keep PRs under 400 lines of diff."
    assert search(db, "where do dev emails go")[0].snippet == "Dev mail is caught by letter_opener."
    assert search(db, "PR")[0].snippet == "Keep PRs under 400 lines of diff."
    assert search(db, "spreadsheet") == []  # a word with no synonym finds nothing new


def test_among_hits_holding_as_many_words_the_one_with_the_rarer_word_comes_first(installed: Workspace) -> None:
    db = open_database(installed)
    config = load_config(installed)
    remote = FactCandidate(
        "The dvc remote storage is s3://ferrycast-dvc/cache (`dvc remote list`)",
        "environment",
        "output",
        subject="remote:dvc",
        value="s3://ferrycast-dvc/cache",
    )
    facts = [
        remote,  # dvc, cache; says "dvc" again in its keywords
        FactCandidate("No, don't ever run `dvc gc` here, not even with -w.", "preference", "user"),  # dvc, gc
        FactCandidate(
            "Run `git rm -r --cached 'data/weekly.parquet'` before `dvc repro featurize`: it fails until then.",
            "lesson",
            "verdict",
        ),
        FactCandidate("Pipeline: `dvc repro`, then `git add dvc.lock`.", "configuration", "inbox"),
        *(
            FactCandidate(f"Use `dvc {w}` for the {w} step.", "configuration", "inbox")
            for w in ("pull", "push", "diff")
        ),
        *(FactCandidate(f"The m{n} module is owned by the data team.", "configuration", "user") for n in range(40)),
    ]
    with db.transaction():
        for n, candidate in enumerate(facts):
            record_fact(db, candidate, f"s{n}", NOW - timedelta(days=n), config)
    # Every hit says "dvc", two say "cache" (or "cached"), one says "gc": of the two holding two of the words, the
    # one with the rare word comes first, however often the other repeats its words (BM25 alone put it second).
    hits = search(db, "can I clean up the dvc cache with gc", sources=("fact",))
    assert "dvc gc" in hits[0].snippet.replace("[", "").replace("]", "")
