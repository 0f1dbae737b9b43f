"""Facts from every channel, offline: the user's prompts, the agent's decisions, command output, the commands
that work, and the lessons of stored verdicts."""

from __future__ import annotations

import pytest

from nevo.memory.extract import (
    extract_offline,
    facts_from_assistant,
    facts_from_commands,
    facts_from_output,
    facts_from_prompt,
    facts_from_verdicts,
    lesson_text,
)
from nevo.memory.statements import looks_like_code, sentences
from nevo.verdict import Verdict

AT = "2026-11-03T10:15:00Z"


@pytest.mark.parametrize(
    "sentence",
    [
        "Never edit anything under third_party/, it's vendored.",
        "Run the linters before any push.",
        "Commit messages follow Conventional Commits.",
        "No print() in library code, use the logger.",  # mentions code: still prose
        "I don't want `print()` calls in app/; log with `log.debug` instead.",
        "From now on, lint before pushing.",
        "Please don't ever touch the generated files.",
        "Use descriptive test names.",
        "Avoid `any` types when possible.",
        "Write tests for all new features.",
        "When parsing dates, pass the timezone explicitly.",
        "We do not use Moq or NSubstitute.",
        "Every public function has a docstring.",
        "Tests should use pytest fixtures; no unittest-style TestCase classes please.",
        "i prefer small commits",
    ],
)
def test_instructions_preferences_constraints_and_conventions_are_preferences(sentence: str) -> None:
    [found] = facts_from_prompt(f"Fix the invoice export. {sentence}", 4, AT)
    assert found.category == "preference" and found.source == "user" and found.journal_seq == 4


@pytest.mark.parametrize(
    "prompt",
    [
        "Fix the failing test in tests/api/test_invoices.py.",
        "add tests",
        "Add pagination to the customer list endpoint.",
        "Use the staging db for this one.",
        "Keep the PR small, split the refactor out.",
        "Don't change the fixture for now, just the assertion.",
        "Why does the export always time out?",
        "It never shows the error toast when the request fails.",
        "The build always fails on CI but passes locally, any idea why?",
        "Add type hints to parse_config.",
        "ok that works, commit it",
        "Keep going.",
        "All tests pass except test_export_csv.",
        "Here's the log:\n```\nERROR never retry: always fails\n```",
        "never_retry = True;\n$ we use the cache\n> always on",
    ],
)
def test_tasks_questions_observations_and_pasted_code_state_no_facts(prompt: str) -> None:
    assert facts_from_prompt(prompt, 0, AT) == []


@pytest.mark.parametrize(
    "line",
    [
        "Typecheck: `pnpm exec tsc --noEmit`",  # a setting whose value is inline code
        "`make docs` - build the documentation site",  # a command listed with what it does
        "`./scripts/release.sh`: cut a release from main",
        "Fixtures are kept under `tests/fixtures` as JSON.",
        "> Reminder: feature flags live in Flipper, please don't add ENV-based flags anymore.",  # a forwarded message
        "request specs are what we write here, not controller specs",
        "Handlers co-located with their routes",
        "The admin app uses Remix and Prisma.",
        "Snapshots live next to the component they cover.",
    ],
)
def test_settings_listed_commands_and_declarative_conventions_are_facts(line: str) -> None:
    assert {c.category for c in facts_from_prompt(line, 1, AT)} & {"preference", "configuration"}


@pytest.mark.parametrize(
    "line",
    [
        "When asked to cut a release: tag it from main only",
        "If you are unsure, ask before deleting anything.",
        "To add a new endpoint: register the route, then write its contract test.",
        "Adding a new setting requires a default in settings.toml.",
        "You must not commit directly to main.",
        "You're forbidden from calling the billing API in tests.",
        "You do not push tags yourself.",
        "You cannot use the ORM in the reporting module.",
        "Retries and timeouts should be configured per client.",
        "Group fixtures by module.",
        "Regenerate the client after any schema changes.",
        "Use the strict tsconfig to catch implicit anys.",
        "Ask before adding new dependencies.",
    ],
)
def test_conditions_procedures_second_person_prohibitions_and_rules_of_a_kind_are_instructions(line: str) -> None:
    assert [c.category for c in facts_from_prompt(line, 1, AT)] == ["preference"]


