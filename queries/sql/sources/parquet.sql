-- Rows of Parquet files DuckDB reads itself: columns by name across files,
-- `k=v` folders as columns.
read_parquet($files, hive_partitioning = true, union_by_name = true)
