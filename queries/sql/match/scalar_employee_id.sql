{{column}} = $employee_id
