lower({{column}}) = $email
