SELECT count(DISTINCT employee_id) FROM postings WHERE list_contains($tables, table_name)
