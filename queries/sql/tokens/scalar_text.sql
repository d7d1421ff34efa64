-- One top-level scalar column's text, to cut into tokens.
{'c': $column_number, 'nested': false, 't': {{value}}}
