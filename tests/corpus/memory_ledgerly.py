"""The tuning month: "ledgerly", an invoicing app (FastAPI + SQLAlchemy + Alembic backend, React + Vite
frontend, Postgres and Redis in docker compose, a staging host reached over ssh). Facts are planted in
every channel at every age, several change value during the month, two events are planted (one old enough
to expire), and ordinary work fills ~200 sessions. Phrasings vary widely; the held-out month
(:mod:`tests.corpus.memory_heldout`) is another project written by another scheme.
"""

# ruff: noqa: E501  (transcript text is data: its lines are as long as the tools print them)

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from tests.corpus import memory_ledgerly_text as T
from tests.corpus.memory_month import Month, Question, Session, SessionBuilder, session_id
from tests.corpus.memory_work import Project, ordinary_work, pick

DAYS = 30


class Timeline:
    """The values that change during the month, and the day each changes (drawn per seed)."""

    def __init__(self, rng: random.Random) -> None:
        self.pm_day = rng.randint(11, 13)
        self.port_day = rng.randint(14, 16)
        self.node_day = rng.randint(18, 20)
        self.host_day = rng.randint(16, 18)
        self.test_day = rng.randint(13, 15)
        self.fmt_day = rng.randint(16, 18)
        self.pydantic_day = rng.randint(22, 24)

    def pm(self, day: int) -> str:
        return "pnpm" if day >= self.pm_day else "npm"

    def port(self, day: int) -> int:
        return 5174 if day >= self.port_day else 5173

    def node(self, day: int) -> str:
        return "22.3.0" if day >= self.node_day else "20.11.1"

    def host(self, day: int) -> str:
        return "staging-2.ledgerly.dev" if day >= self.host_day else "staging.ledgerly.dev"

    def test(self, day: int) -> str:
        return "uv run pytest" if day >= self.test_day else "make test"

    def project(self, day: int, root: str) -> Project:
        pm = self.pm(day)
        run = "pnpm" if pm == "pnpm" else "npm run"
        formatter = "uv run ruff format --check app tests" if day >= self.fmt_day else "uv run black --check app tests"
        return Project(
            "ledgerly", root, T.BACKEND, T.FRONTEND, T.WORDS, "3.12.3", self.test(day) + pick_flag(day),
            "uv run ruff check app tests", f"cd web && {run} test -- --run", f"cd web && {run} lint",
            ["uv run mypy app", formatter],
        )  # fmt: skip


def pick_flag(day: int) -> str:
    return " -q" if day % 2 else ""


Scene = Callable[[SessionBuilder, random.Random, int, Timeline], None]


def _says(b: SessionBuilder, rng: random.Random, text: str, task: str) -> None:
    """The user's planted sentence, said with a task or as a follow-up, in a random way."""
    style = rng.random()
    if style < 0.4:
        b.prompt(f"{task} {text}")
    elif style < 0.7:
        b.prompt(f"{text} {task}" if rng.random() < 0.5 else f"{text}\n\n{task}")
    else:
        b.prompt(text)


def instruction(templates: list[str]) -> Scene:
    def scene(b: SessionBuilder, rng: random.Random, day: int, tl: Timeline) -> None:
        _says(b, rng, pick(rng, templates), task(rng))

    scene.templates = templates  # type: ignore[attr-defined]  # build_session may open the session with it
    return scene


def task(rng: random.Random) -> str:
    return pick(rng, T.TASKS).format(w=pick(rng, T.WORDS), v=pick(rng, T.WORDS))


def output(make: Callable[[random.Random, int, Timeline], tuple[str, str]]) -> Scene:
    def scene(b: SessionBuilder, rng: random.Random, day: int, tl: Timeline) -> None:
        command, shown = make(rng, day, tl)
        b.bash(command, shown.replace("{root}", b.session.cwd))

    return scene


def decision(templates: list[str]) -> Scene:
    def scene(b: SessionBuilder, rng: random.Random, day: int, tl: Timeline) -> None:
        b.say(pick(rng, templates))

    return scene


def lesson(failed: str, error: str, fixes: list[tuple[str, str]], rerun_output: str, truth: dict[str, str]) -> Scene:
    def scene(b: SessionBuilder, rng: random.Random, day: int, tl: Timeline) -> None:
        root = b.session.cwd
        b.bash(failed, error.replace("{root}", root), exit_code=1, lesson=truth)
        b.think(pick(rng, ["The error says what is missing.", "That's an environment problem, not the code."]))
        for command, shown in fixes:
            b.bash(command, shown.replace("{root}", root))
        b.bash(failed, rerun_output.replace("{root}", root))

    return scene


