"""The words of the tuning month ("ledgerly"): the project's vocabulary, the tasks people ask for, and the
phrasings of every planted fact, several per fact (:mod:`tests.corpus.memory_ledgerly` builds the month)."""

# ruff: noqa: E501  (prompts are data: as long as people write them)

from __future__ import annotations

WORDS = ["invoice", "customer", "payment", "refund", "tax", "currency", "ledger", "report", "export", "webhook",
         "reminder", "discount", "account", "statement", "line_item", "credit_note", "vendor", "receipt"]  # fmt: skip
BACKEND = [
    "app/api/invoices.py", "app/api/customers.py", "app/api/payments.py", "app/services/billing.py",
    "app/services/pdf.py", "app/services/payments_client.py", "app/models.py", "app/db.py", "app/settings.py",
    "app/tasks/reminders.py", "tests/api/test_invoices.py", "tests/api/test_customers.py",
    "tests/api/test_payments.py", "tests/services/test_billing.py", "tests/services/test_pdf.py",
    "tests/tasks/test_reminders.py", "migrations/env.py",
]  # fmt: skip
FRONTEND = [
    "web/src/App.tsx", "web/src/pages/Invoices.tsx", "web/src/pages/Customers.tsx", "web/src/api/client.ts",
    "web/src/components/InvoiceTable.tsx", "web/src/components/InvoiceTable.test.tsx", "web/src/pages/Invoices.test.tsx",
    "web/vite.config.ts",
]  # fmt: skip

TASKS = [
    "Fix the failing test in tests/api/test_{w}s.py.",
    "The /api/{w}s endpoint returns a 500 when the list is empty, can you look into it?",
    "Add pagination to the {w} list endpoint (page and page_size query params).",
    "Refactor app/services/billing.py so the {w} totals are computed in one place.",
    "Why is the {w} page so slow? It takes 4 seconds to load.",
    "Write tests for the {w} export.",
    "Rename {w}_id to {v}_id in the API responses, the frontend too.",
    "The {w} form accepts negative amounts, it shouldn't.",
    "Can you add a CSV export for {w}s?",
    "Update the {w} reminder email template with the new wording from marketing.",
    "There's a flaky test around {w}s, figure out why it fails sometimes.",
    "Make the {w} table sortable by date.",
    "Hook the {w} webhook up to the payments service.",
    "Add an index on {w}s.created_at, the report query is slow.",
    "we need a {w} summary on the dashboard",
    "look at the {w} rounding, customers see 0.01 differences",
]
PASTES = [
    'Here\'s the traceback from staging:\n```\nTraceback (most recent call last):\n  File "app/api/{w}s.py", line 88, in list_{w}s\n'
    "    return [serialize(x) for x in rows]\nKeyError: 'currency'\n```\nWhat's going on?",
    "This helper looks wrong to me:\n```python\ndef {w}_total(rows):\n    # never returns None, always a Decimal\n"
    "    return sum(r.amount for r in rows)\n```\nShouldn't it skip voided rows?",
    "Seeing this in the browser console:\n    TypeError: Cannot read properties of undefined (reading 'total')\n"
    "        at {W}Table (InvoiceTable.tsx:42:17)\nAlways on the second page. Fix it please.",
]
FOLLOW_UPS = [
    "Looks good, thanks.", "Can you also add a test for the empty case?", "ok commit it", "Run the whole suite once more.",
    "Hmm, that changed the API response shape, please keep the old field too for now.",
    "Don't change the fixture for now, just the assertion.", "great", "Now the frontend part.",
    "Keep the PR small, split the refactor out.", "What does the export look like now?",
]  # fmt: skip
FINALS = [
    "Done: the {w} change is in and the tests pass.", "Fixed. All {n} tests pass.",
    "That's finished; the {w} endpoint now handles the empty case.", "Done — committed as a single change.",
]  # fmt: skip

