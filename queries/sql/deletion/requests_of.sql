SELECT request_id FROM requests WHERE subject_id = $subject_id ORDER BY received_at DESC
