SELECT table_name, day, rows FROM retained_holdings WHERE employee_id = $employee_id ORDER BY table_name, day
