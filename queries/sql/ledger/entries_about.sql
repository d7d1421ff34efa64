SELECT e.seq, e.body
FROM entry_subjects AS s JOIN entries AS e ON e.seq = s.seq
WHERE s.subject_id = $subject_id AND s.seq > $after
ORDER BY e.seq
