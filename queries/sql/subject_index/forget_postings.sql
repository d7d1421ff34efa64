DELETE FROM postings WHERE table_name = $table_name
