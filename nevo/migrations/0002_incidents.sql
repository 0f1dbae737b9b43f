-- why: reserved for the monitor work (filled by its owner).
SELECT 1;