def inbox(lines: list[str]) -> Scene:
    def scene(b: SessionBuilder, rng: random.Random, day: int, tl: Timeline) -> None:
        b.note_inbox([pick(rng, lines)])

    return scene


# -- what is planted -----------------------------------------------------------------------------


def _docker_ps(rng: random.Random, day: int, tl: Timeline) -> tuple[str, str]:
    return "docker compose ps", (
        "NAME                IMAGE          COMMAND                  SERVICE   CREATED      STATUS      PORTS\n"
        'ledgerly-db-1       postgres:16    "docker-entrypoint.s…"   db        2 days ago   Up 2 days   0.0.0.0:5432->5432/tcp\n'
        'ledgerly-redis-1    redis:7.2      "docker-entrypoint.s…"   redis     2 days ago   Up 2 days   0.0.0.0:6379->6379/tcp'
    )


def _vite(rng: random.Random, day: int, tl: Timeline) -> tuple[str, str]:
    run = "pnpm dev" if tl.pm(day) == "pnpm" else "npm run dev"
    return f"cd web && {run} &", (
        f"\n> ledgerly-web@0.9.0 dev\n> vite\n\n\n  VITE v5.2.11  ready in {rng.randint(200, 900)} ms\n\n"
        f"  ➜  Local:   http://localhost:{tl.port(day)}/\n  ➜  Network: use --host to expose\n  ➜  press h + enter to show help"
    )


def _node(rng: random.Random, day: int, tl: Timeline) -> tuple[str, str]:
    return pick(rng, ["node --version", "node -v"]), f"v{tl.node(day)}"


def _ssh(rng: random.Random, day: int, tl: Timeline) -> tuple[str, str]:
    check = pick(rng, ["systemctl status ledgerly --no-pager | head -5", "uptime", "df -h /srv | tail -1"])
    return f"ssh deploy@{tl.host(day)} '{check}'", pick(rng, [
        "● ledgerly.service - Ledgerly API\n     Loaded: loaded\n     Active: active (running) since Mon 2 days ago",
        f" 10:{rng.randint(10, 59)}:02 up 12 days,  3:02,  0 users,  load average: 0.08, 0.11, 0.09",
        "/dev/sda1        40G   18G   20G  48% /srv",
    ])  # fmt: skip


def _pydantic(version: str) -> Callable[[random.Random, int, Timeline], tuple[str, str]]:
    def make(rng: random.Random, day: int, tl: Timeline) -> tuple[str, str]:
        return (
            "uv pip show pydantic",
            f"Name: pydantic\nVersion: {version}\nSummary: Data validation using Python type hints\nLocation: {{root}}/.venv/lib/python3.12/site-packages\nRequires: annotated-types, pydantic-core, typing-extensions",
        )

    return make


