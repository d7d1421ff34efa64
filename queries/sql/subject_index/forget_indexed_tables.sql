DELETE FROM indexed_tables WHERE list_contains($tables, table_name)
