"""The second held-out month: "orbit", a Go API with a TypeScript dashboard (monorepo: api/, dashboard/).

Written after the first held-out month was spent, before this one was ever run, by a third scheme: a diary of
entries (day window, what happens), read by a small interpreter. Facts come the ways they come in real work:
ground rules as a bulleted list inside a long prompt, a correction after the agent did the wrong thing, an
agent's end-of-task summary that mentions a choice, a note to self in the inbox, values shown by Go tooling.
Its ordinary work is Go's (go test, golangci-lint, air), and its questions are typed the way one asks.
"""

# ruff: noqa: E501  (prompts and tool output are data: as long as people and tools write them)

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from tests.corpus.memory_month import Month, Question, Session, SessionBuilder, session_id

DAYS = 30
PKGS = ["billing", "orbits", "telemetry", "auth", "alerts", "ingest", "tenants"]
GO_FILES = [f"api/internal/{p}/{f}.go" for p in PKGS for f in ("handler", "store", "service")]
TS_FILES = ["dashboard/src/routes/+page.svelte", "dashboard/src/lib/api.ts", "dashboard/src/lib/charts/Line.svelte"]
OPENERS = [
    "the /v1/orbits endpoint 500s when the tenant has no satellites, fix + add a test",
    "Add rate limiting to the ingest endpoint. 100 req/s per tenant is fine for now.",
    "telemetry chart on the dashboard is blank for new tenants, probably the api returns null instead of []",
    "can you write a store test for the alerts package, it has zero coverage",
    "refactor billing/service.go, the invoice calc function is 200 lines",
    "Why is `go test ./internal/ingest/...` so slow? takes 40s locally",
    "I need an endpoint that lists alert rules for a tenant, paginated",
    "dashboard: the date range picker resets when you change tenant. annoying, fix it",
    "bump the chi router to the latest minor",
    "the nightly export job panics on empty batches, see logs",
]
REPLIES = [
    "👍",
    "great thanks",
    "ok, ship it",
    "can u also handle the nil slice case",
    "run the whole thing again please",
]


class Dial:
    def __init__(self, rng: random.Random) -> None:
        self.go_day = rng.randint(15, 18)
        self.port_day = rng.randint(11, 14)
        self.bastion_day = rng.randint(17, 20)
        self.make_day = rng.randint(9, 12)
        self.bun_day = rng.randint(13, 16)

    def go(self, day: int) -> str:
        return "1.22.3" if day >= self.go_day else "1.21.9"

    def port(self, day: int) -> int:
        return 8081 if day >= self.port_day else 8080

    def bastion(self, day: int) -> str:
        return "jump.eu.orbit-internal.net" if day >= self.bastion_day else "bastion.orbit-internal.net"

    def tests(self, day: int) -> str:
        return "make test" if day >= self.make_day else "go test ./..."

    def js(self, day: int) -> str:
        return "bun" if day >= self.bun_day else "npm"


def go_test(rng: random.Random, fail: bool = False) -> str:
    out = []
    for pkg in rng.sample(PKGS, 4):
        out.append(f"ok  \torbit/api/internal/{pkg}\t{rng.uniform(0.1, 3):.3f}s")
    if fail:
        pkg = rng.choice(PKGS)
        out = [f"--- FAIL: TestList{pkg.title()} ({rng.uniform(0, 1):.2f}s)",
               f"    {pkg}_test.go:{rng.randint(20, 90)}: got 2 items, want 3", "FAIL",
               f"FAIL\torbit/api/internal/{pkg}\t0.412s", *out, "FAIL"]  # fmt: skip
    return "\n".join(out)


def go_source(rng: random.Random, path: str) -> str:
    pkg = path.split("/")[2]
    lines = [f"package {pkg}", "", 'import (\n\t"context"\n\t"log/slog"\n)', ""]
    for _ in range(rng.randint(3, 10)):
        name = rng.choice(["List", "Get", "Create", "Delete", "Count"]) + rng.choice(
            ["Orbits", "Alerts", "Rules", "Tenants"]
        )
        lines += [f"func (s *Store) {name}(ctx context.Context, tenantID string) ([]Row, error) {{",
                  f'\trows, err := s.q.{name}(ctx, tenantID)', "\tif err != nil {",
                  f'\t\tslog.ErrorContext(ctx, "{name.lower()} failed", "err", err)', "\t\treturn nil, err", "\t}",
                  "\treturn rows, nil", "}", ""]  # fmt: skip
    return "\n".join(lines)


