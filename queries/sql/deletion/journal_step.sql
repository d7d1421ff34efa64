UPDATE journal SET step = $step, new_sha256 = $new_sha256, rows_deleted = $rows_deleted,
                   rows_redacted = $rows_redacted, distinctive = $distinctive
WHERE request_id = $request_id AND file = $file
