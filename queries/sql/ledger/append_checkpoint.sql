INSERT INTO checkpoints (seq, entry_hash, every, signed_at, signature)
VALUES ($seq, $entry_hash, $every, $signed_at, $signature)
