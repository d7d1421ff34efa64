-- When one employee was captured in one table: rows per ISO weekday (1 = Monday) and hour.
SELECT isodow({{event_time}}) AS weekday, hour({{event_time}}) AS hour, count(*) AS row_count
FROM {{rows}}
WHERE {{names_subject}} AND {{event_time}} IS NOT NULL
GROUP BY ALL
