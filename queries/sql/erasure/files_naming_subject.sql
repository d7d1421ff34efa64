-- Which of the files read (by position among them, from 0) still hold a row
-- naming the erasure's subject, found exactly as the subject index finds
-- them: one statement for all of a table's files rather than one per file.
SELECT DISTINCT file_index
FROM {{rows_naming_subject}}
ORDER BY file_index
