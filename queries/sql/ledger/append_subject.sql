INSERT INTO entry_subjects (subject_id, seq) VALUES ($subject_id, $seq)
