"""The held-out month: "tidepool", a Django + Celery + Next.js app for booking swim lessons.

Written after the extractors were tuned, by another scheme than the tuning month: each planted fact is a
hand-written episode (one wording, said the way it came to mind, in longer prompts with context, typos and
lowercase), the ordinary work is its own (Django test runner, jest, yarn), and the questions are what someone
would type to look the fact up. It was run once, for the figures in bench/README.md.
"""

# ruff: noqa: E501  (prompts and tool output are data: as long as people and tools write them)

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from tests.corpus.memory_month import Month, Question, Session, SessionBuilder, session_id

DAYS = 30
APPS = ["bookings", "pools", "instructors", "payments", "waitlist", "calendar", "reports", "accounts", "notifications"]
FILES = [f"tidepool/{app}/{name}.py" for app in APPS for name in ("models", "views", "serializers", "tasks")]
TESTS = [f"tidepool/{app}/tests/test_{kind}.py" for app in APPS for kind in ("models", "views", "api")]
WEB = ["web/app/book/page.tsx", "web/app/calendar/page.tsx", "web/components/SlotPicker.tsx", "web/lib/api.ts",
       "web/components/WaitlistBanner.tsx", "web/components/SlotPicker.test.tsx"]  # fmt: skip
ASKS = [
    "the lesson calendar shows the wrong week in safari, can you take a look",
    "We need a waitlist when a class is full — people should get an email when a spot opens up.",
    "instructor report times out for pools with more than 200 lessons. profile it and fix whatever is slow",
    "Can you add a cancel button to the booking detail page? It should refund if more than 24h before the lesson.",
    "The slot picker lets you pick a slot in the past, that shouldn't be possible",
    "rename `Pool.capacity` to `max_swimmers`, including the API and the frontend",
    "Write tests for the waitlist promotion task.",
    "there's an N+1 on the bookings list endpoint, fix it",
    "add sorting by instructor name to the admin lessons table",
    "why do reminder emails go out twice for some people?",
    "Make the pool opening hours editable from the backoffice.",
    "the payments serializer returns cents as strings, the app expects ints. fix the serializer + tests",
]
AFTER = ["nice", "ok great, commit that", "can you also cover the case where the pool is closed?", "run everything once more pls",
         "hm ok. leave the migration as is for now", "thx"]  # fmt: skip


class Clock:
    """What changes during the month, and when (drawn per seed)."""

    def __init__(self, rng: random.Random) -> None:
        self.uv_day = rng.randint(12, 14)
        self.port_day = rng.randint(16, 18)
        self.node_day = rng.randint(19, 21)
        self.host_day = rng.randint(14, 16)
        self.pg_day = rng.randint(21, 23)
        self.ruff_day = rng.randint(18, 20)

    def run(self, day: int) -> str:
        return "uv run" if day >= self.uv_day else "poetry run"

    def port(self, day: int) -> int:
        return 8010 if day >= self.port_day else 8000

    def node(self, day: int) -> str:
        return "20.12.2" if day >= self.node_day else "18.19.0"

    def host(self, day: int) -> str:
        return "stg-eu1.tidepool.io" if day >= self.host_day else "app-staging.tidepool.io"

    def postgres(self, day: int) -> str:
        return "16.1" if day >= self.pg_day else "15.4"

    def lint(self, day: int) -> str:
        return f"{self.run(day)} ruff check tidepool" if day >= self.ruff_day else f"{self.run(day)} flake8 tidepool"


