SELECT sha256, tables FROM table_lists WHERE sha256 IN (SELECT value FROM json_each($wanted))
