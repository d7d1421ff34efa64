-- As `sources/parquet`, with each row's `file_index` (its file's position in
-- $files) and `file_row_number` as columns a `*` of it keeps.
(SELECT *, file_index
 FROM read_parquet($files, hive_partitioning = true, union_by_name = true, file_row_number = true))
