INSERT INTO journal_notes (request_id, file, note) VALUES ($request_id, $file, $note)
ON CONFLICT (request_id, file) DO UPDATE SET note = json_patch(note, excluded.note)
