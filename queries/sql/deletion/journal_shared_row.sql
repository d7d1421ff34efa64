INSERT OR IGNORE INTO journal_shared_rows VALUES ($request_id, $file)
