-- +goose Up
-- Delivery log of the notification worker: one row per alert and channel.
-- status: see package watch (queued, deferred, sent, failed, skipped, capped).
CREATE TABLE notifications (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id             VARCHAR(64)   NOT NULL,
    watch_id            BIGINT UNSIGNED NULL COMMENT 'NULL for digests',
    product_id          BIGINT UNSIGNED NULL,
    variant_id          BIGINT UNSIGNED NOT NULL DEFAULT 0,
    rule                VARCHAR(16)   NOT NULL COMMENT 'watch rule, or digest',
    channel             VARCHAR(8)    NOT NULL COMMENT 'email, push',
    status              VARCHAR(16)   NOT NULL,
    dedupe_key          CHAR(64)      NOT NULL COMMENT 'sha256(user, watch, rule, variant, price, local day, channel)',
    alert_key           CHAR(64)      NOT NULL COMMENT 'dedupe_key without the channel: one alert, all channels',
    local_day           DATE          NOT NULL COMMENT 'the user''s local day the alert counts against',
    title               VARCHAR(512)  NULL,
    variant_name        VARCHAR(512)  NULL,
    image               VARCHAR(2048) NULL,
    old_price           BIGINT        NULL,
    new_price           BIGINT        NULL,
    list_price          BIGINT        NULL,
    all_time_low        BIGINT        NULL,
    currency            CHAR(3)       NULL,
    old_availability    VARCHAR(16)   NULL,
    new_availability    VARCHAR(16)   NULL,
    provider_message_id VARCHAR(255)  NULL,
    attempts            INT           NOT NULL DEFAULT 0,
    error               VARCHAR(1000) NULL,
    deliver_after       DATETIME(6)   NULL COMMENT 'deferred by quiet hours until then',
    claimed_at          DATETIME(6)   NULL COMMENT 'last send attempt started',
    digest_id           BIGINT UNSIGNED NULL COMMENT 'capped rows: the digest that listed them',
    created_at          DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at          DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    sent_at             DATETIME(6)   NULL,
    UNIQUE KEY uq_notifications_dedupe (dedupe_key),
    KEY idx_notifications_user_day (user_id, local_day, status),
    KEY idx_notifications_pending (status, deliver_after),
    KEY idx_notifications_watch (watch_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Addresses SES reported as hard-bounced or complaining: never mailed again.
CREATE TABLE email_suppressions (
    email      VARCHAR(320) NOT NULL PRIMARY KEY,
    reason     VARCHAR(16)  NOT NULL COMMENT 'bounce, complaint',
    detail     VARCHAR(1000) NULL,
    created_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE email_suppressions;
DROP TABLE notifications;
