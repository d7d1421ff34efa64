json_extract_string({{column}}, $json_path) = $employee_id
