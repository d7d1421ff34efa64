-- What did they record of what I typed, word for word?
SELECT ts, app, typed_text
FROM telemetry_raw.keystrokes
WHERE typed_text IS NOT NULL
ORDER BY ts DESC
LIMIT 50
