-- Grows with every imported event (events are never removed): what was
-- derived from the events is current while this has not moved.
SELECT coalesce(max(rowid), 0) FROM audit_events
