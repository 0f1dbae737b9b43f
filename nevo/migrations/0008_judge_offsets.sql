-- why: a failure is judged with the calls after it; until it is settled, the next read of the transcript starts
-- at its line, so the judgment sees those calls (NULL: every failure read so far is settled).
ALTER TABLE transcript_offsets ADD COLUMN judge_offset INTEGER;