@pytest.mark.parametrize(
    "line",
    [
        "The checkout page crashes when a coupon is applied, in every browser we tried.",
        "The nightly job never finishes before 9am and the report never arrives.",
        "I want to add a dark mode toggle to the settings page.",
        "There are times when I want to run only the slow tests.",
        "The ticket should be closed once QA signs off.",
        "Use the staging db for this one.",
        "If needed, update the fixtures too.",
        "`graph.py`: holds the nodes and edges",
        "Meal plan page: the week view shows Sunday first, we want Monday.",
        "> see below",
    ],
)
def test_bug_reports_wishes_and_one_off_requests_are_not_instructions(line: str) -> None:
    assert "preference" not in {c.category for c in facts_from_prompt(line, 1, AT)}


def test_setup_statements_carry_their_subject_and_the_value_they_replace() -> None:
    [switch] = facts_from_prompt("We switched the frontend from npm to pnpm.", 1, AT)
    assert (switch.category, switch.subject, switch.value, switch.replaces) == (
        "configuration",
        "package-manager:js",
        "pnpm",
        ("npm",),
    )
    [port] = facts_from_prompt("The vite dev server runs on 5174 now, 5173 clashes with another app.", 1, AT)
    assert (port.subject, port.value, port.replaces) == ("port:dev server", "5174", ("5173",))
    [host] = facts_from_prompt("Staging moved to staging-2.acme.dev, staging.acme.dev is gone.", 1, AT)
    assert (host.subject, host.value, host.replaces) == ("host:staging", "staging-2.acme.dev", ("staging.acme.dev",))
    [command] = facts_from_prompt("Please run the backend tests with `uv run pytest` now, not make test.", 1, AT)
    assert (command.subject, command.value, command.replaces) == ("command:test", "uv run pytest", ("make test",))


def test_events_are_dated_and_expire_as_events() -> None:
    [event] = facts_from_prompt("Heads up: staging is down until Friday for the database upgrade.", 2, AT)
    assert event.category == "event" and event.text.startswith("2026-11-03: Staging is down until Friday")
    [release] = facts_from_prompt("FYI release 2.4 goes out on Thursday.", 2, AT)
    assert release.category == "event"


def test_a_paste_is_skipped_line_by_line_and_the_prose_around_it_is_read() -> None:
    prompt = (
        "This helper looks wrong:\n```python\ndef total(rows):\n    # never returns None\n    return sum(rows)\n```\n"
        "Traceback (most recent call last):\n  File \"app/x.py\", line 3\nKeyError: 'currency'\n"
        "Always return Decimal from money helpers."
    )
    assert [c.text for c in facts_from_prompt(prompt, 0, AT)] == ["Always return Decimal from money helpers."]
    assert looks_like_code("    return sum(r.amount for r in rows)") and not looks_like_code("No print() in app/.")
    assert sentences("it takes 4 seconds to load. please always make small commits") == [
        "it takes 4 seconds to load.",
        "please always make small commits",
    ]


@pytest.mark.parametrize(
    ("text", "decision"),
    [
        ("I'll use httpx instead of requests for the payments client, since we need async.", True),
        ("Decision: amounts are stored as integer cents.", True),
        ("We'll standardize on structlog for logging across the backend.", True),
        ("Let me look at the test file.", False),
        ("I'll run the full suite to make sure nothing else broke.", False),
        ("I'll use a regex here instead of splitting on commas.", False),
        ("I decided to leave the old test in place since it still covers the happy path.", False),
    ],
)
def test_the_agents_stated_decisions_are_facts_and_its_routine_is_not(text: str, decision: bool) -> None:
    found = facts_from_assistant(text, 7, AT)
    assert bool(found) is decision
    if found:
        assert found[0].source == "agent" and found[0].category == "configuration"


