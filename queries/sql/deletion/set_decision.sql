UPDATE requests SET approved_tables = $approved_tables, decision_reason = $decision_reason
WHERE request_id = $request_id
