-- The positions of one file's rows that name the erasure's subject, found
-- exactly as the subject index finds them.
SELECT file_row_number
FROM read_parquet($file, hive_partitioning = false, file_row_number = true)
WHERE {{names_subject}}
ORDER BY file_row_number
