DELETE FROM journal_others_named WHERE request_id = $request_id