@pytest.mark.parametrize(
    ("command", "output", "text", "subject", "value"),
    [
        ("node --version", "v20.11.1", "node version is 20.11.1 (`node --version`)", "version:node", "20.11.1"),
        (
            "docker compose exec db psql --version",
            "psql (PostgreSQL) 16.2 (Debian 16.2-1.pgdg120+2)",
            "postgres version is 16.2 (`docker compose exec db psql --version`)",
            "version:postgres",
            "16.2",
        ),
        (
            "uv pip show pydantic",
            "Name: pydantic\nVersion: 2.8.2\nSummary: Data validation",
            "pydantic version is 2.8.2 (`uv pip show pydantic`)",
            "version:pydantic",
            "2.8.2",
        ),
        (
            "cd web && pnpm dev",
            "  VITE v5.2.11  ready in 312 ms\n\n  ➜  Local:   http://localhost:5174/\n  ➜  Network: use --host",
            "The dev server (`pnpm dev`) listens on port 5174",
            "port:dev server",
            "5174",
        ),
        (
            "bin/rails server -p 3000",
            "=> Booting Puma\n* Puma version: 6.4.2\n* Listening on http://127.0.0.1:3000\nUse Ctrl-C to stop",
            "The dev server (`bin/rails server -p 3000`) listens on port 3000",
            "port:dev server",
            "3000",
        ),
        (
            "uv run uvicorn app.main:app",
            "INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)",
            "The api (`uv run uvicorn app.main:app`) listens on port 8000",
            "port:api",
            "8000",
        ),
        (
            "ssh deploy@staging-2.acme.dev 'uptime'",
            " 10:02:11 up 12 days",
            "The staging host is staging-2.acme.dev (`ssh deploy@staging-2.acme.dev`)",
            "host:staging",
            "staging-2.acme.dev",
        ),
        ("which python", ".venv/bin/python", "`python` is .venv/bin/python", "path:python", ".venv/bin/python"),
    ],
)
def test_command_output_proves_versions_ports_hosts_and_paths(
    command: str, output: str, text: str, subject: str, value: str
) -> None:
    [found] = facts_from_output({"seq": 3, "at": AT, "target": command, "output": output})
    assert (found.text, found.subject, found.value, found.source) == (text, subject, value, "output")
    assert found.at == AT  # the time it was shown, not the session's start: a change within a session counts


def test_docker_ps_gives_each_service_its_port_and_failed_commands_prove_nothing() -> None:
    output = (
        "NAME            IMAGE        SERVICE   PORTS\n"
        "app-db-1        postgres:16  db        0.0.0.0:5432->5432/tcp\n"
        "app-redis-1     redis:7.2    redis     0.0.0.0:6379->6379/tcp"
    )
    found = facts_from_output({"seq": 1, "target": "docker compose ps", "output": output})
    assert [(c.subject, c.value) for c in found] == [("port:postgres", "5432"), ("port:redis", "6379")]
    failing = {"seq": 2, "kind": "tool", "tool": "Bash", "target": "node --version", "error": True, "output": "v20"}
    assert extract_offline([failing]) == []


def test_the_commands_that_work_are_one_fact_each_scoped_by_their_folder() -> None:
    events = [
        {"seq": 1, "kind": "tool", "tool": "Bash", "target": "cd web && pnpm test -- --run", "output": "ok"},
        {"seq": 2, "kind": "tool", "tool": "Bash", "target": "uv run pytest -q", "output": "ok"},
        {"seq": 3, "kind": "tool", "tool": "Bash", "target": "uv run pytest tests/api", "output": "ok"},
        {"seq": 4, "kind": "tool", "tool": "Bash", "target": "make lint", "error": True, "output": "no rule"},
    ]
    found = facts_from_commands(events)
    assert [(c.subject, c.value) for c in found] == [
        ("command:test@web", "pnpm test"),
        ("command:test", "uv run pytest"),
    ]


