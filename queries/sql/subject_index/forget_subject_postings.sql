DELETE FROM postings WHERE employee_id = $employee_id AND table_name = $table_name
