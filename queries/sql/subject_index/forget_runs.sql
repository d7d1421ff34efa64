DELETE FROM row_runs WHERE list_contains($tables, table_name)
