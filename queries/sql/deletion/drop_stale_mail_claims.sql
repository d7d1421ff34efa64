DELETE FROM mail_claims WHERE claimed_at < $stale_before
