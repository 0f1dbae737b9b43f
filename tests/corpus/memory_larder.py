"""The third held-out month: "larder", a Rails 7.1 app for planning a household's meals (Hotwire, Postgres,
background jobs, esbuild through yarn, RSpec, RuboCop), deployed with Kamal.

Written in round 2, after the instruction fixes, by a fourth scheme: a sprint board. Each fact comes with the
ticket whose work brings it up (upgrading Ruby brings the version mismatch, the new version in ``ruby -v`` and
the teammate's note; moving the jobs off Sidekiq brings the announcement and the new command), spread over the
one to three sessions the ticket takes; the other sessions work on filler tickets. Facts are said the ways a
Rails team says them in chat: a Slack message forwarded into the prompt, a rule given in passing in a question
("since we squash-merge, ..."), a second-person prohibition, a PSA, a convention stated as how things are; the
agent decides inside a numbered plan; several facts arrive only as the lesson of a real-looking recovery
(Bundler, pending migrations, a missing binstub, a stale server pid, a missing esbuild, a refused database, a
Ruby version mismatch). Its questions are typed as one looks something up. Run once for the blind figures.
"""

# ruff: noqa: E501  (prompts and tool output are data: as long as people and tools write them)

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.corpus.memory_larder_work import World, chores
from tests.corpus.memory_month import Month, Question, Session, SessionBuilder, session_id

DAYS = 30
Beat = Callable[[SessionBuilder, random.Random, int, World], None]


@dataclass
class Ticket:
    key: str
    opener: str  # what the person types to start the first session of the ticket
    days: list[int]  # one session per day
    beats: list[tuple[int, Beat]] = field(default_factory=list)  # (which of its sessions, what happens)


def say(text: str) -> Beat:
    return lambda b, rng, day, w: b.prompt(text)


def agent(text: str) -> Beat:
    return lambda b, rng, day, w: b.say(text)


def run(command: Callable[[int, World], str], output: Callable[[int, World], str]) -> Beat:
    return lambda b, rng, day, w: b.bash(command(day, w), output(day, w))


def inbox(text: str) -> Beat:
    return lambda b, rng, day, w: b.note_inbox([text])


def recovery(failed: str, error: str, steps: list[tuple[str, str]], then: str, truth: dict[str, str]) -> Beat:
    """A failed command, what the agent ran to remove the cause (or the command it ran instead), and the result."""

    def beat(b: SessionBuilder, rng: random.Random, day: int, w: World) -> None:
        b.bash(failed, error, exit_code=1, lesson={"failed": failed, **truth})
        b.think(rng.choice(["The error says what is missing.", "Not a code problem; the environment is off."]))
        for command, output in steps:
            b.bash(command, output)
        if then:
            b.bash(failed, then)

    return beat


