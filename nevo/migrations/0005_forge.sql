-- why: reserved for the forge work (filled by its owner).
SELECT 1;