@pytest.mark.parametrize(
    ("command", "head", "role"),
    [
        ("bundle exec rspec spec/models", "bundle exec rspec", "test"),
        ("bundle exec rubocop -a", "bundle exec rubocop", "lint"),
        ("bin/rails db:migrate RAILS_ENV=test", "bin/rails db:migrate", "migrate"),
        ("bin/dev", "bin/dev", "dev"),
        ("mix phx.server", "mix phx.server", "dev"),
        ("mix test --stale", "mix test", "test"),
        ("bin/rails console", None, None),  # a console is no build step
        ("bundle install", None, None),
    ],
)
def test_ruby_and_elixir_commands_are_known_by_their_role(command: str, head: str | None, role: str | None) -> None:
    from nevo.memory.commands import command_head, command_role

    assert command_head(command) == head
    assert (command_role(head) if head else None) == role


def test_a_narrative_keeps_what_the_output_showed_without_the_command() -> None:
    from nevo.memory.narrative import narrate_offline

    events = [
        {"seq": 0, "kind": "user", "text": "start the app"},
        {
            "seq": 1,
            "kind": "tool",
            "tool": "Bash",
            "target": "bin/dev",
            "output": "* Listening on http://127.0.0.1:3100",
        },
    ]
    assert "The dev server listens on port 3100" in narrate_offline(events).outcomes


def test_a_lesson_is_the_verdicts_words_with_the_error_line_and_the_fix() -> None:
    verdict = Verdict(
        kind="lesson",
        reason="r",
        failed="Bash: uv run pytest",
        fix="uv pip install -e .",
        fix_kind="prepare",
        error_line="ModuleNotFoundError: No module named 'ledgerly'",
        lesson="Install the package in editable mode before running the tests.",
    )
    assert lesson_text(verdict) == (
        "Install the package in editable mode before running the tests."
        " Error: ModuleNotFoundError: No module named 'ledgerly'. Fix: `uv pip install -e .`"
    )
    retry = Verdict(kind="retry", reason="passed on a retry")
    [lesson] = facts_from_verdicts([(5, verdict), (6, retry)])
    assert (lesson.category, lesson.source, lesson.journal_seq) == ("lesson", "verdict", 5)


def test_a_narrative_says_the_intent_once_and_leaves_out_thanks_and_approvals() -> None:
    from nevo.memory.narrative import narrate_offline

    ask = "Upgrade to Ruby 3.3 (Gemfile + .ruby-version are already bumped on main)."
    events = [
        {"seq": 1, "kind": "user", "text": ask},
        {"seq": 2, "kind": "user", "text": "ty!"},
        {"seq": 3, "kind": "user", "text": "ok, go ahead"},
        {"seq": 4, "kind": "user", "text": "Then regenerate the lockfile."},
    ]
    narrative = narrate_offline(events)
    assert narrative.intent.startswith("Upgrade to Ruby 3.3")
    assert "Then: Then regenerate the lockfile" in narrative.intent
    assert "ty!" not in narrative.intent and "go ahead" not in narrative.intent
    assert not any("Upgrade to Ruby 3.3" in d for d in narrative.decisions), narrative.decisions
    assert narrate_offline([{"seq": 1, "kind": "user", "text": "thanks!"}]).intent == "thanks!"  # all there is


# -- round 3: what the fifth month (a data-science repository) showed ---------------------------------


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        # a rule for all of something says "everywhere" (a thing seen all over is not one)
        ("we're polars everywhere, pandas only right at the lightgbm boundary", "preference"),
        ("seed 4242 everywhere — random_state, lightgbm's seed, torch.manual_seed.", "preference"),
        ("v9 beats v7 everywhere except Hirtshals-Larvik", None),
        ("I looked everywhere for the config file.", None),
        # how the team does a kind of thing, with what it does not do
        ("we report WAPE at the 14-day horizon, not MAPE.", "preference"),
        ("we squash-merge, never rebase", "preference"),
        ("I think it's the parser, not the lexer.", None),
        ("we tried caching, not much help", None),
        ("We use pnpm, not npm.", "configuration"),  # how the project is set up
        # a named thing that moved
        ("mlflow moved to the shared box: MLFLOW_TRACKING_URI=http://mlflow.ferry.internal:5000", "configuration"),
        ("aaand mlflow moved again, platform put it behind SSO: https://mlflow.ferrycast.io .", "configuration"),
        ("the button moved to the left", None),
        # one thing named, or one more step of this task
        ("branch feat/weather", None),
        ("Holiday features: add school breaks for Denmark too.", None),
    ],
)
def test_rules_said_everywhere_practices_with_their_contrast_and_things_that_moved(
    sentence: str, category: str | None
) -> None:
    from nevo.memory.statements import statement_category

    assert statement_category(sentence) == category


