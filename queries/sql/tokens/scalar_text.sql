-- One top-level scalar column (text, integer, binary, uuid…) as text to cut into tokens.
{'c': $column_number, 'nested': false, 't': CAST({{column}} AS VARCHAR)}
