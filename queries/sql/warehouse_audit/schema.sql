-- The warehouse's audit events, imported from its log. The statement text
-- itself is not kept (it names other people); only its SHA-256.
CREATE TABLE IF NOT EXISTS audit_events (
    event_id TEXT PRIMARY KEY,
    event_time TEXT NOT NULL,
    request_user TEXT NOT NULL,
    user_type TEXT,
    resource TEXT NOT NULL,
    access_type TEXT,
    result TEXT,
    client TEXT,
    rows_returned INTEGER,
    purpose TEXT,
    justification TEXT,
    filter_column TEXT,
    request_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS audit_full_reads ON audit_events (resource, event_time) WHERE filter_column IS NULL;
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_events (event_time);
-- A filtered read touched the people its filter values name.
CREATE TABLE IF NOT EXISTS audit_filter_values (
    value TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (value, event_id)
) WITHOUT ROWID;
-- Where the last import stopped in each log, so the next one reads only what was appended.
CREATE TABLE IF NOT EXISTS audit_imports (
    source TEXT PRIMARY KEY,
    read_to INTEGER NOT NULL,
    head_sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
-- The works council's aggregates read each event's filter values.
CREATE INDEX IF NOT EXISTS audit_filter_values_by_event ON audit_filter_values (event_id);
-- How many of an erased person's rows each table held on each day, kept
-- when the rows themselves are erased: the audit events above are
-- attributed to people by it, and who read a person's data is the
-- controller's accountability record, not the person's telemetry. Counts
-- only, no content.
CREATE TABLE IF NOT EXISTS retained_holdings (
    employee_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    day TEXT NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (employee_id, table_name, day)
) WITHOUT ROWID;
-- The employees each filtered read named, attributed when the event was
-- imported (a filter value is an employee id or an email, compared as the
-- directory compares them), with the directory of that moment: an address
-- given to someone else later still names the person it named then.
-- Erasing a person's rows erases none of this (it holds no data): who
-- read a person's data is the controller's accountability record.
CREATE TABLE IF NOT EXISTS audit_event_subjects (
    employee_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (employee_id, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_event_subjects_by_event ON audit_event_subjects (event_id);
