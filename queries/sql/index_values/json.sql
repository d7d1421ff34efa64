[lower(json_extract_string({{column}}, $json_path))]
