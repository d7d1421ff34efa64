INSERT INTO postings
SELECT employee_id, table_name, file, day, row_count, first_seen, last_seen FROM new_postings
