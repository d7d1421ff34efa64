-- Numbered rows (`file_index`, `file_row_number`) with only the table's columns.
(SELECT * EXCLUDE (file_index, file_row_number) FROM {{numbered}})
