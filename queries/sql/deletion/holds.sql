-- Holds in force at $now, for one subject or (with $subject_id NULL) for everyone.
SELECT hold_id, subject_id, category, reason, placed_by, placed_at, expires_at
FROM holds
WHERE lifted_at IS NULL AND expires_at > $now AND ($subject_id IS NULL OR subject_id = $subject_id)
ORDER BY placed_at
