-- +goose Up
-- GET /products sorted by price, discount or biggest drop ordered by an
-- expression (NULL prices last, a discount computed from two columns), so
-- every request sorted all matching products: at 500,000 products a shop's
-- 100,000 in a filesort (make bench-scale). The expressions are now
-- virtual columns with indexes, and the API orders by the columns: a page
-- reads its 21 rows off an index. Virtual columns cost no table rebuild
-- and no row storage (MariaDB 10.11 and MySQL 8 index them alike).
ALTER TABLE products
    ADD COLUMN sort_price BIGINT AS (COALESCE(price, 9223372036854775807)) VIRTUAL,
    ADD COLUMN sort_price_desc BIGINT AS (COALESCE(price, -1)) VIRTUAL,
    ADD COLUMN sort_discount BIGINT AS (CASE WHEN list_price > 0 AND price IS NOT NULL AND list_price > price THEN (list_price - price) * 10000 DIV list_price ELSE 0 END) VIRTUAL,
    ADD COLUMN sort_drop BIGINT AS (COALESCE(last_drop, 0)) VIRTUAL;
CREATE INDEX idx_products_sort_price ON products (sort_price, id);
CREATE INDEX idx_products_shop_price ON products (shop, sort_price, id);
CREATE INDEX idx_products_sort_price_desc ON products (sort_price_desc, id);
CREATE INDEX idx_products_sort_discount ON products (sort_discount, id);
CREATE INDEX idx_products_sort_drop ON products (sort_drop, id);
CREATE INDEX idx_products_category_recent ON products (category, last_checked_at, id);

-- +goose Down
DROP INDEX idx_products_category_recent ON products;
DROP INDEX idx_products_sort_drop ON products;
DROP INDEX idx_products_sort_discount ON products;
DROP INDEX idx_products_sort_price_desc ON products;
DROP INDEX idx_products_shop_price ON products;
DROP INDEX idx_products_sort_price ON products;
ALTER TABLE products DROP COLUMN sort_drop, DROP COLUMN sort_discount, DROP COLUMN sort_price_desc, DROP COLUMN sort_price;
