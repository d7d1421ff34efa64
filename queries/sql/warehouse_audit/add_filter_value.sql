INSERT OR IGNORE INTO audit_filter_values (value, event_id) VALUES ($value, $event_id)
