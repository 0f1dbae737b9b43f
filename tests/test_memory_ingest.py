"""One session end to end: journal, narrative (with its compression), facts, warm memory."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nevo import incidents as store
from nevo.clock import fixed_clock
from nevo.config import load_config
from nevo.db import Database, open_database
from nevo.fingerprint import fingerprint
from nevo.memory.commands import command_head
from nevo.memory.extract import facts_from_prompt
from nevo.memory.facts import fact_hash, list_facts
from nevo.memory.ingest import ingest_paths, ingest_session, pending_sessions, workspace_transcripts
from nevo.providers import ProviderError, Request, Response
from nevo.transcript import project_slug
from nevo.verdict import Verdict
from nevo.workspace import Workspace
from tests.test_journal import TranscriptWriter

CLOCK = fixed_clock(datetime(2026, 11, 21, 3, 0, tzinfo=UTC))
NPM_LESSON = Verdict(
    kind="lesson",
    reason="npm is not installed; pnpm ran the same script",
    failed="Bash: npm test",
    fix="pnpm test",
    fix_tool="Bash",
    fix_kind="replace",
    error_line="sh: 1: npm: command not found",
    lesson="The npm CLI is not installed here: run the scripts with pnpm (`pnpm test`).",
)


def store_verdict(db: Database, session_id: str, tool_use_id: str, command: str, error: str, verdict: Verdict) -> None:
    """What the monitor does before memory reads a session: the failure counted, its verdict stored."""
    with db.transaction():
        fp = fingerprint("Bash", {"command": command}, error, None)
        key = store.call_key(session_id, tool_use_id)
        recorded = store.record_failure(
            db,
            fp,
            key=key,
            session_id=session_id,
            tool_use_id=tool_use_id,
            at="2026-11-02T09:00:20Z",
            source="hook",
            sample={},
            failed_input={"command": command},
            loop_threshold=3,
        )
        store.record_verdict(db, key, recorded.incident_id, session_id, "2026-11-02T09:00:30Z", verdict)


def pnpm_session(path: Path, cwd: str = "/tmp/project") -> TranscriptWriter:
    w = TranscriptWriter(path, cwd=cwd)
    w.prompt("Fix the failing date test. Remember: we use pnpm, not npm. I prefer small commits.")
    w.say("I will run the tests first.")
    w.bash("npm test", "sh: 1: npm: command not found", exit_code=127)
    w.bash("pnpm test", "1 failed, 11 passed")
    edit = w.call("Edit", {"file_path": "/tmp/project/src/date.ts", "old_string": "a", "new_string": "b"})
    w.result(
        edit,
        "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>",
        is_error=True,
    )
    read = w.call("Read", {"file_path": "/tmp/project/src/date.ts"})
    w.result(read, "export const a = 1")
    edit2 = w.call("Edit", {"file_path": "/tmp/project/src/date.ts", "old_string": "a", "new_string": "b"})
    w.result(edit2, "The file has been updated.")
    w.bash("pnpm test", "12 passed")
    w.say("Fixed: the date test passes now.")
    return w


def test_a_session_becomes_journal_narrative_and_facts(installed: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "t" / "sess-0001.jsonl"
    pnpm_session(path)
    db = open_database(installed)
    store_verdict(db, "sess-0001", "toolu_sess-0_001", "npm test", "sh: 1: npm: command not found", NPM_LESSON)

    outcome = ingest_session(db, installed, path, CLOCK)

    assert outcome.journal.added == 9 and outcome.narrated and outcome.provider == "offline"
    assert outcome.compression is not None and 0 < outcome.compression < 1.5
    narrative = db.one("SELECT * FROM narratives WHERE session_id = 'sess-0001'")
    assert narrative is not None
    assert narrative["intent"].startswith("Fix the failing date test.")
    lesson_text = (
        "The npm CLI is not installed here: run the scripts with pnpm (`pnpm test`)."
        " Error: sh: 1: npm: command not found."
    )
    assert json.loads(narrative["lessons"]) == [lesson_text]  # the verdict's words, with the line that said why
    assert "date.ts" in narrative["decisions"] and "12 passed" not in narrative["text"]
    assert "User: We use pnpm, not npm." in narrative["decisions"]
    assert json.loads(narrative["outcomes"])[0] == "6 tool calls, 2 failed"
    facts = {f.text: f for f in list_facts(db)}
    assert facts["We use pnpm, not npm."].category == "configuration"
    assert (facts["We use pnpm, not npm."].subject, facts["We use pnpm, not npm."].value) == (
        "package-manager:js",
        "pnpm",
    )
    assert facts["I prefer small commits."].category == "preference"
    assert facts["`pnpm test` tests this project (it ran successfully)."].category == "environment"
    lesson = facts[lesson_text]
    assert lesson.category == "lesson" and lesson.source == "verdict" and lesson.session_id == "sess-0001"
    assert facts["We use pnpm, not npm."].expires_at == "2027-05-01T09:00:05Z"  # 180 days after it was said
    assert facts["I prefer small commits."].expires_at is None
    # Edit's "File has not been read yet" has no verdict here: memory does not decide what a failure teaches.
    assert [f.text for f in facts.values() if f.category == "lesson"] == [lesson_text]
    memory = (installed.memory_dir / "MEMORY.md").read_text()
    user = (installed.memory_dir / "USER.md").read_text()
    assert "We use pnpm, not npm." in memory and "I prefer small commits." in user
    assert "npm CLI is not installed here" in memory and "Error:" not in memory  # warm keeps the lesson short


def test_ingesting_twice_adds_nothing_and_a_grown_session_is_renarrated(installed: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "sess-0002.jsonl"
    w = pnpm_session(path)
    db = open_database(installed)
    ingest_session(db, installed, path, CLOCK)
    counts = [db.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("journal", "narratives", "facts", "fact_sources")]

    again = ingest_session(db, installed, path, CLOCK)
    assert not again.narrated and again.journal.added == 0
    assert [
        db.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("journal", "narratives", "facts", "fact_sources")
    ] == counts
    assert db.scalar("SELECT MAX(confirmations) FROM facts") == 1

    w.prompt("Always run the linter before you commit.")
    grown = ingest_session(db, installed, path, CLOCK)
    assert grown.journal.added == 1 and grown.narrated and grown.new_facts == 1
    assert db.scalar("SELECT COUNT(*) FROM narratives") == 1
    assert "Then: Always run the linter before you commit." in db.scalar("SELECT intent FROM narratives")


def test_the_same_fact_from_another_session_is_one_fact_confirmed_twice(installed: Workspace, tmp_path: Path) -> None:
    db = open_database(installed)
    for name in ("sess-a", "sess-b"):
        TranscriptWriter(tmp_path / f"{name}.jsonl").prompt("remember: We use  PNPM, not npm")
        ingest_session(db, installed, tmp_path / f"{name}.jsonl", CLOCK)
    rows = db.query("SELECT text, confirmations FROM facts")
    assert [(r["text"], r["confirmations"]) for r in rows] == [("We use PNPM, not npm.", 2)]
    assert {r["origin"] for r in db.query("SELECT origin FROM fact_sources")} == {"sess-a", "sess-b"}
    assert fact_hash("we use pnpm, not npm.") == fact_hash("We use `pnpm`, not npm")


class FailingProvider:
    name = "broken"

    def complete(self, request: Request) -> Response:
        raise ProviderError("the API is down")


class ModelProvider:
    name = "fake-model"

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Response:
        self.requests.append(request)
        output: dict[str, Any]
        if request.agent.name == "session-narrator":
            output = {
                "intent": "Fix the date test",
                "decisions": ["Used pnpm"],
                "outcomes": ["Tests pass"],
                "lessons": [],
            }
        else:
            output = {
                "facts": [
                    {"text": "Dates are stored in UTC.", "category": "configuration", "seq": 3},
                    {"text": "bogus", "category": "nonsense"},
                    {"category": "lesson"},
                ]
            }
        return Response(output, "fake-model", "m")


def test_a_provider_failure_keeps_the_journal_and_leaves_the_narrative_for_later(
    installed: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "sess-0003.jsonl"
    pnpm_session(path)
    db = open_database(installed)
    outcome = ingest_session(db, installed, path, CLOCK, provider=FailingProvider())
    assert outcome.deferred == "the API is down" and not outcome.narrated
    assert db.scalar("SELECT COUNT(*) FROM journal") == 9 and db.scalar("SELECT COUNT(*) FROM narratives") == 0
    assert pending_sessions(db) == ["sess-0003"]
    later = ingest_session(db, installed, path, CLOCK)
    assert later.narrated and pending_sessions(db) == []


def test_with_a_model_the_agents_get_the_redacted_journal_and_user_statements_are_kept(
    installed: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "sess-0004.jsonl"
    pnpm_session(path)
    db = open_database(installed)
    provider = ModelProvider()
    outcome = ingest_session(db, installed, path, CLOCK, provider=provider)
    assert [r.agent.name for r in provider.requests] == ["session-narrator", "fact-extractor"]
    assert provider.requests[0].agent.model == "haiku"
    assert outcome.provider == "fake-model"
    assert db.scalar("SELECT intent FROM narratives") == "Fix the date test"
    texts = {f.text: f for f in list_facts(db)}
    assert texts["Dates are stored in UTC."].source == "model"
    assert texts["Bogus."].category == "configuration"  # an unknown category is classified, not trusted
    assert "We use pnpm, not npm." in texts  # what the user said in so many words survives the model


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("Remember: the staging DB is on port 5433", "configuration"),
        ("remember that deploys happen on Fridays", "configuration"),
        ("Always use tabs in Makefiles.", "preference"),
        ("never push to main", "preference"),
        ("Note that we use poetry here.", "configuration"),
        ("I prefer descriptive names.", "preference"),
    ],
)
def test_explicit_statements_become_facts(sentence: str, category: str) -> None:
    found = facts_from_prompt(f"Please look at the bug. {sentence}", 0)
    assert [c.category for c in found] == [category]


def test_ordinary_prompts_state_no_facts() -> None:
    assert facts_from_prompt("Fix the failing test in src/date.ts and run the suite.", 0) == []
    assert facts_from_prompt("It never worked before, can you check why?", 0) == []


@pytest.mark.parametrize(
    ("command", "head"),
    [
        ("pytest -q tests/test_x.py", "pytest"),
        ("python -m pytest -x", "python -m pytest"),
        ("cd web && pnpm test --watch=false", "pnpm test"),
        ("npm run build", "npm run build"),
        ("CI=1 cargo test --all", "cargo test"),
        ("uv run pytest -x tests", "uv run pytest"),
        ("npx playwright test", "npx playwright test"),
        ("make", "make"),
        ("pnpm install", None),
        ("ls -la", None),
        ("python script.py", None),
        ("cat >> notes.md <<'EOF'\n- run `make test` && `pnpm lint`\nEOF", None),
    ],
)
def test_build_and_test_commands_are_recognised(command: str, head: str | None) -> None:
    assert command_head(command) == head


def test_a_failure_teaches_only_what_its_stored_verdict_says(installed: Workspace, tmp_path: Path) -> None:
    """Memory never re-decides what a failure teaches: a failure with no verdict, or with a verdict that is
    not a lesson (a failing test fixed by editing code), leaves no lesson."""
    db = open_database(installed)
    w = TranscriptWriter(tmp_path / "sess-work.jsonl")
    w.prompt("Fix the parser test.")
    w.bash("pytest tests/test_parser.py", "E   AssertionError: assert 2 == 3", exit_code=1)
    w.call("Edit", {"file_path": "/tmp/project/src/parser.py", "old_string": "a", "new_string": "b"})
    w.bash("pytest tests/test_parser.py", "1 passed")
    work = Verdict(kind="work", reason="a failing test fixed by editing code")
    store_verdict(db, "sess-work", "toolu_sess-w_001", "pytest tests/test_parser.py", "assert 2 == 3", work)
    ingest_session(db, installed, w.path, CLOCK)
    assert [f for f in list_facts(db) if f.category == "lesson"] == []
    assert json.loads(str(db.scalar("SELECT lessons FROM narratives"))) == []


def test_backfill_defaults_to_this_workspaces_transcripts(installed: Workspace, tmp_path: Path) -> None:
    config_dir = Path(__import__("os").environ["CLAUDE_CONFIG_DIR"])
    folder = config_dir / "projects" / project_slug(str(installed.root.resolve()))
    pnpm_session(folder / "sess-0005.jsonl", cwd=str(installed.root))
    TranscriptWriter(config_dir / "projects" / "-elsewhere" / "other.jsonl").prompt("remember: unrelated")
    assert workspace_transcripts(installed) == [folder / "sess-0005.jsonl"]
    db = open_database(installed)
    report = ingest_paths(db, installed, None, CLOCK)
    assert report.as_dict()["transcripts"] == 1 and report.narratives == 1
    assert db.scalar("SELECT COUNT(*) FROM sessions") == 1
    assert load_config(installed).get("memory.memory_chars") == 2200


def test_pasted_code_and_logs_state_no_facts_and_secrets_never_become_facts(installed: Workspace) -> None:
    prompt = "Why does this fail?\nnever_retry = True;\n$ we use the cache\n> always on"
    assert facts_from_prompt(prompt, 0) == []
    db = open_database(installed)
    from nevo.memory.facts import FactCandidate, remember

    token = "ghp_" + "a1B2" * 9
    with db.transaction():
        remember(
            db,
            FactCandidate(f"The deploy token is {token}", "configuration", "inbox"),
            "inbox:x",
            CLOCK(),
            load_config(installed),
        )
    assert token not in str(db.scalar("SELECT text FROM facts")) and "REDACTED" in str(
        db.scalar("SELECT text FROM facts")
    )


def test_ingest_takes_files_and_folders(installed: Workspace, tmp_path: Path) -> None:
    pnpm_session(tmp_path / "a" / "sess-f1.jsonl")
    pnpm_session(tmp_path / "b" / "nested" / "sess-f2.jsonl")
    db = open_database(installed)
    report = ingest_paths(db, installed, [tmp_path / "a" / "sess-f1.jsonl", tmp_path / "b"], CLOCK)
    assert sorted(s.session_id for s in report.sessions) == ["sess-f1", "sess-f2"]
    assert ingest_paths(db, installed, [tmp_path / "a", tmp_path / "b"], CLOCK).journal_rows == 0


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60))
def test_a_fact_is_the_same_fact_whatever_its_case_spacing_and_final_period(text: str) -> None:
    variant = "  " + text.upper().replace(" ", "   ") + " ."
    assert fact_hash(text.upper()) == fact_hash(variant)
    assert len(fact_hash(text)) == 64


def test_a_model_reads_the_head_and_tail_of_a_long_session_with_short_results(
    installed: Workspace, tmp_path: Path
) -> None:
    w = TranscriptWriter(tmp_path / "sess-long.jsonl")
    w.prompt("A long one")
    for index in range(300):
        w.bash(f"echo {index}", "x" * 1000)
    provider = ModelProvider()
    ingest_session(open_database(installed), installed, w.path, CLOCK, provider=provider)
    events = provider.requests[0].data["events"]
    assert len(events) == 241 and events[120] == {"kind": "gap", "omitted_events": 301 - 240}
    assert events[0]["text"] == "A long one" and events[-1]["target"] == "echo 299"
    assert max(len(e.get("output") or "") for e in events) < 300
