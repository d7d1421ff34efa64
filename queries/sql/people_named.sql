-- The employees some lower-cased identifiers name, as the subject index maps them.
SELECT DISTINCT employee_id FROM subject_keys WHERE list_contains($named, value) ORDER BY employee_id
