-- Which apps were on screen when I was captured?
SELECT active_app, count(*) AS captures, count(ocr_text) AS with_text_extracted
FROM telemetry_raw.screen_captures
GROUP BY active_app
ORDER BY captures DESC
