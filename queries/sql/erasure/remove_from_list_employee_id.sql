list_filter({{column}}, lambda element: element IS DISTINCT FROM $employee_id)
