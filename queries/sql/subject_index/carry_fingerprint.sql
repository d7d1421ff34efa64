-- Tables rewritten by an erasure take their new fingerprint, where the
-- index still holds them at the one they had before.
UPDATE indexed_tables SET fingerprint = carried.new, indexed_at = now()
FROM (SELECT unnest($tables) AS table_name, unnest($old) AS old, unnest($new) AS new) AS carried
WHERE indexed_tables.table_name = carried.table_name AND indexed_tables.fingerprint = carried.old
