-- Where one employee was found, per table: the column, the kind of finding
-- (subject, named, mentioned) and the form of key (employee_id, email, a hash…).
SELECT table_name, column_name, finding, form, sum(row_count) AS row_count
FROM mentions
WHERE employee_id = $employee_id
GROUP BY ALL
ORDER BY table_name, row_count DESC, column_name, finding, form
