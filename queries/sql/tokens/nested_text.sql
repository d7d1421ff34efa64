-- One nested column's JSON text, to cut into tokens.
{'c': $column_number, 'nested': true, 't': {{value}}}
