SELECT request_id FROM requests ORDER BY deadline
