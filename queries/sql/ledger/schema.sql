-- The access ledger. `entries` is the chain: hash = SHA-256(previous hash ||
-- seq as 8 bytes || body), body = the entry as canonical JSON. Everything
-- else here is derived from it or signs it.
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    body BLOB NOT NULL,
    hash BLOB NOT NULL
);
-- Finds one employee's entries without reading the whole chain.
CREATE TABLE IF NOT EXISTS entry_subjects (
    subject_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (subject_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    seq INTEGER PRIMARY KEY,
    entry_hash BLOB NOT NULL,
    every INTEGER NOT NULL,
    signed_at TEXT NOT NULL,
    signature BLOB NOT NULL
);
