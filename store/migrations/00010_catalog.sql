-- +goose Up
-- Products as the scrap worker last saw them. Prices are integer minor units
-- of `currency` (KRW has none); NULL means unknown, never 0.
CREATE TABLE products (
    id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    url_hash             CHAR(64)      NOT NULL COMMENT 'sha256 hex of canonical_url',
    canonical_url        VARCHAR(2048) NOT NULL,
    page_canonical_url   VARCHAR(2048) NULL COMMENT 'link rel=canonical / og:url as the page states it',
    shop                 VARCHAR(64)   NOT NULL,
    shop_product_id      VARCHAR(191)  NULL,
    title                VARCHAR(512)  NULL,
    brand                VARCHAR(255)  NULL,
    category             VARCHAR(255)  NULL,
    image                VARCHAR(2048) NULL,
    currency             CHAR(3)       NULL,
    price                BIGINT        NULL,
    list_price           BIGINT        NULL,
    availability         VARCHAR(16)   NOT NULL DEFAULT 'unknown',
    unit_price           VARCHAR(64)   NULL,
    shipping_fee         BIGINT        NULL,
    gtin                 VARCHAR(32)   NULL,
    sku                  VARCHAR(128)  NULL,
    sources              TEXT          NULL COMMENT 'JSON: field -> extraction source',
    all_time_low         BIGINT        NULL,
    all_time_high        BIGINT        NULL,
    last_drop            BIGINT        NULL COMMENT 'size of the last price decrease, for sort=biggest_drop',
    check_status         VARCHAR(16)   NOT NULL DEFAULT 'new' COMMENT 'new, ok, not_a_product, blocked, failed',
    check_error          VARCHAR(1000) NULL,
    consecutive_failures INT           NOT NULL DEFAULT 0,
    etag                 VARCHAR(255)  NULL,
    last_modified        VARCHAR(64)   NULL,
    last_checked_at      DATETIME(6)   NULL,
    last_changed_at      DATETIME(6)   NULL,
    next_check_at        DATETIME(6)   NULL,
    lease_until          DATETIME(6)   NULL COMMENT 'queued for re-scrape until then',
    watch_count          INT           NOT NULL DEFAULT 0,
    popularity           INT           NOT NULL DEFAULT 0,
    created_at           DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at           DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_products_url (url_hash),
    KEY idx_products_due (next_check_at, id),
    KEY idx_products_shop (shop, id),
    KEY idx_products_recent (last_checked_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Variants (options) of a product, keyed by the shop's id or an option signature.
CREATE TABLE product_variants (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id   BIGINT UNSIGNED NOT NULL,
    variant_key  VARCHAR(191)  NOT NULL,
    name         VARCHAR(512)  NULL,
    options      TEXT          NULL COMMENT 'JSON object: option name -> value',
    price        BIGINT        NULL,
    list_price   BIGINT        NULL,
    availability VARCHAR(16)   NOT NULL DEFAULT 'unknown',
    sku          VARCHAR(128)  NULL,
    all_time_low BIGINT        NULL,
    created_at   DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at   DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_variants (product_id, variant_key),
    CONSTRAINT fk_variants_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Price history. variant_id 0 is the product as a whole. A row is written
-- whenever price or availability changed (changed=1), plus at most one
-- unchanged "still the same" row per product and day (changed=0), which
-- cleanup compacts after 90 days.
CREATE TABLE price_observations (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id   BIGINT UNSIGNED NOT NULL,
    variant_id   BIGINT UNSIGNED NOT NULL DEFAULT 0,
    price        BIGINT        NULL,
    list_price   BIGINT        NULL,
    currency     CHAR(3)       NULL,
    availability VARCHAR(16)   NOT NULL,
    changed      TINYINT(1)    NOT NULL DEFAULT 1,
    observed_at  DATETIME(6)   NOT NULL,
    KEY idx_obs_product (product_id, variant_id, observed_at),
    KEY idx_obs_compact (changed, observed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- URL submissions and scheduled re-scrapes, each with one final outcome.
CREATE TABLE scrape_requests (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    url            VARCHAR(2048) NOT NULL COMMENT 'as submitted',
    canonical_url  VARCHAR(2048) NOT NULL,
    url_hash       CHAR(64)      NOT NULL,
    in_flight_hash CHAR(64)      NULL COMMENT '= url_hash while pending, NULL once finished: one in-flight request per URL',
    user_id        VARCHAR(64)   NULL,
    reason         VARCHAR(16)   NOT NULL DEFAULT 'user' COMMENT 'user, schedule, operator, watch',
    status         VARCHAR(16)   NOT NULL DEFAULT 'pending' COMMENT 'pending, done, not_a_product, blocked, failed, expired',
    status_reason  VARCHAR(1000) NULL,
    product_id     BIGINT UNSIGNED NULL,
    created_at     DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at     DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    finished_at    DATETIME(6)   NULL,
    UNIQUE KEY uq_scrape_in_flight (in_flight_hash),
    KEY idx_scrape_url (url_hash, created_at),
    KEY idx_scrape_status (status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE scrape_requests;
DROP TABLE price_observations;
DROP TABLE product_variants;
DROP TABLE products;
