INSERT OR IGNORE INTO journal (request_id, file, table_name, step) VALUES ($request_id, $file, $table_name, 'planned')
