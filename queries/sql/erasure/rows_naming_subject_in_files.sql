-- The positions of the rows naming the erasure's subject in the files read
-- (each by its position among them, from 0), found exactly as the subject
-- index finds them: one statement for all of a table's files rather than one
-- per file.
SELECT file_index, file_row_number
FROM {{rows_naming_subject}}
ORDER BY file_index, file_row_number
