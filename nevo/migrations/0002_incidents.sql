-- why: the monitor's store: one incident per fingerprint, every occurrence exactly once, recoveries, transcript read offsets.
CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,              -- INC-YYYY-MM-DD-xxxx
    fingerprint      TEXT NOT NULL UNIQUE,          -- Fingerprint.digest
    tool             TEXT NOT NULL,
    command          TEXT NOT NULL DEFAULT '',      -- normalised command key
    error_class      TEXT NOT NULL DEFAULT '',
    normalized_error TEXT NOT NULL DEFAULT '',
    sample           TEXT NOT NULL DEFAULT '{}',    -- redacted JSON: tool_input, error (clipped), cwd
    count            INTEGER NOT NULL DEFAULT 0,
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    session_count    INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'analysed', 'resolved')),
    is_loop          INTEGER NOT NULL DEFAULT 0,
    report_written   INTEGER NOT NULL DEFAULT 0     -- 0: .nevo/incidents/<id>.md must be (re)written
);
CREATE INDEX incidents_rank ON incidents(count DESC, last_seen DESC);
CREATE INDEX incidents_report_due ON incidents(report_written) WHERE report_written = 0;

-- One row per failed call. `key` makes counting idempotent: "call:<session>:<tool_use_id>" for a tool
-- call (the hook and the transcript name the same call), "trigger:<file name>" for the rest, so a
-- trigger reprocessed after a crash between commit and unlink never counts twice.
CREATE TABLE occurrences (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL DEFAULT '',
    tool_use_id TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    source      TEXT NOT NULL,                      -- 'hook' or 'transcript'
    tool        TEXT NOT NULL DEFAULT '',
    input       TEXT NOT NULL DEFAULT '{}',         -- redacted JSON of the failed call's input (for recoveries)
    recovered   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX occurrences_incident ON occurrences(incident_id, at);
CREATE INDEX occurrences_session ON occurrences(session_id, incident_id);

-- The call that succeeded after a failure in the same session: the analyst's best evidence.
CREATE TABLE recoveries (
    incident_id        TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    tool               TEXT NOT NULL,
    input              TEXT NOT NULL DEFAULT '{}',  -- redacted JSON
    command            TEXT NOT NULL DEFAULT '',    -- redacted
    session_id         TEXT NOT NULL DEFAULT '',
    tool_use_id        TEXT NOT NULL DEFAULT '',
    at                 TEXT NOT NULL,
    failed_input       TEXT NOT NULL DEFAULT '{}',  -- redacted JSON
    failed_tool_use_id TEXT NOT NULL DEFAULT '',
    steps_between      TEXT NOT NULL DEFAULT '[]'   -- JSON list: short summaries of the calls in between
);

-- How far each transcript has been read, so a long session is not re-read at every turn.
CREATE TABLE transcript_offsets (
    path       TEXT PRIMARY KEY,
    read_offset INTEGER NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
