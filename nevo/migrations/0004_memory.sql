-- why: memory: the action journal (every tool call, result and prompt of every session, redacted, searchable), episodic narratives, semantic facts with TTL and provenance, weekly/monthly digests, fitness snapshots.
CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,          -- Claude Code's session id (the transcript file's stem)
    transcript_path  TEXT NOT NULL,
    cwd              TEXT,
    started_at       TEXT,
    ended_at         TEXT,
    tool_calls       INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    ingested_offset  INTEGER NOT NULL DEFAULT 0, -- bytes of the transcript already journaled
    next_seq         INTEGER NOT NULL DEFAULT 0, -- the seq the next journal row gets
    ingested_at      TEXT,
    narrated_seq     INTEGER NOT NULL DEFAULT -1, -- journal seq the narrative and facts cover (-1: none yet)
    weekly_id        INTEGER REFERENCES digests(id), -- the weekly digest that holds this session
    detail_pruned_at TEXT                         -- journal rows deleted after the digest (keep_detail: false)
);
CREATE INDEX sessions_started ON sessions(started_at);
CREATE INDEX sessions_weekly ON sessions(weekly_id);

CREATE TABLE journal (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    seq         INTEGER NOT NULL,
    at          TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('tool', 'user', 'assistant')),
    tool        TEXT,
    command     TEXT,            -- Bash command, or the file/pattern a tool acted on
    input       TEXT,            -- tool input as redacted JSON; the text of a user or assistant message
    output      TEXT,            -- tool result, redacted and clipped
    is_error    INTEGER NOT NULL DEFAULT 0,
    has_result  INTEGER NOT NULL DEFAULT 0, -- 0 while a tool call's result is still to come
    tool_use_id TEXT,
    UNIQUE (session_id, seq)
);
CREATE INDEX journal_tool_use ON journal(tool_use_id);

CREATE VIRTUAL TABLE journal_fts USING fts5(
    command, input, output, content='journal', content_rowid='id', tokenize='unicode61'
);
CREATE TRIGGER journal_ai AFTER INSERT ON journal BEGIN
    INSERT INTO journal_fts(rowid, command, input, output) VALUES (new.id, new.command, new.input, new.output);
END;
CREATE TRIGGER journal_ad AFTER DELETE ON journal BEGIN
    INSERT INTO journal_fts(journal_fts, rowid, command, input, output)
    VALUES ('delete', old.id, old.command, old.input, old.output);
END;
CREATE TRIGGER journal_au AFTER UPDATE ON journal BEGIN
    INSERT INTO journal_fts(journal_fts, rowid, command, input, output)
    VALUES ('delete', old.id, old.command, old.input, old.output);
    INSERT INTO journal_fts(rowid, command, input, output) VALUES (new.id, new.command, new.input, new.output);
END;

CREATE TABLE narratives (
    id              INTEGER PRIMARY KEY,
    session_id      TEXT NOT NULL UNIQUE REFERENCES sessions(id),
    day             TEXT,                    -- the session's start date (YYYY-MM-DD)
    created_at      TEXT NOT NULL,
    provider        TEXT NOT NULL,
    intent          TEXT NOT NULL,
    decisions       TEXT NOT NULL,           -- JSON list of strings
    outcomes        TEXT NOT NULL,           -- JSON list of strings
    lessons         TEXT NOT NULL,           -- JSON list of strings (what failed and what fixed it)
    text            TEXT NOT NULL,           -- the rendered narrative
    journal_chars   INTEGER NOT NULL,
    narrative_chars INTEGER NOT NULL,
    upto_seq        INTEGER NOT NULL
);
CREATE VIRTUAL TABLE narratives_fts USING fts5(text, content='narratives', content_rowid='id');
CREATE TRIGGER narratives_ai AFTER INSERT ON narratives BEGIN
    INSERT INTO narratives_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER narratives_ad AFTER DELETE ON narratives BEGIN
    INSERT INTO narratives_fts(narratives_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER narratives_au AFTER UPDATE ON narratives BEGIN
    INSERT INTO narratives_fts(narratives_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO narratives_fts(rowid, text) VALUES (new.id, new.text);
END;

CREATE TABLE facts (
    id               INTEGER PRIMARY KEY,
    hash             TEXT NOT NULL UNIQUE,   -- SHA-256 of the normalised text: one fact, however often said
    text             TEXT NOT NULL,
    category         TEXT NOT NULL CHECK (category IN ('preference', 'configuration', 'environment', 'event', 'lesson')),
    source           TEXT NOT NULL,          -- user, journal, model, inbox
    session_id       TEXT,                   -- provenance: where it was first seen
    journal_seq      INTEGER,
    created_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    confirmations    INTEGER NOT NULL DEFAULT 1, -- distinct sessions (or inbox entries) that stated it
    expires_at       TEXT                    -- NULL: never
);
CREATE INDEX facts_expires ON facts(expires_at);
CREATE TABLE fact_sources (
    fact_id     INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
    origin      TEXT NOT NULL,               -- a session id, or inbox:<date>
    journal_seq INTEGER,
    at          TEXT NOT NULL,
    PRIMARY KEY (fact_id, origin)
);
CREATE VIRTUAL TABLE facts_fts USING fts5(text, content='facts', content_rowid='id');
CREATE TRIGGER facts_ai AFTER INSERT ON facts BEGIN
    INSERT INTO facts_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER facts_ad AFTER DELETE ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER facts_au AFTER UPDATE OF text ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO facts_fts(rowid, text) VALUES (new.id, new.text);
END;

CREATE TABLE digests (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('weekly', 'monthly')),
    period      TEXT NOT NULL,               -- 2026-W05 or 2026-02
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    text        TEXT NOT NULL,
    sessions    INTEGER NOT NULL DEFAULT 0,
    tool_calls  INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    monthly_id  INTEGER REFERENCES digests(id), -- the monthly summary that holds this weekly
    UNIQUE (kind, period)
);
CREATE VIRTUAL TABLE digests_fts USING fts5(text, content='digests', content_rowid='id');
CREATE TRIGGER digests_ai AFTER INSERT ON digests BEGIN
    INSERT INTO digests_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER digests_ad AFTER DELETE ON digests BEGIN
    INSERT INTO digests_fts(digests_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER digests_au AFTER UPDATE OF text ON digests BEGIN
    INSERT INTO digests_fts(digests_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO digests_fts(rowid, text) VALUES (new.id, new.text);
END;

CREATE TABLE fitness (
    id               INTEGER PRIMARY KEY,
    at               TEXT NOT NULL,
    rules            INTEGER NOT NULL,
    incidents_open   INTEGER NOT NULL,
    incidents_known  INTEGER NOT NULL,
    recurrences      INTEGER NOT NULL,       -- occurrences in the last 7 days of incidents first seen before them
    facts            INTEGER NOT NULL,
    skills           INTEGER NOT NULL,
    tokens           INTEGER NOT NULL,       -- LLM tokens spent, all time
    cost_usd         REAL NOT NULL,
    sessions         INTEGER NOT NULL
);

-- one fitness snapshot per moment: a nightly run repeated at the same moment replaces its row
CREATE UNIQUE INDEX IF NOT EXISTS fitness_at ON fitness (at);
