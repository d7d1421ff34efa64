DELETE FROM mail_claims WHERE sender = $sender
