-- The calendar months ("2026-10") in which something was recorded.
SELECT DISTINCT substr(json_extract(CAST(body AS TEXT), '$.at'), 1, 7) FROM entries
