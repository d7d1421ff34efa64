-- The access ledger. `entries` is the chain: hash = SHA-256(previous hash ||
-- seq as 8 bytes || body), body = the entry as canonical JSON. Everything
-- else here is derived from it or signs it.
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    body BLOB NOT NULL,
    hash BLOB NOT NULL
);
-- Each list of tables entries name, stored once under the SHA-256 of its
-- JSON (hex), which the entries' bodies hold and their hashes cover: an
-- inventory at L names a thousand tables, and a person's every visit names
-- the same ones.
CREATE TABLE IF NOT EXISTS table_lists (
    sha256 TEXT PRIMARY KEY,
    tables BLOB NOT NULL
) WITHOUT ROWID;
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
