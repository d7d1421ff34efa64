-- One file, read once, for its rewrite: every row with the subject's
-- identifier removed, flagged as the subject's own (deleted) and as naming
-- them at all (a kept row that named them has had the identifier removed).
-- A NULL predicate keeps the row: nobody else's row may be lost. Each
-- predicate is computed once, below the projection (JSON is parsed per row).
SELECT {{projection}}
FROM (
    SELECT *, ({{owned}}) IS TRUE AS {{owned_flag}}, ({{subject_match}}) IS TRUE AS {{named_flag}}
    FROM read_parquet($file, hive_partitioning = false)
)
