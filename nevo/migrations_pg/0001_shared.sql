-- why: what a team shares through PostgreSQL: the same tables as the local SQLite's (migrations/0001, 0002,
-- 0003, 0006, 0007, 0008: incidents, occurrences, recoveries, transcript offsets, analyses, verdicts, rule
-- evidence, LLM metering), with the same columns and meanings, so nevo.incidents and friends run unchanged.
-- Times are ISO 8601 UTC text as there (they sort as text); flags stay integers (is_loop = 1).

CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,              -- INC-YYYY-MM-DD-xxxx
    fingerprint      TEXT NOT NULL UNIQUE,          -- Fingerprint.digest
    tool             TEXT NOT NULL,
    command          TEXT NOT NULL DEFAULT '',
    error_class      TEXT NOT NULL DEFAULT '',
    normalized_error TEXT NOT NULL DEFAULT '',
    sample           TEXT NOT NULL DEFAULT '{}',
    count            INTEGER NOT NULL DEFAULT 0,
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    session_count    INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'analysed', 'resolved')),
    is_loop          INTEGER NOT NULL DEFAULT 0,
    report_written   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_rank ON incidents(count DESC, last_seen DESC);
CREATE INDEX incidents_report_due ON incidents(report_written) WHERE report_written = 0;
CREATE INDEX incidents_status ON incidents(status);

-- `key` is unique across machines: call:<session uuid>:<tool_use_id>, or trigger:<name>:<session>:<digest>.
CREATE TABLE occurrences (
    id          BIGSERIAL PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL DEFAULT '',
    tool_use_id TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    source      TEXT NOT NULL,
    tool        TEXT NOT NULL DEFAULT '',
    input       TEXT NOT NULL DEFAULT '{}',
    recovered   INTEGER NOT NULL DEFAULT 0,
    agent_type  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX occurrences_incident ON occurrences(incident_id, at);
CREATE INDEX occurrences_session ON occurrences(session_id, incident_id);

CREATE TABLE recoveries (
    incident_id        TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    tool               TEXT NOT NULL,
    input              TEXT NOT NULL DEFAULT '{}',
    command            TEXT NOT NULL DEFAULT '',
    session_id         TEXT NOT NULL DEFAULT '',
    tool_use_id        TEXT NOT NULL DEFAULT '',
    at                 TEXT NOT NULL,
    failed_input       TEXT NOT NULL DEFAULT '{}',
    failed_tool_use_id TEXT NOT NULL DEFAULT '',
    steps_between      TEXT NOT NULL DEFAULT '[]'
);

-- Keyed by path: a transcript's path holds its session's uuid, so two machines never share a row.
-- judge_offset: where the earliest failure not judged for good starts (NULL: every one is; migrations/0008).
CREATE TABLE transcript_offsets (
    path         TEXT PRIMARY KEY,
    read_offset  BIGINT NOT NULL,
    session_id   TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL,
    judge_offset BIGINT
);

CREATE TABLE analyses (
    id          BIGSERIAL PRIMARY KEY,
    incident_id TEXT NOT NULL,
    at          TEXT NOT NULL,
    provider    TEXT NOT NULL,
    root_cause  TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT 'other'
                CHECK (category IN ('missing-knowledge', 'process-gap', 'tool-misuse', 'environment', 'flaky', 'other')),
    rule_id     TEXT,
    verdict     TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX analyses_incident ON analyses(incident_id);
CREATE INDEX analyses_rule ON analyses(rule_id);

CREATE TABLE verdicts (
    key         TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    verdict     TEXT NOT NULL
);
CREATE INDEX verdicts_session ON verdicts(session_id);
CREATE INDEX verdicts_incident ON verdicts(incident_id, kind);

-- `rowid` orders events recorded within the same second, as SQLite's implicit rowid does there
-- (nevo.evidence reads it by that name).
CREATE TABLE rule_events (
    key         TEXT PRIMARY KEY,
    rowid       BIGSERIAL NOT NULL,
    rule_id     TEXT NOT NULL,
    event       TEXT NOT NULL CHECK (event IN ('hit', 'stood-aside')),
    action      TEXT NOT NULL DEFAULT '',
    tool        TEXT NOT NULL DEFAULT '',
    session_id  TEXT NOT NULL DEFAULT '',
    tool_use_id TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
CREATE INDEX rule_events_rule ON rule_events(rule_id, event, at);

CREATE TABLE rule_reviews (
    id         BIGSERIAL PRIMARY KEY,
    rule_id    TEXT NOT NULL,
    at         TEXT NOT NULL,
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    commit_sha TEXT
);
CREATE INDEX rule_reviews_rule ON rule_reviews(rule_id, at);

-- Every LLM call of the team: the daily caps count them all.
CREATE TABLE llm_calls (
    id            BIGSERIAL PRIMARY KEY,
    at            TEXT NOT NULL,
    day           TEXT NOT NULL,
    provider      TEXT NOT NULL,
    agent         TEXT NOT NULL,
    model         TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd      DOUBLE PRECISION NOT NULL DEFAULT 0,
    ok            INTEGER NOT NULL DEFAULT 1,
    error         TEXT
);
CREATE INDEX llm_calls_day ON llm_calls(day);

-- One analyst per incident across the team: a machine claims an incident before analysing it; a claim
-- older than the stale timeout (a machine that died mid-analysis) may be taken over. Server time, so the
-- machines' clocks do not matter.
CREATE TABLE claims (
    incident_id TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    machine     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Rule numbers reserved across machines (PROJ-007 on one laptop is never PROJ-007 on another): the
-- primary key makes a second reservation of a number fail, and the reserver takes the next one.
CREATE TABLE rule_numbers (
    prefix  TEXT NOT NULL,
    number  INTEGER NOT NULL,
    machine TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (prefix, number)
);
