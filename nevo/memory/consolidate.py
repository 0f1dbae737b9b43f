"""Graduated consolidation: sessions into weekly digests, weeklies into monthly summaries.

Sessions older than memory.weekly_after_days (7) are merged into the digest of their ISO week;
weekly digests older than memory.monthly_after_days (30) into the summary of their month (the
month of the week's Thursday, as ISO weeks count). Each week and each month is one transaction, so
an interrupted run leaves whole units and the next run finishes the rest; a second run finds nothing
to do. A session's detail (its journal) is pruned only when memory.keep_detail is false and only
after the transaction that put the session in a digest has committed: nothing is lost before its
digest exists. A session that joins a week late rewrites that week's digest (and its month's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from nevo.clock import Clock, iso, parse_instant
from nevo.config import Config
from nevo.db import Database, Row
from nevo.memory.digest import monthly_text, weekly_text

FTS_TABLES = ("journal_fts", "narratives_fts", "facts_fts", "digests_fts")
OPTIMIZE_EVERY_DAYS = 7  # a full FTS optimize rewrites the index: weekly; other nights a bounded merge
PRUNE_BATCH = 50


@dataclass
class ConsolidationReport:
    weekly: list[str] = field(default_factory=list)  # periods written or rewritten
    monthly: list[str] = field(default_factory=list)
    summarised: int = 0  # sessions given an offline narrative so their digest could be written
    pruned_sessions: int = 0
    fts: str = "merge"

    def as_dict(self) -> dict[str, object]:
        return {
            "weekly": self.weekly,
            "monthly": self.monthly,
            "summarised": self.summarised,
            "pruned_sessions": self.pruned_sessions,
            "fts": self.fts,
        }


def iso_week(day: date) -> tuple[str, date, date]:
    year, week, _ = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return f"{year}-W{week:02d}", monday, monday + timedelta(days=7)


def week_month(monday: date) -> str:
    return (monday + timedelta(days=3)).strftime("%Y-%m")


def consolidate(db: Database, config: Config, clock: Clock) -> ConsolidationReport:
    now = clock()
    report = ConsolidationReport()
    rewritten_months = _weekly(db, config, clock, now, report)
    _monthly(
        db,
        now - timedelta(days=float(config.get("memory.monthly_after_days"))),
        now,
        report,
        rewritten_months,
    )
    if not config.get("memory.keep_detail"):
        report.pruned_sessions = prune_detail(db, now)
    report.fts = maintain_fts(db, now)
    return report


def _session_day(row: Row) -> date:
    stamp = row["started_at"] or row["ingested_at"]
    return parse_instant(str(stamp)).date()


def _weekly(db: Database, config: Config, clock: Clock, now: datetime, report: ConsolidationReport) -> set[int]:
    cutoff = iso(now - timedelta(days=float(config.get("memory.weekly_after_days"))))
    due = db.query(
        "SELECT id, started_at, ingested_at, narrated_seq, next_seq FROM sessions WHERE weekly_id IS NULL"
        " AND COALESCE(ended_at, started_at, ingested_at) < ? ORDER BY started_at",
        (cutoff,),
    )
    from nevo.memory.ingest import offline_summary  # ingest imports warm/providers; only needed here

    weeks: dict[str, list[str]] = defaultdict(list)
    bounds: dict[str, tuple[date, date]] = {}
    for row in due:
        if int(row["narrated_seq"]) < int(row["next_seq"]) - 1 and int(row["next_seq"]) > 0:
            offline_summary(db, str(row["id"]), config, clock)  # the provider never got to it: do not wait
            report.summarised += 1
        period, monday, sunday_end = iso_week(_session_day(row))
        weeks[period].append(str(row["id"]))
        bounds[period] = (monday, sunday_end)
    months: set[int] = set()
    for period in sorted(weeks):
        monday, end = bounds[period]
        with db.transaction():
            existing = db.one("SELECT id, monthly_id FROM digests WHERE kind = 'weekly' AND period = ?", (period,))
            members = weeks[period] + (
                [str(r["id"]) for r in db.query("SELECT id FROM sessions WHERE weekly_id = ?", (existing["id"],))]
                if existing
                else []
            )
            text, stats = weekly_text(db, period, monday, end, members)
            digest_id = _upsert_digest(db, "weekly", period, monday, end, text, stats, now)
            db.executemany("UPDATE sessions SET weekly_id = ? WHERE id = ?", [(digest_id, s) for s in weeks[period]])
            if existing and existing["monthly_id"]:
                months.add(int(existing["monthly_id"]))
        report.weekly.append(period)
    return months


def _upsert_digest(
    db: Database,
    kind: str,
    period: str,
    start: date,
    end: date,
    text: str,
    stats: dict[str, int],
    now: datetime,
) -> int:
    row = db.one("SELECT id FROM digests WHERE kind = ? AND period = ?", (kind, period))
    values = (str(start), str(end), text, stats["sessions"], stats["tool_calls"], stats["failures"], iso(now))
    if row is None:
        cursor = db.execute(
            "INSERT INTO digests (starts_at, ends_at, text, sessions, tool_calls, failures, created_at,"
            " kind, period)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, kind, period),
        )
        return int(cursor.lastrowid or 0)
    db.execute(
        "UPDATE digests SET starts_at = ?, ends_at = ?, text = ?, sessions = ?, tool_calls = ?, failures = ?,"
        " created_at = ? WHERE id = ?",
        (*values, row["id"]),
    )
    return int(row["id"])


def _monthly(db: Database, cutoff: datetime, now: datetime, report: ConsolidationReport, rewrite: set[int]) -> None:
    due = db.query(
        "SELECT id, period, starts_at FROM digests WHERE kind = 'weekly' AND monthly_id IS NULL AND ends_at <= ?",
        (str(cutoff.date()),),
    )
    months: dict[str, list[int]] = defaultdict(list)
    for row in due:
        months[week_month(date.fromisoformat(str(row["starts_at"])))].append(int(row["id"]))
    for monthly_id in rewrite:
        period = db.scalar("SELECT period FROM digests WHERE id = ?", (monthly_id,))
        if period:
            months.setdefault(str(period), [])
    for period in sorted(months):
        with db.transaction():
            existing = db.one("SELECT id FROM digests WHERE kind = 'monthly' AND period = ?", (period,))
            weekly_ids = months[period] + (
                [int(r["id"]) for r in db.query("SELECT id FROM digests WHERE monthly_id = ?", (existing["id"],))]
                if existing
                else []
            )
            text, stats, first, last = monthly_text(db, period, weekly_ids)
            digest_id = _upsert_digest(db, "monthly", period, first, last, text, stats, now)
            db.executemany("UPDATE digests SET monthly_id = ? WHERE id = ?", [(digest_id, w) for w in months[period]])
        report.monthly.append(period)


def prune_detail(db: Database, now: datetime) -> int:
    """Delete the journal of sessions already in a committed weekly digest (keep_detail: false)."""
    pruned = 0
    while True:
        batch = [
            str(r["id"])
            for r in db.query(
                "SELECT id FROM sessions WHERE weekly_id IS NOT NULL AND detail_pruned_at IS NULL LIMIT ?",
                (PRUNE_BATCH,),
            )
        ]
        if not batch:
            return pruned
        with db.transaction():
            marks = ",".join("?" * len(batch))
            db.execute(f"DELETE FROM journal WHERE session_id IN ({marks})", batch)
            db.execute(f"UPDATE sessions SET detail_pruned_at = ? WHERE id IN ({marks})", [iso(now), *batch])
        pruned += len(batch)


def maintain_fts(db: Database, now: datetime) -> str:
    """Merge the FTS indexes a bounded amount every night; fully optimize them once a week."""
    last = db.scalar("SELECT value FROM meta WHERE key = 'memory.fts_optimized_at'")
    full = last is None or parse_instant(str(last)) <= now - timedelta(days=OPTIMIZE_EVERY_DAYS)
    for table in FTS_TABLES:
        with db.transaction():
            if full:
                db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
            else:
                db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('merge', 200)")
    if full:
        with db.transaction():
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('memory.fts_optimized_at', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (iso(now),),
            )
    return "optimize" if full else "merge"


def rebuild_fts(db: Database) -> None:
    """Rebuild every memory FTS index from its table (after corruption, or `nevo doctor --repair`)."""
    for table in FTS_TABLES:
        with db.transaction():
            db.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
