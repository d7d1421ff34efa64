-- Rows per ISO weekday and hour over several tables' per-table counts.
SELECT weekday, hour, sum(row_count) AS row_count
FROM ({{per_table}})
GROUP BY ALL
