UPDATE holds SET lifted_by = $lifted_by, lifted_at = $lifted_at WHERE hold_id = $hold_id AND lifted_at IS NULL
