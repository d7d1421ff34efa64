INSERT OR IGNORE INTO table_lists (sha256, tables) VALUES ($sha256, $tables)
