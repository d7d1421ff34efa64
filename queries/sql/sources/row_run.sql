-- A row within one run of row numbers of its file.
file_row_number BETWEEN $first_row AND $last_row
