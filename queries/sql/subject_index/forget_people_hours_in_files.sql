DELETE FROM hours WHERE list_contains($files, file) AND list_contains($people, employee_id)
