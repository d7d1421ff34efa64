-- A reproducible sample of a text column's values, to recognise employee
-- identifiers by what they contain rather than by the column's name.
SELECT value
FROM (
    SELECT CAST({{column}} AS VARCHAR) AS value
    FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
    WHERE {{column}} IS NOT NULL
)
USING SAMPLE reservoir(2000 ROWS) REPEATABLE (17)
