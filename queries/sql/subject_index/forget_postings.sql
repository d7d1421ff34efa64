DELETE FROM postings WHERE list_contains($tables, table_name)
