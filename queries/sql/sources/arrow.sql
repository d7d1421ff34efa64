-- Rows a storage format read itself and handed over as Arrow, without the
-- numbering the warehouse added.
(SELECT * EXCLUDE (file_index, file_row_number) FROM {{relation}})