def plan(rng: random.Random, tl: Timeline) -> list[tuple[int, Scene, Question | None]]:
    """(day, scene, question) for every planted fact; a question is asked once, of its first scene."""

    def days(low: int, high: int, n: int = 1) -> list[int]:
        return sorted(rng.sample(range(low, high + 1), n))

    q = Question
    items: list[tuple[int, Scene, Question | None]] = []

    def add(question: Question | None, scene: Scene, when: list[int]) -> None:
        for index, day in enumerate(when):
            items.append((day, scene, question if index == 0 else None))

    add(
        q("third_party", "prompt", "edit third_party", (r"third_party",), key=True, marker="third_party"),
        instruction(T.THIRD_PARTY),
        days(1, 3),
    )
    add(
        q("lint_push", "prompt", "linters before push", (r"lint", r"push"), key=True, marker=r"lint.*push|push.*lint"),
        instruction(T.LINT_PUSH),
        days(4, 6),
    )
    add(
        q(
            "commits",
            "prompt",
            "commit message convention",
            (r"conventional commits",),
            key=True,
            marker="conventional commits",
        ),
        instruction(T.COMMITS),
        days(7, 9),
    )
    add(
        q("no_print", "prompt", "print statements in library code", (r"print",), key=True, marker=r"print\("),
        instruction(T.NO_PRINT),
        days(10, 12),
    )
    add(None, instruction(T.NPM_OLD), days(0, 2))
    add(
        q(
            "pm",
            "prompt",
            "frontend package manager",
            (r"\bpnpm\b",),
            (r"(?<!p)\bnpm\b",),
            key=True,
            marker=r"\bpnpm\b",
        ),
        instruction(T.PNPM_SWITCH),
        [tl.pm_day],
    )
    add(
        q("port", "output", "dev server port", (r"5174",), (r"5173",), key=True, marker=r"517[34]"),
        output(_vite),
        days(tl.port_day, 29, 3),
    )
    add(None, output(_vite), days(0, tl.port_day - 1, 3))
    add(None, instruction(T.PORT_MOVE), [tl.port_day])
    add(
        q("node", "output", "node version", (r"\b22\.\d",), (r"\b20\.11",), key=True, marker=r"node"),
        output(_node),
        days(tl.node_day, 29, 2),
    )
    add(None, output(_node), days(1, tl.node_day - 1, 3))
    add(None, instruction(T.NODE_UPGRADE), [tl.node_day])
    add(
        q(
            "staging",
            "output",
            "staging host",
            (r"staging-2\.ledgerly\.dev",),
            (r"\bstaging\.ledgerly\.dev",),
            key=True,
            marker=r"staging(-2)?\.ledgerly",
        ),
        output(_ssh),
        days(tl.host_day + 1, 29, 2),
    )
    add(None, output(_ssh), days(2, tl.host_day - 1, 3))
    add(None, instruction(T.HOST_MOVE), [tl.host_day])
    add(
        q(
            "test_cmd",
            "prompt",
            "command to run the backend tests",
            (r"uv run pytest",),
            (r"make test",),
            key=True,
            marker=r"uv run pytest|make test",
        ),
        instruction(T.TEST_SWITCH),
        [tl.test_day],
    )
    add(
        q(
            "editable",
            "lesson",
            "ModuleNotFoundError ledgerly",
            (r"pip install -e",),
            key=True,
            marker=r"install -e|editable",
        ),
        lesson(
            "uv run pytest tests/services -q",
            "ImportError while loading conftest '{root}/tests/conftest.py'.\n"
            "tests/conftest.py:3: in <module>\n    from ledgerly.app import create_app\n"
            "E   ModuleNotFoundError: No module named 'ledgerly'",
            [
                (
                    "uv pip install -e .",
                    "Resolved 41 packages in 312ms\nInstalled 1 package in 4ms\n + ledgerly==0.9.0 (from file://{root})",
                )
            ],
            "........................................ [100%]\n40 passed in 3.02s",
            {
                "failed": "uv run pytest tests/services -q",
                "fix": "uv pip install -e .",
                "fix_kind": "prepare",
                "error_line": "ModuleNotFoundError: No module named 'ledgerly'",
                "lesson": "When tests fail with ModuleNotFoundError for the project's own package, install it in editable "
                "mode first (`uv pip install -e .`).",
            },
        ),
        days(5, 7) + days(19, 21),
    )
    add(
        q("httpx", "decision", "http client library for payments", (r"httpx",), marker="httpx"),
        decision(T.HTTPX),
        days(7, 9),
    )
    add(
        q("cents", "decision", "how money amounts are stored", (r"cents",), marker="cents"),
        decision(T.CENTS),
        days(11, 13),
    )
    add(
        q("postgres", "output", "postgres version", (r"16\.2",), marker=r"postgres|psql"),
        output(
            lambda r, d, t: (
                "docker compose exec db psql --version",
                "psql (PostgreSQL) 16.2 (Debian 16.2-1.pgdg120+2)",
            )
        ),
        days(3, 5),
    )
    add(
        q("python", "output", "python version", (r"3\.12",), marker=r"python version"),
        output(lambda r, d, t: ("uv run python --version", "Python 3.12.3")),
        days(1, 2),
    )
    add(q("redis", "output", "redis port", (r"6379",), marker="6379"), output(_docker_ps), days(8, 10))
    add(
        q("venv", "output", "which python interpreter path", (r"\.venv/bin/python",), marker=r"\.venv/bin/python"),
        output(lambda r, d, t: ("which python", "{root}/.venv/bin/python")),
        days(2, 4),
    )
    add(
        q("pydantic", "output", "pydantic version", (r"2\.8\.2",), (r"2\.7\.1",), marker="pydantic"),
        output(_pydantic("2.8.2")),
        [tl.pydantic_day],
    )
    add(None, output(_pydantic("2.7.1")), days(4, 8))
    add(q("seed", "inbox", "load demo data", (r"make seed",), marker="make seed"), inbox(T.SEED), days(5, 7))
    add(
        q("playwright", "inbox", "playwright browsers", (r"playwright install",), marker="playwright install"),
        inbox(T.PLAYWRIGHT),
        days(15, 17),
    )
    add(
        q(
            "port_in_use",
            "lesson",
            "address already in use 8000",
            (r"docker compose stop",),
            marker="docker compose stop",
        ),
        lesson(
            "uv run uvicorn app.main:app --port 8000",
            "ERROR:    [Errno 98] error while attempting to bind on address "
            "('127.0.0.1', 8000): address already in use",
            [("docker compose stop api", " Container ledgerly-api-1  Stopping\n Container ledgerly-api-1  Stopped")],
            "INFO:     Started server process [48213]\nINFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)",
            {
                "failed": "uv run uvicorn app.main:app --port 8000",
                "fix": "docker compose stop api",
                "fix_kind": "prepare",
                "error_line": "[Errno 98] error while attempting to bind on address ('127.0.0.1', 8000): address already in use",
                "lesson": "Port 8000 is taken by the api container: stop it (`docker compose stop api`) before running "
                "uvicorn locally.",
            },
        ),
        days(12, 14),
    )
    add(
        q("alembic_heads", "lesson", "alembic multiple head revisions", (r"merge heads",), marker="merge heads"),
        lesson(
            "uv run alembic upgrade head",
            "ERROR [alembic.util.messaging] Multiple head revisions are present for "
            "given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a "
            "specific head, or 'heads' for all heads\n  FAILED: Multiple head revisions are present",
            [
                (
                    "uv run alembic merge heads -m 'merge heads'",
                    "Generating {root}/migrations/versions/4f2a_merge_heads.py ...  done",
                )
            ],
            "INFO  [alembic.runtime.migration] Running upgrade 9c1e, 77ab -> 4f2a, merge heads",
            {
                "failed": "uv run alembic upgrade head",
                "fix": "uv run alembic merge heads -m 'merge heads'",
                "fix_kind": "prepare",
                "error_line": "FAILED: Multiple head revisions are present",
                "lesson": "Two migration branches: merge the heads (`alembic merge heads`) before upgrading.",
            },
        ),
        days(18, 20),
    )
    add(
        q(
            "stubs",
            "lesson",
            "mypy library stubs not installed for requests",
            (r"types-requests",),
            marker="types-requests",
        ),
        lesson(
            "uv run mypy app",
            'app/services/legacy_export.py:3: error: Library stubs not installed for "requests"  [import-untyped]\n'
            'app/services/legacy_export.py:3: note: Hint: "python3 -m pip install types-requests"\nFound 1 error in 1 file (checked 87 source files)',
            [
                (
                    "uv add --dev types-requests",
                    "Resolved 44 packages in 201ms\nInstalled 1 package in 3ms\n + types-requests==2.32.0.20240712",
                )
            ],
            "Success: no issues found in 87 source files",
            {
                "failed": "uv run mypy app",
                "fix": "uv add --dev types-requests",
                "fix_kind": "prepare",
                "error_line": 'error: Library stubs not installed for "requests"',
                "lesson": "mypy needs the requests stubs: add `types-requests` as a dev dependency.",
            },
        ),
        days(22, 24),
    )
    add(
        None,
        lesson(
            "cd web && pnpm exec playwright test",
            "Error: browserType.launch: Executable doesn't exist at "
            "/root/.cache/ms-playwright/chromium-1117/chrome-linux/chrome\n╔════════╗\n║ Looks like Playwright was just installed or updated. ║\n"
            "║ Please run the following command to download new browsers: ║\n║     pnpm exec playwright install ║",
            [
                (
                    "cd web && pnpm exec playwright install chromium",
                    "Downloading Chromium 125.0.6422.26 (playwright build v1117)... 100%",
                )
            ],
            "Running 14 tests using 2 workers\n  14 passed (21.4s)",
            {
                "failed": "cd web && pnpm exec playwright test",
                "fix": "cd web && pnpm exec playwright install chromium",
                "fix_kind": "prepare",
                "error_line": "browserType.launch: Executable doesn't exist",
                "lesson": "The e2e tests need the Playwright browser: run `pnpm exec playwright install chromium` first.",
            },
        ),
        days(max(15, tl.pm_day), 17),
    )
    add(
        q(
            "staging_down",
            "event",
            "staging down database upgrade",
            (r"staging",),
            expired=True,
            marker=r"staging is (down|offline)",
        ),
        instruction(T.STAGING_DOWN),
        [0],
    )
    add(
        q("release", "event", "release 2.4 date", (r"thursday",), marker=r"release 2\.4"),
        instruction(T.RELEASE),
        days(25, 27),
    )
    add(q("sandbox", "event", "payments sandbox", (r"flaky",), marker=r"sandbox"), instruction(T.SANDBOX), days(20, 23))
    add(
        q("deploy", "prompt", "deploy workflow", (r"deploy\.yml",), marker=r"deploy\.yml"),
        instruction(T.DEPLOY),
        days(8, 10),
    )
    add(
        q("fixtures", "prompt", "unittest TestCase", (r"fixtures",), marker=r"fixtures"),
        instruction(T.FIXTURES),
        days(0, 1),
    )
    add(
        q("small_commits", "prompt", "commits preference", (r"small",), marker=r"small.*commits|commits small"),
        instruction(T.SMALL_COMMITS),
        days(2, 4),
    )
    add(
        q("formatter", "prompt", "python formatter", (r"ruff format",), (r"\bblack\b",), marker=r"ruff format|black"),
        instruction(T.FORMATTER),
        [tl.fmt_day],
    )
    add(
        q("qa_db", "prompt", "qa database host", (r"qa-db\.ledgerly\.internal",), marker="qa-db"),
        instruction(T.QA_DB),
        days(13, 15),
    )
    return items


