UPDATE journal SET distinctive = NULL WHERE request_id = $request_id
