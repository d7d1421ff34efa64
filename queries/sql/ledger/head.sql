SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1
