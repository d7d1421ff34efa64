INSERT INTO audit_imports (source, read_to, head_sha256, imported_at) VALUES ($source, $read_to, $head_sha256, $imported_at)
ON CONFLICT (source) DO UPDATE SET read_to = excluded.read_to, head_sha256 = excluded.head_sha256,
                                   imported_at = excluded.imported_at
