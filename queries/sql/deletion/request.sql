SELECT request_id, subject_id, scope, reason, state, received_at, deadline, extension_reason, approved_tables,
       decision_reason, receipt
FROM requests WHERE request_id = $request_id
