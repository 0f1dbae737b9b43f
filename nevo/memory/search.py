"""Search across memory: facts, narratives, digests and the journal (FTS5 with the porter stemmer, BM25).

The user's query always goes through :func:`nevo.db.quote_fts`, so any text (``foo"bar``, ``a OR``)
is a valid search for its words; stemming makes "snapshot" find "snapshots". All the words are looked
for first; when that finds little, any of the meaningful words (a second, weaker pass). Each source is
ranked by BM25 on its own (scores of different tables are not comparable), then the lists are merged by
weighted reciprocal rank: the n-th hit of a source scores weight / (RRF_K + n), a fact weighs more than a
narrative, a narrative more than a journal line; newer hits and current facts rank above older and
superseded ones (a superseded fact is still found, marked with when and what replaced it). A journal hit
shows the command and the part of its output around the words found: the output holds the answer.
Paths are shown relative to the session's workspace.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from nevo.clock import parse_instant
from nevo.db import Database, quote_fts
from nevo.memory.narrative import relative

SOURCES = ("fact", "narrative", "digest", "journal")
WEIGHT = {"fact": 2.0, "narrative": 1.4, "digest": 1.2, "journal": 1.0}
RRF_K = 4
RELAXED_FACTOR = 0.5  # a hit that holds only some of the words
SUPERSEDED_FACTOR = 0.3
RECENCY_HALF_LIFE_DAYS = 30.0
JOURNAL_WINDOW = 300  # the journal is searched newest first: BM25 ranks the latest matching rows, not all
_START, _END = "\x02", "\x03"  # snippet markers no text contains; shown as [ ]

_RANKED = {
    # ORDER BY rowid DESC LIMIT lets FTS5 stop early: cost stays flat however long the journal grows.
    "journal": "SELECT id, rank FROM (SELECT rowid AS id, bm25(journal_fts) AS rank FROM journal_fts"
    f" WHERE journal_fts MATCH ? ORDER BY rowid DESC LIMIT {JOURNAL_WINDOW}) ORDER BY rank LIMIT ?",
    "narrative": "SELECT rowid AS id, bm25(narratives_fts) AS rank FROM narratives_fts WHERE narratives_fts MATCH ?"
    " ORDER BY rank LIMIT ?",
    "digest": "SELECT rowid AS id, bm25(digests_fts) AS rank FROM digests_fts WHERE digests_fts MATCH ?"
    " ORDER BY rank LIMIT ?",
    "fact": "SELECT rowid AS id, bm25(facts_fts, 1.0, 0.5) AS rank FROM facts_fts WHERE facts_fts MATCH ?"
    " ORDER BY rank LIMIT ?",
}
# (when, ranked as superseded): a value replaced by a newer one ranks below it; a lesson superseded only because
# it names a replaced value (nevo.memory.facts) keeps its rank, shown marked: what it teaches still holds.
_WHEN = {
    "journal": "SELECT id, at, 0 AS superseded FROM journal WHERE id IN",
    "narrative": "SELECT id, created_at AS at, 0 AS superseded FROM narratives WHERE id IN",
    "digest": "SELECT id, ends_at AS at, 0 AS superseded FROM digests WHERE id IN",
    "fact": "SELECT id, last_seen_at AS at, superseded_at IS NOT NULL AND subject IS NOT NULL AS superseded"
    " FROM facts WHERE id IN",
}
# Details (and the costly snippet) only for the hits that made the list.
_DETAILS = {
    "journal": (
        "SELECT j.id, j.session_id, j.at, j.kind, j.tool, s.cwd,"
        f" snippet(journal_fts, 0, '{_START}', '{_END}', '...', 12) AS command,"
        f" snippet(journal_fts, 1, '{_START}', '{_END}', '...', 24) AS input,"
        f" snippet(journal_fts, 2, '{_START}', '{_END}', '...', 24) AS output"
        " FROM journal_fts JOIN journal j ON j.id = journal_fts.rowid LEFT JOIN sessions s ON s.id = j.session_id"
        " WHERE journal_fts MATCH ? AND journal_fts.rowid IN"
    ),
    "narrative": (
        "SELECT n.id, n.session_id, n.day AS at, 'session ' || substr(n.session_id, 1, 8) AS title, s.cwd,"
        f" snippet(narratives_fts, 0, '{_START}', '{_END}', '...', 32) AS snippet"
        " FROM narratives_fts JOIN narratives n ON n.id = narratives_fts.rowid"
        " LEFT JOIN sessions s ON s.id = n.session_id WHERE narratives_fts MATCH ? AND narratives_fts.rowid IN"
    ),
    "digest": (
        "SELECT d.id, NULL AS session_id, d.starts_at AS at, d.kind || ' ' || d.period AS title, NULL AS cwd,"
        f" snippet(digests_fts, 0, '{_START}', '{_END}', '...', 32) AS snippet"
        " FROM digests_fts JOIN digests d ON d.id = digests_fts.rowid WHERE digests_fts MATCH ? AND"
        " digests_fts.rowid IN"
    ),
    "fact": (
        "SELECT f.id, f.session_id, f.last_seen_at AS at, f.category, f.text, f.superseded_at, n.text AS newer,"
        " s.cwd FROM facts f LEFT JOIN facts n ON n.id = f.superseded_by LEFT JOIN sessions s ON s.id = f.session_id"
        " WHERE f.id IN"
    ),
}
_STOPWORDS_TEXT = (
    "a an and are as at be by can do does for from had has have how i in is it its me my of on or our so than"
    " that the their them then there these they this to was we were what when where which who why will with"
    " you your use used using whats what's"
)
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split(" "))


@dataclass(frozen=True)
class Hit:
    source: str  # fact, narrative, digest, journal
    id: int
    session_id: str | None
    at: str | None
    title: str
    snippet: str
    score: float  # higher is better
    superseded: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Words people write both ways in a project's chat ("PR" and "pull request", "db" and "database"): the wider
# search looks for either. Only abbreviations and plain synonyms, never related words.
_SYNONYMS = (
    ("pr", "prs", "pull request", "pull requests", "merge request", "mr"),
    ("email", "emails", "e-mail", "mail", "mails"),
    ("db", "database", "databases"),
    ("repo", "repository", "repos"),
    ("env", "environment"),
    ("config", "configuration"),
    ("deps", "dependencies", "dependency"),
    ("k8s", "kubernetes"),
    ("js", "javascript"),
    ("ts", "typescript"),
    ("dir", "directory", "folder"),
    ("prod", "production"),
    ("msg", "message"),
    ("docs", "documentation"),
)


def query_terms(query: str) -> list[str]:
    """The meaningful words of ``query`` (stopwords out), each quoted for FTS5; a word (or phrase) with
    synonyms is one term that matches any of them."""
    lowered = " " + " ".join(re.findall(r"[\w.@/+-]+", query.lower())) + " "
    groups: list[str] = []
    for group in _SYNONYMS:
        said = [alt for alt in group if f" {alt} " in lowered]
        if said:
            for alt in said:
                lowered = lowered.replace(f" {alt} ", " ")
            groups.append("(" + " OR ".join(f'"{alt}"' for alt in group) + ")")
    words = [w for w in lowered.split() if w not in _STOPWORDS and len(w) > 1]
    return [*(quote_fts(w) for w in dict.fromkeys(words)), *groups]


def relaxed_query(query: str) -> str | None:
    """Any of the meaningful words of ``query`` (or their synonyms); None when that is no wider than all of
    them."""
    terms = query_terms(query)
    if len(terms) < 2 and len(query.split()) < 2 and not any(t.startswith("(") for t in terms):
        return None
    return " OR ".join(terms) or None


def search(db: Database, query: str, *, limit: int = 20, sources: tuple[str, ...] = SOURCES) -> list[Hit]:
    """The best ``limit`` hits for ``query`` across ``sources``, best first; [] for an empty query."""
    query = query.replace("\x00", " ")  # FTS5 ends a string at NUL, even a quoted one
    if not query.strip():
        return []
    strict = quote_fts(query)
    relaxed = relaxed_query(query)
    scored: dict[tuple[str, int], float] = {}
    matches: dict[tuple[str, int], str] = {}
    for source in sources:
        found = [(row_id, 1.0, strict) for row_id in _ranked(db, source, strict, limit)]
        if relaxed and len(found) < limit:
            seen = {row_id for row_id, _, _ in found}
            wider = [r for r in _ranked(db, source, relaxed, limit * 3) if r not in seen]
            found += [(r, RELAXED_FACTOR * share, relaxed) for r, share in _by_coverage(db, source, query, wider)]
        when = _when(db, source, [row_id for row_id, _, _ in found])
        newest = max((at for at, _ in when.values() if at), default=None)
        for position, (row_id, factor, match) in enumerate(found[:limit]):
            at, superseded = when.get(row_id, (None, False))
            value = WEIGHT[source] / (RRF_K + position) * factor * _recency(at, newest)
            scored[(source, row_id)] = value * (SUPERSEDED_FACTOR if superseded else 1.0)
            matches[(source, row_id)] = match
    chosen = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
    hits: list[Hit] = []
    for source in sources:
        picked = {row_id: value for (src, row_id), value in chosen if src == source}
        if picked:
            hits += _details(db, source, picked, {k[1]: m for k, m in matches.items() if k[0] == source})
    hits.sort(key=lambda hit: (-hit.score, hit.source, hit.id))
    return hits


_TABLES = {"journal": "journal_fts", "narrative": "narratives_fts", "digest": "digests_fts", "fact": "facts_fts"}


def _by_coverage(db: Database, source: str, query: str, ids: list[int]) -> list[tuple[int, float]]:
    """Hits of the wider search ordered by how much of the query each holds (then by BM25, the order given), with
    the share of its words: a fact with "dev server port" beats one that only says "dev". A word most of the hits
    hold counts for less than a rare one: of "clean up the dvc cache with gc", the hit with "dvc gc" comes before
    the one with "dvc ... cache", since every hit of this project says "dvc"."""
    terms = query_terms(query)
    if not ids or len(terms) < 2:
        return [(row_id, 1.0) for row_id in ids]
    table = _TABLES[source]
    holds: dict[int, list[str]] = {row_id: [] for row_id in ids}
    marks = ",".join("?" * len(ids))
    for term in terms:
        for row in db.query(f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid IN ({marks})", (term, *ids)):
            holds[int(row["rowid"])].append(term)
    held_by = {term: sum(term in held for held in holds.values()) for term in terms}
    weight = {term: math.log(1 + len(ids) / count) for term, count in held_by.items() if count}

    def weighed(row_id: int) -> tuple[int, float]:
        return -len(holds[row_id]), -sum(weight[term] for term in holds[row_id])

    ordered = sorted(ids, key=weighed)  # stable: BM25 order within the same words
    return [(row_id, len(holds[row_id]) / len(terms)) for row_id in ordered]


def _ranked(db: Database, source: str, match: str, limit: int) -> list[int]:
    return [int(r["id"]) for r in db.query(_RANKED[source], (match, limit))]


def _when(db: Database, source: str, ids: list[int]) -> dict[int, tuple[str | None, bool]]:
    if not ids:
        return {}
    rows = db.query(f"{_WHEN[source]} ({','.join('?' * len(ids))})", ids)
    return {int(r["id"]): (r["at"], bool(r["superseded"])) for r in rows}


def _instant(at: str | None) -> datetime | None:
    if not at:
        return None
    try:
        return parse_instant(at if "T" in at else f"{at[:10]}T00:00:00Z")
    except ValueError:
        return None


def _recency(at: str | None, newest: str | None) -> float:
    """1.0 for the newest hit of a source, towards 0.6 for much older ones."""
    then, latest = _instant(at), _instant(newest)
    if then is None or latest is None:
        return 0.8
    age_days = max(0.0, (latest - then).total_seconds() / 86400)
    return 0.6 + 0.4 * 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)


def _shown(text: str | None, cwd: str | None) -> str:
    shown = relative(str(text or ""), cwd)
    if cwd and len(cwd) > 1 and (_START in shown or _END in shown):
        # The highlight may fall inside the workspace path ("/home/me/[shop/web]/x"): match it around the markers.
        marked = "".join(re.escape(c) + f"[{_START}{_END}]?" for c in cwd.rstrip("/") + "/")
        shown = re.sub(f"[{_START}{_END}]?" + marked, "", shown)
    return re.sub(r"\s+", " ", _balanced(shown)).replace("[]", "").strip()


def _balanced(text: str) -> str:
    """Highlight markers as [ ], dropping any left unpaired when the workspace path was cut out of a match."""
    out: list[str] = []
    open_at = -1
    for char in text:
        if char == _START:
            open_at = len(out)
            out.append("[")
        elif char == _END:
            if open_at >= 0:
                out.append("]")
                open_at = -1
        else:
            out.append(char)
    if open_at >= 0:
        del out[open_at]
    return "".join(out)


def _details(db: Database, source: str, picked: dict[int, float], matches: dict[int, str]) -> list[Hit]:
    hits: list[Hit] = []
    marks = ",".join("?" * len(picked))
    if source == "fact":
        for r in db.query(f"{_DETAILS['fact']} ({marks})", list(picked)):
            text = _shown(r["text"], r["cwd"])
            superseded = r["superseded_at"] is not None
            if superseded:
                text += f" [superseded {str(r['superseded_at'])[:10]}" + (
                    f" by: {_shown(r['newer'], r['cwd'])}]" if r["newer"] else "]"
                )
            title = str(r["category"]) + (" (superseded)" if superseded else "")
            hits.append(Hit(source, int(r["id"]), r["session_id"], r["at"], title, text, picked[r["id"]], superseded))
        return hits
    by_match: dict[str, list[int]] = {}
    for row_id in picked:
        by_match.setdefault(matches[row_id], []).append(row_id)
    for match, ids in by_match.items():
        rows = db.query(f"{_DETAILS[source]} ({','.join('?' * len(ids))})", (match, *ids))
        for r in rows:
            if source == "journal":
                title, snippet = _journal_snippet(r)
            else:
                title, snippet = str(r["title"]), _shown(r["snippet"], r["cwd"])
            hits.append(Hit(source, int(r["id"]), r["session_id"], r["at"], title, snippet, picked[int(r["id"])]))
    return hits


def _journal_snippet(row: Any) -> tuple[str, str]:
    """A tool call as its command and the output around the words found (or the output's start: for
    ``node --version`` the answer is the output, whatever the query matched)."""
    cwd = row["cwd"]
    if row["kind"] != "tool":
        return str(row["kind"]), _shown(row["input"], cwd)
    command = _shown(row["command"], cwd)
    output = _shown(row["output"], cwd)
    return str(row["tool"] or "tool"), f"{command} → {output}" if output else command