def django_tests(rng: random.Random, failing: bool = False) -> str:
    count = rng.randint(120, 190)
    lines = [f"Found {count} test(s).", "Creating test database for alias 'default'...",
             "System check identified no issues (0 silenced)."]  # fmt: skip
    lines.append("." * rng.randint(40, 70) + ("F" if failing else "") + "." * rng.randint(10, 60))
    if failing:
        app = rng.choice(APPS)
        lines += ["======================================================================",
                  f"FAIL: test_list_ordering ({app}.tests.test_api.ListTests.test_list_ordering)",
                  "----------------------------------------------------------------------",
                  "Traceback (most recent call last):",
                  f'  File "tidepool/{app}/tests/test_api.py", line 41, in test_list_ordering',
                  "    self.assertEqual([s['id'] for s in body], [3, 1, 2])",
                  "AssertionError: Lists differ: [1, 2, 3] != [3, 1, 2]"]  # fmt: skip
    lines += ["----------------------------------------------------------------------",
              f"Ran {count} tests in {rng.uniform(5, 40):.3f}s", "", "FAILED (failures=1)" if failing else "OK",
              "Destroying test database for alias 'default'..."]  # fmt: skip
    return "\n".join(lines)


def jest_output(rng: random.Random) -> str:
    return (
        f"PASS components/SlotPicker.test.tsx\nPASS components/WaitlistBanner.test.tsx\n\nTest Suites: 2 passed, 2 total\n"
        f"Tests:       {rng.randint(12, 40)} passed, {rng.randint(12, 40)} total\nTime:        {rng.uniform(1, 9):.3f} s"
    )


def module(rng: random.Random, path: str) -> str:
    app = path.split("/")[1]
    body = [f"from django.db import models\nfrom {app}.managers import ActiveManager\n\n"]
    for index in range(rng.randint(4, 14)):
        field = rng.choice(["starts_at", "ends_at", "pool", "instructor", "swimmer", "status", "price_cents"])
        body.append(
            f"class {app.title()}{index}(models.Model):\n    {field} = models.CharField(max_length=64)\n"
            f'    objects = ActiveManager()\n\n    def __str__(self):\n        return f"{{self.{field}}}"\n'
        )
    return "\n".join(body)


def work(b: SessionBuilder, rng: random.Random, day: int, clock: Clock, steps: int) -> None:
    run = clock.run(day)
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.3:
            path = rng.choice(FILES + WEB)
            b.read(path, module(rng, path))
        elif roll < 0.45:
            path = rng.choice(FILES)
            b.edit(path, "objects = ActiveManager()", "objects = ActiveManager()\n    all_objects = models.Manager()")
        elif roll < 0.62:
            if rng.random() < 0.2:
                b.bash(f"{run} pytest -x -q", django_tests(rng, failing=True), exit_code=1)
                b.say("The ordering assertion assumed insertion order; sorting by starts_at in the view.")
                b.edit(rng.choice(FILES), ".order_by('id')", ".order_by('starts_at')")
            b.bash(f"{run} pytest -x -q", django_tests(rng))
        elif roll < 0.7:
            b.bash(clock.lint(day), "")
        elif roll < 0.76:
            b.bash("cd web && yarn test --silent", jest_output(rng))
        elif roll < 0.8:
            b.bash("cd web && yarn lint", "✨  Done in 4.21s.")
        elif roll < 0.86:
            b.grep(rng.choice(["def promote", "send_reminder", "price_cents", "capacity"]), rng.sample(FILES, 2))
        elif roll < 0.92:
            b.bash("git status -sb", "## main...origin/main\n M " + "\n M ".join(rng.sample(FILES, 2)))
        elif roll < 0.96:
            b.think("The queryset is evaluated inside the loop, which is where the N+1 comes from.")
        else:
            b.say(rng.choice(["Checking how the task is scheduled.", "Now the serializer.", "That part is fine."]))


Episode = Callable[[SessionBuilder, random.Random, int, Clock], None]


def said(text: str) -> Episode:
    def episode(b: SessionBuilder, rng: random.Random, day: int, clock: Clock) -> None:
        b.prompt(text)

    return episode


def shown(make: Callable[[int, Clock], tuple[str, str]]) -> Episode:
    def episode(b: SessionBuilder, rng: random.Random, day: int, clock: Clock) -> None:
        command, output = make(day, clock)
        b.bash(command, output.replace("{root}", b.session.cwd))

    return episode


def decided(text: str) -> Episode:
    def episode(b: SessionBuilder, rng: random.Random, day: int, clock: Clock) -> None:
        b.say(text)

    return episode


