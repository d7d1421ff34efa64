SELECT request_id, at, state, read_at FROM notifications WHERE employee_id = $employee_id ORDER BY at DESC
