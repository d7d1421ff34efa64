({{scalar_match}}) IS TRUE AND ({{someone_else}}) IS NOT TRUE
