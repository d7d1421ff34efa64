-- Per table: how many employees it holds rows about, and how many rows.
SELECT table_name, count(*), sum(row_count) FROM table_summaries GROUP BY table_name
