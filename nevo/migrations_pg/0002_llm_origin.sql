-- why: an LLM call made while the shared store was out of reach is counted in the machine's own SQLite and
-- shipped once the store answers. Its origin (the machine, the local row and when) makes that shipping
-- idempotent: a run killed after the store committed and before the local rows were cleared ships nothing twice.
ALTER TABLE llm_calls ADD COLUMN origin TEXT UNIQUE;