@pytest.mark.parametrize(
    ("command", "output", "text", "subject", "value"),
    [
        (
            "dvc remote list",
            "storage\ts3://ferrycast-dvc/cache\t(default)",
            "The dvc remote storage is s3://ferrycast-dvc/cache (`dvc remote list`)",
            "remote:dvc",
            "s3://ferrycast-dvc/cache",
        ),
        (
            "pixi list lightgbm",
            "Package   Version  Build                Size     Kind   Source\n"
            "lightgbm  4.5.0    cpu_py312h5e9a5a3_3  1.6 MiB  conda  lightgbm",
            "lightgbm version is 4.5.0 (`pixi list lightgbm`)",
            "version:lightgbm",
            "4.5.0",
        ),
        (
            "conda list numpy",
            "# Name                    Version                   Build  Channel\nnumpy                     1.26.4"
            "          py311h64a7726_0    conda-forge",
            "numpy version is 1.26.4 (`conda list numpy`)",
            "version:numpy",
            "1.26.4",
        ),
        (
            "pixi run registry show",
            "ferrycast-demand v12  Production  wape_14d=0.126\nferrycast-demand v9   Archived    wape_14d=0.132",
            "ferrycast-demand v12 is in Production (`pixi run registry show`)",
            "release:ferrycast-demand@production",
            "12",
        ),
        (
            "pixi run registry promote 12",
            "ferrycast-demand: v12 -> Production (v9 -> Archived)",
            "ferrycast-demand v12 is in Production (`pixi run registry promote 12`)",
            "release:ferrycast-demand@production",
            "12",
        ),
    ],
)
def test_remotes_package_listers_and_what_runs_in_production_are_read_from_output(
    command: str, output: str, text: str, subject: str, value: str
) -> None:
    [fact] = facts_from_output({"seq": 3, "target": command, "output": output, "at": AT})
    assert (fact.text, fact.subject, fact.value, fact.source) == (text, subject, value, "output")


def test_an_archived_release_and_a_quoted_one_prove_nothing() -> None:
    archived = "ferrycast-demand v9   Archived    wape_14d=0.132"
    assert facts_from_output({"seq": 1, "target": "pixi run registry show", "output": archived}) == []
    quoted = "shop-api v41 Production"
    assert facts_from_output({"seq": 1, "target": "cat releases.txt", "output": quoted}) == []


def test_a_narrative_names_the_files_edited_without_the_word_file() -> None:
    from nevo.memory.narrative import narrate_offline

    edits = [
        {"seq": n, "kind": "tool", "tool": "Edit", "target": f"src/pkg/m{n}.py", "output": "updated"}
        for n in range(1, 8)
    ]
    narrative = narrate_offline([{"seq": 0, "kind": "user", "text": "tidy the package"}, *edits])
    [edited] = [d for d in narrative.decisions if d.startswith("Edited")]
    assert edited == "Edited m1.py, m2.py, m3.py, m4.py, m5.py (+2)"
    assert "file" not in narrative.render("Session x")


def test_a_session_waits_for_an_unreachable_store_instead_of_losing_its_lessons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nevo.memory import ingest
    from nevo.providers import ProviderError
    from nevo.store_base import StoreUnavailable

    def away(db: object, session_id: str) -> list[object]:
        raise StoreUnavailable("the shared store cannot be reached", "start it")

    monkeypatch.setattr(ingest, "session_verdicts", away)
    with pytest.raises(ProviderError):  # the session is deferred, as when a provider fails, and tried again
        ingest.lessons_of(None, "s1")  # type: ignore[arg-type]
    assert ingest.lessons_of(None, "s1", wait_for_store=False) == []  # type: ignore[arg-type]