def board(rng: random.Random, w: World) -> tuple[list[Ticket], list[tuple[Question, int]]]:
    """The sprint board: every ticket that plants something, and each question with the day it is planted."""
    q = Question
    asked: list[tuple[Question, int]] = []
    tickets: list[Ticket] = []

    def add(ticket: Ticket, *questions: Question) -> None:
        tickets.append(ticket)
        asked.extend((question, ticket.days[0]) for question in questions)

    def span(low: int, high: int, n: int = 1) -> list[int]:
        start = rng.randint(low, high)
        return list(range(start, min(DAYS, start + n)))

    add(
        Ticket("LAR-201", "the recipe import from URLs breaks on sites with JSON-LD arrays, can you look", span(0, 2, 2),
               [(0, say("fwiw you don't ever run db:reset or db:drop on this box — the dev db has the seeded households Dana spent a week on. if you need a clean db use the test env"))]),
        q("db_reset", "prompt", "can I reset the dev database", (r"db:(?:reset|drop)",), key=True, marker=r"db:reset|db:drop"),
    )  # fmt: skip
    add(
        Ticket("LAR-204", "Extract the shopping list builder out of the controller, it's 180 lines", span(1, 4, 2),
               [(0, say("context: service objects live in app/services and return a Dry::Monads Result, nothing raises out of them. controllers just pattern match on Success/Failure")),
                (1, agent("Plan:\n1. Move the aggregation into `ShoppingList::Build` under app/services.\n2. I'll use `pundit` policies for the household check rather than adding more `current_user.admin?` conditionals.\n3. Request specs for the endpoint."))]),
        q("services", "prompt", "where do service objects go", (r"app/services",), key=True, marker=r"app/services"),
        q("pundit", "decision", "authorization checks library", (r"pundit",), marker=r"pundit"),
    )  # fmt: skip
    add(
        Ticket("LAR-207", "can you rename this PR to something sensible and push the fixups", span(3, 6),
               [(0, say("since we squash-merge everything the branch commits don't matter, but the PR title has to be a conventional commit (feat: / fix: / chore: ...) because release-please reads it. can you rename this one?"))]),
        q("pr_title", "prompt", "pull request title format", (r"conventional commit",), key=True, marker=r"release-please|conventional commit"),
    )  # fmt: skip
    add(
        Ticket("LAR-210", "Meal plan page: the week view shows Sunday first, we want Monday", span(2, 5, 2),
               [(0, run(lambda d, x: "git diff --stat", lambda d, x: " app/controllers/meal_plans_controller.rb | 4 ++--\n app/views/meal_plans/week.html.erb      | 9 +++++----\n 2 files changed, 7 insertions(+), 6 deletions(-)")),
                (0, say("also pls no `puts` / `pp` / `binding.irb` left in app/ — use Rails.logger.debug if you need output. I saw a puts in the last diff")),
                (1, say("keep PRs under ~400 lines of diff, split anything bigger into stacked PRs"))]),
        q("puts", "prompt", "debug output in app code", (r"Rails\.logger",), key=True, marker=r"Rails\.logger"),
        q("pr_size", "prompt", "how big can a pull request be", (r"400",), key=True, marker=r"400 lines"),
    )  # fmt: skip
    add(
        Ticket("LAR-214", "Pantry items need an expiry date, with a reminder job the day before", span(5, 8, 2),
               [(0, say("jobs run on sidekiq for now, start it with `bundle exec sidekiq` next to bin/dev")),
                (0, run(lambda d, x: "bundle exec sidekiq -q default -q mailers", lambda d, x: "2026-10-08T09:14:03.512Z pid=51622 tid=3r6 INFO: Booted Rails 7.1.3.2 application in development environment\n2026-10-08T09:14:03.513Z pid=51622 tid=3r6 INFO: Running in ruby 3.2.2 (2023-03-30 revision e51014f9c0) [x86_64-linux]\n2026-10-08T09:14:03.513Z pid=51622 tid=3r6 INFO: Sidekiq 7.2.4 connecting to Redis with options {:size=>10, :pool_name=>\"internal\", :url=>\"redis://localhost:6380/0\"}")),
                (1, agent("Going with ViewComponent for the pantry cards instead of plain partials, so each card state gets a unit spec."))]),
        q("viewcomponent", "decision", "pantry cards partials or components", (r"ViewComponent",), marker=r"ViewComponent"),
    )  # fmt: skip
    add(
        Ticket("LAR-230", "Move background jobs off sidekiq onto Solid Queue (ticket has the plan)", [w.queue_day, w.queue_day + 1],
               [(0, say("PSA: as of today jobs go through Solid Queue, sidekiq and redis-for-jobs are gone. run the worker with `bin/jobs`, not bundle exec sidekiq")),
                (1, run(lambda d, x: "bin/jobs", lambda d, x: "SolidQueue-0.3.0 Started Supervisor (12.4ms)  pid: 61240, hostname: \"dev\", process_id: 1\nSolidQueue-0.3.0 Started Dispatcher (8.1ms)  pid: 61242, hostname: \"dev\"\nSolidQueue-0.3.0 Started Worker (9.9ms)  pid: 61243, hostname: \"dev\", polling_interval: 0.1, queues: \"*\""))]),
        q("jobs", "prompt", "background job backend worker", (r"Solid Queue|bin/jobs",), (r"sidekiq",), key=True, marker=r"Solid Queue|sidekiq"),
    )  # fmt: skip
    add(
        Ticket("LAR-222", "Upgrade to Ruby 3.3 (Gemfile + .ruby-version are already bumped on main)", [w.ruby_day],
               [(0, recovery(
                   "bundle install",
                   "Your Ruby version is 3.2.2, but your Gemfile specified 3.3.1",
                   [("rbenv install 3.3.1", "==> Downloading ruby-3.3.1.tar.gz...\n==> Installing ruby-3.3.1...\n==> Installed ruby-3.3.1 to /root/.rbenv/versions/3.3.1")],
                   "Bundle complete! 86 Gemfile dependencies, 214 gems now installed.\nUse `bundle info [gemname]` to see where a bundled gem is installed.",
                   {"fix": "rbenv install 3.3.1", "fix_kind": "prepare", "error_line": "Your Ruby version is 3.2.2, but your Gemfile specified 3.3.1",
                    "lesson": "After a Ruby bump the new version must be installed with rbenv (`rbenv install 3.3.1`) before `bundle install`."})),
                (0, run(lambda d, x: "ruby -v", lambda d, x: "ruby 3.3.1 (2024-04-23 revision c56cd86388) [x86_64-linux]"))]),
        q("rbenv", "lesson", "gemfile specified a different ruby version", (r"rbenv install",), marker=r"rbenv install"),
    )  # fmt: skip
    add(
        Ticket("LAR-218", "Signup emails: add a welcome mail with the first week's plan", span(6, 10, 2),
               [(0, recovery(
                   "bundle exec rspec spec/mailers",
                   "Could not find pg-1.5.6, letter_opener_web-3.0.0 in locally installed gems\nRun `bundle install` to install missing gems.",
                   [("bundle install", "Fetching pg 1.5.6\nInstalling pg 1.5.6 with native extensions\nFetching letter_opener_web 3.0.0\nInstalling letter_opener_web 3.0.0\nBundle complete! 86 Gemfile dependencies, 214 gems now installed.")],
                   "........\n\nFinished in 1.84 seconds (files took 2.31 seconds to load)\n8 examples, 0 failures",
                   {"fix": "bundle install", "fix_kind": "prepare", "error_line": "Could not find pg-1.5.6, letter_opener_web-3.0.0 in locally installed gems",
                    "lesson": "After pulling, gems may be missing: run `bundle install` before the specs."})),
                (1, inbox("Dev mail never leaves the box: letter_opener_web shows it at /letter_opener; mailer previews are at /rails/mailers."))]),
        q("bundle", "lesson", "could not find gem in locally installed gems", (r"bundle install",), key=True, marker=r"bundle install"),
        q("letter_opener", "inbox", "where do dev emails go", (r"letter_opener",), marker=r"letter_opener"),
    )  # fmt: skip
    add(
        Ticket("LAR-220", "Recipe scaling: servings field + scale ingredients on the fly", span(9, 13, 2),
               [(0, recovery(
                   "bundle exec rspec spec/requests/recipes_spec.rb",
                   "An error occurred while loading ./spec/requests/recipes_spec.rb.\nFailure/Error: ActiveRecord::Migration.maintain_test_schema!\n\nActiveRecord::PendingMigrationError:\n\n  Migrations are pending. To resolve this issue, run:\n\n          bin/rails db:migrate RAILS_ENV=test\n\n  You have 1 pending migration:\n\n  20261014093011_add_servings_to_recipes.rb\n# ./spec/rails_helper.rb:31:in `<top (required)>'\nNo examples found.",
                   [("bin/rails db:migrate RAILS_ENV=test", "== 20261014093011 AddServingsToRecipes: migrating ==========================\n-- add_column(:recipes, :servings, :integer, {:default=>2, :null=>false})\n   -> 0.0041s\n== 20261014093011 AddServingsToRecipes: migrated (0.0042s) =================")],
                   "..............\n\nFinished in 3.02 seconds (files took 2.2 seconds to load)\n14 examples, 0 failures",
                   {"fix": "bin/rails db:migrate RAILS_ENV=test", "fix_kind": "prepare", "error_line": "ActiveRecord::PendingMigrationError:",
                    "lesson": "Pending migrations stop the specs from loading: run `bin/rails db:migrate RAILS_ENV=test` first."})),
                (1, say("for the record, request specs are what we write here, not controller specs. controller specs are legacy and get deleted when touched"))]),
        q("pending", "lesson", "migrations are pending in the test environment", (r"RAILS_ENV=test",), marker=r"RAILS_ENV=test"),
        q("request_specs", "prompt", "request specs or controller specs", (r"request specs",), marker=r"request specs"),
    )  # fmt: skip
    add(
        Ticket("LAR-225", "Flaky spec in spec/models/recipe_spec.rb, see CI run 4411", span(4, 8),
               [(0, recovery(
                   "rspec spec/models/recipe_spec.rb",
                   "/bin/bash: line 1: rspec: command not found",
                   [("bundle exec rspec spec/models/recipe_spec.rb", "....................\n\nFinished in 0.91 seconds (files took 2.05 seconds to load)\n20 examples, 0 failures")],
                   "",
                   {"fix": "bundle exec rspec spec/models/recipe_spec.rb", "fix_kind": "replace", "error_line": "rspec: command not found",
                    "lesson": "rspec is not on the PATH here: run specs through Bundler (`bundle exec rspec ...`)."}))]),
        q("bundle_exec", "lesson", "rspec command not found", (r"bundle exec rspec",), key=True, marker=r"bundle exec rspec"),
    )  # fmt: skip
    add(
        Ticket("LAR-228", "Start the app and click through the new onboarding, tell me what looks off", span(13, 17),
               [(0, recovery(
                   f"bin/rails server -p {w.port(0)}",
                   "=> Booting Puma\n=> Rails 7.1.3.2 application starting in development\n=> Run `bin/rails server --help` for more startup options\nA server is already running (pid: 48121, file: /srv/larder/tmp/pids/server.pid).\nExiting",
                   [("kill $(cat tmp/pids/server.pid)", "")],
                   f"=> Booting Puma\n=> Rails 7.1.3.2 application starting in development\nPuma starting in single mode...\n* Puma version: 6.4.2 (ruby 3.3.1-p55) (\"The Eagle of Durango\")\n* Listening on http://127.0.0.1:{w.port(0)}\nUse Ctrl-C to stop",
                   {"fix": "kill $(cat tmp/pids/server.pid)", "fix_kind": "prepare", "error_line": "A server is already running (pid: 48121, file: /srv/larder/tmp/pids/server.pid).",
                    "lesson": "A stale Puma holds tmp/pids/server.pid: kill it (`kill $(cat tmp/pids/server.pid)`) before starting the server."}))]),
        q("server_pid", "lesson", "a server is already running pid file", (r"server\.pid",), marker=r"server\.pid"),
    )  # fmt: skip
    add(
        Ticket("LAR-231", "The JS bundle is stale in dev, the new Stimulus controller isn't loaded", span(15, 20),
               [(0, recovery(
                   "yarn build",
                   "yarn run v1.22.22\n$ esbuild app/javascript/*.* --bundle --sourcemap --format=esm --outdir=app/assets/builds --public-path=/assets\n/bin/sh: 1: esbuild: not found\nerror Command failed with exit code 127.\ninfo Visit https://yarnpkg.com/en/docs/cli/run for documentation about this command.",
                   [("yarn install", "yarn install v1.22.22\n[1/4] Resolving packages...\n[2/4] Fetching packages...\n[3/4] Linking dependencies...\n[4/4] Building fresh packages...\nDone in 6.41s.")],
                   "yarn run v1.22.22\n$ esbuild app/javascript/*.* --bundle --sourcemap --format=esm --outdir=app/assets/builds --public-path=/assets\n\n  app/assets/builds/application.js      412.3kb\n  app/assets/builds/application.js.map  801.0kb\n\nDone in 0.38s.",
                   {"fix": "yarn install", "fix_kind": "prepare", "error_line": "/bin/sh: 1: esbuild: not found",
                    "lesson": "esbuild comes from node_modules: run `yarn install` before `yarn build`."}))]),
        q("esbuild", "lesson", "esbuild not found yarn build", (r"yarn install",), marker=r"yarn install"),
    )  # fmt: skip
    add(
        Ticket("LAR-233", "run the migrations for the pantry tables and seed a household", span(11, 16),
               [(0, recovery(
                   "bin/rails db:migrate",
                   "bin/rails aborted!\nActiveRecord::ConnectionNotEstablished: connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n\n\nCaused by:\nPG::ConnectionBad: connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n\nTasks: TOP => db:migrate\n(See full trace by running task with --trace)",
                   [("docker compose up -d db", " ✔ Container larder-db-1  Started")],
                   "== 20261020110412 CreatePantryItems: migrating ===============================\n-- create_table(:pantry_items)\n   -> 0.0112s\n== 20261020110412 CreatePantryItems: migrated (0.0113s) ======================",
                   {"fix": "docker compose up -d db", "fix_kind": "prepare", "error_line": "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused",
                    "lesson": "Postgres runs in docker compose: start it (`docker compose up -d db`) before migrating."})),
                (0, inbox("Demo household: `bin/rails larder:demo_seed` creates 3 users and 40 recipes (idempotent)."))]),
        q("pg_refused", "lesson", "postgres connection refused port 5432", (r"docker compose up -d db",), marker=r"up -d db"),
        q("demo_seed", "inbox", "seed demo data", (r"larder:demo_seed",), marker=r"demo_seed"),
    )  # fmt: skip
    add(
        Ticket("LAR-236", "bin/dev boots on the wrong port for me, check Procfile.dev", [w.port_day],
               [(0, say(f"moved the app to port {w.port(DAYS)} locally (PORT in .env), 3000 is taken by my other project. the Procfile reads PORT"))]),
        q("port", "output", "local dev server port", (rf"{w.port(DAYS)}",), (r"\b3000\b",), key=True, marker=rf"\b{w.port(DAYS)}\b|\b3000\b"),
    )  # fmt: skip
    add(
        Ticket("LAR-240", "Forwarding a thing from Slack, then: the flag for the new planner", span(17, 22),
               [(0, say("Forwarding from @dana in #eng:\n> Reminder: feature flags live in Flipper (UI at /flipper). Please don't add ENV-based flags anymore, they never get cleaned up.\nso: put the new planner behind a Flipper flag `planner_v2`, off by default"))]),
        q("flipper", "prompt", "feature flags", (r"Flipper",), marker=r"Flipper"),
    )  # fmt: skip
    add(
        Ticket("LAR-244", "Release prep for 2.0", [w.freeze_day],
               [(0, say("heads up: code freeze from thursday 6pm until the 2.0 launch on monday, nothing merges to main in that window"))]),
        q("freeze", "event", "code freeze", (r"freeze",), marker=r"code freeze"),
    )  # fmt: skip
    add(
        Ticket("LAR-199", "checkout specs are red this morning", [0],
               [(0, say("stripe's test mode is having an outage today, skip the checkout specs until it's back"))]),
        q("stripe", "event", "stripe outage", (r"stripe",), expired=True, marker=r"test mode is having an outage"),
    )  # fmt: skip
    for day in sorted(rng.sample(range(0, w.ruby_day), 2)):
        add(
            Ticket(
                "LAR-2xx",
                "quick one: does the app boot on your end?",
                [day],
                [
                    (
                        0,
                        run(
                            lambda d, x: "ruby -v",
                            lambda d, x: "ruby 3.2.2 (2023-03-30 revision e51014f9c0) [x86_64-linux]",
                        ),
                    )
                ],
            )
        )
    add(
        Ticket("LAR-246", "which ruby are we on again, CI says something odd", sorted(rng.sample(range(w.ruby_day + 1, DAYS), 2)),
               [(0, run(lambda d, x: "ruby -v", lambda d, x: "ruby 3.3.1 (2024-04-23 revision c56cd86388) [x86_64-linux]"))]),
        q("ruby", "output", "ruby version", (r"3\.3\.1",), (r"3\.2\.2",), key=True, marker=r"ruby (?:version|3\.)"),
    )  # fmt: skip
    add(
        Ticket("LAR-212", "what versions are we running, I'm filling in the security questionnaire", span(2, 9),
               [(0, run(lambda d, x: "bin/rails -v", lambda d, x: "Rails 7.1.3.2")),
                (0, run(lambda d, x: "docker compose exec db psql --version", lambda d, x: "psql (PostgreSQL) 15.6 (Debian 15.6-1.pgdg120+2)"))]),
        q("rails", "output", "rails version", (r"7\.1\.3",), marker=r"Rails 7\.1|rails version"),
        q("postgres", "output", "postgres version", (r"15\.6",), marker=r"postgres"),
    )  # fmt: skip
    add(
        Ticket("LAR-237", "is prod healthy? someone said the planner 500s", span(12, 25),
               [(0, run(lambda d, x: "ssh deploy@app1.larder.cloud 'docker ps --format \"{{.Names}} {{.Status}}\"'", lambda d, x: "larder-web-4f2c1a Up 3 days (healthy)\nlarder-jobs-4f2c1a Up 3 days\nkamal-proxy Up 12 days"))]),
        q("prod_host", "output", "production server host", (r"app1\.larder\.cloud",), marker=r"larder\.cloud"),
    )  # fmt: skip
    add(
        Ticket("LAR-226", "redis keeps refusing connections from the cache store, check compose", span(3, 9),
               [(0, run(lambda d, x: "docker compose ps", lambda d, x: "NAME             IMAGE         COMMAND                  SERVICE   CREATED      STATUS      PORTS\nlarder-db-1      postgres:15   \"docker-entrypoint.s…\"   db        2 days ago   Up 2 days   0.0.0.0:5432->5432/tcp\nlarder-redis-1   redis:7.2     \"docker-entrypoint.s…\"   redis     2 days ago   Up 2 days   0.0.0.0:6380->6379/tcp"))]),
        q("redis_port", "output", "redis port", (r"6380",), marker=r"6380"),
    )  # fmt: skip
    return tickets, asked


