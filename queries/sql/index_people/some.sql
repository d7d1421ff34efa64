subject_keys.employee_id IN (SELECT unnest($people))
