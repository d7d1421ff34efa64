DELETE FROM row_runs WHERE list_contains($files, file) AND list_contains($people, employee_id)
