"""Search across memory: the journal, narratives, digests and facts (FTS5, ranked with BM25).

The user's query always goes through :func:`nevo.db.quote_fts`, so any text (``foo"bar``, ``a OR``)
is a valid search for its words. Each source is ranked by BM25 on its own (BM25 scores of different
tables are not comparable: their document counts differ), then the lists are merged by weighted
reciprocal rank: the n-th hit of a source scores weight / (RRF_K + n), and a fact or a narrative
weighs more than a journal line. The journal is ranked within its newest matching rows, so a search
costs the same after a year as after a week.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nevo.db import Database, quote_fts

SOURCES = ("fact", "narrative", "digest", "journal")
WEIGHT = {"fact": 2.0, "narrative": 1.5, "digest": 1.2, "journal": 1.0}
RRF_K = 4

JOURNAL_WINDOW = 300  # the journal is searched newest first: BM25 ranks the latest matching rows, not all

_QUERIES = {
    # ORDER BY rowid DESC LIMIT lets FTS5 stop early: cost stays flat however long the journal grows.
    "journal": (
        "SELECT rowid AS id, bm25(journal_fts) AS rank FROM journal_fts WHERE journal_fts MATCH ?"
        f" ORDER BY rowid DESC LIMIT {JOURNAL_WINDOW}"
    ),
    "narrative": "SELECT rowid AS id, bm25(narratives_fts) AS rank FROM narratives_fts"
    " WHERE narratives_fts MATCH ?"
    " ORDER BY rank LIMIT ?",
    "digest": "SELECT rowid AS id, bm25(digests_fts) AS rank FROM digests_fts WHERE digests_fts MATCH ?"
    " ORDER BY rank LIMIT ?",
    "fact": "SELECT rowid AS id, bm25(facts_fts) AS rank FROM facts_fts WHERE facts_fts MATCH ?"
    " ORDER BY rank LIMIT ?",
}
# Details (and the costly snippet) only for the hits that made the list.
_DETAILS = {
    "journal": (
        "SELECT j.id, j.session_id, j.at, COALESCE(j.tool, j.kind) AS title,"
        " snippet(journal_fts, -1, '[', ']', '...', 16) AS snippet"
        " FROM journal_fts JOIN journal j ON j.id = journal_fts.rowid WHERE journal_fts MATCH ? AND"
        " journal_fts.rowid IN"
    ),
    "narrative": (
        "SELECT n.id, n.session_id, n.day AS at, 'session ' || substr(n.session_id, 1, 8) AS title,"
        " snippet(narratives_fts, 0, '[', ']', '...', 24) AS snippet"
        " FROM narratives_fts JOIN narratives n ON n.id = narratives_fts.rowid WHERE narratives_fts MATCH ?"
        " AND narratives_fts.rowid IN"
    ),
    "digest": (
        "SELECT d.id, NULL AS session_id, d.starts_at AS at, d.kind || ' ' || d.period AS title,"
        " snippet(digests_fts, 0, '[', ']', '...', 24) AS snippet"
        " FROM digests_fts JOIN digests d ON d.id = digests_fts.rowid WHERE digests_fts MATCH ? AND"
        " digests_fts.rowid IN"
    ),
    "fact": (
        "SELECT f.id, f.session_id, f.last_seen_at AS at, f.category AS title, f.text AS snippet"
        " FROM facts_fts JOIN facts f ON f.id = facts_fts.rowid WHERE facts_fts MATCH ? AND"
        " facts_fts.rowid IN"
    ),
}


@dataclass(frozen=True)
class Hit:
    source: str  # fact, narrative, digest, journal
    id: int
    session_id: str | None
    at: str | None
    title: str
    snippet: str
    score: float  # higher is better

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def search(db: Database, query: str, *, limit: int = 20, sources: tuple[str, ...] = SOURCES) -> list[Hit]:
    """The best ``limit`` hits for ``query`` across ``sources``, best first; [] for an empty query."""
    query = query.replace("\x00", " ")  # FTS5 ends a string at NUL, even a quoted one
    if not query.strip():
        return []
    match = quote_fts(query)
    scored: list[tuple[float, str, int]] = []
    for source in sources:
        params: tuple[object, ...] = (match,) if source == "journal" else (match, limit)
        ranked = sorted((float(r["rank"]), int(r["id"])) for r in db.query(_QUERIES[source], params))[:limit]
        scored += [
            (WEIGHT[source] / (RRF_K + position), source, row_id)
            for position, (_, row_id) in enumerate(ranked)
        ]
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    chosen = scored[:limit]
    hits: list[Hit] = []
    for source in sources:
        ids = {row_id: score for score, src, row_id in chosen if src == source}
        if not ids:
            continue
        rows = db.query(f"{_DETAILS[source]} ({','.join('?' * len(ids))})", (match, *ids))
        hits += [
            Hit(
                source,
                int(r["id"]),
                r["session_id"],
                r["at"],
                str(r["title"]),
                str(r["snippet"] or ""),
                ids[int(r["id"])],
            )
            for r in rows
        ]
    hits.sort(key=lambda hit: (-hit.score, hit.source, hit.id))
    return hits
