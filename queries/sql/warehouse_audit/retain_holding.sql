-- Kept as first recorded: a resumed erasure must not overwrite counts with what is left.
INSERT OR IGNORE INTO retained_holdings (employee_id, table_name, day, rows)
VALUES ($employee_id, $table_name, $day, $rows)
