DELETE FROM mentions WHERE list_contains($tables, table_name)
