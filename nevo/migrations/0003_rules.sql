-- why: reserved for the analyst work (filled by its owner).
SELECT 1;
