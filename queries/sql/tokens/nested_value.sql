-- One nested column (list, array, struct, map, union, JSON) as JSON text: every
-- value and every map key at any depth becomes part of the text.
CAST(to_json({{column}}) AS VARCHAR)