def chores(b: SessionBuilder, rng: random.Random, day: int, dial: Dial, steps: int) -> None:
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.3:
            path = rng.choice(GO_FILES)
            b.read(path, go_source(rng, path))
        elif roll < 0.45:
            b.edit(
                rng.choice(GO_FILES),
                "return rows, nil",
                "if rows == nil {\n\t\trows = []Row{}\n\t}\n\treturn rows, nil",
            )
        elif roll < 0.62:
            if rng.random() < 0.2:
                b.bash(f"cd api && {dial.tests(day)}", go_test(rng, fail=True), exit_code=1)
                b.edit(rng.choice(GO_FILES), "LIMIT $2", "LIMIT $2 OFFSET $3")
            b.bash(f"cd api && {dial.tests(day)}", go_test(rng))
        elif roll < 0.7:
            b.bash("cd api && golangci-lint run ./...", "")
        elif roll < 0.76:
            run = "bun run" if dial.js(day) == "bun" else "npm run"
            b.bash(f"cd dashboard && {run} check", "svelte-check found 0 errors and 0 warnings")
        elif roll < 0.82:
            b.grep(rng.choice(["tenantID", "slog.Error", "func New"]), rng.sample(GO_FILES, 3))
        elif roll < 0.88:
            b.bash(
                "git log --oneline -5",
                "\n".join(
                    f"{rng.getrandbits(28):07x} {rng.choice(['fix', 'feat', 'chore'])}: {rng.choice(PKGS)} tweaks"
                    for _ in range(5)
                ),
            )
        elif roll < 0.94:
            b.read(
                rng.choice(TS_FILES), '<script lang="ts">\n  export let data;\n</script>\n<Line points={data.points} />'
            )
        else:
            b.say(
                rng.choice(
                    ["Looking at the store layer next.", "The handler itself is fine.", "Re-running the package tests."]
                )
            )


Entry = Callable[[SessionBuilder, random.Random, int, Dial], None]


def user(text: str) -> Entry:
    return lambda b, rng, day, dial: b.prompt(text)


def correction(wrong_command: str, wrong_output: str, text: str) -> Entry:
    """The agent does something, the person corrects it (the correction is what is remembered)."""

    def entry(b: SessionBuilder, rng: random.Random, day: int, dial: Dial) -> None:
        b.bash(wrong_command, wrong_output)
        b.prompt(text)

    return entry


def summary(text: str) -> Entry:
    return lambda b, rng, day, dial: b.say(text)


def tool(command: Callable[[int, Dial], str], output: Callable[[int, Dial], str]) -> Entry:
    def entry(b: SessionBuilder, rng: random.Random, day: int, dial: Dial) -> None:
        b.bash(command(day, dial), output(day, dial))

    return entry


def note(text: str) -> Entry:
    return lambda b, rng, day, dial: b.note_inbox([text])


def stumble(failed: str, error: str, repair: list[tuple[str, str]], then: str, lesson: str, error_line: str) -> Entry:
    def entry(b: SessionBuilder, rng: random.Random, day: int, dial: Dial) -> None:
        truth = {
            "failed": failed,
            "fix": repair[-1][0],
            "fix_kind": "prepare",
            "error_line": error_line,
            "lesson": lesson,
        }
        b.bash(failed, error, exit_code=1, lesson=truth)
        for command, output in repair:
            b.bash(command, output)
        b.bash(failed, then)

    return entry


GROUND_RULES = """ok before we go further, a few ground rules for this repo:
- logging goes through log/slog. no fmt.Println / log.Printf in api/, ever
- *_gen.go files are generated (sqlc), never hand-edit them, run `go generate ./...`
- PR titles must start with the Linear ticket, like ORB-412: ...
thanks! now, the actual thing: the alerts list is slow for big tenants"""


