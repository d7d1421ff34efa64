-- A reproducible sample of the elements of a text-list column (recipients,
-- participants).
SELECT value
FROM (
    SELECT unnest({{column}}) AS value
    FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
    WHERE {{column}} IS NOT NULL
)
WHERE value IS NOT NULL
USING SAMPLE reservoir(2000 ROWS) REPEATABLE (17)
