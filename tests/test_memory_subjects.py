"""What a fact is about, and a newer value of the same thing superseding the old one (kept, marked, with when)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nevo.config import load_config
from nevo.db import Database, open_database
from nevo.memory.facts import FactCandidate, list_facts, record_fact, same_value
from nevo.memory.subjects import Subject, keywords, subject_of
from nevo.workspace import Workspace

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("We use pnpm for the frontend.", Subject("package-manager:js", "pnpm")),
        ("From today on it's pnpm, not npm, for everything in web/.", Subject("package-manager:js", "pnpm", ("npm",))),
        ("Don't use npm in web/ anymore.", None),  # says what is not used, not what is
        ("The dev server is on port 5174 now.", Subject("port:dev server", "5174")),
        ("Postgres listens on 5433 locally.", Subject("port:postgres", "5433")),
        ("The staging host is now staging-2.acme.dev.", Subject("host:staging", "staging-2.acme.dev")),
        ("See python.org for details.", None),  # a host with no role
        ("The test command is `uv run pytest` now.", Subject("command:test", "uv run pytest")),
        (
            "We dropped black, ruff format does the formatting now.",
            Subject("tool:formatter", "ruff format", ("black",)),
        ),
        ("We're on Node 22 now.", Subject("version:node", "22")),
        ("The virtualenv lives in .venv/ at the root.", Subject("path:virtualenv", ".venv/")),
        ("Fix the failing invoice test.", None),
        # a host named after the thing the sentence names: the thing is its role
        (
            "mlflow moved to the shared box: MLFLOW_TRACKING_URI=http://mlflow.ferry.internal:5000",
            Subject("host:mlflow", "mlflow.ferry.internal"),
        ),
        ("mlflow moved again: https://mlflow.ferrycast.io now.", Subject("host:mlflow", "mlflow.ferrycast.io")),
        ("I read it on ferry.internal.example.com today.", None),  # no word of the sentence names the host
    ],
)
def test_the_subject_of_a_statement(text: str, subject: Subject | None) -> None:
    assert subject_of(text) == subject


def test_keywords_let_a_search_find_what_the_text_does_not_say() -> None:
    assert keywords("command:format", "environment") == "environment setup command format formatter formatting"
    assert keywords(None, "preference") == "preference instruction rule convention"


def test_versions_said_more_or_less_precisely_are_one_value() -> None:
    assert same_value("20", "20.11.1") and same_value("20.11.1", "20.11")
    assert not same_value("20", "22.3.0") and not same_value("pnpm", "npm")


def state(
    db: Database, ws: Workspace, items: list[tuple[str, str, str, int, tuple[str, ...]]]
) -> dict[str, str | None]:
    """Record (text, source, value, day, replaces) facts of one subject; {value: superseded_at day or None}."""
    config = load_config(ws)
    with db.transaction():
        for text, source, value, day, replaces in items:
            candidate = FactCandidate(text, "environment", source, subject="port:dev server", value=value,
                                      replaces=replaces)  # fmt: skip
            record_fact(db, candidate, f"s{day}", T0 + timedelta(days=day), config)
    return {f.value or "": f.superseded_at and f.superseded_at[:10] for f in list_facts(db)}


def test_a_value_not_seen_since_a_newer_one_appeared_is_superseded_and_kept(installed: Workspace) -> None:
    db = open_database(installed)
    items = [
        ("The dev server listens on port 5173.", "output", "5173", 0, ()),
        ("The dev server listens on port 5173 (seen again).", "output", "5173", 9, ()),
        ("The dev server listens on port 5174.", "output", "5174", 10, ()),
    ]
    assert state(db, installed, items) == {"5173": "2026-10-15", "5174": None}
    old = next(f for f in list_facts(db) if f.value == "5173")
    new = next(f for f in list_facts(db) if f.value == "5174")
    assert old.superseded_by == new.id and not old.current and new.current


def test_values_in_use_side_by_side_both_stay_current(installed: Workspace) -> None:
    items = [
        ("Port 5173 seen.", "output", "5173", 0, ()),
        ("Port 5174 seen.", "output", "5174", 3, ()),
        ("Port 5173 seen again.", "output", "5173", 6, ()),
    ]
    assert state(open_database(installed), installed, items) == {"5173": None, "5174": None}


def test_a_statement_naming_the_old_value_supersedes_it_even_in_the_same_moment(installed: Workspace) -> None:
    items = [
        ("The dev server listens on port 5173.", "output", "5173", 4, ()),
        ("I moved the dev server to 5174, 5173 clashes.", "user", "5174", 4, ("5173",)),
    ]
    assert state(open_database(installed), installed, items) == {"5173": "2026-10-09", "5174": None}


def test_a_statement_naming_no_service_takes_the_subject_of_the_value_it_replaces(installed: Workspace) -> None:
    db = open_database(installed)
    config = load_config(installed)
    with db.transaction():
        for text, source, subject, value, day, replaces in (
            ("The dev server (`bin/dev`) listens on port 3000.", "output", "port:dev server", "3000", 0, ()),
            ("The postgres container publishes port 5432.", "output", "port:postgres", "5432", 0, ()),
            ("Moved the app to port 3100, 3000 is taken.", "user", "port:server", "3100", 5, ("3000",)),
        ):
            candidate = FactCandidate(text, "environment", source, subject=subject, value=value, replaces=replaces)
            record_fact(db, candidate, f"s{day}", T0 + timedelta(days=day), config)
    facts = {f.value: f for f in list_facts(db)}
    assert facts["3100"].subject == "port:dev server"  # the service that had 3000
    assert not facts["3000"].current and facts["3100"].current and facts["5432"].current


def test_the_user_declaring_a_value_replaces_one_used_alongside_it_until_then(installed: Workspace) -> None:
    items = [
        ("`make test` tests this project.", "journal", "5173", 0, ()),
        ("`uv run pytest` tests this project.", "journal", "5174", 2, ()),
        ("`make test` tests this project (again).", "journal", "5173", 5, ()),
        ("We dropped the Makefile; tests run with `uv run pytest`.", "user", "5174", 6, ()),
    ]
    assert state(open_database(installed), installed, items) == {"5173": "2026-10-11", "5174": None}


ITEMS = [
    ("The dev server listens on port 5173.", "output", "5173", 0, ()),
    ("Dev server on 5173 again.", "output", "5173", 3, ()),
    ("The dev server listens on port 5174.", "output", "5174", 5, ()),
    ("We moved it to 5175, not 5174.", "user", "5175", 8, ("5174",)),
    ("Port 5175 seen.", "output", "5175", 9, ()),
]


@settings(max_examples=25, deadline=None)
@given(st.permutations(ITEMS))
def test_supersession_does_not_depend_on_the_order_sessions_are_ingested(order: list[tuple]) -> None:  # type: ignore[type-arg]
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from nevo.install import init

    with TemporaryDirectory() as folder:
        ws = Workspace(Path(folder))
        init(ws)
        with open_database(ws) as db:
            assert state(db, ws, list(order)) == {"5173": "2026-10-10", "5174": "2026-10-13", "5175": None}


def test_a_lesson_naming_a_replaced_value_is_superseded_with_it(installed: Workspace) -> None:
    db = open_database(installed)
    config = load_config(installed)
    lessons = {
        "poetry": "Run `docker compose up -d redis` before `poetry run celery -A app worker`: nothing listens on 6379.",
        "both": "Use `uv sync`, not `poetry install`: the lock file is uv's.",
        "other": "Run `make fixtures` before `make test`: the database is empty without it.",
        "later": "Run `docker compose up -d db` before `poetry run pytest`: nothing listens on 5432.",
        "port": "Run `kill $(cat tmp/pids/server.pid)` before `bin/rails server -p 3000`: a server is running.",
        "port30000": "Run `kubectl port-forward svc/app 30000:80` before `curl localhost:30000/health`.",
    }
    with db.transaction():
        for key, text in lessons.items():
            day = 9 if key == "later" else 1
            record_fact(db, FactCandidate(text, "lesson", "verdict"), key, T0 + timedelta(days=day), config)
        for text, subject, value, day, replaces in (
            ("We're done with poetry: the repo is on uv.", "package-manager:python", "uv", 5, ("poetry",)),
            ("The dev server listens on port 3000.", "port:dev server", "3000", 0, ()),
            ("The dev server listens on port 3100.", "port:dev server", "3100", 6, ()),
        ):
            candidate = FactCandidate(text, "environment", "user", subject=subject, value=value, replaces=replaces)
            record_fact(db, candidate, f"s{day}", T0 + timedelta(days=day), config)
    current = {f.text for f in list_facts(db, "lesson", current_only=True)}
    # The lesson naming poetry only, and the one naming the old port, are superseded (kept, marked); one naming
    # the current value too, one naming neither, one learned after the change, and 30000 (not 3000) stay current.
    assert current == {lessons[k] for k in ("both", "other", "later", "port30000")}
    stale = {f.text: f for f in list_facts(db, "lesson") if not f.current}
    assert stale[lessons["poetry"]].superseded_at and stale[lessons["poetry"]].superseded_at.startswith("2026-10-10")


def test_every_statement_of_a_thing_is_found_by_the_names_any_of_them_gave_it(installed: Workspace) -> None:
    from nevo.memory.search import search

    db = open_database(installed)
    config = load_config(installed)
    said = (
        ("Mlflow moved to the shared box: MLFLOW_TRACKING_URI=http://mlflow.ferry.internal:5000.", 0),
        ("Mlflow moved again: platform put it behind SSO, https://mlflow.ferrycast.io now.", 12),
    )
    with db.transaction():
        for text, day in said:
            subject = subject_of(text)
            assert subject is not None and subject.key == "host:mlflow"
            candidate = FactCandidate(text, "configuration", "user", subject=subject.key, value=subject.value)
            record_fact(db, candidate, f"s{day}", T0 + timedelta(days=day), config)
    hits = search(db, "mlflow tracking uri", sources=("fact",))
    assert [h.superseded for h in hits] == [False, True]  # the current address first, though it names no variable
    assert "mlflow.ferrycast.io" in hits[0].snippet


def test_a_lesson_is_retired_only_with_its_own_value_and_comes_back_with_it(installed: Workspace) -> None:
    db = open_database(installed)
    config = load_config(installed)
    grafana = "Run `docker compose up -d grafana` before `curl localhost:3000/api/health`: nothing listens on 3000."
    rails = "Run `kill $(cat tmp/pids/server.pid)` before `bin/rails server -p 3000`: a server is running."
    celery = "Run `docker compose up -d redis` before `poetry run celery -A app worker`: nothing listens on 6379."
    with db.transaction():
        for text in (grafana, rails, celery):
            record_fact(db, FactCandidate(text, "lesson", "verdict"), text[:8], T0 + timedelta(days=1), config)
        for text, subject, value, day, replaces in (
            ("The dev server listens on port 3000.", "port:dev server", "3000", 0, ()),
            ("The dev server listens on port 3100.", "port:dev server", "3100", 6, ()),
            ("We're done with poetry: the repo is on uv.", "package-manager:python", "uv", 5, ("poetry",)),
            ("We're back on poetry, uv is gone.", "package-manager:python", "poetry", 8, ("uv",)),
        ):
            candidate = FactCandidate(text, "environment", "user", subject=subject, value=value, replaces=replaces)
            record_fact(db, candidate, f"s{day}", T0 + timedelta(days=day), config)
    current = {f.text for f in list_facts(db, "lesson", current_only=True)}
    # 3000 was the dev server's: grafana's port 3000 is another thing; back on poetry, its lesson is back.
    assert current == {grafana, celery}, current
