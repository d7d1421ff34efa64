-- One employee's rows per table and day (tables without a capture time are left out).
SELECT table_name, day, sum(row_count) AS row_count
FROM postings
WHERE employee_id = $employee_id AND day IS NOT NULL
GROUP BY table_name, day
ORDER BY table_name, day