# Planted statements asked about only through another question (supersessions' announcements, a second rule in
# one prompt): their facts are planted facts for precision.
SUPPORT_MARKERS = [r"sidekiq", r"3\.3\.1", r"\b3100\b|\b3000\b", r"Success/Failure", r"stacked PRs", r"controller specs",
                   r"ENV-based flags", r"planner_v2", r"clean db"]  # fmt: skip

OPENERS = [
    "the grocery export to CSV drops the quantity column, fix pls",
    "Household invites expire after 24h but the email says 7 days. make them agree (7 days)",
    "n+1 on the recipes index when tags are shown, bullet is yelling",
    "can you add a 'duplicate this week' button to the meal plan",
    "Why does the pantry page take 3s to render for big households?",
    "turbo frame for the shopping list doesn't refresh after checking an item",
    "write request specs for the households API, there are none",
    "rubocop is complaining about the importer, clean it up",
    "the ingredient parser thinks '1 1/2 cups' is 11/2 cups",
    "Add a print stylesheet for the weekly plan",
]
REPLIES = ["nice", "ship it", "hmm ok, also check the mobile layout", "run the whole suite once more", "ty!"]


def build_session(b: SessionBuilder, rng: random.Random, day: int, w: World, opener: str, beats: list[Beat]) -> None:
    b.start(opener)
    steps = rng.randint(5, 30)
    marks = sorted(rng.randint(0, steps) for _ in beats)
    done = 0
    for mark, beat in zip(marks, beats, strict=True):
        chores(b, rng, day, w, mark - done)
        done = mark
        beat(b, rng, day, w)
    chores(b, rng, day, w, steps - done)
    if rng.random() < 0.3:
        b.prompt(rng.choice(REPLIES))
        chores(b, rng, day, w, rng.randint(1, 4))
    if b.tool_count >= 20 and rng.random() < 0.4:
        b.note_inbox([rng.choice([f"specs: `{w.specs(day)}`", "lint: `bundle exec rubocop`", "assets: `yarn build`"])])
    b.finish(
        rng.choice(["Done — specs are green.", "Fixed and covered by a request spec.", "All done; nothing pushed yet."])
    )


