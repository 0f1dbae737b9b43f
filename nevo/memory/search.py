"""Search across memory: the journal, narratives, digests and facts (FTS5, ranked with BM25).

The user's query always goes through :func:`nevo.db.quote_fts`, so any text (``foo"bar``, ``a OR``)
is a valid search for its words. Each source is ranked by BM25 on its own (BM25 scores of different tables are not comparable:
their document counts differ), then the lists are merged by weighted reciprocal rank: the n-th hit
of a source scores weight / (RRF_K + n), and a fact or a narrative weighs more than a journal line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nevo.db import Database, quote_fts

SOURCES = ("fact", "narrative", "digest", "journal")
WEIGHT = {"fact": 2.0, "narrative": 1.5, "digest": 1.2, "journal": 1.0}
RRF_K = 4

_QUERIES = {
    "journal": (
        "SELECT j.id, j.session_id, j.at, COALESCE(j.tool, j.kind) AS title,"
        " snippet(journal_fts, -1, '[', ']', '...', 16) AS snippet, bm25(journal_fts) AS rank"
        " FROM journal_fts JOIN journal j ON j.id = journal_fts.rowid WHERE journal_fts MATCH ?"
        " ORDER BY rank LIMIT ?"
    ),
    "narrative": (
        "SELECT n.id, n.session_id, n.day AS at, 'session ' || substr(n.session_id, 1, 8) AS title,"
        " snippet(narratives_fts, 0, '[', ']', '...', 24) AS snippet, bm25(narratives_fts) AS rank"
        " FROM narratives_fts JOIN narratives n ON n.id = narratives_fts.rowid WHERE narratives_fts MATCH ?"
        " ORDER BY rank LIMIT ?"
    ),
    "digest": (
        "SELECT d.id, NULL AS session_id, d.starts_at AS at, d.kind || ' ' || d.period AS title,"
        " snippet(digests_fts, 0, '[', ']', '...', 24) AS snippet, bm25(digests_fts) AS rank"
        " FROM digests_fts JOIN digests d ON d.id = digests_fts.rowid WHERE digests_fts MATCH ?"
        " ORDER BY rank LIMIT ?"
    ),
    "fact": (
        "SELECT f.id, f.session_id, f.last_seen_at AS at, f.category AS title, f.text AS snippet,"
        " bm25(facts_fts) AS rank"
        " FROM facts_fts JOIN facts f ON f.id = facts_fts.rowid WHERE facts_fts MATCH ? ORDER BY rank LIMIT ?"
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
    hits: list[Hit] = []
    for source in sources:
        for position, row in enumerate(db.query(_QUERIES[source], (match, limit))):
            hits.append(Hit(source, int(row["id"]), row["session_id"], row["at"], str(row["title"]),
                            str(row["snippet"] or ""), WEIGHT[source] / (RRF_K + position)))
    hits.sort(key=lambda hit: (-hit.score, hit.source, hit.id))
    return hits[:limit]
