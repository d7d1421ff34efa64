-- One employee's rows per ISO weekday (1 = Monday) and hour of capture, over some tables.
SELECT weekday, hour, sum(row_count) AS row_count
FROM hours
WHERE employee_id = $employee_id AND list_contains($tables, table_name)
GROUP BY weekday, hour
ORDER BY weekday, hour
