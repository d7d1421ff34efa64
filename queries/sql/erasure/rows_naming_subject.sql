-- The positions of one file's rows that name the erasure's subject, found
-- exactly as the subject index finds them.
SELECT file_row_number
FROM {{rows_naming_subject}}
ORDER BY file_row_number
