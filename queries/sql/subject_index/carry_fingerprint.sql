UPDATE indexed_tables SET fingerprint = $new, indexed_at = now() WHERE table_name = $table_name AND fingerprint = $old
