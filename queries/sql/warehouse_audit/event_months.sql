-- The calendar months ("2026-10") of the imported events.
SELECT DISTINCT substr(event_time, 1, 7) FROM audit_events
