DELETE FROM mail_claims WHERE request_id = $request_id AND state = $state AND at = $at
