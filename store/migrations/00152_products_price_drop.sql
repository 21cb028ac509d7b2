-- +goose Up
-- GET /products?min_price=…&max_price=…&sort=biggest_drop for a cheap range
-- (1,000-5,000 won) walked most of (sort_drop, id, sort_price): cheap
-- products have the smallest drops, so 355,000 index entries came before a
-- page at 500,000 products (55-250 ms). This index holds the range in
-- order of price with each product's drop: the listing reads the range
-- index-only and keeps the biggest drops (a bounded sort) before reading
-- any row (api/listing.go, priceTopDrop). In place, LOCK=NONE.
CREATE INDEX idx_products_price_drop ON products (sort_price, sort_drop, id) ALGORITHM=INPLACE LOCK=NONE;

-- +goose Down
DROP INDEX idx_products_price_drop ON products;
