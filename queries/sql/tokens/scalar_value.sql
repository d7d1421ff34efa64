-- One top-level scalar column (text, integer, binary, uuid…) as text.
CAST({{column}} AS VARCHAR)
