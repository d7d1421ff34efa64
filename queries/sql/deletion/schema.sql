-- Deletion requests, every transition they went through, legal holds, and
-- the executor's journal. Kept after execution: they are the accountability.
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    scope TEXT NOT NULL,           -- JSON: {"all": true} or {"categories": [...], "tables": [...]}
    reason TEXT,
    state TEXT NOT NULL,
    received_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    extension_reason TEXT,
    approved_tables TEXT,          -- JSON list, set when approved (in part)
    decision_reason TEXT,
    receipt TEXT                   -- JSON, signed, once completed
);
CREATE INDEX IF NOT EXISTS requests_by_subject ON requests (subject_id);
CREATE TABLE IF NOT EXISTS transitions (
    request_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT
);
CREATE INDEX IF NOT EXISTS transitions_by_request ON transitions (request_id);
CREATE TABLE IF NOT EXISTS holds (
    hold_id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    category TEXT,                 -- NULL: all of the subject's data
    reason TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    lifted_by TEXT,
    lifted_at TEXT
);
CREATE TABLE IF NOT EXISTS journal (
    request_id TEXT NOT NULL,
    file TEXT NOT NULL,
    table_name TEXT NOT NULL,
    step TEXT NOT NULL,            -- planned, written, swapped
    new_sha256 TEXT,
    rows_deleted INTEGER,
    rows_redacted INTEGER,
    distinctive TEXT,              -- JSON: values only the subject's rows held; wiped once verified
    PRIMARY KEY (request_id, file)
);
-- Per file, the other people the subject's deleted rows named (a message
-- they sent names its recipients): their index entries for the file are
-- recomputed once it is swapped. Who the subject wrote to is part of what
-- was deleted, so these are wiped with the distinctive values.
CREATE TABLE IF NOT EXISTS journal_others_named (
    request_id TEXT NOT NULL,
    file TEXT NOT NULL,
    identifiers TEXT NOT NULL,     -- JSON list, lower-cased
    PRIMARY KEY (request_id, file)
);
-- Per table erased through its format's own steps (an Iceberg table), what
-- they did besides rows, for the receipt: the snapshots expired, the files
-- removed. Holds no identifier.
CREATE TABLE IF NOT EXISTS journal_notes (
    request_id TEXT NOT NULL,
    file TEXT NOT NULL,
    note TEXT NOT NULL,            -- JSON object
    PRIMARY KEY (request_id, file)
);
-- What the employee is told when their request changes state: shown in the
-- portal until read, and mailed once (`mailed_at`) when mail is configured.
CREATE TABLE IF NOT EXISTS notifications (
    request_id TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL,
    read_at TEXT,
    mailed_at TEXT,
    PRIMARY KEY (request_id, state, at)
);
CREATE INDEX IF NOT EXISTS notifications_by_employee ON notifications (employee_id, at);
-- A hold on chosen tables (its category then NULL): each table, with its
-- unregistered copies. A hold with none of these and no category keeps all.
CREATE TABLE IF NOT EXISTS hold_tables (
    hold_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    PRIMARY KEY (hold_id, table_name)
) WITHOUT ROWID;
-- A notification being mailed, and by which sender: every portal process
-- has a mailer, and a notification is claimed here in one write transaction
-- before it is sent, so that two of them never mail it twice. A claim left
-- by a sender that stopped mid-way is taken over once it is stale.
CREATE TABLE IF NOT EXISTS mail_claims (
    request_id TEXT NOT NULL,
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    sender TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (request_id, state, at)
);
