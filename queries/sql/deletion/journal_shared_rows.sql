SELECT journal.table_name, journal.file FROM journal_shared_rows
JOIN journal USING (request_id, file)
WHERE request_id = $request_id ORDER BY journal.table_name, journal.file
