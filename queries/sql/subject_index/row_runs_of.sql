-- Where one employee's rows sit in each file of each table (see `row_runs` in schema.sql).
SELECT table_name, file, list([first_row, last_row] ORDER BY first_row) AS runs
FROM row_runs
WHERE employee_id = $employee_id
GROUP BY table_name, file
