-- A person's screen captures, and how many had their visible text extracted (OCR).
SELECT count(*) AS captures, count(ocr_text) AS with_text
FROM {{rows}}
