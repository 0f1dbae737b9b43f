-- why: the journal's search index read a tool call's input as JSON, so its keys were words of every call:
-- "file" (file_path), "path", "string" (old_string), "command", "content", "description" matched every Edit,
-- Read or Bash row, and a search for "the holiday calendar file" met five Grep calls before the fact that
-- answers it. The index now reads the values only (input_words), without option values that are the tool's
-- own vocabulary (Grep's output_mode: "files_with_matches"); a prompt or message is indexed as it is.
-- The old index and its triggers go first: the UPDATE below would otherwise re-index every row once more.
DROP TRIGGER journal_ai;
DROP TRIGGER journal_ad;
DROP TRIGGER journal_au;
DROP TABLE journal_fts;
ALTER TABLE journal ADD COLUMN input_words TEXT;
UPDATE journal SET input_words = CASE
    WHEN kind = 'tool' AND json_valid(input) THEN (
        SELECT group_concat(atom, ' ') FROM json_tree(journal.input)
        WHERE type = 'text' AND key NOT IN ('output_mode', 'type', 'subagent_type')
    )
    ELSE input
END;

CREATE VIRTUAL TABLE journal_fts USING fts5(
    command, input_words, output, content='journal', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER journal_ai AFTER INSERT ON journal BEGIN
    INSERT INTO journal_fts(rowid, command, input_words, output) VALUES (new.id, new.command, new.input_words, new.output);
END;
CREATE TRIGGER journal_ad AFTER DELETE ON journal BEGIN
    INSERT INTO journal_fts(journal_fts, rowid, command, input_words, output)
    VALUES ('delete', old.id, old.command, old.input_words, old.output);
END;
CREATE TRIGGER journal_au AFTER UPDATE ON journal BEGIN
    INSERT INTO journal_fts(journal_fts, rowid, command, input_words, output)
    VALUES ('delete', old.id, old.command, old.input_words, old.output);
    INSERT INTO journal_fts(rowid, command, input_words, output) VALUES (new.id, new.command, new.input_words, new.output);
END;
INSERT INTO journal_fts(journal_fts) VALUES ('rebuild');
