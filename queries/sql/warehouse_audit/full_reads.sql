-- Every allowed full read, by table and time: a full read touched everyone
-- the table held then, so one person's share is a time range per table.
SELECT event_id, event_time, request_user, user_type, resource, rows_returned, purpose, justification
FROM audit_events
WHERE filter_column IS NULL AND result = 'allowed'
ORDER BY resource, event_time
