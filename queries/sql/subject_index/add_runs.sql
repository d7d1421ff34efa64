INSERT INTO row_runs
SELECT employee_id, table_name, file, first_row, last_row FROM new_runs
