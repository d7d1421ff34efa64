-- Summarizes into table_summaries the postings in {{postings}} of the tables
-- $tables, for everyone ($everyone) or for the employees $people: the caller
-- has first deleted the summaries it replaces (forget_summaries.sql). In
-- employee order, so that summaries made at once are as a sort leaves them.
-- Rows per day are not summarized: listing them cost ten times as much to
-- build (21 s against 2.3 s for 5.7 million postings at L), and a lookup
-- finds overdue rows among the person's postings (tables_about.sql).
INSERT INTO table_summaries
SELECT employee_id, table_name, sum(row_count), min(first_seen), max(last_seen), list(DISTINCT file ORDER BY file)
FROM {{postings}}
WHERE list_contains($tables, table_name) AND ($everyone OR list_contains($people, employee_id))
GROUP BY employee_id, table_name
ORDER BY employee_id, table_name
