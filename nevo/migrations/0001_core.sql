-- why: nevo's own bookkeeping: key/value state and every LLM call (tokens, cost) for the daily cap.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE llm_calls (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,          -- ISO 8601 UTC
    day           TEXT NOT NULL,          -- YYYY-MM-DD (UTC), for the daily cap
    provider      TEXT NOT NULL,
    agent         TEXT NOT NULL,
    model         TEXT NOT NULL,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd      REAL NOT NULL DEFAULT 0,
    ok            INTEGER NOT NULL DEFAULT 1,
    error         TEXT
);
CREATE INDEX llm_calls_day ON llm_calls(day);
