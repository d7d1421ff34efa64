INSERT OR REPLACE INTO journal_others_named VALUES ($request_id, $file, $identifiers)
