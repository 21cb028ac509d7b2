-- +goose Up
-- How often the batch worker re-queued a scrape request that got no outcome
-- (its message was lost, e.g. by an emulator restart, or its worker died).
ALTER TABLE scrape_requests ADD COLUMN requeued INT NOT NULL DEFAULT 0 AFTER status_reason;

-- +goose Down
ALTER TABLE scrape_requests DROP COLUMN requeued;