def diary(
    rng: random.Random, dial: Dial
) -> tuple[list[tuple[int, Entry, Question | None]], list[tuple[int, Question]]]:
    """(day, entry, question): every planted fact of the month, in the order they come."""

    def within(low: int, high: int, n: int = 1) -> list[int]:
        return sorted(rng.sample(range(low, high + 1), n))

    out: list[tuple[int, Entry, Question | None]] = []
    asked: list[tuple[int, Question]] = []

    def log(question: Question | None, entry: Entry, days: list[int]) -> None:
        out.extend((day, entry, question if i == 0 else None) for i, day in enumerate(days))

    q = Question
    first_rules = within(1, 3)
    log(q("slog", "prompt", "logging library", (r"slog",), key=True, marker=r"slog"), user(GROUND_RULES), first_rules)
    # The same prompt plants two more rules: asked about on their own, with no entry of their own.
    asked.append(
        (first_rules[0], q("gen", "prompt", "generated files", (r"go generate",), key=True, marker=r"_gen\.go"))
    )
    asked.append((first_rules[0], q("ticket", "prompt", "pr title format", (r"ORB-\d+",), key=True, marker=r"ORB-412")))
    log(
        q(
            "staging_migrations",
            "prompt",
            "running migrations on staging",
            (r"staging",),
            key=True,
            marker=r"migrations against staging",
        ),
        correction(
            'cd api && migrate -path db/migrations -database "$STAGING_DATABASE_URL" up',
            "7/u add_alert_rules (48.2ms)",
            "whoa, no. don't run migrations against staging from your laptop, that's what the deploy pipeline is for. it's fine this time",
        ),
        within(4, 7),
    )
    log(
        None,
        tool(
            lambda d, x: "cd api && go run ./cmd/api",
            lambda d, x: f'time=2026-10-0{min(9, d)}T10:00:00Z level=INFO msg="listening" addr=:{x.port(d)}',
        ),
        within(0, dial.port_day - 1, 3),
    )
    log(
        q("port", "output", "which port does the api listen on", (r"8081",), (r"8080",), key=True, marker=r"808[01]"),
        tool(
            lambda d, x: "cd api && air",
            lambda d, x: (
                f"  __    _   ___\nwatching .\nbuilding...\nrunning...\n"
                f'time=2026-10-20T10:00:00Z level=INFO msg="listening" addr=:{x.port(d)}'
            ),
        ),
        within(dial.port_day, 29, 3),
    )
    log(None, user("I bumped the api to 8081 in .env.example because grafana sits on 8080 on my box"), [dial.port_day])
    log(
        q("go", "output", "go version", (r"1\.22",), (r"1\.21\.9",), key=True, marker=r"go version|go1\."),
        tool(lambda d, x: "go version", lambda d, x: f"go version go{x.go(d)} linux/amd64"),
        within(dial.go_day, 29, 2),
    )
    log(
        None,
        tool(lambda d, x: "go version", lambda d, x: f"go version go{x.go(d)} linux/amd64"),
        within(0, dial.go_day - 1, 2),
    )
    log(None, user("upgraded everyone to go 1.22, the go.mod toolchain line is updated"), [dial.go_day])
    log(
        q(
            "bastion",
            "output",
            "bastion host",
            (r"jump\.eu\.orbit-internal\.net",),
            (r"\bbastion\.orbit-internal\.net",),
            key=True,
            marker=r"orbit-internal\.net",
        ),
        tool(
            lambda d, x: f"ssh -J ops@{x.bastion(d)} ops@10.20.0.15 'systemctl is-active orbit-api'",
            lambda d, x: "active",
        ),
        within(dial.bastion_day, 29, 2),
    )
    log(
        None,
        tool(
            lambda d, x: f"ssh -J ops@{x.bastion(d)} ops@10.20.0.15 'systemctl is-active orbit-api'",
            lambda d, x: "active",
        ),
        within(1, dial.bastion_day - 1, 2),
    )
    log(
        None,
        note(
            "Gotcha: the bastion moved to jump.eu.orbit-internal.net, the old bastion.orbit-internal.net refuses connections."
        ),
        [dial.bastion_day],
    )
    log(
        q(
            "tests",
            "prompt",
            "how do I run the tests",
            (r"make test",),
            (r"go test \./\.\.\.",),
            key=True,
            marker=r"make test",
        ),
        user(
            "from now on use `make test` for the api — it sets up the test db and runs go test with -race. plain go test ./... skips the db tests"
        ),
        [dial.make_day],
    )
    log(
        q(
            "bun",
            "prompt",
            "dashboard package manager",
            (r"\bbun\b",),
            (r"(?<!p)\bnpm\b",),
            key=True,
            marker=r"\bbun\b",
        ),
        user("dashboard/ is on bun now (I removed package-lock.json), please don't use npm there anymore"),
        [dial.bun_day],
    )
    log(
        q("tidy", "lesson", "updates to go.mod needed", (r"go mod tidy",), key=True, marker=r"go mod tidy"),
        stumble(
            "cd api && go build ./...",
            "go: updates to go.mod needed; to update it:\n\tgo mod tidy",
            [
                (
                    "cd api && go mod tidy",
                    "go: finding module for package github.com/go-chi/httprate\ngo: found github.com/go-chi/httprate in github.com/go-chi/httprate v0.9.0",
                )
            ],
            "",
            "After adding an import, the module list is stale: run `go mod tidy` in api/ before building.",
            "go: updates to go.mod needed; to update it:",
        ),
        within(6, 9) + within(20, 24),
    )
    log(
        q("sqlc", "decision", "sqlc or gorm", (r"sqlc",), marker=r"sqlc"),
        summary(
            "Summary: the alert rules store is done. I went with sqlc-generated queries instead of GORM to match the rest of the store layer; tests cover list/get/create."
        ),
        within(5, 8),
    )
    log(
        q("ulid", "decision", "id format for new tables", (r"ULID",), marker=r"ULID"),
        summary("Decision: new tables use ULIDs as primary keys (sortable, no coordination), not UUIDv4."),
        within(10, 14),
    )
    log(
        q("nats", "output", "nats port", (r"4222",), marker=r"4222"),
        tool(
            lambda d, x: "docker compose ps",
            lambda d, x: (
                "NAME              IMAGE            SERVICE    STATUS       PORTS\n"
                "orbit-nats-1      nats:2.10        nats       Up 3 hours   0.0.0.0:4222->4222/tcp\n"
                "orbit-pg-1        postgres:16      postgres   Up 3 hours   0.0.0.0:5432->5432/tcp"
            ),
        ),
        within(3, 9),
    )
    log(
        q(
            "lint_path",
            "output",
            "where is golangci-lint installed",
            (r"go/bin/golangci-lint",),
            marker=r"golangci-lint` is",
        ),
        tool(lambda d, x: "which golangci-lint", lambda d, x: "/home/dev/go/bin/golangci-lint"),
        within(2, 6),
    )
    log(
        q("lint_missing", "lesson", "golangci-lint command not found", (r"go install",), marker=r"golangci-lint@"),
        stumble(
            "cd api && golangci-lint run ./...",
            "bash: line 1: golangci-lint: command not found",
            [
                (
                    "go install github.com/golangci/golangci-lint/cmd/golangci-lint@v1.57.2",
                    "go: downloading github.com/golangci/golangci-lint v1.57.2",
                )
            ],
            "",
            "golangci-lint is not installed by default: `go install github.com/golangci/golangci-lint/cmd/golangci-lint@v1.57.2`.",
            "golangci-lint: command not found",
        ),
        within(0, 2),
    )
    log(
        q("dirty", "lesson", "dirty database version", (r"force",), marker=r"force"),
        stumble(
            'cd api && migrate -path db/migrations -database "$DATABASE_URL" up',
            "error: Dirty database version 9. Fix and force version.",
            [('cd api && migrate -path db/migrations -database "$DATABASE_URL" force 8', "")],
            "9/u tenant_quotas (31.7ms)",
            "A failed migration leaves the database dirty: `migrate ... force <previous version>`, then migrate up again.",
            "error: Dirty database version 9. Fix and force version.",
        ),
        within(15, 19),
    )
    log(
        q("bind", "lesson", "address already in use", (r"lsof",), marker=r"lsof"),
        stumble(
            "cd api && go run ./cmd/api",
            "listen tcp :8081: bind: address already in use",
            [("lsof -ti:8081 | xargs kill", "")],
            'level=INFO msg="listening" addr=:8081',
            "An old api process holds the port: `lsof -ti:8081 | xargs kill` before starting another.",
            "listen tcp :8081: bind: address already in use",
        ),
        within(max(dial.port_day, 18), 25),
    )
    log(
        q("seed", "inbox", "demo tenants", (r"seed-demo",), marker=r"seed-demo"),
        note("Note to self: `make seed-demo` creates three demo tenants with a week of telemetry."),
        within(4, 10),
    )
    log(
        q("flags", "inbox", "feature flags", (r"unleash",), marker=r"unleash"),
        note("Feature flags come from Unleash (UNLEASH_URL in .env); flags default to off when it is unreachable."),
        within(12, 18),
    )
    log(
        q("demo", "event", "board demo", (r"tuesday",), marker=r"board"),
        user("the board demo is next tuesday, so keep main deployable this week please"),
        within(24, 27),
    )
    log(
        q("outage", "event", "cert renewal outage", (r"outage|down",), expired=True, marker=r"cert renewal"),
        user("prod was down for 20 minutes this morning because the cert renewal failed, it's back now"),
        [0],
    )
    log(
        q("chi", "prompt", "router library", (r"chi",), marker=r"\bchi\b"),
        user("we use chi for routing, don't pull in gin or echo"),
        within(2, 5),
    )
    log(
        q("tenant_ctx", "prompt", "tenant id", (r"context",), marker=r"tenant"),
        user(
            "rule of thumb: handlers never read the tenant id from the query string, always from the request context (middleware puts it there)"
        ),
        within(8, 12),
    )
    return out, asked


