-- Claims for $sender every notification not mailed and not claimed by another.
INSERT INTO mail_claims (request_id, state, at, sender, claimed_at)
SELECT n.request_id, n.state, n.at, $sender, $claimed_at
FROM notifications AS n
WHERE n.mailed_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM mail_claims AS c
                  WHERE c.request_id = n.request_id AND c.state = n.state AND c.at = n.at)
