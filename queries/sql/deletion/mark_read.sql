UPDATE notifications SET read_at = $read_at WHERE employee_id = $employee_id AND read_at IS NULL
