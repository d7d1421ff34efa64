DELETE FROM postings WHERE table_name = $table_name AND list_contains($files, file)
