SELECT request_id FROM requests WHERE state = 'executing' ORDER BY received_at
