-- The works council's figures, one release per ended month, kept as first
-- published: a figure that never changes cannot be compared with its next
-- value. Aggregates only (no name, id or free text).
CREATE TABLE IF NOT EXISTS releases (
    period TEXT PRIMARY KEY,
    published_at TEXT NOT NULL,
    body TEXT NOT NULL
);
