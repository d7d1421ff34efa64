INSERT OR IGNORE INTO notifications (request_id, employee_id, at, state) VALUES ($request_id, $employee_id, $at, $state)
