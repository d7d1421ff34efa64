-- Rows per employee over the whole warehouse (for picking benchmark subjects).
SELECT employee_id, sum(row_count) AS row_count FROM table_summaries GROUP BY employee_id ORDER BY employee_id
