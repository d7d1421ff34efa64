-- One Parquet file's rows within some runs of row numbers, numbered as
-- `sources/parquet_numbered` numbers them ($file_index: the file's position
-- among those read). DuckDB compares the runs with each row group's row
-- numbers and reads only the row groups they reach.
SELECT *, CAST($file_index AS BIGINT) AS file_index
FROM read_parquet($file, hive_partitioning = true, file_row_number = true)
WHERE {{within_runs}}
