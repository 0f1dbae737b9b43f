-- why: an LLM call counted here while the team's shared store was out of reach is shipped to it later, once;
-- a random origin given when the call is counted names it there (the local row's id is reused once the rows
-- are shipped and deleted, so the id could not).
ALTER TABLE llm_calls ADD COLUMN origin TEXT;
