-- +goose Up
-- A name search walks its rarest gram's postings in rank order (weight:
-- title and brand, title, brand; then newest) and stops after one page,
-- instead of scoring every match: common words ("프리미엄" in 70,000
-- products) stay fast.
CREATE INDEX idx_product_terms_rank ON product_terms (term, weight, product_id);

-- +goose Down
DROP INDEX idx_product_terms_rank ON product_terms;
