INSERT INTO indexed_tables SELECT unnest($tables), unnest($fingerprints), now()
