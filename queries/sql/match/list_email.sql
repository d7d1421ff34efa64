list_contains(list_transform({{column}}, lambda address: lower(address)), $email)
