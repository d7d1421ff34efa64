UPDATE requests SET deadline = $deadline, extension_reason = $extension_reason WHERE request_id = $request_id
