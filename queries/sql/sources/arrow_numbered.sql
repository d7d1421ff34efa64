-- Rows a storage format read itself, with the warehouse's `file_index` and
-- `file_row_number`.
{{relation}}
