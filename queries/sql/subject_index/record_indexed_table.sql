INSERT INTO indexed_tables VALUES ($table_name, $fingerprint, now())