# fmt.Println belongs to the ground rules too (a labelling slip found after the first run: the logging rule's
# second sentence); the others are the announcements of changed values.
SUPPORT_MARKERS = [r"8081", r"go 1\.22", r"jump\.eu", r"\bnpm\b", r"fmt\.Println"]


def build_session(b: SessionBuilder, rng: random.Random, day: int, dial: Dial, entries: list[Entry]) -> None:
    b.start(rng.choice(OPENERS))
    steps = rng.randint(4, 32)
    marks = sorted(rng.randint(0, steps) for _ in entries)
    done = 0
    for mark, entry in zip(marks, entries, strict=True):
        chores(b, rng, day, dial, mark - done)
        done = mark
        entry(b, rng, day, dial)
    chores(b, rng, day, dial, steps - done)
    if rng.random() < 0.3:
        b.prompt(rng.choice(REPLIES))
        chores(b, rng, day, dial, rng.randint(1, 4))
    if b.tool_count >= 22 and rng.random() < 0.45:
        run = "bun run" if dial.js(day) == "bun" else "npm run"
        b.note_inbox([rng.choice([f"api tests: `cd api && {dial.tests(day)}`", f"dashboard checks: `cd dashboard && {run} check`",
                                  "lint: `cd api && golangci-lint run ./...`"])])  # fmt: skip
    b.finish(
        rng.choice(["Done.", "All green.", "Fixed; the package tests pass.", "Pushed nothing, changes are local."])
    )


def build_month(rng: random.Random, first_day: datetime, root: str) -> Month:
    dial = Dial(rng)
    entries, asked = diary(rng, dial)
    by_day: dict[int, list[Entry]] = {}
    questions: list[Question] = []
    for day, entry, question in entries:
        by_day.setdefault(day, []).append(entry)
        if question is not None:
            questions.append(Question(**{**question.__dict__, "day": day}))
    questions += [Question(**{**question.__dict__, "day": day}) for day, question in asked]
    sessions: list[Session] = []
    for day in range(DAYS):
        count = rng.randint(5, 8)
        todo = by_day.get(day, [])
        shares: list[list[Entry]] = [[] for _ in range(count)]
        for entry in todo:
            shares[rng.randrange(count)].append(entry)
        for minute, share in zip(sorted(rng.sample(range(8 * 60, 23 * 60, 13), count)), shares, strict=True):
            session = Session(session_id(rng), first_day + timedelta(days=day, minutes=minute), root)
            build_session(SessionBuilder(session, rng), rng, day, dial, share)
            sessions.append(session)
    sessions.sort(key=lambda s: s.start)
    return Month(sessions, questions, first_day, DAYS, [q.marker for q in questions] + SUPPORT_MARKERS)
