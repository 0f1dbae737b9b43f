-- why: the skill forge (gap candidates, the skill inventory) and the quality pipeline (runs, stage results, escalations).

-- A gap the forge found: from an analysed incident, a tool sequence repeated across sessions, or a person's request.
-- `key` dedupes: the same gap seen twice is one candidate.
CREATE TABLE gap_candidates (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    source          TEXT NOT NULL CHECK (source IN ('analysis', 'journal', 'request')),
    title           TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    evidence        TEXT NOT NULL DEFAULT '{}',   -- JSON (redacted): commands, sessions, analyses
    incidents       TEXT NOT NULL DEFAULT '[]',   -- JSON list of incident ids
    sessions        INTEGER NOT NULL DEFAULT 0,   -- how many sessions show it
    status          TEXT NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'evaluated', 'deployed', 'rejected', 'failed', 'routed')),
    decision        TEXT CHECK (decision IN ('rule', 'agent', 'hook', 'skill')),
    decision_reason TEXT,
    skill_name      TEXT,
    note            TEXT,                          -- why it failed or was rejected, for people
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX gap_candidates_status ON gap_candidates(status);

-- Every skill the forge deployed, active or deactivated (the files live in git; this is the inventory).
CREATE TABLE skills (
    name            TEXT PRIMARY KEY,
    path            TEXT NOT NULL,                 -- relative to the workspace
    gap_id          INTEGER REFERENCES gap_candidates(id),
    incidents       TEXT NOT NULL DEFAULT '[]',    -- JSON list of the incident ids it answers
    origin          TEXT NOT NULL DEFAULT '',      -- what it came from, for people
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deactivated')),
    commit_sha      TEXT,
    pipeline_run_id INTEGER,
    created_at      TEXT NOT NULL,
    deactivated_at  TEXT,
    deactivated_reason TEXT
);

-- One run of the quality pipeline and each stage's result (a stage may run several times: `attempt`).
CREATE TABLE pipeline_runs (
    id           INTEGER PRIMARY KEY,
    subject      TEXT NOT NULL,                    -- what was checked (files, or skill:<name>)
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    verdict      TEXT CHECK (verdict IN ('approved', 'denied', 'escalated')),
    reasons      TEXT NOT NULL DEFAULT '[]',       -- JSON list of strings (the arbiter's)
    refinements  INTEGER NOT NULL DEFAULT 0,
    duration_ms  INTEGER
);

CREATE TABLE stage_results (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('passed', 'failed', 'skipped', 'error')),
    duration_ms INTEGER NOT NULL DEFAULT 0,
    findings    TEXT NOT NULL DEFAULT '[]',        -- JSON list of {file, line, code, message, severity}
    note        TEXT NOT NULL DEFAULT '',          -- what ran, or why it could not
    UNIQUE (run_id, seq)
);

-- Work the pipeline could not finish on its own: a person decides.
CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    subject     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    findings    TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved'))
);
