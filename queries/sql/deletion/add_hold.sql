INSERT INTO holds (hold_id, subject_id, category, reason, placed_by, placed_at, expires_at)
VALUES ($hold_id, $subject_id, $category, $reason, $placed_by, $placed_at, $expires_at)
