UPDATE requests SET state = $state WHERE request_id = $request_id AND state = $from_state
