"""Memory benchmark: a synthetic year of Claude Code sessions, ingested, consolidated and searched; and what
memory answers about a realistic month (planted facts, changed values, expiring events).

    python bench/bench_memory.py                 # 365 days x 8 sessions x 120 events (the target)
    python bench/bench_memory.py --days 30       # a quicker look
    python bench/bench_memory.py --month         # the tuning month and the held-out months (bench/memory_eval.py)
    python bench/bench_memory.py --month --months held-out-3   # one of them
    python bench/bench_memory.py --month --verdicts stand-in   # lessons from the generator's truth

Generates transcripts in Claude Code's jsonl format (user prompts, assistant text, tool_use and
tool_result lines, some failures followed by a fix) under a temporary CLAUDE_CONFIG_DIR, then measures:

1. ingest + first consolidation: one `run_nightly` the day after the last session (target < 2 min);
2. the next night's run, after one more day of sessions (target < 5 s);
3. search latency in-process over the whole year, p50 / p95 / max over a mix of queries (p95 < 20 ms).

Prints one JSON object with the figures. Offline provider: no network.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nevo.clock import iso
from nevo.db import open_database
from nevo.install import init
from nevo.memory.search import search
from nevo.nightly import run_nightly
from nevo.transcript import project_slug
from nevo.workspace import Workspace

WORDS = (
    "parser",
    "router",
    "billing",
    "invoice",
    "session",
    "cache",
    "migration",
    "schema",
    "widget",
    "auth",
    "token",
    "queue",
    "worker",
    "report",
    "export",
    "import",
    "search",
    "index",
    "profile",
    "settings",
    "payment",
    "webhook",
    "upload",
    "thumbnail",
    "locale",
    "timezone",
    "retry",
    "backoff",
    "metrics",
    "logger",
)
MODULES = [f"src/{a}/{b}.py" for a in WORDS[:10] for b in WORDS[10:20]]
COMMANDS_OK = (
    "pytest -q tests/test_{w}.py",
    "python -m pytest -x -k {w}",
    "ruff check src/{w}",
    "mypy src/{w}",
    "git status --short",
    "git diff --stat",
    "ls src/{w}",
    "grep -rn {w} src",
    "make test",
    "pnpm test -- {w}",
    "cat pyproject.toml",
)
FAILURES = (
    ("npm test", "sh: 1: npm: command not found", "pnpm test"),
    (
        "python manage.py migrate",
        "ModuleNotFoundError: No module named 'django'",
        "uv run python manage.py migrate",
    ),
    ("pytest tests/test_{w}.py", "E   AssertionError: assert 2 == 3", "pytest tests/test_{w}.py --lf"),
    ("make lint", "make: *** No rule to make target 'lint'.  Stop.", "ruff check ."),
)
PROMPTS = (
    "Fix the failing {w} test and keep the API stable.",
    "Add retry with backoff to the {w} client.",
    "Refactor the {w} module; remember: we use pnpm for the frontend.",
    "Why is {w} slow? Profile it.",
    "Write tests for the {w} export. I prefer small commits.",
    "Update the {w} schema migration.",
)


def _line(kind: str, content: object, session: str, cwd: str, at: datetime, uuid: int) -> str:
    return json.dumps(
        {
            "parentUuid": None,
            "isSidechain": False,
            "type": kind,
            "message": {"role": kind, "content": content},
            "uuid": f"{session}-{uuid}",
            "timestamp": iso(at),
            "sessionId": session,
            "cwd": cwd,
            "version": "2.1.197",
        },
        separators=(",", ":"),
    )


def write_session(path: Path, session: str, cwd: str, start: datetime, events: int, rng: random.Random) -> None:
    lines: list[str] = []
    at = start
    n = 0

    def emit(kind: str, content: object) -> None:
        nonlocal at, n
        at += timedelta(seconds=rng.randint(2, 40))
        n += 1
        lines.append(_line(kind, content, session, cwd, at, n))

    word = rng.choice(WORDS)
    emit("user", rng.choice(PROMPTS).format(w=word))
    call = 0
    while len(lines) < events - 1:
        call += 1
        tool_id = f"toolu_{session[:8]}_{call:03d}"
        roll = rng.random()
        if roll < 0.08 and len(lines) < events - 5:
            failed, error, fixed = rng.choice(FAILURES)
            emit(
                "assistant",
                [
                    {
                        "type": "tool_use",
                        "id": tool_id,
                        "name": "Bash",
                        "input": {"command": failed.format(w=word), "description": "run"},
                    }
                ],
            )
            emit(
                "user",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": tool_id,
                        "is_error": True,
                        "content": f"Exit code 1\n{error.format(w=word)}",
                    }
                ],
            )
            tool_id += "b"
            emit(
                "assistant",
                [
                    {
                        "type": "tool_use",
                        "id": tool_id,
                        "name": "Bash",
                        "input": {"command": fixed.format(w=word), "description": "run"},
                    }
                ],
            )
            emit(
                "user",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": tool_id,
                        "content": f"{rng.randint(5, 90)} passed in {rng.random():.2f}s",
                    }
                ],
            )
        elif roll < 0.45:
            command = rng.choice(COMMANDS_OK).format(w=rng.choice(WORDS))
            emit(
                "assistant",
                [
                    {
                        "type": "tool_use",
                        "id": tool_id,
                        "name": "Bash",
                        "input": {"command": command, "description": "run"},
                    }
                ],
            )
            output = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 80)))
            emit("user", [{"type": "tool_result", "tool_use_id": tool_id, "content": output}])
        elif roll < 0.75:
            module = rng.choice(MODULES)
            emit(
                "assistant",
                [
                    {
                        "type": "tool_use",
                        "id": tool_id,
                        "name": "Read",
                        "input": {"file_path": f"{cwd}/{module}"},
                    }
                ],
            )
            body = "\n".join(f"def {rng.choice(WORDS)}_{i}(x):\n    return x" for i in range(rng.randint(3, 15)))
            emit("user", [{"type": "tool_result", "tool_use_id": tool_id, "content": body}])
        elif roll < 0.92:
            module = rng.choice(MODULES)
            emit(
                "assistant",
                [
                    {
                        "type": "tool_use",
                        "id": tool_id,
                        "name": "Edit",
                        "input": {
                            "file_path": f"{cwd}/{module}",
                            "old_string": f"def {word}(x):",
                            "new_string": f"def {word}(x, retries=3):",
                        },
                    }
                ],
            )
            emit(
                "user",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": tool_id,
                        "content": f"The file {cwd}/{module} has been updated.",
                    }
                ],
            )
        else:
            emit(
                "assistant",
                [
                    {
                        "type": "text",
                        "text": f"The {word} change looks right; next I check the {rng.choice(WORDS)} tests.",
                    }
                ],
            )
    emit("assistant", [{"type": "text", "text": f"Done: the {word} work is finished and the tests pass."}])
    path.write_text("\n".join(lines[:events]) + "\n")


def generate(folder: Path, cwd: str, first_day: datetime, days: int, per_day: int, events: int, seed: int) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for day in range(days):
        for index in range(per_day):
            session = f"{seed:02d}{day:04d}{index:02d}-bench-session"
            start = first_day + timedelta(days=day, hours=8 + index)
            write_session(folder / f"{session}.jsonl", session, cwd, start, events, rng)
            count += 1
    return count


# The nightly run also runs other stages' steps (rules, forge); these are memory's own.
MEMORY_STEPS = ("ingest", "consolidate", "facts", "inbox", "warm", "fitness")

QUERIES = (
    "pnpm test",
    "npm command not found",
    "billing",
    "invoice retry",
    "ModuleNotFoundError django",
    "webhook",
    "ruff check",
    "timezone locale",
    "thumbnail upload",
    "backoff",
    "migration schema",
    "git diff",
    "auth token",
    "No rule to make target",
    "pyproject",
    "metrics logger",
    "export",
    "cache",
    "assert 2 == 3",
    "widget settings",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sessions-per-day", type=int, default=8)
    parser.add_argument("--events", type=int, default=120)
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument("--month", action="store_true", help="recall, warm memory, staleness: the months")
    parser.add_argument("--verdicts", choices=("pipeline", "stand-in"), default="pipeline")
    parser.add_argument("--months", nargs="*", default=(), help="only these months (tuning, held-out, ...)")
    args = parser.parse_args()
    if args.month:
        from memory_eval import evaluate_months  # bench/ is on sys.path when this file runs

        print(json.dumps(evaluate_months(args.verdicts, keep=args.keep, names=tuple(args.months)), indent=2))
        return

    base = Path(tempfile.mkdtemp(prefix="nevo-bench-memory-"))
    config_dir = base / "claude"
    os.environ["CLAUDE_CONFIG_DIR"] = str(config_dir)
    os.environ.pop("ANTHROPIC_API_KEY", None)
    ws = Workspace(base / "project")
    ws.root.mkdir()
    init(ws)
    folder = config_dir / "projects" / project_slug(str(ws.root.resolve()))
    first_day = datetime(2025, 11, 20, tzinfo=UTC)

    started = time.perf_counter()
    sessions = generate(folder, str(ws.root), first_day, args.days, args.sessions_per_day, args.events, 1)
    generated_s = time.perf_counter() - started
    size_mb = sum(p.stat().st_size for p in folder.glob("*.jsonl")) / 1e6

    night1 = first_day + timedelta(days=args.days, hours=3)
    started = time.perf_counter()
    first = run_nightly(ws, night1)
    first_s = time.perf_counter() - started
    assert first.ok, [s.error for s in first.steps if not s.ok]

    generate(folder, str(ws.root), first_day + timedelta(days=args.days), 1, args.sessions_per_day, args.events, 2)
    started = time.perf_counter()
    second = run_nightly(ws, night1 + timedelta(days=1))
    second_s = time.perf_counter() - started
    assert second.ok, [s.error for s in second.steps if not s.ok]

    db = open_database(ws)
    latencies: list[float] = []
    hit_counts: list[int] = []
    for index in range(args.searches):
        query = QUERIES[index % len(QUERIES)]
        t0 = time.perf_counter()
        hits = search(db, query)
        latencies.append((time.perf_counter() - t0) * 1000)
        hit_counts.append(len(hits))
    latencies.sort()
    status = {
        key: db.scalar(sql)
        for key, sql in (
            ("sessions", "SELECT COUNT(*) FROM sessions"),
            ("journal_rows", "SELECT COUNT(*) FROM journal"),
            ("narratives", "SELECT COUNT(*) FROM narratives"),
            ("facts", "SELECT COUNT(*) FROM facts"),
            ("weekly", "SELECT COUNT(*) FROM digests WHERE kind = 'weekly'"),
            ("monthly", "SELECT COUNT(*) FROM digests WHERE kind = 'monthly'"),
            (
                "compression",
                "SELECT ROUND(1.0 * SUM(narrative_chars) / SUM(journal_chars), 4) FROM narratives",
            ),
        )
    }
    figures = {
        "sessions_generated": sessions,
        "events_per_session": args.events,
        "transcripts_mb": round(size_mb, 1),
        "generate_s": round(generated_s, 1),
        "first_night_s": round(first_s, 1),
        "first_night_steps_s": {s.name: s.seconds for s in first.steps},
        "first_night_memory_steps_s": round(sum(s.seconds for s in first.steps if s.name in MEMORY_STEPS), 1),
        "next_night_s": round(second_s, 2),
        "next_night_memory_steps_s": round(sum(s.seconds for s in second.steps if s.name in MEMORY_STEPS), 2),
        "next_night_steps_s": {s.name: s.seconds for s in second.steps},
        "search_ms": {
            "p50": round(statistics.median(latencies), 2),
            "p95": round(latencies[int(len(latencies) * 0.95) - 1], 2),
            "max": round(latencies[-1], 2),
        },
        "search_min_hits": min(hit_counts),
        "db_mb": round(ws.db_path.stat().st_size / 1e6, 1),
        "memory_md_chars": len((ws.memory_dir / "MEMORY.md").read_text())
        if (ws.memory_dir / "MEMORY.md").exists()
        else 0,
        **status,
        "targets": {"first_night_s": 120, "next_night_s": 5, "search_p95_ms": 20},
    }
    print(json.dumps(figures, indent=2))
    if args.keep:
        print(f"kept: {base}", file=sys.stderr)
    else:
        import shutil

        shutil.rmtree(base)


if __name__ == "__main__":
    main()