def noted(line: str) -> Episode:
    def episode(b: SessionBuilder, rng: random.Random, day: int, clock: Clock) -> None:
        b.note_inbox([line])

    return episode


def failed_then_fixed(
    failed: str, error: str, fixes: list[tuple[str, str]], after: str, truth: dict[str, str]
) -> Episode:
    def episode(b: SessionBuilder, rng: random.Random, day: int, clock: Clock) -> None:
        command = failed.replace("{run}", clock.run(day))
        b.bash(command, error, exit_code=1, lesson={**truth, "failed": command})
        for fix, output in fixes:
            b.bash(fix.replace("{run}", clock.run(day)), output)
        b.bash(command, after)

    return episode


def jest_alias(b: SessionBuilder, rng: random.Random, day: int, clock: Clock) -> None:
    error = (
        "FAIL components/SlotPicker.test.tsx\n  ● Test suite failed to run\n\n    Cannot find module '@/lib/api' from "
        "'components/SlotPicker.tsx'\n\n    Require stack:\n      components/SlotPicker.tsx\n      components/SlotPicker.test.tsx"
    )
    truth = {
        "failed": "cd web && yarn test --silent",
        "fix": "Edit web/jest.config.js",
        "fix_kind": "other-tool",
        "error_line": "Cannot find module '@/lib/api' from 'components/SlotPicker.tsx'",
        "lesson": "Jest does not know the @/ import alias: map it in web/jest.config.js (moduleNameMapper '^@/(.*)$').",
    }
    b.bash("cd web && yarn test --silent", error, exit_code=1, lesson=truth)
    b.read("web/jest.config.js", "module.exports = {\n  testEnvironment: 'jsdom',\n};")
    b.edit(
        "web/jest.config.js",
        "testEnvironment: 'jsdom',",
        "testEnvironment: 'jsdom',\n  moduleNameMapper: { '^@/(.*)$': '<rootDir>/$1' },",
    )
    b.bash("cd web && yarn test --silent", jest_output(rng))


def _runserver(day: int, clock: Clock) -> tuple[str, str]:
    port = clock.port(day)
    return (
        f"{clock.run(day)} python manage.py runserver {port} &",
        f"Watching for file changes with StatReloader\nPerforming system checks...\n\nSystem check identified no issues (0 silenced).\n"
        f"Django version 5.0.4, using settings 'tidepool.settings.dev'\nStarting development server at http://127.0.0.1:{port}/\nQuit the server with CONTROL-C.",
    )


