-- The filter values of events not attributed to anyone yet: the events
-- just imported, and those whose values the directory did not know then
-- (it may lag behind the warehouse).
SELECT v.event_id, v.value FROM audit_filter_values AS v
WHERE NOT EXISTS (SELECT 1 FROM audit_event_subjects AS s WHERE s.event_id = v.event_id)
