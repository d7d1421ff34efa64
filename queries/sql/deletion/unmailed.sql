SELECT request_id, employee_id, at, state FROM notifications WHERE mailed_at IS NULL ORDER BY at
