SELECT seq, body FROM entries ORDER BY seq
