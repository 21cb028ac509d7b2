-- +goose Up
-- Users are owned by the frontend's sign-in; the API upserts a row from the
-- JWT (sub, email) on each authenticated request.
CREATE TABLE users (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY COMMENT 'JWT sub',
    email       VARCHAR(320) NULL,
    locale      VARCHAR(8)   NOT NULL DEFAULT 'ko',
    timezone    VARCHAR(64)  NOT NULL DEFAULT 'Asia/Seoul',
    quiet_start TIME         NULL COMMENT 'quiet hours start, local time',
    quiet_end   TIME         NULL,
    daily_cap   INT          NULL COMMENT 'NULL = service default',
    created_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One watch = one rule on a product (variant_id 0) or one variant.
-- rule: target, drop_pct, any_drop, rise, all_time_low, back_in_stock.
CREATE TABLE watches (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id          VARCHAR(64)   NOT NULL,
    product_id       BIGINT UNSIGNED NOT NULL,
    variant_id       BIGINT UNSIGNED NOT NULL DEFAULT 0,
    rule             VARCHAR(16)   NOT NULL,
    target_price     BIGINT        NULL COMMENT 'minor units, rule=target',
    drop_pct         DECIMAL(5,2)  NULL COMMENT 'rule=drop_pct',
    channel_email    TINYINT(1)    NOT NULL DEFAULT 1,
    channel_push     TINYINT(1)    NOT NULL DEFAULT 0,
    active           TINYINT(1)    NOT NULL DEFAULT 1,
    armed            TINYINT(1)    NOT NULL DEFAULT 1 COMMENT 'hysteresis: target alerts re-arm above target + band',
    last_alert_at    DATETIME(6)   NULL,
    last_alert_price BIGINT        NULL,
    unsubscribed_at  DATETIME(6)   NULL COMMENT 'email one-click unsubscribe',
    created_at       DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    KEY idx_watches_user (user_id, id),
    KEY idx_watches_product (product_id, active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE push_subscriptions (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id       VARCHAR(64)   NOT NULL,
    endpoint      VARCHAR(2048) NOT NULL,
    endpoint_hash CHAR(64)      NOT NULL,
    p256dh        VARCHAR(255)  NOT NULL,
    auth          VARCHAR(255)  NOT NULL,
    created_at    DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_push_endpoint (endpoint_hash),
    KEY idx_push_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE push_subscriptions;
DROP TABLE watches;
DROP TABLE users;
