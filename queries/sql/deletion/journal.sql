SELECT file, table_name, step, new_sha256, rows_deleted, rows_redacted, distinctive FROM journal
WHERE request_id = $request_id ORDER BY table_name, file
