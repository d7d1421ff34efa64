SELECT seq, body, hash FROM entries ORDER BY seq
