DELETE FROM hours WHERE list_contains($tables, table_name)
