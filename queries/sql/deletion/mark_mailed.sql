UPDATE notifications SET mailed_at = $mailed_at WHERE request_id = $request_id AND state = $state AND at = $at
