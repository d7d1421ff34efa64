INSERT INTO mentions
SELECT employee_id, table_name, file, column_name, finding, form, row_count FROM new_mentions
