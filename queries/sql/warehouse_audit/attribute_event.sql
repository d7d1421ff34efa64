INSERT OR IGNORE INTO audit_event_subjects (employee_id, event_id) VALUES ($employee_id, $event_id)
