-- Holds in force at $now, for one subject or (with $subject_id NULL) for
-- everyone, with the tables a hold on chosen tables keeps (JSON list).
SELECT hold_id, subject_id, category, reason, placed_by, placed_at, expires_at,
       (SELECT json_group_array(table_name) FROM hold_tables WHERE hold_tables.hold_id = holds.hold_id)
FROM holds
WHERE lifted_at IS NULL AND expires_at > $now AND ($subject_id IS NULL OR subject_id = $subject_id)
ORDER BY placed_at
