list_contains({{column}}, $employee_id)
