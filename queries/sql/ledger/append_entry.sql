INSERT INTO entries (seq, body, hash) VALUES ($seq, $body, $hash)
