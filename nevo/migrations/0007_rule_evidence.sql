-- why: a rule keeps its evidence (what its guard did, counted once per guard event, and every review of
-- it), and a failure remembers the sub-agent it happened in (AGENT-NNN rules are kept with that agent).

-- One row per guard event the guard hook reported (a trigger `<stamp>-g<pid>.json`, NevoGuard): `key` is
-- the trigger's name and content, so a trigger replayed after a crash between commit and delete counts once.
CREATE TABLE rule_events (
    key         TEXT PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    event       TEXT NOT NULL CHECK (event IN ('hit', 'stood-aside')),
    action      TEXT NOT NULL DEFAULT '',      -- rewrite | deny: what the guard did or would have done
    tool        TEXT NOT NULL DEFAULT '',
    session_id  TEXT NOT NULL DEFAULT '',
    tool_use_id TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL                  -- ISO 8601 UTC
);
CREATE INDEX rule_events_rule ON rule_events(rule_id, event, at);

-- Every time nevo looked at a rule again: revised (committed with a new body or guard), unchanged (the
-- new analysis said the same), rejected (a gate refused the revision), retired (the cause is gone), or
-- provider-error (left for the next run). A rule is re-analysed only after recurrences newer than this.
CREATE TABLE rule_reviews (
    id      INTEGER PRIMARY KEY,
    rule_id TEXT NOT NULL,
    at      TEXT NOT NULL,
    action  TEXT NOT NULL,
    reason  TEXT NOT NULL DEFAULT '',
    commit_sha TEXT
);
CREATE INDEX rule_reviews_rule ON rule_reviews(rule_id, at);

-- The sub-agent type a failure happened in ('' in the main session), from the hook payload's agent_type.
ALTER TABLE occurrences ADD COLUMN agent_type TEXT NOT NULL DEFAULT '';
