-- +goose Up
-- GET /products?min_price=…&max_price=…&sort=biggest_drop walked
-- (sort_drop, id) and read every row above the first one in the range:
-- drop size follows price, so at 500,000 products 168,000 full rows for a
-- range of 10,000-20,000 won (4-6 s). With sort_price in the index the
-- walk tests the price in the index (an index-only read) and reads only the
-- rows in the range. It replaces (sort_drop, id), its prefix, so a price
-- change still updates one drop index; in-place, LOCK=NONE.
CREATE INDEX idx_products_drop_price ON products (sort_drop, id, sort_price) ALGORITHM=INPLACE LOCK=NONE;
DROP INDEX idx_products_sort_drop ON products;

-- +goose Down
CREATE INDEX idx_products_sort_drop ON products (sort_drop, id);
DROP INDEX idx_products_drop_price ON products;
