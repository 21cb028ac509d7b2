-- +goose Up
-- Name search (package search): every normalized two-character gram and
-- whole word ('=' prefix) of a product's title and brand, with its weight.
-- Terms are lower-cased NFKC in Go, so the column compares bytes.
CREATE TABLE product_terms (
    term       VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    product_id BIGINT UNSIGNED NOT NULL,
    weight     SMALLINT NOT NULL,
    PRIMARY KEY (term, product_id),
    KEY idx_product_terms_product (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The title and brand (hashed) the terms were made from: a re-scrape that
-- changes neither rewrites nothing; NULL is not indexed yet.
ALTER TABLE products ADD COLUMN search_terms_of CHAR(16) NULL;
CREATE INDEX idx_products_search_pending ON products (search_terms_of, id);

-- +goose Down
DROP INDEX idx_products_search_pending ON products;
ALTER TABLE products DROP COLUMN search_terms_of;
DROP TABLE product_terms;
