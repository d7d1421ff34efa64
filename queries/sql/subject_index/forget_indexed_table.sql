DELETE FROM indexed_tables WHERE table_name = $table_name
