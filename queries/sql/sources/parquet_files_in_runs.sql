-- Small Parquet files, each holding the person in a few rows, read by one
-- scan and cut to their runs by a join: opening a small file as a scan of
-- its own costs more than reading it whole. Rows are numbered as
-- `sources/parquet_numbered` numbers them; {{runs}} holds each run's file
-- (its position in $files) and rows, and $file_indexes each file's position
-- among all the files read.
SELECT rows.*, CAST($file_indexes[CAST(rows.file_index AS BIGINT) + 1] AS BIGINT) AS file_index
FROM read_parquet($files, hive_partitioning = true, union_by_name = true, file_row_number = true) AS rows
SEMI JOIN {{runs}} AS run
    ON rows.file_index = run.file AND rows.file_row_number BETWEEN run.first_row AND run.last_row
