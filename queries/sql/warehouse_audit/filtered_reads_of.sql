-- The allowed filtered reads attributed to the employee at import.
SELECT e.event_id, e.event_time, e.request_user, e.user_type, e.resource, e.rows_returned, e.purpose, e.justification
FROM audit_event_subjects AS s JOIN audit_events AS e ON e.event_id = s.event_id
WHERE s.employee_id = $employee_id AND e.result = 'allowed'
