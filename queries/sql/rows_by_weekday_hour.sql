-- When one employee was captured in one table: rows per ISO weekday (1 = Monday) and hour.
SELECT isodow({{event_time}}) AS weekday, hour({{event_time}}) AS hour, count(*) AS row_count
FROM read_parquet($files, hive_partitioning = true, union_by_name = true)
WHERE {{names_subject}} AND {{event_time}} IS NOT NULL
GROUP BY ALL
