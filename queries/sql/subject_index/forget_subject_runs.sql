DELETE FROM row_runs WHERE employee_id = $employee_id AND list_contains($tables, table_name)
