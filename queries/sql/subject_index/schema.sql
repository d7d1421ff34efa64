-- The subject index: which tables, files, rows, days and hours of the week hold which employees.
CREATE TABLE IF NOT EXISTS indexed_tables (
    table_name VARCHAR PRIMARY KEY,
    fingerprint VARCHAR NOT NULL,
    indexed_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS postings (
    employee_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    day DATE,
    row_count BIGINT NOT NULL,
    first_seen TIMESTAMP,
    last_seen TIMESTAMP
)
;
CREATE TABLE IF NOT EXISTS hours (
    employee_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    weekday INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    row_count BIGINT NOT NULL
)
;
CREATE TABLE IF NOT EXISTS mentions (
    employee_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    finding VARCHAR NOT NULL,
    form VARCHAR NOT NULL,
    row_count BIGINT NOT NULL
);
-- Where in each file an employee's rows sit: runs of `file_row_number`, so a
-- reader of their rows reads only the row groups holding them, not a whole
-- file through the token search.
CREATE TABLE IF NOT EXISTS row_runs (
    employee_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    first_row BIGINT NOT NULL,
    last_row BIGINT NOT NULL
);
-- One row per employee and table, summing their postings over files and
-- days: what the inventory lists and the council counts, so that neither
-- groups every posting. Kept in step with the postings by every statement
-- that changes them (summarize.sql).
CREATE TABLE IF NOT EXISTS table_summaries (
    employee_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    first_seen TIMESTAMP,
    last_seen TIMESTAMP,
    files VARCHAR[] NOT NULL
);
-- Rows added since the index was last sorted by employee (cluster.sql): a sort
-- rewrites the whole index, so it waits until the unsorted part is worth it.
CREATE TABLE IF NOT EXISTS unsorted_rows (row_count BIGINT NOT NULL)
