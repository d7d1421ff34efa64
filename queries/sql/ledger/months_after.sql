-- The calendar months ("2026-10") in which the entries after $after were
-- recorded, each with the last of those entries.
SELECT substr(json_extract(CAST(body AS TEXT), '$.at'), 1, 7) AS month, max(seq) AS last
FROM entries
WHERE seq > $after
GROUP BY month