def plan(rng: random.Random, clock: Clock) -> list[tuple[int, Episode, Question | None]]:
    def some(low: int, high: int, n: int = 1) -> list[int]:
        return sorted(rng.sample(range(low, high + 1), n))

    items: list[tuple[int, Episode, Question | None]] = []

    def put(question: Question | None, episode: Episode, days: list[int]) -> None:
        items.extend((day, episode, question if i == 0 else None) for i, day in enumerate(days))

    q = Question
    put(
        q("legacy", "prompt", "legacy folder", (r"legacy",), key=True, marker=r"legacy/"),
        said(
            "before you start on the calendar bug: pls dont touch anything in legacy/ — it's getting deleted next quarter and nobody reviews changes in there"
        ),
        some(1, 3),
    )
    put(
        q("reverse", "prompt", "irreversible migrations", (r"reverse",), key=True, marker=r"reverse"),
        said(
            "Also, every migration needs a reverse function (RunPython with reverse_code). Reviewers reject irreversible ones."
        ),
        some(3, 6),
    )
    put(
        q("fstrings", "prompt", "string formatting style", (r"f-strings?",), key=True, marker=r"f-string"),
        said("small thing, but f-strings only please — no % formatting and no .format() in new code"),
        some(6, 9),
    )
    put(
        q("deps", "prompt", "adding new dependencies", (r"ask",), key=True, marker=r"dependenc"),
        said("Don't add new dependencies without asking me first. We had a supply-chain scare last year."),
        some(8, 11),
    )
    put(None, said("run the test suite with `poetry run pytest`, the Makefile is outdated"), some(0, 1))
    put(
        q(
            "pm",
            "prompt",
            "python dependency manager",
            (r"\buv\b",),
            (r"\bpoetry\b",),
            key=True,
            marker=r"\buv\b|poetry",
        ),
        said(
            "fyi we're done with poetry — the repo is on uv as of today, poetry.lock is deleted. `uv sync` to set up."
        ),
        [clock.uv_day],
    )
    put(
        q("port", "output", "django dev server port", (r"8010",), (r"8000",), key=True, marker=r"80[01]0"),
        shown(_runserver),
        some(clock.port_day, 29, 3),
    )
    put(None, shown(_runserver), some(0, clock.port_day - 1, 3))
    put(None, said("I moved runserver to 8010 — the analytics container grabbed 8000 on my machine."), [clock.port_day])
    put(
        q("node", "output", "node version", (r"\b20\.",), (r"\b18\.19",), key=True, marker=r"node"),
        shown(lambda d, c: ("node -v", f"v{c.node(d)}")),
        some(clock.node_day, 29, 2),
    )
    put(None, shown(lambda d, c: ("node -v", f"v{c.node(d)}")), some(2, clock.node_day - 1, 2))
    put(None, said("switched to node 20 via nvm, .nvmrc is updated"), [clock.node_day])
    put(
        q(
            "staging",
            "output",
            "staging server address",
            (r"stg-eu1\.tidepool\.io",),
            (r"app-staging\.tidepool\.io",),
            key=True,
            marker=r"tidepool\.io",
        ),
        shown(
            lambda d, c: (
                f"ssh ubuntu@{c.host(d)} 'sudo systemctl status gunicorn | head -3'",
                "● gunicorn.service - tidepool gunicorn\n   Active: active (running)",
            )
        ),
        some(clock.host_day + 1, 29, 2),
    )
    put(
        None,
        shown(
            lambda d, c: (
                f"ssh ubuntu@{c.host(d)} 'sudo systemctl status gunicorn | head -3'",
                "● gunicorn.service - tidepool gunicorn\n   Active: active (running)",
            )
        ),
        some(1, clock.host_day - 1, 2),
    )
    put(None, noted("Staging is now stg-eu1.tidepool.io (the old app-staging box is gone)."), [clock.host_day])
    put(
        q(
            "tests",
            "prompt",
            "how to run the python tests",
            (r"uv run pytest",),
            (r"poetry run pytest",),
            key=True,
            marker=r"run pytest",
        ),
        said("tests are `uv run pytest` from now on obviously"),
        [clock.uv_day + 1],
    )
    put(
        q("pgconfig", "lesson", "pg_config executable not found", (r"libpq-dev",), key=True, marker=r"libpq"),
        failed_then_fixed(
            "uv sync",
            "  × Failed to build `psycopg2==2.9.9`\n  ├─▶ The build backend returned an error\n"
            "      Error: pg_config executable not found.\n\n      pg_config is required to build psycopg2 from source.",
            [("sudo apt-get install -y libpq-dev", "Setting up libpq-dev (15.6-0+deb12u1) ...")],
            "Resolved 87 packages in 1.21s\nInstalled 87 packages in 640ms",
            {
                "fix": "sudo apt-get install -y libpq-dev",
                "fix_kind": "prepare",
                "error_line": "Error: pg_config executable not found.",
                "lesson": "Building psycopg2 needs the PostgreSQL headers: install libpq-dev first.",
            },
        ),
        [clock.uv_day, *some(24, 27)],
    )
    put(
        q("environ", "decision", "settings env library", (r"django-environ",), marker=r"environ"),
        decided(
            "I'll go with django-environ for the settings instead of python-dotenv, it parses DATABASE_URL for us."
        ),
        some(5, 8),
    )
    put(
        q("utc", "decision", "timezone of booking times", (r"\bUTC\b",), marker=r"\bUTC\b"),
        decided(
            "Decided: booking times are stored in UTC and only converted to the pool's local time in the templates."
        ),
        some(9, 12),
    )
    put(
        q("celery", "output", "celery version", (r"5\.3\.6",), marker=r"celery"),
        shown(lambda d, c: (f"{c.run(d)} celery --version", "5.3.6 (emerald-rush)")),
        some(3, 7),
    )
    put(
        q("python", "output", "python version", (r"3\.11",), marker=r"python version"),
        shown(lambda d, c: (f"{c.run(d)} python --version", "Python 3.11.6")),
        some(2, 5),
    )
    put(
        q("redis_host", "output", "redis host", (r"cache\.tidepool\.internal",), marker=r"cache\.tidepool"),
        shown(lambda d, c: ("redis-cli -h cache.tidepool.internal ping", "PONG")),
        some(10, 14),
    )
    put(
        q("postgres", "output", "postgres version", (r"16\.1",), (r"15\.4",), marker=r"postgres"),
        shown(lambda d, c: ("docker compose exec postgres psql --version", f"psql (PostgreSQL) {c.postgres(d)}")),
        [clock.pg_day, *some(clock.pg_day + 1, 29, 1)],
    )
    put(
        None,
        shown(lambda d, c: ("docker compose exec postgres psql --version", f"psql (PostgreSQL) {c.postgres(d)}")),
        some(1, clock.pg_day - 1, 2),
    )
    put(
        q("fixtures", "inbox", "sample data", (r"make fixtures",), marker=r"make fixtures"),
        noted("`make fixtures` loads the sample pools and instructors."),
        some(4, 8),
    )
    put(
        q("backoffice", "inbox", "django admin url", (r"/backoffice/",), marker=r"backoffice"),
        noted("The Django admin lives at /backoffice/, not /admin/."),
        some(9, 13),
    )
    put(
        q(
            "redis_refused",
            "lesson",
            "celery connection refused redis",
            (r"docker compose up -d redis",),
            marker=r"up -d redis",
        ),
        failed_then_fixed(
            "{run} celery -A tidepool worker --loglevel=info",
            "[2026-10-17 09:12:03,112: ERROR/MainProcess] consumer: Cannot connect to "
            "redis://localhost:6379/0: Error 111 connecting to localhost:6379. Connection refused..",
            [("docker compose up -d redis", " ✔ Container tidepool-redis-1  Started")],
            "[2026-10-17 09:12:40,552: INFO/MainProcess] Connected to redis://localhost:6379/0\n celery@dev ready.",
            {
                "fix": "docker compose up -d redis",
                "fix_kind": "prepare",
                "error_line": "Error 111 connecting to localhost:6379. Connection refused.",
                "lesson": "The Celery worker needs Redis running: start it with `docker compose up -d redis`.",
            },
        ),
        some(10, 16),
    )
    put(
        q("migrate", "lesson", "relation does not exist", (r"manage\.py migrate",), marker=r"manage\.py migrate"),
        failed_then_fixed(
            "{run} pytest tidepool/bookings -q",
            'E   django.db.utils.ProgrammingError: relation "bookings_slot" does not exist\n'
            'E   LINE 1: ..."bookings_slot"."id" FROM "bookings_slot"',
            [
                (
                    "{run} python manage.py migrate",
                    "Operations to perform:\n  Apply all migrations: accounts, bookings\nRunning migrations:\n  Applying bookings.0014_slot... OK",
                )
            ],
            "32 passed in 4.10s",
            {
                "fix": "python manage.py migrate",
                "fix_kind": "prepare",
                "error_line": 'django.db.utils.ProgrammingError: relation "bookings_slot" does not exist',
                "lesson": "A missing table means unapplied migrations: run `python manage.py migrate` first.",
            },
        ),
        some(17, 22),
    )
    put(
        q("jest_alias", "lesson", "jest cannot find module alias", (r"moduleNameMapper",), marker=r"moduleNameMapper"),
        jest_alias,
        some(7, 12),
    )
    put(
        q("pilot", "event", "pilot launch", (r"14th",), marker=r"pilot"),
        said(
            "heads up: the pilot with Aquafit goes live on monday the 14th, so let's not merge schema changes that week"
        ),
        some(23, 26),
    )
    put(
        q("stripe", "event", "stripe incident", (r"stripe",), expired=True, marker=r"stripe had an incident"),
        said(
            "stripe had an incident yesterday and the payment webhooks were failing — ignore those errors in the logs"
        ),
        [0],
    )
    put(
        q("ci", "prompt", "ci pipeline file", (r"pipeline\.yml",), marker=r"pipeline\.yml"),
        said("our CI runs on Buildkite, the pipeline file is .buildkite/pipeline.yml"),
        some(4, 9),
    )
    put(
        q("hints", "prompt", "type hints", (r"type hints",), marker=r"type hints"),
        said("I like type hints on every function signature, even in tests."),
        some(0, 2),
    )
    put(
        q("branches", "prompt", "branch naming", (r"TP-123",), marker=r"TP-123"),
        said("branch names look like feat/TP-123-short-description, CI checks the ticket number"),
        some(11, 15),
    )
    put(
        q("linter", "prompt", "python linter", (r"\bruff\b",), (r"\bflake8\b",), marker=r"ruff|flake8"),
        said("flake8 is out, we lint with ruff now (config is in pyproject)"),
        [clock.ruff_day],
    )
    put(
        q("yarn", "prompt", "frontend package manager", (r"\byarn\b",), marker=r"\byarn\b"),
        said("the frontend uses yarn (classic) — don't run npm install in web/, it makes a second lockfile"),
        some(5, 8),
    )
    return items


