-- why: what a failure teaches is decided once (nevo.lesson) and stored; the analyst, guards, memory and the forge read it.
CREATE TABLE verdicts (
    key         TEXT PRIMARY KEY,                   -- the failure's occurrence key (call:<session>:<tool_use_id>, ...)
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,                      -- when it was decided (ISO 8601 UTC)
    kind        TEXT NOT NULL,                      -- nevo.verdict.VERDICT_KINDS
    verdict     TEXT NOT NULL                       -- nevo.verdict.Verdict.to_json(), redacted
);
CREATE INDEX verdicts_session ON verdicts(session_id);
CREATE INDEX verdicts_incident ON verdicts(incident_id, kind);