# -- the month -----------------------------------------------------------------------------------

INBOX_NOISE = [
    "`{test}` runs the backend tests.", "Lint with `uv run ruff check app tests` before committing.",
    "The frontend tests run with `cd web && {run} test -- --run`.", "`uv run mypy app` type-checks the backend.",
    "Tests pass with `{test}`.",
]  # fmt: skip


def build_session(b: SessionBuilder, rng: random.Random, day: int, tl: Timeline, scenes: list[Scene]) -> None:
    project = tl.project(day, b.session.cwd)
    opener = next((s for s in scenes if hasattr(s, "templates")), None)
    if opener is not None and rng.random() < 0.5:
        scenes = [s for s in scenes if s is not opener]
        first = pick(rng, opener.templates)  # type: ignore[attr-defined]
        b.start(f"{first} {task(rng)}" if rng.random() < 0.5 else f"{task(rng)}\n\n{first}")
    elif rng.random() < 0.12:
        word = pick(rng, T.WORDS)
        b.start(pick(rng, T.PASTES).format(w=word, W=word.capitalize()))
    else:
        b.start(task(rng))
    steps = rng.randint(6, 36)
    points = sorted(rng.randint(0, steps) for _ in scenes)
    done = 0
    for point, scene in zip(points, scenes, strict=True):
        ordinary_work(b, rng, project, point - done)
        done = point
        scene(b, rng, day, tl)
    ordinary_work(b, rng, project, steps - done)
    if rng.random() < 0.3:
        b.prompt(pick(rng, T.FOLLOW_UPS))
        ordinary_work(b, rng, project, rng.randint(1, 6))
    if b.tool_count >= 25 and rng.random() < 0.5:
        run = "pnpm" if tl.pm(day) == "pnpm" else "npm run"
        b.note_inbox([pick(rng, INBOX_NOISE).format(test=tl.test(day), run=run)])
    b.finish(pick(rng, T.FINALS).format(w=pick(rng, T.WORDS), n=rng.randint(180, 260)))


