-- Keeps postings, hours, mentions, row runs and summaries sorted by employee so that a lookup reads only
-- the row groups holding that employee (min/max pruning), whatever the index size.
CREATE OR REPLACE TABLE postings AS SELECT * FROM postings ORDER BY employee_id;
CREATE OR REPLACE TABLE hours AS SELECT * FROM hours ORDER BY employee_id;
CREATE OR REPLACE TABLE mentions AS SELECT * FROM mentions ORDER BY employee_id;
CREATE OR REPLACE TABLE row_runs AS SELECT * FROM row_runs ORDER BY employee_id;
CREATE OR REPLACE TABLE table_summaries AS SELECT * FROM table_summaries ORDER BY employee_id;
DELETE FROM unsorted_rows
