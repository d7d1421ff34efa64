-- For each named group of tables: how many employees any of them holds rows about.
WITH groups AS (SELECT unnest($group_names) AS group_name, unnest($group_tables) AS table_name)
SELECT groups.group_name, count(DISTINCT table_summaries.employee_id)
FROM table_summaries JOIN groups ON table_summaries.table_name = groups.table_name
GROUP BY groups.group_name
