"""`nevo nightly`: the scheduled job, its steps in order, each on its own.

1. ingest sessions the monitor missed (and narratives a provider left for later)
2. consolidation (weekly digests, monthly summaries, FTS maintenance)
3. expired facts pruned
4. the nudge inbox ingested
5. warm memory (MEMORY.md, USER.md) and the Stop hook's settings re-rendered
6. a fitness snapshot
7. rules that stay right (``nevo.upkeep``): a rule that keeps failing is revised, one whose cause is gone
   retired, each in a commit that says why
8. rule effectiveness (``nevo.rules.effectiveness_step``) and skill gaps (``nevo.forge.detect_step``)

A failing step is reported and the next one still runs (they are independent); the run is recorded in
``meta`` (``nightly.last_run``) whatever happened, so ``--if-due`` does not retry a broken step every
minute. ``now`` is when the run believes it is: ``nevo nightly --now 2026-12-24`` shows a month of
consolidation without waiting for it.
"""

from __future__ import annotations

import contextlib
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from nevo.clock import Clock, fixed_clock, iso, parse_instant
from nevo.config import Config, load_config
from nevo.cron import is_due, next_time
from nevo.db import Database, open_database
from nevo.errors import NevoError
from nevo.providers import MeteredProvider, Provider, ProviderError, make_provider
from nevo.store import StoreUnavailable, shared
from nevo.workspace import Workspace

LAST_RUN_KEY = "nightly.last_run"
LAST_RESULT_KEY = "nightly.last_result"


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: Any = None
    error: str | None = None


@dataclass
class NightlyReport:
    at: str
    ran: bool
    reason: str = ""
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "ran": self.ran,
            "reason": self.reason,
            "ok": self.ok,
            "steps": [asdict(step) for step in self.steps],
        }


def last_run(db: Database) -> datetime | None:
    value = db.scalar("SELECT value FROM meta WHERE key = ?", (LAST_RUN_KEY,))
    return parse_instant(str(value)) if value else None


def _set_meta(db: Database, key: str, value: str) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value ="
            " excluded.value",
            (key, value),
        )


def run_nightly(
    workspace: Workspace,
    now: datetime,
    *,
    if_due: bool = False,
    db: Database | None = None,
    provider: Provider | MeteredProvider | None = None,
    config: Config | None = None,
) -> NightlyReport:
    config = config or load_config(workspace)
    clock = fixed_clock(now)
    own_db = db is None
    db = db or open_database(workspace)
    beside = contextlib.ExitStack()
    try:
        if own_db:  # memory reads each session's verdicts where the monitor stored them: a shared store, if any
            with contextlib.suppress(StoreUnavailable):
                beside.enter_context(shared(workspace, db, config, connect=False))
        schedule = str(config.get("schedule.nightly"))
        previous = last_run(db)
        if if_due and not is_due(schedule, previous, now):
            upcoming = next_time(schedule, previous or now)
            return NightlyReport(
                iso(now),
                False,
                f"not due: last run {iso(previous) if previous else 'never'}, next scheduled {iso(upcoming)}",
            )
        report = NightlyReport(iso(now), True)
        chosen = provider or make_provider(workspace, config, db, clock=clock)
        for name, step in _steps(workspace, db, config, clock, chosen):
            report.steps.append(_run_step(name, step))
        _set_meta(db, LAST_RUN_KEY, iso(now))
        _set_meta(db, LAST_RESULT_KEY, json.dumps(report.as_dict(), default=str))
        return report
    finally:
        beside.close()
        if own_db:
            db.close()


def _run_step(name: str, step: Callable[[], Any]) -> StepResult:
    started = time.perf_counter()
    try:
        detail = step()
    except NevoError as exc:
        return StepResult(name, False, round(time.perf_counter() - started, 3), error=str(exc))
    except Exception as exc:  # one broken step must not stop the others; reported with its traceback
        summary = "".join(traceback.format_exception_only(exc)).strip()
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        suffix = f" at {where.filename}:{where.lineno}" if where else ""
        return StepResult(name, False, round(time.perf_counter() - started, 3), error=summary + suffix)
    return StepResult(name, True, round(time.perf_counter() - started, 3), detail=detail)


def _steps(
    workspace: Workspace, db: Database, config: Config, clock: Clock, provider: Provider | MeteredProvider
) -> list[tuple[str, Callable[[], Any]]]:
    from nevo.memory.consolidate import consolidate
    from nevo.memory.facts import prune_expired
    from nevo.memory.fitness import take_snapshot
    from nevo.memory.inbox import ingest_inbox
    from nevo.memory.ingest import ingest_paths, pending_sessions, summarise_session
    from nevo.memory.nudge import render_stop_conf
    from nevo.memory.warm import render_warm
    from nevo.upkeep import upkeep

    def ingest() -> dict[str, Any]:
        detail = ingest_paths(db, workspace, None, clock, provider=provider, config=config).as_dict()
        retried = deferred = 0
        for session_id in pending_sessions(db):  # sessions whose transcript is gone or whose provider failed
            try:
                summarise_session(db, workspace, session_id, clock, provider, config)
                retried += 1
            except ProviderError:
                deferred += 1
        return {**detail, "retried": retried, "still_deferred": deferred}

    def warm() -> dict[str, Any]:
        rendered = render_warm(db, workspace, config, clock)
        return {
            "memory_chars": len(rendered.memory),
            "user_chars": len(rendered.user),
            "changed": rendered.changed,
            "stop_conf_changed": render_stop_conf(workspace, config),
        }

    steps: list[tuple[str, Callable[[], Any]]] = [
        ("ingest", ingest),
        ("consolidate", lambda: consolidate(db, config, clock).as_dict()),
        ("facts", lambda: {"expired": prune_expired(db, clock())}),
        ("inbox", lambda: asdict(ingest_inbox(db, workspace, config, clock))),
        ("warm", warm),
        ("fitness", lambda: take_snapshot(db, workspace, clock).as_dict()),
        ("upkeep", lambda: upkeep(workspace, db, clock, provider, config).to_json()),
    ]
    steps.extend((name, partial(function, workspace, db, clock)) for name, function in stage_steps())
    return steps


def stage_steps() -> list[tuple[str, Callable[[Workspace, Database, Clock], Any]]]:
    """The other stages' nightly work: rule effectiveness (recurrences since each rule) and the skill
    forge's gap detection. Imported here because both stages import the memory modules this one uses."""
    from nevo.forge import detect_step
    from nevo.publish import refresh_if_stale
    from nevo.rules import effectiveness_step

    def guards(workspace: Workspace, db: Database, clock: Clock) -> dict[str, Any]:
        # Rules changed behind nevo's back (git revert, pull, a hand edit): their guards follow.
        return {"recompiled": refresh_if_stale(workspace)}

    return [("rules", effectiveness_step), ("guards", guards), ("forge", detect_step)]
