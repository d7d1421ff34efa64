-- What erasing one subject does to one file: rows deleted, rows kept with
-- the subject's identifier removed, all rows.
SELECT count(*) FILTER (WHERE ({{owned}}) IS TRUE),
       count(*) FILTER (WHERE ({{owned}}) IS NOT TRUE AND ({{subject_match}}) IS TRUE),
       count(*)
FROM read_parquet($file, hive_partitioning = false)
