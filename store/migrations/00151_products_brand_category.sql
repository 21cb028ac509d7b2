-- +goose Up
-- GET /products?tag=…&brand=…&category=… matched 1 product in ~1,900: no
-- index served two of the filters, so the listing walked the sort's index
-- and probed every row (0.8-1.6 s at 500,000 products). With this index
-- the brand and category together are one range (1/240 of the products)
-- that a filter-first plan reads and sorts (api/listing_plan.go); with
-- sort=recent it is read in the sort's order. In place, LOCK=NONE.
CREATE INDEX idx_products_brand_category ON products (brand, category, last_checked_at, id) ALGORITHM=INPLACE LOCK=NONE;

-- +goose Down
DROP INDEX idx_products_brand_category ON products;
