-- The subject index: which tables, files, days and hours of the week hold which employees.
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
-- Rows added since the index was last sorted by employee (cluster.sql): a sort
-- rewrites the whole index, so it waits until the unsorted part is worth it.
CREATE TABLE IF NOT EXISTS unsorted_rows (row_count BIGINT NOT NULL)
