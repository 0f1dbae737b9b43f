-- why: the analyst's record: every analysis (provider, root cause, category, verdict) and rule effectiveness.
CREATE TABLE analyses (
    id          INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL,
    at          TEXT NOT NULL,             -- ISO 8601 UTC
    provider    TEXT NOT NULL,
    root_cause  TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT 'other'
                CHECK (category IN ('missing-knowledge', 'process-gap', 'tool-misuse', 'environment', 'flaky', 'other')),
    rule_id     TEXT,                      -- the rule written (or the existing rule it duplicates)
    verdict     TEXT NOT NULL,             -- committed | pending | duplicate | rejected | provider-error
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX analyses_incident ON analyses(incident_id);
CREATE INDEX analyses_rule ON analyses(rule_id);

-- Nightly snapshot of how each rule is doing: recurrences of its incidents since it was committed.
CREATE TABLE rule_effectiveness (
    rule_id     TEXT PRIMARY KEY,
    checked_at  TEXT NOT NULL,
    recurrences INTEGER NOT NULL DEFAULT 0,
    failing     INTEGER NOT NULL DEFAULT 0
);
