SELECT at, actor_id, from_state, to_state, note FROM transitions WHERE request_id = $request_id ORDER BY rowid
