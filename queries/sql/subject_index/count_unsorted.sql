INSERT INTO unsorted_rows VALUES ($rows)
