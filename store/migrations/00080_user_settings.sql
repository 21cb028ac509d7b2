-- +goose Up
-- Where users.email came from: 'token' (the sign-in's email claim, which
-- wins) or 'user' (set with PATCH /me when the token has none).
ALTER TABLE users ADD COLUMN email_source VARCHAR(8) NULL COMMENT 'token, user' AFTER email;
UPDATE users SET email_source = 'token' WHERE email IS NOT NULL;

-- GET /me/notifications pages a user's notifications newest first.
CREATE INDEX idx_notifications_user_id ON notifications (user_id, id);

-- +goose Down
DROP INDEX idx_notifications_user_id ON notifications;
ALTER TABLE users DROP COLUMN email_source;