SUPPORT_MARKERS = [r"8010", r"node 20", r"stg-eu1", r"poetry run pytest"]


def build_session(b: SessionBuilder, rng: random.Random, day: int, clock: Clock, episodes: list[Episode]) -> None:
    b.start(rng.choice(ASKS))
    steps = rng.randint(5, 34)
    points = sorted(rng.randint(0, steps) for _ in episodes)
    done = 0
    for point, episode in zip(points, episodes, strict=True):
        work(b, rng, day, clock, point - done)
        done = point
        episode(b, rng, day, clock)
    work(b, rng, day, clock, steps - done)
    if rng.random() < 0.35:
        b.prompt(rng.choice(AFTER))
        work(b, rng, day, clock, rng.randint(1, 5))
    if b.tool_count >= 25 and rng.random() < 0.4:
        b.note_inbox([rng.choice([f"Tests: `{clock.run(day)} pytest -x -q`.", "Frontend tests: `cd web && yarn test`.",
                                  f"Lint: `{clock.lint(day)}`."])])  # fmt: skip
    b.finish(rng.choice(["All done, tests are green.", "Fixed and covered by a test.", "Done — see the diff above.",
                         "That should do it; the suite passes."]))  # fmt: skip


def build_month(rng: random.Random, first_day: datetime, root: str) -> Month:
    clock = Clock(rng)
    by_day: dict[int, list[Episode]] = {}
    questions: list[Question] = []
    for day, episode, question in plan(rng, clock):
        by_day.setdefault(day, []).append(episode)
        if question is not None:
            questions.append(Question(**{**question.__dict__, "day": day}))
    sessions: list[Session] = []
    for day in range(DAYS):
        count = rng.randint(5, 8)
        todo = by_day.get(day, [])
        rng.shuffle(todo)
        shares: list[list[Episode]] = [[] for _ in range(count)]
        for _index, episode in enumerate(todo):
            shares[rng.randrange(count)].append(episode)
        for minute, share in zip(sorted(rng.sample(range(7 * 60, 22 * 60, 11), count)), shares, strict=True):
            session = Session(session_id(rng), first_day + timedelta(days=day, minutes=minute), root)
            build_session(SessionBuilder(session, rng), rng, day, clock, share)
            sessions.append(session)
    sessions.sort(key=lambda s: s.start)
    return Month(sessions, questions, first_day, DAYS, [q.marker for q in questions] + SUPPORT_MARKERS)
