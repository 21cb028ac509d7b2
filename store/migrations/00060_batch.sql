-- +goose Up
-- batch_ticks records the progress of each rescrape.due tick: a re-delivered
-- tick resumes at its cursor instead of starting again, and a finished tick
-- (done_at set) enqueues nothing. phase 0 walks never-checked products
-- (next_check_at NULL) by id, phase 1 the due ones by (next_check_at, id),
-- phase 2 is done. as_of fixes "due" for every delivery of the tick.
CREATE TABLE batch_ticks (
    tick_key       VARCHAR(191) NOT NULL PRIMARY KEY,
    as_of          DATETIME(6)  NOT NULL,
    phase          TINYINT      NOT NULL DEFAULT 0,
    cursor_at      DATETIME(6)  NULL,
    cursor_id      BIGINT UNSIGNED NOT NULL DEFAULT 0,
    enqueued       INT          NOT NULL DEFAULT 0,
    skipped_budget INT          NOT NULL DEFAULT 0,
    host_counts    MEDIUMTEXT   NULL COMMENT 'JSON: host -> products enqueued by this tick',
    created_at     DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    done_at        DATETIME(6)  NULL,
    KEY idx_batch_ticks_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE batch_ticks;
