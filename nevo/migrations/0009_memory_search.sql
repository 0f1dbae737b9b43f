-- why: memory that answers. Search stems words (FTS5's porter tokenizer: "snapshots" finds "snapshot", "PDFs"
-- finds "pdf"), so every memory FTS index is rebuilt with it. A fact gets the thing it is about (its subject:
-- "port: dev server", "package manager: js") and that thing's value, so a newer value of the same thing
-- supersedes the old one: the old fact stays, marked superseded (when, and by which fact).
ALTER TABLE facts ADD COLUMN subject TEXT;          -- what the fact is about ("port:dev server"), NULL: nothing nameable
ALTER TABLE facts ADD COLUMN value TEXT;            -- the value it states for its subject ("5174")
ALTER TABLE facts ADD COLUMN replaces TEXT;         -- JSON list of values the statement itself names as old
ALTER TABLE facts ADD COLUMN superseded_at TEXT;    -- when a newer value of the same subject was first stated
ALTER TABLE facts ADD COLUMN superseded_by INTEGER; -- the fact that holds that newer value (no FK: it may expire first)
ALTER TABLE facts ADD COLUMN keywords TEXT;         -- words a search for it may use that its text lacks ("formatter")
CREATE INDEX facts_subject ON facts(subject);
-- Lessons memory used to decide itself from the journal (its own recovery finder, now gone: what a failure
-- teaches is decided once, by the verdict): they may quote the wrong error line and absolute paths. Facts
-- are derived state; the verdicts' lessons replace them.
DELETE FROM facts WHERE source = 'journal' AND category = 'lesson';

DROP TRIGGER journal_ai;
DROP TRIGGER journal_ad;
DROP TRIGGER journal_au;
DROP TABLE journal_fts;
CREATE VIRTUAL TABLE journal_fts USING fts5(
    command, input, output, content='journal', content_rowid='id', tokenize='porter unicode61'
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
INSERT INTO journal_fts(journal_fts) VALUES ('rebuild');

DROP TRIGGER narratives_ai;
DROP TRIGGER narratives_ad;
DROP TRIGGER narratives_au;
DROP TABLE narratives_fts;
CREATE VIRTUAL TABLE narratives_fts USING fts5(
    text, content='narratives', content_rowid='id', tokenize='porter unicode61'
);
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
INSERT INTO narratives_fts(narratives_fts) VALUES ('rebuild');

-- Keywords are indexed with the text: "dev server port" finds "`pnpm dev` listens on 5174", "python formatter"
-- finds "use `ruff format` instead of black", "commits preference" finds "keep commits small".
DROP TRIGGER facts_ai;
DROP TRIGGER facts_ad;
DROP TRIGGER facts_au;
DROP TABLE facts_fts;
CREATE VIRTUAL TABLE facts_fts USING fts5(
    text, keywords, content='facts', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER facts_ai AFTER INSERT ON facts BEGIN
    INSERT INTO facts_fts(rowid, text, keywords) VALUES (new.id, new.text, new.keywords);
END;
CREATE TRIGGER facts_ad AFTER DELETE ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, text, keywords) VALUES ('delete', old.id, old.text, old.keywords);
END;
CREATE TRIGGER facts_au AFTER UPDATE OF text, keywords ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, text, keywords) VALUES ('delete', old.id, old.text, old.keywords);
    INSERT INTO facts_fts(rowid, text, keywords) VALUES (new.id, new.text, new.keywords);
END;
INSERT INTO facts_fts(facts_fts) VALUES ('rebuild');

DROP TRIGGER digests_ai;
DROP TRIGGER digests_ad;
DROP TRIGGER digests_au;
DROP TABLE digests_fts;
CREATE VIRTUAL TABLE digests_fts USING fts5(
    text, content='digests', content_rowid='id', tokenize='porter unicode61'
);
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
INSERT INTO digests_fts(digests_fts) VALUES ('rebuild');
