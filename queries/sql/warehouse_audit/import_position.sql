SELECT read_to, head_sha256 FROM audit_imports WHERE source = $source
