INSERT INTO transitions (request_id, at, actor_id, from_state, to_state, note)
VALUES ($request_id, $at, $actor_id, $from_state, $to_state, $note)
