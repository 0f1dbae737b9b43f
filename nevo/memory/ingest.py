"""From a transcript to memory: journal, narrative and facts for one session.

The monitor calls :func:`ingest_session` when it sees a SessionEnd trigger; ``nevo memory ingest``
and the nightly run call :func:`ingest_paths` for everything else (backfill, missed sessions).
Idempotent: a session whose journal did not grow since its narrative is left alone. A provider
failure (down, cap reached) leaves the narrative for a later run; the journal is kept either way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nevo.clock import Clock, iso, parse_instant
from nevo.config import Config, load_config
from nevo.db import Database
from nevo.errors import NevoError
from nevo.incidents import session_verdicts
from nevo.journal import IngestResult, ingest_journal, session_entries
from nevo.memory import facts as facts_mod
from nevo.memory.extract import candidates_from_output, extract_offline, facts_from_verdicts, offline_facts
from nevo.memory.narrative import (
    NARRATIVE_SCHEMA,
    Narrative,
    condense,
    dumps,
    for_model,
    journal_chars,
    narrate_offline,
)
from nevo.memory.warm import render_warm
from nevo.providers import (
    AgentSpec,
    MeteredProvider,
    Provider,
    ProviderError,
    Request,
    load_agent,
    make_provider,
)
from nevo.store_base import StoreUnavailable
from nevo.transcript import transcripts_for
from nevo.verdict import Verdict
from nevo.workspace import Workspace

log = logging.getLogger(__name__)

NARRATOR_TASK = (
    "Write the episodic memory of this Claude Code session from all of its journal: the user's intent (and"
    " what they asked after it), the decisions taken, the outcomes, and the lessons (use the `lessons` given:"
    " they are what nevo already decided each failure teaches). Short, factual sentences."
)
FACTS_TASK = (
    "Extract durable, atomic facts from this Claude Code session's journal, from every channel: what the user"
    " stated (instructions, preferences, constraints, conventions, how the project is set up, dated events),"
    " the agent's stated decisions, what command output proves (versions, ports, hosts, paths, tool names),"
    " the commands that build and test this project, and the `lessons` given (what failures taught). One"
    " sentence each; give the subject and value of a fact about a nameable thing (a port, a version, a"
    " package manager, a host, a command) so a newer value can replace it."
)


_AGENTS: dict[tuple[str, str, float], AgentSpec] = {}


def agent(name: str, workspace: Workspace) -> AgentSpec:
    """``load_agent`` once per process (a backfill of thousands of sessions would parse it thousands of
    times); a user override edited since is picked up (its mtime is part of the key)."""
    override = workspace.nevo_dir / "agents" / f"{name}.md"
    key = (name, str(workspace.root), override.stat().st_mtime if override.is_file() else 0.0)
    if key not in _AGENTS:
        _AGENTS[key] = load_agent(name, workspace)
    return _AGENTS[key]


@dataclass
class SessionIngest:
    session_id: str
    journal: IngestResult
    narrated: bool = False
    new_facts: int = 0
    compression: float | None = None
    provider: str | None = None
    deferred: str | None = None  # why the narrative waits for a later run


@dataclass
class IngestReport:
    sessions: list[SessionIngest] = field(default_factory=list)

    @property
    def journal_rows(self) -> int:
        return sum(s.journal.added for s in self.sessions)

    @property
    def narratives(self) -> int:
        return sum(1 for s in self.sessions if s.narrated)

    @property
    def new_facts(self) -> int:
        return sum(s.new_facts for s in self.sessions)

    def as_dict(self) -> dict[str, object]:
        return {
            "transcripts": len(self.sessions),
            "journal_rows": self.journal_rows,
            "narratives": self.narratives,
            "new_facts": self.new_facts,
            "deferred": [s.session_id for s in self.sessions if s.deferred],
        }


def claude_config_dir(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    configured = env.get("CLAUDE_CONFIG_DIR")
    return Path(configured) if configured else Path(env.get("HOME") or os.path.expanduser("~")) / ".claude"


def workspace_transcripts(workspace: Workspace, env: dict[str, str] | None = None) -> list[Path]:
    """This workspace's transcripts under ``$CLAUDE_CONFIG_DIR`` (or ``~/.claude``). Claude Code names the
    folder after the path it was started in, which may be the symlinked one: both are looked at."""
    config_dir = claude_config_dir(env)
    found = transcripts_for(workspace.root.resolve(), config_dir)
    if workspace.root.absolute() != workspace.root.resolve():
        found += [p for p in transcripts_for(workspace.root.absolute(), config_dir) if p not in found]
    return found


def ingest_session(
    db: Database,
    workspace: Workspace,
    transcript_path: Path,
    clock: Clock,
    *,
    provider: Provider | MeteredProvider | None = None,
    config: Config | None = None,
    render: bool = True,
) -> SessionIngest:
    """Journal what is new in one transcript, then (re)write its narrative and facts when the journal grew."""
    config = config or load_config(workspace)
    journal = ingest_journal(db, transcript_path, clock)
    outcome = SessionIngest(journal.session_id, journal)
    row = db.one("SELECT next_seq, narrated_seq, started_at FROM sessions WHERE id = ?", (journal.session_id,))
    if row is None or int(row["narrated_seq"]) >= int(row["next_seq"]) - 1:
        return outcome
    if provider is None:
        provider = make_provider(workspace, config, db, clock=clock)
    try:
        summarise_session(db, workspace, journal.session_id, clock, provider, config, outcome)
    except ProviderError as exc:
        outcome.deferred = str(exc)
        return outcome
    if render and outcome.new_facts:
        render_warm(db, workspace, config, clock)
    return outcome


def summarise_session(
    db: Database,
    workspace: Workspace,
    session_id: str,
    clock: Clock,
    provider: Provider | MeteredProvider,
    config: Config,
    outcome: SessionIngest | None = None,
) -> SessionIngest:
    """Narrative and facts for a session already journaled (raises ProviderError: nothing is written then)."""
    outcome = outcome or SessionIngest(session_id, IngestResult(session_id, 0, 0, 0))
    entries = session_entries(db, session_id)
    events = condense(entries, _session_root(db, session_id))
    lessons = lessons_of(db, session_id)
    if provider.name == "offline":
        # The offline provider is no model call: run its handlers here, without metering (a year's backfill
        # otherwise recorded two rows of nothing per session, each summing the day's calls first).
        narrative = Narrative.from_output(narrate_offline(events, lessons).as_output())
        pairs = [(None, v) for v in lessons]
        candidates = candidates_from_output(offline_facts(events, pairs), "journal")
        told_by = "offline"
    else:
        data = {
            "session": session_id,
            "events": for_model(events),
            "lessons": [{"seq": None, "verdict": v.to_json()} for v in lessons],
        }
        told = provider.complete(
            Request(agent("session-narrator", workspace), NARRATOR_TASK, data, NARRATIVE_SCHEMA, max_tokens=1024)
        )
        narrative = Narrative.from_output(told.output)
        found = provider.complete(
            Request(agent("fact-extractor", workspace), FACTS_TASK, data, facts_mod.FACT_SCHEMA, max_tokens=1024)
        )
        candidates = candidates_from_output(found.output, "model" if found.provider != "offline" else "journal")
        if found.provider != "offline":
            # What the user said in so many words, and what the verdicts decided, are kept even if the model missed.
            candidates += [c for c in extract_offline(events) if c.source == "user"]
            candidates += facts_from_verdicts([(None, v) for v in lessons])
        told_by = told.provider
    store_summary(
        db,
        session_id,
        entries_chars=journal_chars(entries),
        upto_seq=entries[-1].seq if entries else -1,
        narrative=narrative,
        provider=told_by,
        candidates=candidates,
        config=config,
        clock=clock,
        outcome=outcome,
    )
    return outcome


def store_summary(
    db: Database,
    session_id: str,
    *,
    entries_chars: int,
    upto_seq: int,
    narrative: Narrative,
    provider: str,
    candidates: Sequence[facts_mod.FactCandidate],
    config: Config,
    clock: Clock,
    outcome: SessionIngest,
) -> None:
    now = clock()
    with db.transaction():
        row = db.one("SELECT started_at FROM sessions WHERE id = ?", (session_id,))
        started = str(row["started_at"]) if row is not None and row["started_at"] else iso(now)
        text = narrative.render(f"Session {session_id[:8]} ({started[:10]})")
        values = (
            started[:10],
            iso(now),
            provider,
            narrative.intent,
            dumps(narrative.decisions),
            dumps(narrative.outcomes),
            dumps(narrative.lessons),
            text,
            entries_chars,
            len(text),
            upto_seq,
        )
        if db.one("SELECT 1 FROM narratives WHERE session_id = ?", (session_id,)) is None:
            db.execute(
                "INSERT INTO narratives (day, created_at, provider, intent, decisions, outcomes,"
                " lessons, text,"
                " journal_chars, narrative_chars, upto_seq, session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?)",
                (*values, session_id),
            )
        else:
            db.execute(
                "UPDATE narratives SET day = ?, created_at = ?, provider = ?, intent = ?, decisions ="
                " ?, outcomes = ?,"
                " lessons = ?, text = ?, journal_chars = ?, narrative_chars = ?, upto_seq = ? WHERE"
                " session_id = ?",
                (*values, session_id),
            )
        seen_at = parse_instant(started) if row is not None and row["started_at"] else now
        outcome.new_facts = sum(facts_mod.remember(db, c, session_id, seen_at, config) for c in candidates)
        # A session resumed after its week was digested leaves that digest: consolidation puts it back (and
        # rewrites the week) once it is old enough again, so the digest never keeps a stale story.
        db.execute(
            "UPDATE sessions SET narrated_seq = ?, weekly_id = NULL, detail_pruned_at = NULL WHERE id = ?",
            (upto_seq, session_id),
        )
    outcome.narrated = True
    outcome.provider = provider
    outcome.compression = len(text) / entries_chars if entries_chars else None


def _session_root(db: Database, session_id: str) -> str | None:
    """The folder the session ran in: paths under it are stored relative to it."""
    cwd = db.scalar("SELECT cwd FROM sessions WHERE id = ?", (session_id,))
    return str(cwd) if cwd else None


def lessons_of(db: Database, session_id: str, *, wait_for_store: bool = True) -> list[Verdict]:
    """What the session's failures taught, as the monitor stored it (``nevo.lesson`` decides; memory reads).
    A sub-agent's lessons are its own (AGENT rules, kept with its definition), not the project's memory.
    A damaged stored verdict is reported and skipped: it must not cost the session its narrative. A shared
    store out of reach defers the session (ProviderError, as a provider that failed does): narrated now, it
    would lose its lessons for good; ``wait_for_store=False`` (a session overdue for its digest) goes on."""
    try:
        return [v for _, v in session_verdicts(db, session_id) if v.kind == "lesson" and not v.agent]
    except StoreUnavailable as exc:
        if wait_for_store:
            raise ProviderError(f"the shared store is out of reach, the session's lessons wait: {exc.message}") from exc
        log.warning("session %s is summarised without its lessons: %s", session_id, exc.message)
        return []
    except NevoError as exc:
        log.warning("the stored verdicts of session %s cannot be read (%s); its lessons are left out", session_id, exc)
        return []


def offline_summary(db: Database, session_id: str, config: Config, clock: Clock) -> None:
    """Narrative and facts without any provider (consolidation uses it when a session is due for its digest
    and the provider never got to it: the digest must not wait forever)."""
    entries = session_entries(db, session_id)
    events = condense(entries, _session_root(db, session_id))
    lessons = lessons_of(db, session_id, wait_for_store=False)
    store_summary(
        db,
        session_id,
        entries_chars=journal_chars(entries),
        upto_seq=entries[-1].seq if entries else -1,
        narrative=narrate_offline(events, lessons),
        provider="offline",
        candidates=extract_offline(events, [(None, v) for v in lessons]),
        config=config,
        clock=clock,
        outcome=SessionIngest(session_id, IngestResult(session_id, 0, 0, 0)),
    )


def ingest_paths(
    db: Database,
    workspace: Workspace,
    paths: Sequence[Path] | None,
    clock: Clock,
    *,
    provider: Provider | MeteredProvider | None = None,
    config: Config | None = None,
) -> IngestReport:
    """Ingest transcripts (default: all of this workspace's); folders are searched for ``*.jsonl``."""
    config = config or load_config(workspace)
    files: list[Path] = []
    for path in workspace_transcripts(workspace) if paths is None else paths:
        files.extend(sorted(path.rglob("*.jsonl")) if path.is_dir() else [path])
    if provider is None:
        provider = make_provider(workspace, config, db, clock=clock)
    report = IngestReport()
    for path in files:
        report.sessions.append(
            ingest_session(db, workspace, path, clock, provider=provider, config=config, render=False)
        )
    if report.new_facts or not (workspace.memory_dir / "MEMORY.md").exists():
        render_warm(db, workspace, config, clock)
    return report


def pending_sessions(db: Database) -> list[str]:
    """Sessions whose journal grew past their narrative (a provider failure, a crash, a monitor that"
    " was off)."""
    return [str(r["id"]) for r in db.query("SELECT id FROM sessions WHERE narrated_seq < next_seq - 1")]
