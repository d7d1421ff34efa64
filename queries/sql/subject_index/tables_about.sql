-- Per table: one employee's rows, first and last capture, files, and the
-- rows kept longer than the register's retention (tables given in
-- $retention_tables / $retention_days, as of $today). The totals come from
-- the summaries; only the overdue rows are counted from the postings.
WITH retention AS (
    SELECT unnest($retention_tables) AS table_name, unnest($retention_days) AS retention_days
),
overdue AS (
    SELECT postings.table_name, sum(postings.row_count) AS overdue_rows, min(postings.day) AS overdue_since
    FROM postings
    JOIN retention USING (table_name)
    WHERE postings.employee_id = $employee_id AND postings.day < $today - retention.retention_days
    GROUP BY postings.table_name
)
SELECT summaries.table_name,
       summaries.row_count,
       summaries.first_seen,
       summaries.last_seen,
       summaries.files,
       coalesce(overdue.overdue_rows, 0) AS overdue_rows,
       overdue.overdue_since
FROM table_summaries AS summaries
LEFT JOIN overdue USING (table_name)
WHERE summaries.employee_id = $employee_id
ORDER BY summaries.table_name
