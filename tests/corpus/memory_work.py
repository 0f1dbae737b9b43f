"""Ordinary work for the generated month: the realistic bulk around the planted facts (reading code, editing,
running tests that fail and pass, linting, git), with outputs shaped like the real tools'. Shared by the
tuning and the held-out phrasebooks, which supply the project's vocabulary and its commands of the day."""

# ruff: noqa: E501  (transcript text is data: its lines are as long as the tools print them)

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.corpus.memory_month import SessionBuilder


@dataclass
class Project:
    """What ordinary work needs to know of a project, as of one day."""

    name: str
    root: str
    backend: list[str]  # source files
    frontend: list[str]
    words: list[str]  # domain words (invoice, customer, ...)
    python: str  # the Python version pytest prints
    test: str  # the backend test command of the day
    lint: str  # the lint command of the day
    frontend_test: str
    frontend_lint: str
    extra_checks: list[str] = field(default_factory=list)


def pick(rng: random.Random, options: list[str] | tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]


def python_source(rng: random.Random, words: list[str], lines: int) -> str:
    """A plausible Python module."""
    out = ['"""' + pick(rng, words).capitalize() + " handling."]
    out += ['"""', "", "from __future__ import annotations", "", "import logging", "from decimal import Decimal", ""]
    out.append(f"from app.models import {pick(rng, words).capitalize()}, {pick(rng, words).capitalize()}")
    out += ["", "log = logging.getLogger(__name__)", ""]
    while len(out) < lines:
        name = f"{pick(rng, words)}_{pick(rng, words)}"
        arg = pick(rng, words)
        out += [
            "",
            f"def {name}({arg}: {arg.capitalize()}, *, limit: int = {rng.randint(5, 500)}) -> list[Decimal]:",
            f'    """Return the {pick(rng, words)} amounts of a {arg}, newest first."""',
            f"    rows = [r for r in {arg}.{pick(rng, words)}s if r.amount > 0]",
            "    if not rows:",
            f'        log.debug("no {pick(rng, words)} for %s", {arg}.id)',
            "        return []",
            f"    rows.sort(key=lambda r: r.{pick(rng, ['created_at', 'due_at', 'id'])}, reverse=True)",
            "    return [r.amount.quantize(Decimal('0.01')) for r in rows[:limit]]",
        ]
    return "\n".join(out[:lines])


def ts_source(rng: random.Random, words: list[str], lines: int) -> str:
    """A plausible React component."""
    comp = pick(rng, words).capitalize() + pick(rng, ["List", "Form", "Table", "Card", "Panel"])
    out = [
        'import { useState } from "react";',
        f'import {{ fetch{pick(rng, words).capitalize()}s }} from "../api/client";',
        "",
        f"export function {comp}({{ id }}: {{ id: string }}) {{",
        f"  const [{pick(rng, words)}s, set{pick(rng, words).capitalize()}s] = useState<string[]>([]);",
    ]
    while len(out) < lines - 2:
        word = pick(rng, words)
        out += [
            f"  const {word}Total = {word}s.reduce((sum, x) => sum + x.length, 0);",
            f'  if (!{word}Total) return <p className="empty">No {word}s yet</p>;',
        ]
    return "\n".join([*out[: lines - 2], "  return <div />;", "}"])


def pytest_output(rng: random.Random, project: Project, failing: str | None = None) -> str:
    files = [f for f in project.backend if f.startswith("tests/")] or ["tests/test_app.py"]
    count = rng.randint(180, 260)
    lines = [
        "============================= test session starts ==============================",
        f"platform linux -- Python {project.python}, pytest-8.2.1, pluggy-1.5.0",
        f"rootdir: {project.root}",
        "configfile: pyproject.toml",
        "plugins: anyio-4.4.0, cov-5.0.0",
        f"collected {count} items",
        "",
    ]
    for index, name in enumerate(rng.sample(files, min(len(files), rng.randint(5, 9)))):
        dots = "." * rng.randint(4, 30)
        if failing and index == 0:
            dots = dots[:-1] + "F"
        lines.append(f"{name} {dots}{' ' * max(1, 58 - len(name) - len(dots))}[{rng.randint(5, 99):>3}%]")
    if failing:
        lines += [
            "",
            "=================================== FAILURES ===================================",
            f"_______________________ test_{failing} _______________________",
            "",
            f"    def test_{failing}(client):",
            f"        response = client.get('/api/{failing.split('_')[0]}s')",
            ">       assert response.status_code == 200",
            "E       assert 500 == 200",
            "E        +  where 500 = <Response [500]>.status_code",
            "",
            "=========================== short test summary info ============================",
            f"FAILED tests/api/test_{failing.split('_')[0]}s.py::test_{failing} - assert 500 == 200",
            f"========================= 1 failed, {count - 1} passed in {rng.uniform(4, 30):.2f}s =========================",
        ]
    else:
        lines.append(
            f"============================= {count} passed in {rng.uniform(4, 30):.2f}s =============================="
        )
    return "\n".join(lines)


