-- why: reserved for the memory work (filled by its owner).
SELECT 1;
