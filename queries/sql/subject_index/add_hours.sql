INSERT INTO hours
SELECT employee_id, table_name, file, weekday, hour, row_count FROM new_hours