def vitest_output(rng: random.Random, project: Project) -> str:
    files = [f for f in project.frontend if ".test." in f] or ["src/App.test.tsx"]
    lines = [f" RUN  v1.6.0 {project.root}/web", ""]
    for name in rng.sample(files, min(len(files), 4)):
        lines.append(f" ✓ {name} ({rng.randint(2, 20)} tests) {rng.randint(20, 900)}ms")
    lines += ["", f" Test Files  {len(lines) - 2} passed", f"      Tests  {rng.randint(30, 120)} passed"]
    return "\n".join(lines)


def ordinary_work(b: SessionBuilder, rng: random.Random, project: Project, steps: int) -> None:
    """``steps`` tool calls of everyday work: read, search, edit, test (sometimes a failing test fixed by an
    edit: work, not a lesson), lint, git."""
    words = project.words
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.28:
            path = pick(rng, project.backend + project.frontend)
            source = ts_source if path.endswith((".ts", ".tsx")) else python_source
            b.read(path, source(rng, words, rng.randint(25, 140)))
        elif roll < 0.36:
            word = pick(rng, words)
            b.grep(f"def {word}|{word}_id", rng.sample(project.backend, min(3, len(project.backend))))
        elif roll < 0.40:
            b.glob(pick(rng, ["app/**/*.py", "web/src/**/*.tsx", "tests/**/test_*.py"]), rng.sample(project.backend, 3))
        elif roll < 0.56:
            path = pick(rng, project.backend + project.frontend)
            word = pick(rng, words)
            b.edit(path, f"    return {word}", f"    return {word} or []")
        elif roll < 0.70:
            if rng.random() < 0.25:
                failing = f"{pick(rng, words)}_{pick(rng, ['totals', 'listing', 'update', 'export'])}"
                b.bash(project.test, pytest_output(rng, project, failing), exit_code=1)
                path = pick(rng, project.backend)
                b.say(
                    pick(
                        rng,
                        [
                            f"The failure is in {path}; fixing the query.",
                            "That's the bug: the filter drops zero amounts.",
                        ],
                    )
                )
                b.edit(path, "if r.amount > 0", "if r.amount >= 0")
            b.bash(project.test, pytest_output(rng, project))
        elif roll < 0.76:
            b.bash(project.lint, pick(rng, ["All checks passed!", "Found 0 errors."]))
        elif roll < 0.80:
            b.bash(project.frontend_test, vitest_output(rng, project))
        elif roll < 0.83:
            b.bash(project.frontend_lint, "")
        elif roll < 0.88:
            changed = rng.sample(project.backend + project.frontend, 3)
            b.bash("git status --short", "\n".join(f" M {c}" for c in changed))
        elif roll < 0.91:
            changed = rng.sample(project.backend, 2)
            stat = "\n".join(
                f" {c} | {rng.randint(1, 40)} {'+' * rng.randint(1, 9)}{'-' * rng.randint(0, 5)}" for c in changed
            )
            b.bash(
                "git diff --stat",
                stat + f"\n 2 files changed, {rng.randint(3, 60)} insertions(+), {rng.randint(0, 20)} deletions(-)",
            )
        elif roll < 0.94 and project.extra_checks:
            b.bash(pick(rng, project.extra_checks), "Success: no issues found in 87 source files")
        elif roll < 0.97:
            b.think(f"The {pick(rng, words)} code path calls {pick(rng, words)} twice; the second call is redundant.")
        else:
            b.say(pick(rng, [
                f"Next I'll look at how {pick(rng, words)} is computed.",
                f"The {pick(rng, words)} module has no test for the empty case; adding one.",
                "Running the suite again to be sure.",
            ]))  # fmt: skip