def build_month(rng: random.Random, first_day: datetime, root: str) -> Month:
    w = World(rng)
    tickets, asked = board(rng, w)
    work: dict[int, list[tuple[str, list[Beat]]]] = {}
    for ticket in tickets:
        for index, day in enumerate(ticket.days):
            opener = (
                ticket.opener
                if index == 0
                else f"continuing {ticket.key}: {rng.choice(['where were we', 'pick up where you left off', 'finish it'])}"
            )
            beats = [beat for at, beat in ticket.beats if at == index]
            work.setdefault(day, []).append((opener, beats))
    questions = [Question(**{**question.__dict__, "day": day}) for question, day in asked]
    sessions: list[Session] = []
    for day in range(DAYS):
        planned = work.get(day, [])
        count = max(len(planned), rng.randint(5, 8))
        slots = planned + [(rng.choice(OPENERS), []) for _ in range(count - len(planned))]
        rng.shuffle(slots)
        for minute, (opener, beats) in zip(sorted(rng.sample(range(8 * 60, 23 * 60, 11), count)), slots, strict=True):
            session = Session(session_id(rng), first_day + timedelta(days=day, minutes=minute), root)
            build_session(SessionBuilder(session, rng), rng, day, w, opener, beats)
            sessions.append(session)
    sessions.sort(key=lambda s: s.start)
    return Month(sessions, questions, first_day, DAYS, [q.marker for q in questions] + SUPPORT_MARKERS)
