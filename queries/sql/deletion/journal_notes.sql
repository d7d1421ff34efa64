SELECT file, note FROM journal_notes WHERE request_id = $request_id ORDER BY file
