SELECT n.request_id, n.employee_id, n.at, n.state
FROM notifications AS n
JOIN mail_claims AS c USING (request_id, state, at)
WHERE c.sender = $sender AND n.mailed_at IS NULL
ORDER BY n.at
