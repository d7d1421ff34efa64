-- The summaries of the tables $tables, for everyone ($everyone) or for the employees $people.
DELETE FROM table_summaries
WHERE list_contains($tables, table_name) AND ($everyone OR list_contains($people, employee_id))
