SELECT * FROM read_parquet($file, hive_partitioning = false) WHERE ({{owned}}) IS TRUE
