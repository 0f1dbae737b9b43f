"""Memory on a generated month: the real pipeline, then what memory can answer.

Each day's sessions are written as Claude Code transcripts under a temporary CLAUDE_CONFIG_DIR, with the
trigger files the hooks would have written (failures, Stop, SessionEnd); ``nevo.monitor`` processes them as
it would have (at SessionEnd it stores verdicts, once the verdict module is in, and ingests the session into
memory); the agent's inbox lines land in .nevo/memory/inbox.md; ``nevo nightly`` runs every night. At the
end of the month each planted fact's question is put to ``nevo memory search`` and the warm files are read.

Figures:
- recall (search): the expected answer is in one of the top 5 hits of the question;
- recall (distilled): the same, searching only facts, narratives and digests (not the raw journal);
- warm: how many of the key facts MEMORY.md + USER.md hold (with the current value);
- stale as current: a replaced value (or an expired event) shown as current: in the warm files, as a current
  fact, or as the first search hit that names either value without the new one (must be 0);
- compression: journal characters : narrative characters;
- precision of what was extracted from prompts and decisions (planted facts / all facts from those channels).

``verdicts="pipeline"`` measures the real chain (the monitor stores each failure's verdict at Stop, before
memory ingests at SessionEnd); ``verdicts="stand-in"`` replaces those verdicts with the generator's own truth
between Stop and SessionEnd, which measures memory's half of the lesson channel alone.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nevo.clock import fixed_clock, iso
from nevo.config import load_config
from nevo.db import Database, open_database
from nevo.incidents import record_verdict
from nevo.install import init
from nevo.memory.search import search
from nevo.monitor import Monitor
from nevo.nightly import run_nightly
from nevo.verdict import Verdict
from nevo.workspace import Workspace
from tests.corpus.memory_month import (
    Month,
    Phrasebook,
    Question,
    Session,
    hook_payloads,
    transcript_folder,
    write_transcript,
)

FIRST_DAY = datetime(2026, 10, 5, tzinfo=UTC)
TOP = 5
DISTILLED = ("fact", "narrative", "digest")


@dataclass
class Run:
    ws: Workspace
    db: Database
    month: Month
    seconds: float
    warnings: list[str]


def _trigger(ws: Workspace, counter: list[int], at: datetime, payload: dict[str, Any]) -> None:
    counter[0] += 1
    path = ws.triggers_dir / f"{counter[0]:012d}-{os.getpid()}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    stamp = at.timestamp()
    os.utime(path, (stamp, stamp))


def _stand_in_verdicts(db: Database, session: Session) -> None:
    for failure in session.failures:
        if not failure.lesson:
            continue
        key = f"call:{session.id}:{failure.tool_use_id}"
        incident = db.scalar("SELECT incident_id FROM occurrences WHERE key = ?", (key,))
        if incident is None:
            continue
        truth = failure.lesson
        verdict = Verdict(
            kind="lesson",
            reason="stand-in: the generator's truth",
            failed=f"Bash: {truth['failed']}",
            fix=truth["fix"],
            fix_tool="Bash",
            fix_kind=truth.get("fix_kind", "replace"),
            error_line=truth["error_line"],
            lesson=truth["lesson"],
        )
        with db.transaction():
            record_verdict(db, key, str(incident), session.id, iso(failure.at), verdict)


def run_month(phrasebook: Phrasebook, seed: int, base: Path, *, verdicts: str = "pipeline") -> Run:
    config_dir = base / "claude"
    os.environ["CLAUDE_CONFIG_DIR"] = str(config_dir)
    os.environ.pop("ANTHROPIC_API_KEY", None)
    ws = Workspace(base / "project")
    ws.root.mkdir(parents=True)
    init(ws)
    month = phrasebook(random.Random(seed), FIRST_DAY, str(ws.root))
    folder = transcript_folder(config_dir, str(ws.root))
    db = open_database(ws)
    config = load_config(ws)
    counter = [0]
    warnings: list[str] = []
    started = time.perf_counter()
    for day in range(month.days):
        today = [s for s in month.sessions if (s.start - FIRST_DAY).days == day]
        for session in today:
            path = write_transcript(session, folder)
            payloads = hook_payloads(session, path)
            end = session.end or session.start
            monitor = Monitor(ws, db, config, fixed_clock(end + timedelta(seconds=5)))
            # Failures, then Stop (the monitor stores its verdicts there), then SessionEnd (memory ingests): the
            # stand-in replaces the monitor's verdicts between the two, so memory reads the generator's truth.
            for last, batch in ((False, payloads[:-1]), (True, payloads[-1:])):
                for at, payload in batch:
                    _trigger(ws, counter, at, payload)
                warnings += monitor.process_pending().warnings
                if verdicts == "stand-in" and not last:
                    _stand_in_verdicts(db, session)
            if session.inbox:
                inbox = ws.memory_dir / "inbox.md"
                with inbox.open("a", encoding="utf-8") as handle:
                    handle.write("".join(f"- {line}\n" for line in session.inbox))
                os.utime(inbox, (end.timestamp(), end.timestamp()))
        night = run_nightly(ws, FIRST_DAY + timedelta(days=day + 1, hours=3), db=db, config=config)
        warnings += [f"{s.name}: {s.error}" for s in night.steps if not s.ok]
    final = run_nightly(ws, FIRST_DAY + timedelta(days=month.days + 1, hours=3), db=db, config=config)
    warnings += [f"{s.name}: {s.error}" for s in final.steps if not s.ok]
    return Run(ws, db, month, time.perf_counter() - started, warnings)


def _matches(text: str, patterns: tuple[str, ...]) -> bool:
    return bool(patterns) and all(re.search(p, text, re.IGNORECASE) for p in patterns)


def _any(text: str, patterns: tuple[str, ...]) -> bool:
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


def _found(db: Database, question: Question, sources: tuple[str, ...]) -> bool:
    hits = search(db, question.query, limit=TOP, sources=sources)
    return any(_matches(h.snippet, question.expect) for h in hits)


def _stale_in_search(db: Database, question: Question) -> bool:
    """The first hit naming the new or an old value names only an old one, unmarked."""
    for hit in search(db, question.query, limit=20):
        new, old = _matches(hit.snippet, question.expect), _any(hit.snippet, question.stale)
        if new or old:
            return old and not new and not hit.superseded
    return False


def _stale_lines(text: str, question: Question) -> list[str]:
    patterns = question.stale if question.stale else (question.marker,)
    return [
        line
        for line in text.splitlines()
        if _any(line, patterns) and not (question.stale and _matches(line, question.expect))
    ]


def measure(run: Run) -> dict[str, Any]:
    db, month, ws = run.db, run.month, run.ws
    warm = "\n".join((ws.memory_dir / n).read_text(encoding="utf-8") for n in ("MEMORY.md", "USER.md"))
    live = [q for q in month.questions if not q.expired]
    per_channel: dict[str, dict[str, int]] = {}
    missed: dict[str, list[str]] = {"search": [], "distilled": [], "warm": []}
    stale: list[str] = []
    for q in live:
        row = per_channel.setdefault(q.channel, {"questions": 0, "search": 0, "distilled": 0})
        row["questions"] += 1
        if _found(db, q, ("fact", "narrative", "digest", "journal")):
            row["search"] += 1
        else:
            missed["search"].append(q.id)
        if _found(db, q, DISTILLED):
            row["distilled"] += 1
        else:
            missed["distilled"].append(q.id)
        if q.stale and (_stale_in_search(db, q) or _stale_lines(warm, q)):
            stale.append(q.id)
        if q.stale and _current_fact_with(db, q.stale, q.expect):
            stale.append(f"{q.id} (fact)")
    for q in month.questions:
        if q.expired and (_stale_lines(warm, q) or _current_fact_with(db, (q.marker,), ())):
            stale.append(f"{q.id} (expired event)")
    keys = month.key_questions
    warm_held = [q.id for q in keys if any(_matches(line, q.expect) for line in warm.splitlines())]
    missed["warm"] = [q.id for q in keys if q.id not in warm_held]
    journal_chars, narrative_chars = db.one(
        "SELECT SUM(journal_chars) AS j, SUM(narrative_chars) AS n FROM narratives"
    ) or (0, 0)
    total = len(live)
    return {
        "sessions": len(month.sessions),
        "questions": total,
        "recall_search": round(sum(r["search"] for r in per_channel.values()) / total, 3),
        "recall_distilled": round(sum(r["distilled"] for r in per_channel.values()) / total, 3),
        "warm_key_facts": f"{len(warm_held)}/{len(keys)}",
        "stale_as_current": len(stale),
        "stale": stale,
        "compression": f"{round(journal_chars / max(1, narrative_chars))}:1",
        "per_channel": per_channel,
        "missed": missed,
        "precision": _precision(db, month),
        "facts": db.scalar("SELECT COUNT(*) FROM facts"),
        "facts_current": db.scalar("SELECT COUNT(*) FROM facts WHERE superseded_at IS NULL"),
        "memory_md_chars": len((ws.memory_dir / "MEMORY.md").read_text(encoding="utf-8")),
        "user_md_chars": len((ws.memory_dir / "USER.md").read_text(encoding="utf-8")),
        "pipeline_s": round(run.seconds, 1),
        "warnings": sorted(set(run.warnings))[:10],
    }


def _current_fact_with(db: Database, patterns: tuple[str, ...], expect: tuple[str, ...]) -> bool:
    rows = db.query("SELECT text FROM facts WHERE superseded_at IS NULL")
    return any(_any(r["text"], patterns) and not (expect and _matches(r["text"], expect)) for r in rows)


def _precision(db: Database, month: Month) -> dict[str, Any]:
    """Of the facts taken from the user's prompts and from the agent's decisions, how many are planted facts."""
    markers = [m for m in month.markers if m]
    out: dict[str, Any] = {}
    for source in ("user", "agent"):
        texts = [str(r["text"]) for r in db.query("SELECT text FROM facts WHERE source = ?", (source,))]
        planted = [t for t in texts if any(re.search(m, t, re.IGNORECASE) for m in markers)]
        out[source] = {
            "facts": len(texts),
            "planted": len(planted),
            "other": [t for t in texts if t not in planted][:8],
        }
    return out


MONTHS = {
    # (phrasebook module, seed): the tuning month, and two held-out months (other projects, written by other
    # schemes, other seeds). The first held-out month was run once before the fixes its misses prompted (figures
    # in bench/README.md); the second was written after that and never looked at before its first run.
    "tuning": ("tests.corpus.memory_ledgerly", 1),
    "held-out": ("tests.corpus.memory_heldout", 7),
    "held-out-2": ("tests.corpus.memory_heldout2", 23),
    # Round 2: written after the instruction fixes by a fourth scheme (a sprint board), a Rails project; its first run
    # gave the blind figures in bench/README.md.
    "held-out-3": ("tests.corpus.memory_larder", 41),
    # Round 3: written before its first run by a fifth scheme (threads of work on working days), a data-science
    # repository (pixi, DVC, MLflow, notebooks); its first run gave the blind figures in bench/README.md.
    "held-out-4": ("tests.corpus.memory_ferrycast", 59),
}


def evaluate_months(verdicts: str = "pipeline", *, keep: bool = False, names: tuple[str, ...] = ()) -> dict[str, Any]:
    import importlib
    import shutil
    import tempfile

    figures: dict[str, Any] = {"verdicts": verdicts}
    for name, (module, seed) in MONTHS.items():
        if names and name not in names:
            continue
        base = Path(tempfile.mkdtemp(prefix=f"nevo-month-{name}-"))
        run = run_month(importlib.import_module(module).build_month, seed, base, verdicts=verdicts)
        figures[name] = measure(run)
        run.db.close()
        if keep:
            figures[name]["kept"] = str(base)
        else:
            shutil.rmtree(base)
    return figures