def build_month(rng: random.Random, first_day: datetime, root: str) -> Month:
    tl = Timeline(rng)
    by_day: dict[int, list[Scene]] = {}
    questions: list[Question] = []
    for day, scene, question in plan(rng, tl):
        by_day.setdefault(day, []).append(scene)
        if question is not None:
            questions.append(Question(**{**question.__dict__, "day": day}))
    sessions: list[Session] = []
    for day in range(DAYS):
        count = rng.randint(5, 8)
        starts = sorted(rng.sample(range(8 * 60, 21 * 60, 7), count))
        todo = by_day.get(day, [])
        rng.shuffle(todo)
        shares: list[list[Scene]] = [[] for _ in starts]
        for index, scene in enumerate(todo):
            shares[(index + rng.randrange(count)) % count].append(scene)
        for minute, share in zip(starts, shares, strict=True):
            session = Session(session_id(rng), first_day + timedelta(days=day, minutes=minute), root)
            build_session(SessionBuilder(session, rng), rng, day, tl, share)
            sessions.append(session)
    sessions.sort(key=lambda s: s.start)
    markers = [q.marker for q in questions] + SUPPORT_MARKERS
    return Month(sessions, questions, first_day, DAYS, markers)


# Planted statements no question asks about: the old value a later one replaces, the announcement of a change.
SUPPORT_MARKERS = [r"\bnpm\b", r"\b5174\b", r"node 22", r"staging-2", r"ledgerly\.dev"]
