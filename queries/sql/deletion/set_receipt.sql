UPDATE requests SET receipt = $receipt WHERE request_id = $request_id
