-- The first publication of a period wins; a second one computed meanwhile is dropped.
INSERT OR IGNORE INTO releases (period, published_at, body) VALUES ($period, $published_at, $body)
