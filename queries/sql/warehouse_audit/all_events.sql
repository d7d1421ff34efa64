-- Every imported event with the employee values its filter named (JSON list),
-- for the works council's aggregates.
SELECT audit_events.event_time, audit_events.request_user, audit_events.user_type, audit_events.resource,
       audit_events.purpose, audit_events.justification, audit_events.filter_column IS NULL AS full_read,
       (SELECT json_group_array(value) FROM audit_filter_values WHERE audit_filter_values.event_id = audit_events.event_id)
FROM audit_events
WHERE audit_events.result = 'allowed'
