-- Columns and types of a table, over all of its files.
DESCRIBE SELECT * FROM {{rows}}
