SELECT journal.table_name, journal.file, journal_others_named.identifiers FROM journal_others_named
JOIN journal USING (request_id, file)
WHERE request_id = $request_id ORDER BY journal.table_name, journal.file
