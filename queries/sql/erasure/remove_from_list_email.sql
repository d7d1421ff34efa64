list_filter({{column}}, lambda element: lower(element) IS DISTINCT FROM $email)
