-- One file without the subject: their own rows dropped, their identifier
-- removed from the rows that are someone else's. A NULL predicate keeps
-- the row: nobody else's row may be lost.
SELECT {{projection}}
FROM read_parquet($file, hive_partitioning = false)
WHERE ({{owned}}) IS NOT TRUE
