-- +goose Up
-- Free-form tags on products (e.g. "laptop", "gift"), for GET /products?tag=.
CREATE TABLE product_tags (
    product_id BIGINT UNSIGNED NOT NULL,
    tag        VARCHAR(64)     NOT NULL,
    PRIMARY KEY (product_id, tag),
    KEY idx_product_tags_tag (tag, product_id),
    CONSTRAINT fk_product_tags_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Keyset pagination for GET /products?sort=price.
CREATE INDEX idx_products_price ON products (price, id);

-- +goose Down
DROP INDEX idx_products_price ON products;
DROP TABLE product_tags;
