-- Columns and types of a table, over all of its files.
DESCRIBE SELECT * FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
