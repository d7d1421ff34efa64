SELECT seq, entry_hash, every, signed_at, signature FROM checkpoints ORDER BY seq
