SELECT table_name, fingerprint FROM indexed_tables
