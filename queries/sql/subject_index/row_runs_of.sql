-- Where one employee's rows sit in each file of some tables (see `row_runs` in schema.sql).
SELECT file, first_row, last_row
FROM row_runs
WHERE employee_id = $employee_id AND list_contains($tables, table_name)
