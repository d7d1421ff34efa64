list_transform({{column}}, lambda value: lower(value))
