-- The events that touched one employee: full reads of a table while it held
-- their rows, and filtered reads whose filter names one of their identifiers.
WITH mine (resource, since) AS (
    SELECT value ->> 0, value ->> 1 FROM json_each($my_tables)
),
named AS (
    SELECT DISTINCT event_id FROM audit_filter_values WHERE value IN (SELECT value FROM json_each($identifiers))
)
SELECT e.event_id, e.event_time, e.request_user, e.user_type, e.resource, e.rows_returned, e.purpose,
       e.justification, 'full read' AS reach
FROM audit_events AS e JOIN mine AS m ON e.resource = m.resource AND e.event_time >= m.since
WHERE e.filter_column IS NULL AND e.result = 'allowed'
UNION ALL
SELECT e.event_id, e.event_time, e.request_user, e.user_type, e.resource, e.rows_returned, e.purpose,
       e.justification, 'filtered on you' AS reach
FROM audit_events AS e JOIN named AS n ON e.event_id = n.event_id
WHERE e.result = 'allowed'
ORDER BY 2
