-- Per table: one employee's rows, first and last capture, files, and the
-- rows kept longer than the register's retention (tables given in
-- $retention_tables / $retention_days, as of $today).
WITH retention AS (
    SELECT unnest($retention_tables) AS table_name, unnest($retention_days) AS retention_days
)
SELECT postings.table_name,
       sum(postings.row_count) AS row_count,
       min(postings.first_seen) AS first_seen,
       max(postings.last_seen) AS last_seen,
       list(DISTINCT postings.file ORDER BY postings.file) AS files,
       coalesce(sum(postings.row_count) FILTER (WHERE postings.day < $today - retention.retention_days), 0)
           AS overdue_rows,
       min(postings.day) FILTER (WHERE postings.day < $today - retention.retention_days) AS overdue_since
FROM postings
LEFT JOIN retention USING (table_name)
WHERE postings.employee_id = $employee_id
GROUP BY postings.table_name
ORDER BY postings.table_name
