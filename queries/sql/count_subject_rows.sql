-- How many of a table's rows concern one employee.
SELECT count(*) AS row_count
FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
WHERE {{subject_match}}
