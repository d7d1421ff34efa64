-- A subject's requests that are not final: a new request may not ask for the same data again.
SELECT request_id, scope FROM requests
WHERE subject_id = $subject_id AND state NOT IN ('denied', 'withdrawn', 'completed')
ORDER BY received_at
