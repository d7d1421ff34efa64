SELECT e.seq, e.body
FROM entry_subjects AS s JOIN entries AS e ON e.seq = s.seq
WHERE s.subject_id = $subject_id
ORDER BY e.seq
