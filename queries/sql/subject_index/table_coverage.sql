-- Per table: how many employees it holds rows about, and how many rows.
SELECT table_name, count(DISTINCT employee_id), sum(row_count) FROM postings GROUP BY table_name
