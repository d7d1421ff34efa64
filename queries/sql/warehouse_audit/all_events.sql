-- Every imported event with the employees its filter named (JSON list of
-- ids, as attributed at import), for the works council's aggregates.
SELECT audit_events.event_time, audit_events.request_user, audit_events.user_type, audit_events.resource,
       audit_events.purpose, audit_events.justification, audit_events.filter_column IS NULL AS full_read,
       (SELECT json_group_array(s.employee_id) FROM audit_event_subjects AS s
        WHERE s.event_id = audit_events.event_id)
FROM audit_events
WHERE audit_events.result = 'allowed'
