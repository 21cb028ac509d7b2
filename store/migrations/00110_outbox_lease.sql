-- +goose Up
-- The relay claims outbox rows with a lease instead of holding their locks
-- while it publishes: a short transaction sets claimed_until and commits,
-- the publish runs outside any transaction, and a second short transaction
-- marks the rows published. Rows whose lease ran out (a relay died between
-- publish and mark) are claimed again; consumers dedupe on the event id.
ALTER TABLE outbox ADD COLUMN claimed_until DATETIME(6) NULL AFTER published_at;

-- +goose Down
ALTER TABLE outbox DROP COLUMN claimed_until;
