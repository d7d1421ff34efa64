-- The sequence number of the latest entry about one employee (NULL: none):
-- what changes when a read of their data is recorded.
SELECT max(seq) FROM entry_subjects WHERE subject_id = $subject_id