THIRD_PARTY = [
    "Never edit anything under third_party/, it's vendored from upstream.",
    "Please don't ever touch files in third_party/ — we sync it from upstream and local edits get lost.",
    "third_party/ is off-limits: never modify it, patch around it instead.",
    "Reminder: nothing under third_party/ gets edited by hand, ever.",
    "Do not edit anything in third_party/. If something there is broken, tell me.",
]
LINT_PUSH = [
    "Run the linters before any push.",
    "Always run the linters before you push anything.",
    "Before every push, run the linters (ruff and eslint) — CI rejects lint errors.",
    "Make sure the linters pass before any push, every time.",
    "From now on, lint before pushing. Every single push.",
]
COMMITS = [
    "Commit messages follow Conventional Commits (feat:, fix:, chore: ...).",
    "We use Conventional Commits for commit messages, so prefix them with feat:/fix:/chore:.",
    "Our commit message convention is Conventional Commits — please stick to it.",
    "Please write commit messages in the Conventional Commits style.",
    "commit messages must follow conventional commits, e.g. `fix: round invoice totals`",
]
NO_PRINT = [
    "No print() in library code — use the logger.",
    "Please never use print() in the app package, use logging instead.",
    "I don't want print() calls in library code; log with `log.debug` instead.",
    "No `print()` statements in app/, always go through the logger.",
    "Avoid print() anywhere in library code, we use the logging module.",
]
NPM_OLD = [
    "We use npm for the frontend.", "The frontend uses npm, run its scripts with `npm run`.",
    "fyi the web app is built with npm",
]  # fmt: skip
PNPM_SWITCH = [
    "We switched the frontend from npm to pnpm, please use pnpm from now on.",
    "Heads up: we moved to pnpm. Don't use npm in web/ anymore.",
    "The frontend now uses pnpm instead of npm (I deleted package-lock.json).",
    "From today on it's pnpm, not npm, for everything in web/.",
    "We're on pnpm now for the frontend; npm is gone.",
]
PORT_MOVE = [
    "I moved the dev server to port 5174, 5173 clashes with another project of mine.",
    "The vite dev server runs on 5174 now (changed it in vite.config.ts).",
    "Note: dev server port is 5174 from now on.",
    "I changed the frontend port to 5174 because something else grabs 5173.",
]
NODE_UPGRADE = [
    "I upgraded my machine to Node 22.", "FYI I'm on Node 22 now, the project should work with it.",
    "We bumped Node to 22 across the team.",
]  # fmt: skip
HOST_MOVE = [
    "Staging moved to staging-2.ledgerly.dev, the old box is being retired.",
    "The staging host is now staging-2.ledgerly.dev.",
    "Use staging-2.ledgerly.dev for staging from now on, staging.ledgerly.dev is gone.",
]
TEST_SWITCH = [
    "Use `uv run pytest` instead of `make test` from now on, the Makefile target is going away.",
    "Please run the backend tests with `uv run pytest` now, not make test.",
    "We dropped the Makefile; tests run with `uv run pytest`.",
    "The test command is `uv run pytest` now.",
]
FORMATTER = [
    "We dropped black, ruff format does the formatting now.",
    "Use `ruff format` instead of black from now on.",
    "Formatting is ruff format now, we removed black from the dev dependencies.",
]
FIXTURES = [
    "Always write tests with pytest fixtures, never unittest.TestCase classes.",
    "I prefer plain pytest functions with fixtures over unittest.TestCase.",
    "Tests should use pytest fixtures; no unittest-style TestCase classes please.",
]
SMALL_COMMITS = [
    "I prefer small, focused commits.", "Keep commits small and focused, one change per commit, always.",
    "please always make small commits, I review them one by one",
]  # fmt: skip
DEPLOY = [
    "We deploy with GitHub Actions, the workflow is .github/workflows/deploy.yml.",
    "Deploys run through GitHub Actions (deploy.yml), never deploy from a laptop.",
    "Our deploy pipeline is the deploy.yml workflow in GitHub Actions.",
]
QA_DB = [
    "The shared QA database runs on qa-db.ledgerly.internal.",
    "Remember: the QA Postgres host is qa-db.ledgerly.internal.",
    "QA uses the database at qa-db.ledgerly.internal, not the local one.",
]
HTTPX = [
    "I'll use httpx instead of requests for the payments client, since we need async.",
    "Decision: the payments client uses httpx rather than requests (async support).",
    "I'm going to switch the payments client to httpx; requests has no async API.",
]
CENTS = [
    "I decided to store money amounts as integer cents instead of floats, to avoid rounding errors.",
    "Going with integer cents for all money amounts; Decimal only at the edges.",
    "We'll store amounts as integer cents rather than floats from here on.",
]
SEED = [
    "`make seed` loads the demo data into the dev database.",
    "Run `make seed` to get demo customers and invoices locally.",
    "Demo data: `make seed` (needs the db container up).",
]
PLAYWRIGHT = [
    "The e2e tests need `pnpm exec playwright install chromium` once before they run.",
    "Playwright browsers are not installed by default: run `pnpm exec playwright install chromium`.",
]
STAGING_DOWN = [
    "Heads up: staging is down today for the database upgrade.",
    "Staging is offline until tomorrow, the ops team is migrating the database.",
]
RELEASE = [
    "Release 2.4 is scheduled for Thursday, so let's wrap up the invoice work by Wednesday.",
    "FYI release 2.4 goes out on Thursday.",
]
SANDBOX = [
    "The payments provider sandbox is flaky this week, retry before you debug.",
    "Heads up, the payments sandbox has been flaky since Monday.",
]
