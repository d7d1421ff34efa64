CAST({{column}} AS TIMESTAMP)
