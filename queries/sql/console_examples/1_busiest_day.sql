-- How many keystrokes did they record on my busiest day?
SELECT CAST(ts AS DATE) AS day, count(*) AS keystrokes
FROM telemetry_raw.keystrokes
GROUP BY day
ORDER BY keystrokes DESC
LIMIT 1
