INSERT OR IGNORE INTO audit_events (event_id, event_time, request_user, user_type, resource, access_type, result,
                                    client, rows_returned, purpose, justification, filter_column, request_sha256)
VALUES ($event_id, $event_time, $request_user, $user_type, $resource, $access_type, $result, $client,
        $rows_returned, $purpose, $justification, $filter_column, $request_sha256)
